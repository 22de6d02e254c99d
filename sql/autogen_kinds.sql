-- Autogenerate: the statements written for each kind of object, and their
-- round trip (upgrade, mig_check, downgrade, mig_check of the original).
CREATE EXTENSION mig_ext;
\set VERBOSITY default
SET client_min_messages = warning;

-- Each pair: apply :before, show the difference to :after and apply it,
-- check it, downgrade one step, check the original, go back to base and
-- start again with no revisions.
-- enum types: values added in place, a new type, a rebuild for removals
\set before 'CREATE TYPE status AS ENUM (''todo'', ''done''); CREATE TYPE colour AS ENUM (''red'', ''green''); CREATE TABLE card (st status NOT NULL DEFAULT ''todo'', c colour);'
\set after 'CREATE TYPE status AS ENUM (''new'', ''todo'', ''doing'', ''done''); CREATE TYPE colour AS ENUM (''red''); CREATE TYPE size AS ENUM (''s'', ''m''); CREATE TABLE card (st status NOT NULL DEFAULT ''todo'', c colour, sz size);'
SELECT upgrade, downgrade FROM mig_diff(:'after') WHERE object IN ('type public.status', 'type public.colour');
SELECT mig_autogenerate(:'before', 'before') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT change, object, loses_data, upgrade FROM mig_diff(:'after');
SELECT mig_autogenerate(:'after', 'after') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT mig_check(:'after');
SELECT count(*) AS steps FROM mig_downgrade('-1');
SELECT mig_check(:'before');
SELECT count(*) AS steps FROM mig_downgrade('base');
SELECT mig_check('');
DROP EXTENSION mig_ext CASCADE;
CREATE EXTENSION mig_ext;

-- sequences
\set before 'CREATE SEQUENCE invoice_no START 1000; CREATE SEQUENCE old_no;'
\set after 'CREATE SEQUENCE invoice_no AS bigint START 5000 INCREMENT 10 CYCLE;'
SELECT mig_autogenerate(:'before', 'before') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT change, object, loses_data, upgrade FROM mig_diff(:'after');
SELECT mig_autogenerate(:'after', 'after') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT mig_check(:'after');
SELECT count(*) AS steps FROM mig_downgrade('-1');
SELECT mig_check(:'before');
SELECT count(*) AS steps FROM mig_downgrade('base');
SELECT mig_check('');
DROP EXTENSION mig_ext CASCADE;
CREATE EXTENSION mig_ext;

-- views and materialized views
\set before 'CREATE TABLE t (a int, b text); CREATE VIEW v AS SELECT a FROM t; CREATE MATERIALIZED VIEW mv AS SELECT count(*) AS n FROM t;'
\set after 'CREATE TABLE t (a int, b text); CREATE VIEW v AS SELECT a, b FROM t WHERE a > 0; CREATE MATERIALIZED VIEW mv AS SELECT count(*) AS n FROM t;'
SELECT mig_autogenerate(:'before', 'before') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT change, object, loses_data, upgrade FROM mig_diff(:'after');
SELECT mig_autogenerate(:'after', 'after') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT mig_check(:'after');
SELECT count(*) AS steps FROM mig_downgrade('-1');
SELECT mig_check(:'before');
SELECT count(*) AS steps FROM mig_downgrade('base');
SELECT mig_check('');
DROP EXTENSION mig_ext CASCADE;
CREATE EXTENSION mig_ext;

-- functions, procedures and triggers
\set before 'CREATE TABLE t (id int, at timestamptz); CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.at := now(); RETURN NEW; END$$; CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch(); CREATE FUNCTION one() RETURNS int LANGUAGE sql AS ''SELECT 1'';'
\set after 'CREATE TABLE t (id int, at timestamptz); CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.at := clock_timestamp(); RETURN NEW; END$$; CREATE TRIGGER t_touch BEFORE INSERT OR UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch(); CREATE PROCEDURE clear() LANGUAGE sql AS ''DELETE FROM t'';'
SELECT mig_autogenerate(:'before', 'before') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT change, object, loses_data, upgrade FROM mig_diff(:'after');
SELECT mig_autogenerate(:'after', 'after') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT mig_check(:'after');
SELECT count(*) AS steps FROM mig_downgrade('-1');
SELECT mig_check(:'before');
SELECT count(*) AS steps FROM mig_downgrade('base');
SELECT mig_check('');
DROP EXTENSION mig_ext CASCADE;
CREATE EXTENSION mig_ext;

