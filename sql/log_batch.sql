-- mig_log rows are queued and written in batches (one INSERT per 256
-- steps and at the end of the call); version rows still move step by step.
-- The rows are values of mig_log's row type, its columns found by name.
SET client_min_messages = warning;
\set VERBOSITY default
DROP EXTENSION IF EXISTS mig_ext CASCADE;
CREATE EXTENSION mig_ext;
CREATE TABLE lb_seen (step int GENERATED ALWAYS AS IDENTITY, rows text);
SELECT mig_revision('a', 'CREATE TABLE lb_a (i int)', 'DROP TABLE lb_a',
                    revision => 'lba', down_revision => '{}');
SELECT mig_revision('b', $$INSERT INTO lb_seen (rows) SELECT string_agg(revision, ',' ORDER BY revision) FROM mig_version$$,
                    'SELECT 1', revision => 'lbb', down_revision => '{lba}');
SELECT mig_revision('c', $$INSERT INTO lb_seen (rows) SELECT string_agg(revision, ',' ORDER BY revision) FROM mig_version$$,
                    'SELECT 1', revision => 'lbc', down_revision => '{lba}');
SELECT mig_merge('m', '{lbb,lbc}', revision => 'lbm');
SELECT * FROM mig_upgrade('head');
SELECT * FROM mig_downgrade('lba');
SELECT mig_stamp('lbb lbc');
-- a body sees the version rows of the steps before it
SELECT step, rows FROM lb_seen ORDER BY step;
-- one row per step, in order, with the values of that step
SELECT row_number() OVER (ORDER BY id) AS n, revision, direction, from_revisions, to_revisions,
       applied_by = current_user AS by_me, session_user_name = session_user AS session,
       application_name = current_setting('application_name') AS app,
       duration >= '0' AS dur,
       checksum IS NOT DISTINCT FROM CASE direction
           WHEN 'upgrade' THEN encode(sha256(convert_to((SELECT upgrade FROM mig_revisions r WHERE r.revision = l.revision), 'UTF8')), 'hex')
           WHEN 'downgrade' THEN encode(sha256(convert_to((SELECT downgrade FROM mig_revisions r WHERE r.revision = l.revision), 'UTF8')), 'hex')
       END AS sum
FROM mig_log l ORDER BY id;
-- one xid per call, and started_at follows the steps
SELECT direction, count(DISTINCT xid) AS xids,
       bool_and(started_at >= coalesce(prev, started_at)) AS ordered
FROM (SELECT direction, xid, started_at, lag(started_at) OVER (ORDER BY id) AS prev FROM mig_log) s
GROUP BY direction ORDER BY direction;
-- more steps than a batch: 1030 revisions in a chain, registered directly
DROP EXTENSION mig_ext CASCADE;
CREATE EXTENSION mig_ext;
INSERT INTO mig_revisions (revision, down_revisions, upgrade, downgrade, checksum, registered_by)
SELECT 'n' || i, CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY['n' || (i - 1)] END,
       'SELECT 1', 'SELECT 1', encode(sha256(convert_to('8:SELECT 18:SELECT 1', 'UTF8')), 'hex'),
       current_user
FROM generate_series(1, 1030) i ORDER BY i;
SELECT count(*) FROM mig_upgrade('head');
SELECT count(*) AS n, max(id) - min(id) + 1 AS span,
       bool_and(revision = 'n' || (id - (SELECT min(id) FROM mig_log) + 1)) AS in_order,
       bool_and(from_revisions = CASE WHEN revision = 'n1' THEN '{}'::text[]
                                      ELSE ARRAY['n' || (substr(revision, 2)::int - 1)] END
                AND to_revisions = ARRAY[revision]) AS rows_ok
FROM mig_log;
SELECT * FROM mig_version;
-- a column dropped and added again moves to the end of the row type:
-- the log rows still fill it
ALTER TABLE mig_log DROP COLUMN application_name;
ALTER TABLE mig_log ADD COLUMN application_name text NOT NULL DEFAULT 'none';
SELECT count(*) FROM mig_downgrade('n1025');
SELECT count(*) AS n, bool_and(direction = 'downgrade') AS down,
       bool_and(application_name = current_setting('application_name')) AS app,
       bool_and(checksum = encode(sha256(convert_to('SELECT 1', 'UTF8')), 'hex')) AS sum
FROM mig_log WHERE direction = 'downgrade';
-- a log column renamed by hand: the call fails before any step runs
ALTER TABLE mig_log RENAME COLUMN checksum TO body_sha256;
SELECT count(*) FROM mig_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_version;
SELECT count(*) FROM mig_log;
-- a body that changes the version rows behind the call's back (only a role
-- that may write mig_version, a superuser here, can): the call fails and
-- leaves nothing
ALTER TABLE mig_log RENAME COLUMN body_sha256 TO checksum;
SELECT mig_stamp('base', purge => true);
SELECT mig_revision('v1', 'CREATE TABLE lb_v1 (i int)', 'DROP TABLE lb_v1; DELETE FROM mig_version',
                    revision => 'lbv1', down_revision => '{}');
SELECT mig_revision('v2', 'DELETE FROM mig_version', 'SELECT 1',
                    revision => 'lbv2', down_revision => '{lbv1}');
-- the update of row lbv1 to lbv2 finds no row: the rows differ at the end
SELECT count(*) FROM mig_upgrade('lbv2');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS version_rows FROM mig_version;
SELECT to_regclass('lb_v1') AS lb_v1;
SELECT count(*) FROM mig_upgrade('lbv1');
-- the delete of row lbv1 finds no row
SELECT count(*) FROM mig_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM mig_version;
SELECT to_regclass('lb_v1') AS lb_v1;
DROP EXTENSION mig_ext CASCADE;
DROP TABLE lb_seen;
DROP TABLE lb_a;
DROP TABLE lb_v1;
