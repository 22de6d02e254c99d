-- mig_adopt_alembic: take over the version rows of an Alembic database.
SET client_min_messages = warning;
-- (an earlier file may have left the extension)
DROP EXTENSION IF EXISTS mig_ext CASCADE;
CREATE EXTENSION mig_ext;
\set SHOW_CONTEXT never

-- The Alembic revisions, registered with the same ids (as mig load does).
SELECT mig_revision('create todo', 'CREATE TABLE todo (id int);', 'DROP TABLE todo;', 'ae1027a6acf', '{}');
SELECT mig_revision('add done', 'ALTER TABLE todo ADD done boolean;', NULL, '27c6a30d7c24', '{ae1027a6acf}');
SELECT mig_revision('tags', 'CREATE TABLE tag (name text);', NULL, '1975ea83b712', '{ae1027a6acf}', '{tags}');

-- No alembic_version table on the search path.
SELECT mig_adopt_alembic();
\echo :LAST_ERROR_SQLSTATE

-- Alembic at two heads; its table is left as it is.
CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);
INSERT INTO alembic_version VALUES ('27c6a30d7c24'), ('1975ea83b712');
SELECT mig_adopt_alembic();
SELECT revision, is_head FROM mig_current();
SELECT revision, direction, from_revisions, to_revisions, checksum FROM mig_log ORDER BY id;
SELECT * FROM alembic_version ORDER BY 1;
-- again: nothing to do, nothing logged
SELECT mig_adopt_alembic();
SELECT count(*) FROM mig_log;
-- the adopted rows go on as usual
SELECT mig_revision('merge', 'CREATE TABLE todo_tag (todo int, tag text);', NULL, 'c1f5a8d31e22', '{27c6a30d7c24,1975ea83b712}');
SELECT * FROM mig_plan();

-- Rows that differ are not overwritten.
UPDATE alembic_version SET version_num = 'ae1027a6acf' WHERE version_num = '27c6a30d7c24';
DELETE FROM alembic_version WHERE version_num = '1975ea83b712';
SELECT mig_adopt_alembic();
\echo :LAST_ERROR_SQLSTATE
SELECT mig_stamp('base', purge => true);
SELECT mig_adopt_alembic();
SELECT revision FROM mig_current();

-- Another table, named by regclass (any schema, any name).
CREATE SCHEMA "Other App";
CREATE TABLE "Other App"."version table" (version_num text);
SELECT mig_stamp('base', purge => true);
SELECT mig_adopt_alembic('"Other App"."version table"');
SELECT count(*) FROM mig_version;
INSERT INTO "Other App"."version table" VALUES ('1975ea83b712');
SELECT mig_adopt_alembic('"Other App"."version table"');

-- Errors: a revision not registered, a table without version_num, NULLs.
SELECT mig_stamp('base', purge => true);
INSERT INTO "Other App"."version table" VALUES ('0123456789ab');
SELECT mig_adopt_alembic('"Other App"."version table"');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE not_alembic (version text);
SELECT mig_adopt_alembic('not_alembic');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE null_alembic (version_num text);
INSERT INTO null_alembic VALUES (NULL);
SELECT mig_adopt_alembic('null_alembic');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM mig_version;

-- The table is read with the caller's rights.
CREATE ROLE mig_files_adopter;
GRANT EXECUTE ON FUNCTION mig_adopt_alembic(regclass) TO mig_files_adopter;
SET ROLE mig_files_adopter;
SELECT mig_adopt_alembic('alembic_version');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT SELECT ON alembic_version TO mig_files_adopter;
SET ROLE mig_files_adopter;
SELECT mig_adopt_alembic('alembic_version');
RESET ROLE;
REVOKE ALL ON alembic_version FROM mig_files_adopter;
REVOKE ALL ON FUNCTION mig_adopt_alembic(regclass) FROM mig_files_adopter;
DROP ROLE mig_files_adopter;

DROP EXTENSION mig_ext CASCADE;
DROP TABLE alembic_version, not_alembic, null_alembic;
DROP SCHEMA "Other App" CASCADE;