-- constraints: check, unique, foreign key actions
\set before 'CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE); CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p ON DELETE CASCADE, qty int CHECK (qty > 0));'
\set after 'CREATE TABLE p (id int PRIMARY KEY, code text); CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p ON DELETE SET NULL, qty int CHECK (qty >= 0));'
SELECT mig_autogenerate(:'before', 'before') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT change, object, loses_data, upgrade FROM mig_diff(:'after');
SELECT mig_autogenerate(:'after', 'after') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT mig_check(:'after');
SELECT count(*) AS steps FROM mig_downgrade('-1');
SELECT mig_check(:'before');
SELECT count(*) AS steps FROM mig_downgrade('base');
SELECT mig_check('');
DROP EXTENSION mig_ext CASCADE;
CREATE EXTENSION mig_ext;

-- comments
\set before 'CREATE TABLE t (id int, x text); COMMENT ON TABLE t IS ''old''; COMMENT ON COLUMN t.x IS ''gone'';'
\set after 'CREATE TABLE t (id int, x text); COMMENT ON TABLE t IS ''it''''s new''; COMMENT ON COLUMN t.id IS ''key'';'
SELECT mig_autogenerate(:'before', 'before') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT change, object, loses_data, upgrade FROM mig_diff(:'after');
SELECT mig_autogenerate(:'after', 'after') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT mig_check(:'after');
SELECT count(*) AS steps FROM mig_downgrade('-1');
SELECT mig_check(:'before');
SELECT count(*) AS steps FROM mig_downgrade('base');
SELECT mig_check('');
DROP EXTENSION mig_ext CASCADE;
CREATE EXTENSION mig_ext;

-- dependents: a column replaced (serial to identity) takes its key, the
-- foreign key to it, the views over it and their comments along; a type
-- change takes the views along but not the index
\set a 'CREATE TABLE inv (id serial PRIMARY KEY, amount numeric(8,2), note text); CREATE TABLE line (inv_id int REFERENCES inv); CREATE INDEX inv_amount ON inv (amount); CREATE VIEW big AS SELECT id, amount FROM inv WHERE amount > 100; CREATE VIEW bigger AS SELECT id FROM big WHERE amount > 1000; COMMENT ON VIEW big IS ''big ones''; COMMENT ON COLUMN inv.id IS ''key'';'
\set b 'CREATE TABLE inv (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, amount numeric(12,2), note text); CREATE TABLE line (inv_id int REFERENCES inv); CREATE INDEX inv_amount ON inv (amount); CREATE VIEW big AS SELECT id, amount FROM inv WHERE amount > 100; CREATE VIEW bigger AS SELECT id FROM big WHERE amount > 1000; COMMENT ON VIEW big IS ''big ones''; COMMENT ON COLUMN inv.id IS ''key'';'
SELECT mig_autogenerate(:'a', 'a') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
INSERT INTO inv (amount) VALUES (5), (500);
SELECT change, object, upgrade FROM mig_diff(:'b');
SELECT mig_autogenerate(:'b', 'b') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT mig_check(:'b');
SELECT * FROM big;
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'inv'::regclass ORDER BY 1;
SELECT count(*) AS steps FROM mig_downgrade('-1');
SELECT mig_check(:'a');
SELECT count(*) AS steps FROM mig_downgrade('base');
DROP EXTENSION mig_ext CASCADE;
CREATE EXTENSION mig_ext;

-- a schema whose name needs quoting: names are mapped from the scratch
-- schema to it
CREATE SCHEMA "My App";
\set desired 'CREATE TYPE k AS ENUM (''a''); CREATE TABLE t (id serial PRIMARY KEY, k k DEFAULT ''a''); CREATE VIEW v AS SELECT id, k FROM t'
SELECT change, object, upgrade FROM mig_diff(:'desired', 'My App');
SELECT mig_autogenerate(:'desired', 'my app', 'My App') IS NOT NULL AS registered;
SELECT count(*) AS steps FROM mig_upgrade();
SELECT mig_check(:'desired', 'My App');
SELECT mig_check(:'desired');
SELECT count(*) AS steps FROM mig_downgrade('base');
SELECT mig_check('', 'My App');
DROP SCHEMA "My App";

DROP EXTENSION mig_ext CASCADE;
