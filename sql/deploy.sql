-- deploy: non-transactional revisions and CALL mig_deploy:
-- what registration refuses, what mig_upgrade refuses, a step per
-- transaction, failures leaving the steps before them, downgrades,
-- lock timeouts, invalid indexes in mig_validate.
CREATE EXTENSION mig_ext;
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE TABLE users (id int, email text);
INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 1000) g;

------------------------------------------------------------------------
-- registration: statements that never run in a transaction block are
-- refused in a transactional revision, decided from the parse tree
------------------------------------------------------------------------
SELECT mig_revision('x', 'CREATE INDEX CONCURRENTLY users_email ON users (email)', revision => 'x');
SELECT mig_revision('x', 'SELECT 1', 'DROP INDEX CONCURRENTLY users_email', revision => 'x');
SELECT mig_revision('x', 'REINDEX (CONCURRENTLY) TABLE users', revision => 'x');
SELECT mig_revision('x', 'REINDEX TABLE CONCURRENTLY users', revision => 'x');
SELECT mig_revision('x', 'REINDEX SCHEMA public', revision => 'x');
SELECT mig_revision('x', 'SELECT 1; VACUUM users', revision => 'x');
SELECT mig_revision('x', 'CREATE DATABASE mig_nope', revision => 'x');
SELECT mig_revision('x', 'DROP DATABASE mig_nope', revision => 'x');
SELECT mig_revision('x', $$ALTER SYSTEM SET work_mem = '8MB'$$, revision => 'x');
SELECT mig_revision('x', $$CREATE TABLESPACE t LOCATION '/nowhere'$$, revision => 'x');
SELECT mig_revision('x', 'CLUSTER', revision => 'x');
SELECT count(*) FROM mig_revisions;
-- in a transaction block they are fine: plain index statements, ANALYZE,
-- REINDEX of a table, enum values (allowed in a transaction since 12),
-- a text that merely mentions CONCURRENTLY
SELECT mig_revision('plain', $$
CREATE INDEX users_id ON users (id);
REINDEX TABLE users;
ANALYZE users;
CREATE TYPE mood AS ENUM ('sad');
ALTER TYPE mood ADD VALUE 'happy';
COMMENT ON TABLE users IS 'CREATE INDEX CONCURRENTLY'$$,
  'DROP INDEX users_id; DROP TYPE mood; COMMENT ON TABLE users IS NULL',
  revision => 't1', down_revision => '{}');
-- marked non-transactional they register
SELECT mig_revision('index users by email',
  'CREATE INDEX CONCURRENTLY users_email ON users (email)',
  'DROP INDEX CONCURRENTLY users_email', revision => 'n1', transactional => false);
SELECT revision, transactional FROM mig_revisions ORDER BY seq;
-- the same id again: identical is accepted, another transactional attribute is not
SELECT mig_revision('index users by email',
  'CREATE INDEX CONCURRENTLY users_email ON users (email)',
  'DROP INDEX CONCURRENTLY users_email', revision => 'n1', transactional => false);
SELECT mig_revision('plain', 'SELECT 1', revision => 't1', down_revision => '{}', transactional => false);
SELECT mig_revision('x', 'SELECT 1', transactional => NULL);
-- the file header
SELECT mig_import($$-- mig:revision: n2
-- mig:down_revisions: n1
-- mig:transactional: false
-- mig:upgrade
VACUUM users;
-- mig:downgrade
$$);
SELECT mig_import($$-- mig:revision: n3
-- mig:down_revisions: n2
-- mig:transactional: perhaps
-- mig:upgrade
$$);
SELECT mig_import($$-- mig:revision: n3
-- mig:down_revisions: n2
-- mig:upgrade
VACUUM users;
$$);
SELECT revision, transactional FROM mig_revisions ORDER BY seq;
-- the reports show it
SELECT revision, transactional FROM mig_history();
SELECT revision, transactional FROM mig_show('n1');
SELECT step, revision, transactional FROM mig_plan();

