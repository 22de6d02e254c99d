-- Verify bodies (Sqitch's verify scripts): statements that fail unless a
-- revision's upgrade is really there.  They run right after the upgrade
-- in every path (the step fails and is rolled back when they fail), and
-- on demand with mig_verify.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mig_ext CASCADE;
RESET client_min_messages;
CREATE EXTENSION mig_ext;
\set SHOW_CONTEXT never

SELECT mig_revision('users', 'CREATE TABLE vf_users (id int PRIMARY KEY, email text)',
                    'DROP TABLE vf_users', revision => 'v1', down_revision => '{}',
                    verify => 'SELECT id, email FROM vf_users WHERE false');
-- the upgrade forgets the column its verify expects
SELECT mig_revision('names', 'ALTER TABLE vf_users ADD COLUMN nmae text',
                    'ALTER TABLE vf_users DROP COLUMN nmae', revision => 'v2',
                    verify => $$SELECT name FROM vf_users WHERE false;
SELECT 1/count(*) FROM pg_attribute WHERE attrelid = 'vf_users'::regclass AND attname = 'name'$$);
SELECT revision, verify FROM mig_revisions ORDER BY seq;

-- mig_upgrade: the failing verify fails the call; nothing of it remains
SELECT revision FROM mig_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('vf_users') IS NULL AS no_table, (SELECT count(*) FROM mig_version) AS rows;
-- with the context, the phase is named
\set SHOW_CONTEXT always
SELECT revision FROM mig_upgrade('head');
\set SHOW_CONTEXT never

-- CALL mig_deploy: v1 is committed, v2 rolled back
CALL mig_deploy('head');
SELECT revision FROM mig_version;
SELECT revision, direction FROM mig_log ORDER BY id;
SELECT attname FROM pg_attribute WHERE attrelid = 'vf_users'::regclass AND attnum > 0 ORDER BY attnum;

-- mig_test and mig_rehearse run it too
SELECT revision, "check", ok, detail FROM mig_test('heads');
SELECT step, revision, detail FROM mig_rehearse('heads');

-- on demand: a row per applied revision up to the target
SELECT * FROM mig_verify();
-- a hand change breaks what v1 verifies
ALTER TABLE vf_users RENAME COLUMN email TO mail;
SELECT * FROM mig_verify();
SELECT * FROM mig_verify('v1');
ALTER TABLE vf_users RENAME COLUMN mail TO email;
-- nothing the verify does stays
SELECT mig_revision('counter', 'CREATE TABLE vf_count (n int)', 'DROP TABLE vf_count',
                    revision => 'v3', down_revision => '{v1}',
                    verify => 'INSERT INTO vf_count VALUES (1); SELECT 1/(2 - count(*)) FROM vf_count');
SELECT revision FROM mig_upgrade('v3');
SELECT * FROM mig_verify('v3');
SELECT count(*) FROM vf_count;
-- a revision without a verify body: ok is NULL
SELECT mig_revision('plain', 'SELECT 1', revision => 'v4', down_revision => '{v3}');
SELECT revision FROM mig_upgrade('v4');
SELECT * FROM mig_verify('v4');

-- offline scripts run it before the bookkeeping
SELECT mig_revision('phone', 'ALTER TABLE vf_users ADD COLUMN phone text', revision => 'v5',
                    down_revision => '{v4}', verify => 'SELECT phone FROM vf_users WHERE false');
SELECT line FROM regexp_split_to_table(mig_upgrade_sql('v5'), E'\n') AS line
WHERE line LIKE '%verify%' OR line LIKE '%phone%';

-- registration: a verify that does not parse, or that cannot run in a
-- transaction block, is refused; so is the same id with another verify
SELECT mig_revision('bad', 'SELECT 1', revision => 'vx', down_revision => '{v5}',
                    verify => 'SELEC 1');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('bad', 'SELECT 1', revision => 'vx', down_revision => '{v5}',
                    verify => 'VACUUM vf_users');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('phone', 'ALTER TABLE vf_users ADD COLUMN phone text', revision => 'v5',
                    down_revision => '{v4}', verify => 'SELECT 1');
\echo :LAST_ERROR_SQLSTATE

-- a revision file's "-- mig:verify" section, after the upgrade or the downgrade
SELECT mig_import($f$-- mig:revision: v6
-- mig:down_revisions: v5
-- mig:upgrade
CREATE TABLE vf_six (id int);
-- mig:verify
SELECT id FROM vf_six WHERE false;
-- mig:downgrade
DROP TABLE vf_six;
$f$);
SELECT upgrade, downgrade, verify FROM mig_revisions WHERE revision = 'v6';
SELECT mig_import(E'-- mig:revision: v7\n-- mig:down_revisions: v6\n-- mig:verify\nSELECT 1\n-- mig:upgrade\n');
SELECT mig_import(E'-- mig:revision: v7\n-- mig:down_revisions: v6\n-- mig:upgrade\n-- mig:verify\n-- mig:verify\n');
SELECT revision FROM mig_upgrade('v6');
SELECT * FROM mig_verify();

-- a non-transactional step (CALL mig_deploy) is verified before it is
-- recorded: its statements stay, its version row does not move
SELECT mig_revision('index', 'CREATE INDEX CONCURRENTLY vf_users_email ON vf_users (email)',
                    'DROP INDEX CONCURRENTLY vf_users_email', revision => 'v7',
                    down_revision => '{v6}', transactional => false,
                    verify => $$SELECT 1/count(*) FROM pg_indexes WHERE indexname = 'vf_users_mail'$$);
CALL mig_deploy('v7');
SELECT revision FROM mig_version;
SELECT indexname FROM pg_indexes WHERE tablename = 'vf_users' ORDER BY 1;

DROP EXTENSION mig_ext CASCADE;
DROP TABLE vf_users, vf_count, vf_six;
