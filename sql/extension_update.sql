-- ALTER EXTENSION mig_ext UPDATE from the install script of 1.0: registered
-- revisions, version rows and log are kept, and 1.1's index of the branch
-- labels arrives.  Registration behaves the same with and without it.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mig_ext CASCADE;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE EXTENSION mig_ext VERSION '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'mig_ext';
SELECT mig_revision('first', 'CREATE TABLE upd_t (id int)', 'DROP TABLE upd_t',
                    revision => 'u1', down_revision => '{}', branch_labels => '{trunk}');
SELECT mig_revision('second', 'INSERT INTO upd_t VALUES (1)', 'DELETE FROM upd_t',
                    revision => 'u2', down_revision => '{u1}');
-- 1.0 has no index on the labels: a clash is found all the same
SELECT mig_revision('clash', 'SELECT 1', revision => 'u3', down_revision => '{u2}',
                    branch_labels => '{trunk}');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('head');

ALTER EXTENSION mig_ext UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'mig_ext';
SELECT indexdef FROM pg_indexes
WHERE tablename = 'mig_revisions' AND indexname = 'mig_revisions_branch_labels';
SELECT revision, down_revisions, branch_labels FROM mig_revisions ORDER BY seq;
SELECT revision FROM mig_current();
SELECT revision, direction FROM mig_log ORDER BY id;
SELECT * FROM upd_t;
-- registration after the update: the clash, then a revision on the label
SELECT mig_revision('clash', 'SELECT 1', revision => 'u3', down_revision => '{u2}',
                    branch_labels => '{trunk}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('third', 'INSERT INTO upd_t VALUES (3)', 'DELETE FROM upd_t WHERE id = 3',
                    revision => 'u3', down_revision => '{trunk@head}');
SELECT revision, down_revisions FROM mig_revisions WHERE revision = 'u3';
SELECT revision, direction FROM mig_upgrade('head');
SELECT * FROM upd_t ORDER BY id;
SELECT revision, direction FROM mig_downgrade('base');
SELECT count(*) FROM pg_class WHERE relname = 'upd_t';
DROP EXTENSION mig_ext CASCADE;
