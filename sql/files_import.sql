-- mig_import: revision files (the "-- mig:" format) registered as mig_revision does.
SET client_min_messages = warning;
-- (an earlier file may have left the extension)
DROP EXTENSION IF EXISTS mig_ext CASCADE;
CREATE EXTENSION mig_ext;
\set SHOW_CONTEXT never

-- A full file: header, comments, both sections; bodies lose only their
-- leading and trailing blank lines.
SELECT mig_import($file$-- mig:revision: 001
-- mig:down_revisions:
-- mig:branch_labels: todo
-- mig:depends_on:
-- mig:message: create todo
--
-- Any other comment is allowed in the header.

-- mig:upgrade

CREATE TABLE todo (id int PRIMARY KEY, title text NOT NULL);
-- a comment inside the body stays
CREATE FUNCTION todo_count() RETURNS bigint LANGUAGE sql AS $$
SELECT count(*) FROM todo;
$$;

-- mig:downgrade
DROP FUNCTION todo_count();
DROP TABLE todo;
$file$);
SELECT revision, down_revisions, branch_labels, depends_on, message FROM mig_show('001');
\pset format unaligned
SELECT upgrade FROM mig_show('001');
SELECT downgrade FROM mig_show('001');
\pset format aligned

-- Importing the same file again is accepted and adds nothing.
SELECT mig_import($file$-- mig:revision: 001
-- mig:down_revisions:
-- mig:branch_labels: todo
-- mig:depends_on:
-- mig:message: create todo
--
-- Any other comment is allowed in the header.

-- mig:upgrade

CREATE TABLE todo (id int PRIMARY KEY, title text NOT NULL);
-- a comment inside the body stays
CREATE FUNCTION todo_count() RETURNS bigint LANGUAGE sql AS $$
SELECT count(*) FROM todo;
$$;

-- mig:downgrade
DROP FUNCTION todo_count();
DROP TABLE todo;
$file$);
SELECT count(*) FROM mig_revisions;

-- The same id with another body is refused, as by mig_revision.
SELECT mig_import(E'-- mig:revision: 001\n-- mig:down_revisions:\n-- mig:branch_labels: todo\n-- mig:message: create todo\n-- mig:upgrade\nSELECT 1;\n');
\echo :LAST_ERROR_SQLSTATE

-- Loose spelling: CRLF line ends, spaces around "mig:" and the colon,
-- lists separated by commas or spaces, no downgrade section (irreversible),
-- an empty downgrade section (nothing to undo), no message.
SELECT mig_import(E'--   mig:  revision :  002\r\n-- mig:down_revisions: 001\r\n-- mig:upgrade\r\nALTER TABLE todo ADD done boolean;\r\n');
SELECT mig_import(E'-- mig:revision: 003\n-- mig:down_revisions: 001\n-- mig:branch_labels: tags, tagging  extra\n-- mig:upgrade\nCREATE TABLE tag (name text);\n-- mig:downgrade\n');
SELECT mig_import(E'-- mig:revision: 004\n-- mig:down_revisions: 002, 003\n-- mig:depends_on: tags\n-- mig:message: merge\n-- mig:upgrade\n-- mig:downgrade\n');
SELECT revision, down_revisions, branch_labels, depends_on, message, upgrade, downgrade,
       downgrade IS NULL AS irreversible
  FROM mig_history() JOIN mig_revisions USING (revision, down_revisions, branch_labels, depends_on, message)
 ORDER BY revision;
-- imported revisions run like any other
SELECT * FROM mig_upgrade();
SELECT * FROM mig_current();

-- Parse errors name the line (and the file when given) in their context.
\set VERBOSITY default
\set SHOW_CONTEXT errors
SELECT mig_import(E'-- mig:revision: 005\n-- mig:down_revisions: 004\nCREATE TABLE x ();\n-- mig:upgrade\n', 'migrations/005_x.sql');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(E'-- mig:revision: 005\n-- mig:down_revision: 004\n-- mig:upgrade\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(E'-- mig:revision: 005\n-- mig:revision: 006\n-- mig:down_revisions: 004\n-- mig:upgrade\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(E'-- mig:revision: 005 006\n-- mig:down_revisions: 004\n-- mig:upgrade\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(E'-- mig:revision 005\n-- mig:down_revisions: 004\n-- mig:upgrade\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(E'-- mig:revision: 005\n-- mig:down_revisions: 004\n-- mig:upgrade now\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(E'-- mig:revision: 005\n-- mig:down_revisions: 004\n-- mig:downgrade\n-- mig:upgrade\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(E'-- mig:revision: 005\n-- mig:down_revisions: 004\n-- mig:upgrade\nSELECT 1;\n-- mig:message: late\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(E'-- mig:revision: 005\n-- mig:down_revisions: 004\n-- mig:upgrade\n-- mig:downgrade\n-- mig:downgrade\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(E'-- mig:revision: 005\n-- mig:down_revisions: 004\n-- mig:upgrade\n-- mig:upgrade\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(E'-- mig:revision: 005\n-- mig:down_revisions: 004\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(E'-- mig:down_revisions: 004\n-- mig:upgrade\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(E'-- mig:revision: 005\n-- mig:upgrade\nSELECT 1;\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import('');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(NULL);
\echo :LAST_ERROR_SQLSTATE
\set SHOW_CONTEXT never

-- Errors of registration are mig_revision's.
SELECT mig_import(E'-- mig:revision: 005\n-- mig:down_revisions: nope\n-- mig:upgrade\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(E'-- mig:revision: bad-id\n-- mig:down_revisions: 004\n-- mig:upgrade\n');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM mig_revisions;

-- Only roles granted EXECUTE may import.
CREATE ROLE mig_files_nobody;
SET ROLE mig_files_nobody;
SELECT mig_import(E'-- mig:revision: 005\n-- mig:down_revisions: 004\n-- mig:upgrade\n');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE mig_files_nobody;

DROP EXTENSION mig_ext CASCADE;
DROP TABLE todo, tag;
DROP FUNCTION todo_count();
