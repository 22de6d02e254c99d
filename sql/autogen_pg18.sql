-- Autogenerate and what PostgreSQL 18 added to the catalogs: NOT NULL
-- constraints as pg_constraint rows (contype 'n'), written with their
-- column, not as constraint statements (also on identity columns);
-- virtual generated columns, written GENERATED ALWAYS AS (...) VIRTUAL;
-- NOT NULL constraints NOT VALID or NO INHERIT, kept as constraints.
-- Before 18 the file only says that it does not apply
-- (expected/autogen_pg18_1.out).
SELECT current_setting('server_version_num')::int >= 180000 AS pg18 \gset
\if :pg18
CREATE EXTENSION mig_ext;
\set VERBOSITY default
SET client_min_messages = warning;
\set before 'CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a int NOT NULL, b int);'
\set after 'CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a int, b int NOT NULL, c int GENERATED ALWAYS AS (a * 2) VIRTUAL, d int GENERATED ALWAYS AS (b + 1) VIRTUAL NOT NULL); CREATE TABLE u (id int GENERATED ALWAYS AS IDENTITY, n text NOT NULL);'
SELECT mig_autogenerate(:'before', 'before') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT change, object, upgrade, downgrade FROM mig_diff(:'after');
SELECT mig_autogenerate(:'after', 'after') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT mig_check(:'after');
SELECT attrelid::regclass, attname, attgenerated, attidentity, attnotnull
FROM pg_attribute WHERE attrelid IN ('public.t'::regclass, 'public.u'::regclass) AND attnum > 0
ORDER BY attrelid::regclass::text, attnum;
-- no revision adds or drops a NOT NULL constraint of its own
SELECT revision FROM mig_revisions
WHERE (upgrade || COALESCE(downgrade, '')) ~ '(ADD|DROP) CONSTRAINT \S+(_not_null| NOT NULL)';
SELECT count(*) AS steps FROM mig_downgrade('-1');
SELECT mig_check(:'before');
SELECT count(*) AS steps FROM mig_downgrade('base');
SELECT mig_check('');
DROP EXTENSION mig_ext CASCADE;
CREATE EXTENSION mig_ext;

-- NOT NULL constraints that are NOT VALID or NO INHERIT (new in 18) are
-- constraints of their own, and the column is written without NOT NULL
\set before 'CREATE TABLE t (a int NOT NULL, b int, c int NOT NULL);'
\set after 'CREATE TABLE t (a int NOT NULL, b int, c int NOT NULL NO INHERIT); ALTER TABLE t ADD CONSTRAINT b_nn NOT NULL b NOT VALID;'
SELECT mig_autogenerate(:'before', 'before') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT change, object, upgrade, downgrade FROM mig_diff(:'after');
SELECT mig_autogenerate(:'after', 'after') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT mig_check(:'after');
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'public.t'::regclass ORDER BY conname;
SELECT count(*) AS steps FROM mig_downgrade('-1');
SELECT mig_check(:'before');
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'public.t'::regclass ORDER BY conname;
SELECT count(*) AS steps FROM mig_downgrade('base');
SELECT mig_check('');
DROP EXTENSION mig_ext CASCADE;
\else
\echo PostgreSQL before 18: no NOT NULL constraint rows and no virtual generated columns
\endif
