-- mig_rehearse's advice: what to do instead, in each step's advice, from
-- what the step really did (its locks, the storage it rewrote, what it made
-- the catalogs say) to a table that was not empty: never from the text.
-- The same risky revisions as doc/peer-features.md compares with squawk.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mig_ext CASCADE;
RESET client_min_messages;
CREATE EXTENSION mig_ext;
CREATE TABLE customers (id int PRIMARY KEY);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, amount int, qty int,
                     note varchar(50));
CREATE TABLE audit_empty (id int);
INSERT INTO customers SELECT g FROM generate_series(1, 100) g;
INSERT INTO orders SELECT g, g % 100 + 1, g, 1, 'n' FROM generate_series(1, 1000) g;

DO $$
DECLARE
    bodies text[] := ARRAY[
        'ALTER TABLE orders ALTER COLUMN amount TYPE bigint',
        'ALTER TABLE orders ALTER COLUMN note TYPE text',
        'CREATE INDEX orders_customer ON orders (customer_id)',
        'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)',
        'ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0)',
        'ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL',
        'ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT clock_timestamp()',
        'ALTER TABLE orders ADD COLUMN status text DEFAULT ''new''',
        'DO $b$ BEGIN EXECUTE ''ALTER TABLE orders ALTER COLUMN qty TYPE bigint''; END $b$',
        'ALTER TABLE audit_empty ALTER COLUMN id TYPE bigint',
        'ALTER TABLE orders ADD CONSTRAINT orders_qty_positive CHECK (qty > 0) NOT VALID'];
BEGIN
    FOR i IN 1 .. cardinality(bodies) LOOP
        PERFORM mig_revision('risky ' || i, bodies[i], revision => 'k' || lpad(i::text, 2, '0'),
                             down_revision => CASE WHEN i = 1 THEN '{}'::text[] END);
    END LOOP;
END $$;

SET client_min_messages = warning;
-- each revision rehearsed on its own, in a transaction of its own (as
-- mig_deploy would run it), then applied
CREATE TEMP TABLE advice (revision text, locks text[], rewrites text[], detail text, advice text);
SELECT format('INSERT INTO advice SELECT revision, locks, rewrites, detail, advice FROM mig_rehearse(%L)', id),
       format('SELECT mig_upgrade(%L)', id)
FROM (SELECT 'k' || lpad(i::text, 2, '0') AS id FROM generate_series(1, 11) i) r ORDER BY id
\gexec
RESET client_min_messages;
-- (the relations rewritten without their sizes, which differ between versions)
SELECT revision, locks, ARRAY(SELECT regexp_replace(w, ' \([^)]*\)$', '') FROM unnest(rewrites) w)
       AS rewrites, detail
FROM advice ORDER BY revision;
SELECT revision, regexp_split_to_table(advice, '(?<=\.) (?=[A-Z])') AS advice
FROM advice ORDER BY revision;

DROP EXTENSION mig_ext;
DROP TABLE orders, customers, audit_empty;
