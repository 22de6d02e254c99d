-- Autogenerate on real schemas: the reproductions, kinds that
-- are refused, and the order of what is generated.
CREATE EXTENSION mig_ext;
\set VERBOSITY default

-- #1: a domain, with its constraints, comes before the table using it.
SELECT change, object, upgrade FROM mig_diff('CREATE DOMAIN year AS integer CHECK (VALUE BETWEEN 1901 AND 2155); CREATE TABLE film (id int PRIMARY KEY, release_year year)');
-- #2: a partitioned table and its partitions, then a view over them.
SELECT change, object, upgrade FROM mig_diff($$CREATE TABLE payment (id int, paid date) PARTITION BY RANGE (paid); CREATE TABLE payment_2022 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2023-01-01'); CREATE VIEW p AS SELECT * FROM payment$$);
-- dates are written so that they read back the same in any DateStyle
SET datestyle = 'SQL, DMY';
SELECT upgrade FROM mig_diff($$CREATE TABLE d (at date DEFAULT '2022-03-04') PARTITION BY RANGE (at); CREATE TABLE d1 PARTITION OF d FOR VALUES FROM ('2022-03-04') TO (MAXVALUE)$$);
RESET datestyle;
-- #3: mutually referring functions build; bodies are checked afterwards.
SELECT change, object FROM mig_diff($$CREATE FUNCTION film_in_stock(i int) RETURNS boolean LANGUAGE sql AS 'SELECT inventory_in_stock(i)'; CREATE FUNCTION inventory_in_stock(i int) RETURNS boolean LANGUAGE plpgsql AS 'BEGIN RETURN true; END'$$);
SELECT change, object FROM mig_diff($$CREATE FUNCTION f(i int) RETURNS boolean LANGUAGE sql AS 'SELECT nosuch(i)'$$);
\echo :LAST_ERROR_SQLSTATE
-- #4: an index on a materialized view comes after the view.
SELECT change, object FROM mig_diff('CREATE TABLE t (id int); CREATE MATERIALIZED VIEW mv AS SELECT id FROM t; CREATE UNIQUE INDEX mv_id ON mv (id)');
-- #5: an aggregate.
SELECT change, object, upgrade FROM mig_diff($$CREATE FUNCTION _cat(text, text) RETURNS text LANGUAGE sql AS 'SELECT $1 || $2'; CREATE AGGREGATE group_concat(text) (SFUNC = _cat, STYPE = text)$$);
-- #6: CLUSTER ON.
SELECT change, object, upgrade FROM mig_diff('CREATE TABLE t (id int PRIMARY KEY); ALTER TABLE t CLUSTER ON t_pkey');
-- #7: a pg_dump of the schema: the CREATE of everything, nothing once
-- applied.
\set dump 'SET check_function_bodies = false; SELECT pg_catalog.set_config(''search_path'', '''', false); CREATE TABLE public.t (id integer NOT NULL, n integer); CREATE SEQUENCE public.t_n_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1; ALTER SEQUENCE public.t_n_seq OWNED BY public.t.n; ALTER TABLE ONLY public.t ALTER COLUMN n SET DEFAULT nextval(''public.t_n_seq''::regclass); ALTER TABLE ONLY public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);'
SELECT change, object, upgrade FROM mig_diff(:'dump');
SELECT mig_autogenerate(:'dump', 'from a dump', revision => 'd1');
SELECT count(*) FROM mig_upgrade();
SELECT change, object FROM mig_diff(:'dump');
SELECT mig_check(:'dump');
SELECT count(*) FROM mig_downgrade('base');
SELECT count(*) FROM pg_class WHERE relname IN ('t', 't_n_seq');
-- a target schema whose name needs quoting, named as pg_dump writes it
CREATE SCHEMA "My App";
SELECT change, object FROM mig_diff('CREATE TABLE "My App".t (id int PRIMARY KEY); CREATE VIEW "My App".v AS SELECT id FROM "My App".t', 'My App');
SELECT change, object FROM mig_diff('CREATE TABLE "My App".t (id int); CREATE TABLE "my app".u (id int)', 'My App');
\echo :LAST_ERROR_SQLSTATE
DROP SCHEMA "My App";
-- a framework's structure dump: extensions it needs, its version table's
-- rows and its search_path are left out
\set structure 'SET statement_timeout = 0; SELECT pg_catalog.set_config(''search_path'', '''', false); CREATE EXTENSION IF NOT EXISTS plpgsql WITH SCHEMA pg_catalog; COMMENT ON EXTENSION plpgsql IS ''PL/pgSQL procedural language''; CREATE TABLE public.schema_migrations (version character varying NOT NULL); ALTER TABLE ONLY public.schema_migrations ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version); SET search_path TO "$user", public; INSERT INTO "schema_migrations" (version) VALUES (''20240101000000''), (''20240102000000'');'
SELECT change, object FROM mig_diff(:'structure');
SELECT change, object FROM mig_diff('CREATE EXTENSION IF NOT EXISTS nosuchextension');
\echo :LAST_ERROR_SQLSTATE
-- text holding the target schema's name followed by a dot reads back the
-- same: enum labels, defaults, partition bounds, comments
CREATE TYPE host AS ENUM ('public.example', 'other');
CREATE TABLE site (h text, u text DEFAULT 'https://public.example/x') PARTITION BY LIST (h);
CREATE TABLE site_p PARTITION OF site FOR VALUES IN ('public.example');
COMMENT ON TABLE site IS 'see public.site_p';
SELECT change, object FROM mig_diff($$CREATE TYPE host AS ENUM ('public.example', 'other'); CREATE TABLE site (h text, u text DEFAULT 'https://public.example/x') PARTITION BY LIST (h); CREATE TABLE site_p PARTITION OF site FOR VALUES IN ('public.example'); COMMENT ON TABLE site IS 'see public.site_p'$$);
DROP TABLE site;
DROP TYPE host;
-- mig_check fails while the schemas differ
SELECT mig_check('CREATE TABLE payment (id int) PARTITION BY HASH (id)');
\echo :LAST_ERROR_SQLSTATE

-- Kinds that cannot be compared are refused, in either schema, naming them.
SELECT change, object FROM mig_diff('CREATE TYPE pair AS (a int, b int)');
\echo :LAST_ERROR_SQLSTATE
SELECT change, object FROM mig_diff('CREATE TABLE a (id int); CREATE TABLE b () INHERITS (a); CREATE RULE r AS ON INSERT TO a DO INSTEAD NOTHING');
\echo :LAST_ERROR_SQLSTATE
CREATE TYPE live_range AS RANGE (subtype = int4);
SELECT change, object FROM mig_diff('');
\echo :LAST_ERROR_SQLSTATE
DROP TYPE live_range;
-- a partition's columns are its parent's: other defaults, NOT NULL or
-- comments on them are refused
CREATE TABLE pp (a int, b text DEFAULT 'x') PARTITION BY LIST (a);
CREATE TABLE pp1 PARTITION OF pp FOR VALUES IN (1);
ALTER TABLE pp1 ALTER COLUMN b SET DEFAULT 'y';
SELECT change, object FROM mig_diff('CREATE TABLE pp (a int, b text DEFAULT ''x'') PARTITION BY LIST (a); CREATE TABLE pp1 PARTITION OF pp FOR VALUES IN (1)');
\echo :LAST_ERROR_SQLSTATE
DROP TABLE pp;
-- so are changes no statement generated here can make
CREATE TABLE payment (id int, paid date);
SELECT change, object FROM mig_diff('CREATE TABLE payment (id int, paid date) PARTITION BY RANGE (paid)');
\echo :LAST_ERROR_SQLSTATE
DROP TABLE payment;
CREATE DOMAIN d AS int;
SELECT change, object FROM mig_diff('CREATE DOMAIN d AS bigint');
\echo :LAST_ERROR_SQLSTATE
SELECT change, object, upgrade, downgrade FROM mig_diff('CREATE DOMAIN d AS int DEFAULT 1 NOT NULL');
DROP DOMAIN d;
-- identity columns are added, dropped and switched in place; their
-- options are compared, a change of them refused
CREATE TABLE tk (id int NOT NULL, n int GENERATED BY DEFAULT AS IDENTITY, m int GENERATED ALWAYS AS IDENTITY);
SELECT change, object, upgrade, downgrade FROM mig_diff('CREATE TABLE tk (id int GENERATED ALWAYS AS IDENTITY (START WITH 10), n int GENERATED ALWAYS AS IDENTITY, m int NOT NULL)');
SELECT change, object FROM mig_diff('CREATE TABLE tk (id int NOT NULL, n int GENERATED BY DEFAULT AS IDENTITY (CACHE 10), m int GENERATED ALWAYS AS IDENTITY)');
\echo :LAST_ERROR_SQLSTATE
DROP TABLE tk;
-- members of an extension in the schema are not compared
CREATE EXTENSION pg_trgm;
SELECT change, object FROM mig_diff('');
DROP EXTENSION pg_trgm;
DROP EXTENSION mig_ext;
