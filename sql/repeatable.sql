-- Repeatable revisions (Flyway's R__ migrations): outside the graph, run
-- again, in the order of their ids, after every upgrade that reaches the
-- heads whenever their upgrade changed since it last ran.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mig_ext CASCADE;
RESET client_min_messages;
CREATE EXTENSION mig_ext;
\set SHOW_CONTEXT never

SELECT mig_revision('items', 'CREATE TABLE rp_items (id int, price numeric)',
                    'DROP TABLE rp_items CASCADE', revision => 'r1', down_revision => '{}');
-- the view, kept in one repeatable revision
SELECT mig_revision('view', 'CREATE OR REPLACE VIEW rp_cheap AS SELECT id FROM rp_items WHERE price < 10',
                    'DROP VIEW rp_cheap', revision => 'R_view', repeatable => true);
SELECT mig_revision('function', $$CREATE OR REPLACE FUNCTION rp_total() RETURNS numeric
LANGUAGE sql AS 'SELECT sum(price) FROM rp_items'$$, revision => 'R_func', repeatable => true);
-- the graph does not see them: one head, r1
SELECT revision FROM mig_heads();
SELECT mig_revision('more', 'ALTER TABLE rp_items ADD COLUMN name text',
                    'ALTER TABLE rp_items DROP COLUMN name', revision => 'r2');
SELECT revision, down_revisions FROM mig_revisions WHERE revision = 'r2';

-- not at the heads: no repeatable runs
SELECT * FROM mig_plan('r1');
-- at the heads: both run after the versioned steps, by id
SELECT step, revision, version_rows_before, version_rows_after FROM mig_plan('head');
SELECT revision FROM mig_upgrade('head');
SELECT revision FROM mig_version;
SELECT revision, direction, from_revisions, to_revisions, checksum IS NOT NULL AS checksum
FROM mig_log ORDER BY id;
SELECT rp_total() IS NULL AS total, count(*) AS cheap FROM rp_cheap;
-- unchanged: nothing runs again
SELECT revision FROM mig_upgrade('head');

-- registered again with the same body: nothing changes
SELECT mig_revision('view', 'CREATE OR REPLACE VIEW rp_cheap AS SELECT id FROM rp_items WHERE price < 10',
                    'DROP VIEW rp_cheap', revision => 'R_view', repeatable => true);
-- a changed body replaces the registered one (a new checksum), and runs
-- at the next upgrade that reaches the heads
SELECT mig_revision('view', 'CREATE OR REPLACE VIEW rp_cheap AS SELECT id, name FROM rp_items WHERE price < 10',
                    'DROP VIEW rp_cheap', revision => 'R_view', repeatable => true);
SELECT * FROM mig_validate();
SELECT step, revision FROM mig_plan('heads');
SELECT line FROM regexp_split_to_table(mig_upgrade_sql('heads'), E'\n') AS line
WHERE line LIKE '%rp_cheap%' OR line LIKE '-- running%';
SELECT revision FROM mig_upgrade('heads');
SELECT pg_get_viewdef('rp_cheap') LIKE '%name%' AS new_view;
SELECT revision, count(*) FROM mig_log GROUP BY 1 ORDER BY 1;

-- mig_history shows them after the graph's revisions
SELECT revision, down_revisions, is_head, is_base, applied_at IS NOT NULL AS applied, repeatable
FROM mig_history();

-- a failing repeatable fails the upgrade that would run it
SELECT mig_revision('function', 'CREATE FUNCTION rp_total() RETURNS int LANGUAGE sql AS $f$SELECT 1$f$',
                    revision => 'R_func', repeatable => true);
SELECT mig_revision('three', 'SELECT 1', revision => 'r3');
SELECT revision FROM mig_upgrade('heads');
SELECT revision FROM mig_version;
-- CALL mig_deploy: the versioned step is committed, the repeatable one not
CALL mig_deploy('heads');
SELECT revision FROM mig_version;

-- a head that a conflict keeps out for good does not stop them
SELECT mig_revision('other', 'SELECT 1', revision => 'rc', down_revision => '{}', conflicts => '{r1}');
SELECT mig_revision('function', $$DROP FUNCTION rp_total();
CREATE FUNCTION rp_total() RETURNS int LANGUAGE sql AS 'SELECT 2'$$,
                    revision => 'R_func', repeatable => true);
SELECT revision FROM mig_upgrade('r3');
SELECT rp_total();

-- versioned revisions stay unchangeable, and the kinds do not mix
SELECT mig_revision('more', 'ALTER TABLE rp_items ADD COLUMN name2 text', revision => 'r2',
                    down_revision => '{r1}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('more', 'SELECT 1', revision => 'r2', repeatable => true);
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('x', 'SELECT 1', revision => 'R_x', down_revision => '{r1}', repeatable => true);
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('x', 'SELECT 1', revision => 'R_x', repeatable => true, verify => 'SELECT 1');
-- no revision may name one as a parent
SELECT mig_revision('child', 'SELECT 1', revision => 'r9', down_revision => '{R_view}');
\echo :LAST_ERROR_SQLSTATE

-- the file header
SELECT mig_import(E'-- mig:revision: R_grants\n-- mig:repeatable: true\n-- mig:message: grants\n-- mig:upgrade\nGRANT SELECT ON rp_items TO PUBLIC;\n');
SELECT revision, repeatable, down_revisions FROM mig_revisions WHERE revision = 'R_grants';
SELECT mig_import(E'-- mig:revision: R_bad\n-- mig:repeatable: maybe\n-- mig:upgrade\n');

DROP EXTENSION mig_ext CASCADE;
DROP TABLE rp_items CASCADE;
DROP FUNCTION rp_total();