------------------------------------------------------------------------
-- mig_upgrade and mig_downgrade refuse a plan with a non-transactional
-- step before any step, and change nothing
------------------------------------------------------------------------
SELECT * FROM mig_upgrade();
SELECT count(*) FROM mig_version;
-- a plan of transactional steps is fine
SELECT * FROM mig_upgrade('t1');
SELECT * FROM mig_upgrade('n2');
SELECT revision FROM mig_version;
SELECT count(*) FROM mig_log;
SELECT count(*) FROM pg_indexes WHERE indexname = 'users_email';
-- the offline script runs non-transactional statements between COMMIT and
-- BEGIN, then checks the version rows again under the lock
SELECT line FROM regexp_split_to_table(mig_upgrade_sql('n2'), E'\n') AS line
WHERE line ~ '^(BEGIN|COMMIT|CREATE INDEX|VACUUM|-- running|-- Its|  +PERFORM pg_catalog.pg_advisory|.*DETAIL)';
-- mig_deploy refuses a transaction block, and a function (which runs in
-- its caller's transaction)
BEGIN;
CALL mig_deploy();
ROLLBACK;
CREATE FUNCTION deploy_in_function() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CALL mig_deploy();
END
$$;
SELECT deploy_in_function();
-- and bad arguments
CALL mig_deploy(NULL);
CALL mig_deploy('');
CALL mig_deploy(lock_timeout => '0');
CALL mig_deploy(lock_timeout => '-1 s');
CALL mig_deploy(max_retries => -1);
CALL mig_deploy(max_retries => NULL);
SELECT count(*) FROM mig_version;

------------------------------------------------------------------------
-- CALL mig_deploy: every step, each committed; the index is built
-- outside any transaction block and is valid
------------------------------------------------------------------------
CALL mig_deploy();
SELECT revision FROM mig_version;
SELECT revision, direction, from_revisions, to_revisions, checksum IS NOT NULL AS checksum
FROM mig_log ORDER BY id;
-- one transaction per step
SELECT count(DISTINCT xid) FROM mig_log;
SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'users'::regclass ORDER BY 1;
-- nothing more to do
CALL mig_deploy();
SELECT count(*) FROM mig_log;

------------------------------------------------------------------------
-- a failing step: the steps before it stay committed, the version rows
-- at the step before it; the error names revision, statement and text
------------------------------------------------------------------------
\set SHOW_CONTEXT always
INSERT INTO users VALUES (1, 'again');
SELECT mig_revision('ok', 'CREATE TABLE ok_t (a int)', 'DROP TABLE ok_t', revision => 'f1');
SELECT mig_revision('unique ids', 'CREATE UNIQUE INDEX CONCURRENTLY users_id_key ON users (id)',
  'DROP INDEX CONCURRENTLY users_id_key', revision => 'f2', transactional => false);
SELECT mig_revision('after', 'CREATE TABLE after_t (a int)', 'DROP TABLE after_t', revision => 'f3');
CALL mig_deploy();
\set SHOW_CONTEXT never
SELECT revision FROM mig_version;
SELECT to_regclass('ok_t') IS NOT NULL AS ok_t, to_regclass('after_t') IS NOT NULL AS after_t;
-- the invalid index it left
SELECT revision, problem, detail FROM mig_validate();
-- a failing transactional step, in the middle of a body
SELECT mig_revision('fails', 'CREATE TABLE half (a int); SELECT 1/0', 'DROP TABLE half',
  revision => 'f4');
-- recover: fix the data, drop the invalid index, deploy again: it
-- continues from the failed step, and stops at the next failure
DELETE FROM users WHERE email = 'again';
DROP INDEX users_id_key;
\set SHOW_CONTEXT always
CALL mig_deploy();
\set SHOW_CONTEXT never
SELECT revision FROM mig_version;
SELECT to_regclass('half') IS NULL AS no_half, to_regclass('after_t') IS NOT NULL AS after_t;
SELECT count(*) FROM mig_validate();

------------------------------------------------------------------------
-- downgrades go through mig_deploy too (the direction mig_plan shows)
------------------------------------------------------------------------
SELECT step, direction, revision, transactional FROM mig_plan('n2');
CALL mig_deploy('n2');
SELECT revision FROM mig_version;
SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'users'::regclass ORDER BY 1;
SELECT * FROM mig_downgrade('t1');
CALL mig_deploy('base');
SELECT count(*) FROM mig_version;
SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'users'::regclass ORDER BY 1;
SELECT revision, direction FROM mig_log ORDER BY id;
-- the lock was released at the end, and on error
SELECT count(*) FROM pg_locks WHERE locktype = 'advisory';

DROP EXTENSION mig_ext CASCADE;
DROP TABLE users;
DROP FUNCTION deploy_in_function();
