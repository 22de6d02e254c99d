-- Autogenerate on the dumps of real schemas: names of extension objects,
-- definitions the server prints back otherwise, statements outside the
-- desired schema, column settings, partition indexes.
CREATE EXTENSION mig_ext;
\set VERBOSITY default
CREATE EXTENSION pg_trgm;
CREATE EXTENSION citext;
CREATE EXTENSION btree_gin;

-- An extension's objects living in the target schema keep their
-- qualification; the other names qualified by it are the desired schema's.
SELECT change, object, upgrade FROM mig_diff('CREATE TABLE public.t (s text); CREATE INDEX t_s ON public.t USING gin (s public.gin_trgm_ops)');
SELECT change, object, upgrade FROM mig_diff('CREATE TABLE public.u (e public.citext CHECK (e OPERATOR(public.%) ''x''::public.citext), "public" text)');

-- An error names the statement, not the comment lines before it.
SELECT change, object FROM mig_diff(E'--\n-- Name: t; Type: TABLE; Schema: public; Owner: -\n--\n\nCREATE TABLE public.t (a public.nosuchtype);');

-- DROP ... IF EXISTS of an extension (pg_dump --clean) never runs; the
-- extension stays for what follows.  Other statements changing objects
-- outside the schema are refused.
SELECT change, object FROM mig_diff('DROP EXTENSION IF EXISTS btree_gin; CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA public; COMMENT ON EXTENSION btree_gin IS ''GIN for btree types''; CREATE TABLE t (u uuid); CREATE INDEX t_u ON t USING gin (u)');
SELECT change, object FROM mig_diff('DROP EXTENSION btree_gin');
\echo :LAST_ERROR_SQLSTATE
SELECT change, object FROM mig_diff('CREATE TABLE t (id int); ALTER EXTENSION citext UPDATE');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM pg_extension WHERE extname = 'btree_gin';

-- The desired schema cannot reach the live one: an unqualified drop does
-- not find the live view (and the view is to be dropped).
CREATE TABLE t (a int);
CREATE VIEW v AS SELECT a FROM t;
SELECT change, object FROM mig_diff('DROP VIEW IF EXISTS v; CREATE TABLE t (a int)');
SELECT mig_check('DROP VIEW IF EXISTS v; CREATE TABLE t (a int)');
\echo :LAST_ERROR_SQLSTATE
-- nor an object of another schema on the search_path
CREATE SCHEMA app;
SET search_path = app, public;
SELECT change, object FROM mig_diff('DROP VIEW IF EXISTS v; CREATE TABLE t (a int)', 'app');
\echo :LAST_ERROR_SQLSTATE
RESET search_path;
DROP SCHEMA app;
SELECT count(*) FROM pg_views WHERE viewname = 'v';
DROP VIEW v;
DROP TABLE t;

-- replica identity is refused by name
CREATE TABLE r (id int);
ALTER TABLE r REPLICA IDENTITY FULL;
SELECT change, object FROM mig_diff('CREATE TABLE r (id int)');
\echo :LAST_ERROR_SQLSTATE
DROP TABLE r;
-- so is a table access method other than heap
CREATE ACCESS METHOD heap_too TYPE TABLE HANDLER heap_tableam_handler;
SELECT change, object FROM mig_diff('CREATE TABLE r (id int) USING heap_too');
\echo :LAST_ERROR_SQLSTATE
DROP ACCESS METHOD heap_too;
-- and storage parameters of a TOAST table
SELECT change, object FROM mig_diff('CREATE TABLE r (id int, t text) WITH (toast.autovacuum_enabled = false)');
\echo :LAST_ERROR_SQLSTATE

