-- Version rows of which one lies below another (implied by it), as mig_ext
-- before 1.2 and Alembic before 1.13.1 could leave them after a downgrade
-- (see graph_rows): no plan starts from them, and the error names the rows
-- and the statement that removes them.
-- start from no extension, whatever an earlier file left
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mig_ext CASCADE;
DROP TABLE IF EXISTS alembic_version;
RESET client_min_messages;
\set v 'SELECT revision FROM mig_version ORDER BY 1;'

-- a -> p -> r, r depends on a; a -> b
CREATE EXTENSION mig_ext;
SELECT mig_revision('m a', 'SELECT 1', 'SELECT 1', 'a', '{}');
SELECT mig_revision('m p', 'SELECT 1', 'SELECT 1', 'p', '{a}');
SELECT mig_revision('m r', 'SELECT 1', 'SELECT 1', 'r', '{p}', '{}', '{a}');
SELECT mig_revision('m b', 'SELECT 1', 'SELECT 1', 'b', '{a}');
INSERT INTO mig_version VALUES ('a'), ('p');
SELECT revision FROM mig_current() ORDER BY 1;
SELECT revision, direction FROM mig_upgrade('heads');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM mig_plan('heads');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_upgrade_sql('heads');
\echo :LAST_ERROR_SQLSTATE
CALL mig_deploy('heads');
\echo :LAST_ERROR_SQLSTATE
-- the deploy's session lock is gone with it
SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();
:v
-- two rows below another: one statement removes both
INSERT INTO mig_version VALUES ('r');
SELECT revision, direction FROM mig_upgrade('heads');
:v
DELETE FROM public.mig_version WHERE revision IN ('a', 'p');
SELECT revision, direction FROM mig_upgrade('heads');
:v
-- a stamp naming a revision and its ancestor is refused
SELECT mig_stamp('base');
SELECT mig_stamp('p a');
\echo :LAST_ERROR_SQLSTATE
:v
-- adopting an Alembic version table that holds such rows
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('p'), ('a');
SELECT mig_adopt_alembic();
\echo :LAST_ERROR_SQLSTATE
:v
DELETE FROM public.alembic_version WHERE version_num = 'a';
SELECT mig_adopt_alembic();
SELECT revision, direction FROM mig_upgrade('heads');
:v
DROP TABLE alembic_version;
DROP EXTENSION mig_ext CASCADE;

