-- Autogenerate: errors in the desired DDL and in the arguments.
CREATE EXTENSION mig_ext;
\set VERBOSITY default

-- A failing statement is named by its number; nothing it or the
-- statements before it created survives.
SELECT * FROM mig_diff('CREATE TABLE good (id integer); CREATE TABLE bad (id nosuchtype); CREATE TABLE never (id integer)');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM pg_class WHERE relname IN ('good', 'bad', 'never');
SELECT count(*) FROM pg_namespace WHERE nspname = 'mig_desired';
SELECT mig_autogenerate('CREATE TABLE good (id integer); CREATE INDEX ON missing (id)', 'broken');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM mig_revisions;
SELECT mig_check('CREATE TABLE t (a int, a int)');
\echo :LAST_ERROR_SQLSTATE

-- A syntax error points into the desired DDL; transaction control is refused.
SELECT * FROM mig_diff('CREATE TABLE ok (id int); CREATE TABEL oops (id int)');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_diff('CREATE TABLE ok (id int); COMMIT');
\echo :LAST_ERROR_SQLSTATE

-- Inside a caller's transaction, a failed comparison aborts only what the
-- caller does with it.
BEGIN;
CREATE TABLE kept (id integer);
SAVEPOINT s;
SELECT * FROM mig_diff('CREATE TABLE x (id int); SELECT 1/0');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK TO SAVEPOINT s;
SELECT change, object FROM mig_diff('CREATE TABLE kept (id integer, extra text)');
COMMIT;

-- DDL writing into another schema is refused before anything runs;
-- names qualified with the target schema are its objects.
CREATE SCHEMA other;
SELECT change, object FROM mig_diff('CREATE TABLE kept (id integer); CREATE TABLE other.elsewhere (id int)');
SELECT count(*) FROM pg_class WHERE relname = 'elsewhere';
SELECT change, object FROM mig_diff('CREATE TABLE kept (id integer); COMMENT ON TABLE other.x IS ''x''');
\echo :LAST_ERROR_SQLSTATE
SELECT change, object FROM mig_diff('CREATE EXTENSION pg_trgm');
\echo :LAST_ERROR_SQLSTATE
SELECT change, object, upgrade FROM mig_diff('CREATE SCHEMA public; CREATE TABLE public.kept (id integer PRIMARY KEY); CREATE TABLE PUBLIC.t2 (k int REFERENCES "public".kept)');
SELECT change, object FROM mig_diff('CREATE TABLE public.kept (id integer)');
-- statements left out keep the numbering of the others
SELECT change, object FROM mig_diff('CREATE SCHEMA public; COMMENT ON SCHEMA public IS ''x''; ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC; CREATE TABLE public.bad (id nosuchtype)');
CREATE OPERATOR FAMILY other.fam USING btree;
SELECT change, object FROM mig_diff('CREATE OPERATOR CLASS oc FOR TYPE int USING btree FAMILY other.fam AS OPERATOR 1 <');
\echo :LAST_ERROR_SQLSTATE
DROP OPERATOR FAMILY other.fam USING btree;
SELECT change, object FROM mig_diff('CREATE TABLE other.elsewhere (id int)', 'other');
SELECT change, object FROM mig_diff('CREATE TABLE public.elsewhere (id int)', 'other');
\echo :LAST_ERROR_SQLSTATE

-- Arguments.
SELECT * FROM mig_diff(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_diff('', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_diff('', 'nosuchschema');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_autogenerate('CREATE TABLE kept (id integer, extra text)', NULL);
\echo :LAST_ERROR_SQLSTATE

-- mig_autogenerate compares with the live schema, so the database must be
-- at the heads; it registers on top of the single head, as mig_revision.
SELECT mig_revision('one', 'SELECT 1', 'SELECT 1', revision => 'b1', down_revision => '{}');
SELECT mig_revision('two', 'SELECT 1', 'SELECT 1', revision => 'b2', down_revision => '{}');
SELECT mig_autogenerate('CREATE TABLE kept (id integer, extra text)', 'not at the heads');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM mig_upgrade('heads') ORDER BY 1;
SELECT mig_autogenerate('CREATE TABLE kept (id integer, extra text)', 'on two heads');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_merge('merge', revision => 'm');
SELECT mig_autogenerate('CREATE TABLE kept (id integer, extra text)', 'not at the merge');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM mig_upgrade();
SELECT mig_autogenerate('CREATE TABLE kept (id integer, extra text)', 'extra', revision => 'c1');
SELECT revision, down_revisions, message, upgrade, downgrade FROM mig_show('c1');

-- Only roles granted EXECUTE may register revisions this way.
CREATE ROLE autogen_reader;
SET ROLE autogen_reader;
SELECT mig_autogenerate('', 'x');
\echo :LAST_ERROR_SQLSTATE
-- Comparing needs the right to create the scratch schema.
SELECT count(*) FROM mig_diff('CREATE TABLE mine (id int)', 'other');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT format('GRANT CREATE ON DATABASE %I TO autogen_reader', current_database()) \gexec
SET ROLE autogen_reader;
SELECT change, object FROM mig_diff('CREATE TABLE mine (id int)', 'other');
SELECT count(*) FROM pg_class WHERE relname = 'mine';
RESET ROLE;
SELECT format('REVOKE CREATE ON DATABASE %I FROM autogen_reader', current_database()) \gexec
DROP ROLE autogen_reader;

DROP TABLE kept;
DROP SCHEMA other;
DROP EXTENSION mig_ext CASCADE;