-- A varchar compared with an IN list, and a view with NULL in a later
-- UNION branch, converge once applied.
\set d 'CREATE TABLE k (k varchar(10) CHECK (k IN (''a'', ''b''))); CREATE TABLE a (x int); CREATE TABLE b (y int); CREATE VIEW v AS SELECT x FROM (SELECT x FROM a UNION ALL SELECT NULL FROM b) q'
SELECT mig_autogenerate(:'d', 'check and view', revision => 'cv');
SELECT count(*) FROM mig_upgrade();
SELECT change, object FROM mig_diff(:'d');
SELECT mig_check(:'d');
-- a real change of either is still found
SELECT change, object FROM mig_diff('CREATE TABLE k (k varchar(10) CHECK (k IN (''a'', ''c''))); CREATE TABLE a (x int); CREATE TABLE b (y int); CREATE VIEW v AS SELECT x FROM (SELECT x FROM a UNION ALL SELECT 1 FROM b) q');


-- Column settings: attribute options, statistics targets (of table and
-- index columns), storage and compression.
\set d :d '; CREATE TABLE s (a int, b text, c text); ALTER TABLE s ALTER COLUMN a SET (n_distinct = -0.5); ALTER TABLE s ALTER COLUMN b SET STATISTICS 1000; ALTER TABLE s ALTER COLUMN c SET STORAGE EXTERNAL, ALTER COLUMN c SET COMPRESSION pglz; CREATE INDEX s_e ON s ((a + 1)); ALTER INDEX s_e ALTER COLUMN 1 SET STATISTICS 500'
SELECT change, object, upgrade, downgrade FROM mig_diff(:'d');
SELECT mig_autogenerate(:'d', 'column settings', revision => 'st');
SELECT count(*) FROM mig_upgrade();
SELECT attname, attstattarget, attstorage, attcompression FROM pg_attribute
WHERE attrelid IN ('s'::regclass, 's_e'::regclass) AND attnum > 0 ORDER BY attrelid, attnum;
SELECT change, object FROM mig_diff(:'d');
SELECT change, object, upgrade FROM mig_diff(replace(:'d', 'SET STATISTICS 1000', 'SET STATISTICS 100'));

-- A partition's index attached to its parent's keeps its name (the unique
-- and the plain one each to its own), also when a partition is added.
\set d :d '; CREATE TABLE p (a int, b int) PARTITION BY LIST (a); CREATE TABLE p_d PARTITION OF p DEFAULT; CREATE INDEX p_d_custom ON p_d (a, b); CREATE UNIQUE INDEX p_d_u ON p_d (a, b); CREATE INDEX p_ab ON ONLY p (a, b); ALTER INDEX p_ab ATTACH PARTITION p_d_custom; CREATE UNIQUE INDEX p_u ON ONLY p (a, b); ALTER INDEX p_u ATTACH PARTITION p_d_u'
SELECT change, object, upgrade, downgrade FROM mig_diff(:'d');
SELECT mig_autogenerate(:'d', 'partition indexes', revision => 'pi');
SELECT count(*) FROM mig_upgrade();
SELECT c.relname, i.indisunique, (SELECT inhparent::regclass FROM pg_inherits WHERE inhrelid = c.oid) AS parent
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid IN ('p'::regclass, 'p_d'::regclass) ORDER BY 1;
SELECT mig_check(:'d');
\set d :d '; CREATE TABLE p_1 (a int, b int); CREATE INDEX p_1_own ON p_1 (a, b); CREATE UNIQUE INDEX p_1_u ON p_1 (a, b); ALTER TABLE p ATTACH PARTITION p_1 FOR VALUES IN (1)'
SELECT change, object, upgrade FROM mig_diff(:'d');
SELECT mig_autogenerate(:'d', 'a partition', revision => 'pa');
SELECT count(*) FROM mig_upgrade();
SELECT c.relname, i.indisunique, (SELECT inhparent::regclass FROM pg_inherits WHERE inhrelid = c.oid) AS parent
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid IN ('p'::regclass, 'p_d'::regclass, 'p_1'::regclass) ORDER BY 1;
SELECT mig_check(:'d');
SELECT count(*) FROM mig_downgrade('-1');
SELECT c.relname, (SELECT inhparent::regclass FROM pg_inherits WHERE inhrelid = c.oid) AS parent
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid IN ('p'::regclass, 'p_d'::regclass) ORDER BY 1;
SELECT count(*) FROM mig_downgrade('base');
SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname IN ('k', 'a', 'b', 'v', 's', 's_e', 'p', 'p_d', 'p_1');
