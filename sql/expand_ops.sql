-- expand_ops: the operations (mig_op_*): what they refuse, with SQLSTATEs,
-- and what they do under mig_upgrade, mig_downgrade (mig_op_undo) and
-- mig_test, where each runs whole in the step's transaction.
CREATE EXTENSION mig_ext;
\set VERBOSITY sqlstate
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA inv;
CREATE TABLE inv.items (id int PRIMARY KEY, sku text UNIQUE, qty int DEFAULT 1, price numeric NOT NULL,
                        note text);
CREATE TABLE inv.stock (item_id int, n int);
CREATE VIEW inv.item_view AS SELECT id FROM inv.items;
CREATE SCHEMA other;
CREATE TABLE other.t (id int);
INSERT INTO inv.items SELECT g, 's' || g, g, g * 2, NULL FROM generate_series(1, 20) g;
INSERT INTO inv.stock SELECT g, g FROM generate_series(1, 20) g;

------------------------------------------------------------------------
-- outside a body: refused
------------------------------------------------------------------------
SELECT mig_op_rename_column('inv.items', 'note', 'remark');
SELECT mig_op_undo();
\set VERBOSITY default
SELECT mig_op_add_check('inv.items', 'c', 'qty > 0');
\set VERBOSITY sqlstate

------------------------------------------------------------------------
-- bad input: each upgrade fails, nothing is applied
------------------------------------------------------------------------
CREATE FUNCTION try(body text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    id text := 'bad' || (SELECT count(*) FROM mig_revisions);
BEGIN
    PERFORM mig_revision(id, body, revision => id, down_revision => '{}');
    PERFORM mig_upgrade(id);
    RETURN 'applied';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
SELECT try($$SELECT mig_op_drop_column('inv.nope', 'x')$$);
SELECT try($$SELECT mig_op_drop_column('inv.item_view', 'id')$$);
SELECT try($$SELECT mig_op_rename_column('inv.items', 'nope', 'x')$$);
SELECT try($$SELECT mig_op_rename_column('inv.items', 'note', 'qty')$$);
SELECT try($$SELECT mig_op_rename_table('inv.items', 'stock')$$);
SELECT try($$SELECT mig_op_add_column('inv.items', 'weight int NOT NULL')$$);
SELECT try($$SELECT mig_op_add_column('inv.items', 'weight int CHECK (weight > 0)')$$);
SELECT try($$SELECT mig_op_add_column('inv.items', 'weight int GENERATED ALWAYS AS IDENTITY')$$);
SELECT try($$SELECT mig_op_add_column('inv.items', 'weight int NOT')$$);
SELECT try($$SELECT mig_op_alter_column('inv.items', 'qty')$$);
SELECT try($$SELECT mig_op_alter_column('inv.items', 'sku', type => 'varchar(20)')$$);
SELECT try($$SELECT mig_op_alter_column('inv.items', 'id', type => 'bigint')$$);
SELECT try($$SELECT mig_op_drop_column('inv.items', 'price')$$);
SELECT try($$SELECT mig_op_add_foreign_key('inv.stock', 'fk', '{item_id}', 'inv.items', '{id}', 'explode')$$);
SELECT try($$SELECT mig_op_rename_column('inv.items', 'note', 'remark');
             SELECT mig_op_drop_column('inv.items', 'note')$$);
SELECT try($$SELECT mig_op_rename_table('inv.items', 'goods');
             SELECT mig_op_add_check('inv.items', 'c', 'qty > 0')$$);
SELECT try($$SELECT mig_op_add_check('inv.items', 'c', 'qty > 0');
             SELECT mig_op_add_check('other.t', 'c', 'id > 0')$$);
SELECT try($$SELECT mig_op_add_check('inv.items', 'c', 'qty > 100')$$);
SELECT * FROM mig_current();
SELECT count(*) FROM mig_expand_ops;
DELETE FROM mig_revisions;

------------------------------------------------------------------------
-- the lifecycle refuses bad calls
------------------------------------------------------------------------
CALL mig_complete();
CALL mig_rollback();
CALL mig_start('nope');
CALL mig_start('head', batch_size => 0);
SELECT mig_revision('a revision with a very long id', $$SELECT mig_op_add_check('inv.items', 'c', 'qty > 0')$$,
                    revision => 'a_revision_id_long_enough_to_make_the_schema_name_too_long_x');
CALL mig_start('a_revision_id_long_enough_to_make_the_schema_name_too_long_x');
SELECT * FROM mig_current();
SELECT nspname FROM pg_namespace WHERE nspname LIKE 'inv_%';
DELETE FROM mig_revisions;
-- a revision without operations is simply applied
SELECT mig_revision('plain', 'CREATE TABLE inv.plain (x int)', 'DROP TABLE inv.plain', revision => 'plain');
CALL mig_start('plain');
SELECT count(*) AS states FROM mig_expand_state;
CALL mig_start('plain');
SELECT * FROM mig_downgrade('base');
DELETE FROM mig_revisions;
DELETE FROM mig_log;

------------------------------------------------------------------------
-- under mig_upgrade: each operation whole; mig_op_undo its exact inverse
------------------------------------------------------------------------
CREATE TABLE before_upgrade AS SELECT * FROM mig_autogen_objects('inv'::regnamespace, 'inv');
SELECT mig_revision('every reversible operation', $$
    SELECT mig_op_rename_column('inv.items', 'note', 'remark');
    SELECT mig_op_alter_column('inv.items', 'qty', type => 'bigint', up => 'coalesce(qty, 0) * 10',
                               down => '(qty / 10)::int', not_null => true, check_expr => 'qty >= 0',
                               default_expr => '10', is_unique => true);
    SELECT mig_op_add_column('inv.items', 'weight numeric NOT NULL', backfill => 'price / 2');
    SELECT mig_op_add_column('inv.items', 'added_at timestamptz NOT NULL DEFAULT now()');
    SELECT mig_op_add_column('inv.items', 'token double precision NOT NULL DEFAULT random()');
    SELECT mig_op_create_index('inv.items', 'items_weight', '(weight)');
    SELECT mig_op_add_foreign_key('inv.stock', 'stock_item_fk', '{item_id}', 'inv.items', '{id}', 'cascade');
    SELECT mig_op_add_check('inv.stock', 'stock_n_positive', 'n > 0');
    SELECT mig_op_rename_table('inv.stock', 'inventory');
$$, 'SELECT mig_op_undo()', revision => 'ops', down_revision => '{}');
SELECT * FROM mig_test('ops');
SELECT * FROM mig_upgrade('ops');
SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
 WHERE table_schema = 'inv' AND table_name = 'items' ORDER BY ordinal_position;
SELECT conrelid::regclass, conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint
 WHERE connamespace = 'inv'::regnamespace AND contype <> 'n' ORDER BY 1, 2;  -- (NOT NULL: 18 and later)
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'inv.items'::regclass ORDER BY 1;
SELECT id, qty, weight, remark, token IS NOT NULL AS has_token FROM inv.items WHERE id <= 3 ORDER BY id;
SELECT op, kind, table_name, column_name, new_name FROM mig_expand_ops ORDER BY op;
SELECT nspname FROM pg_namespace WHERE nspname LIKE 'inv_%';
SELECT * FROM mig_downgrade('base');
SELECT count(*) AS missing FROM (SELECT * FROM before_upgrade
    EXCEPT SELECT * FROM mig_autogen_objects('inv'::regnamespace, 'inv')) AS x;
SELECT count(*) AS extra FROM (SELECT * FROM mig_autogen_objects('inv'::regnamespace, 'inv')
    EXCEPT SELECT * FROM before_upgrade) AS x;
SELECT id, qty FROM inv.items WHERE id <= 3 ORDER BY id;
SELECT count(*) FROM mig_expand_ops;
-- a dropped column cannot come back
SELECT mig_revision('drop', $$SELECT mig_op_drop_column('inv.items', 'remark')$$, 'SELECT mig_op_undo()',
                    revision => 'drop', down_revision => '{ops}');
SELECT * FROM mig_upgrade('drop');
SELECT * FROM mig_downgrade('ops');
SELECT * FROM mig_current();
SELECT mig_stamp('base', purge => true);
DELETE FROM mig_revisions;
DELETE FROM mig_expand_ops;

------------------------------------------------------------------------
-- a backfill that fails part-way: the revision stays started, complete
-- refuses, rollback restores the schema
------------------------------------------------------------------------
CREATE TABLE before_start AS SELECT * FROM mig_autogen_objects('inv'::regnamespace, 'inv');
SELECT mig_revision('price bigint', $$
    SELECT mig_op_alter_column('inv.items', 'price', type => 'bigint',
                               up => 'CASE WHEN id = 17 THEN 1 / 0 ELSE price::bigint END');
$$, revision => 'fails');
CALL mig_start('fails', batch_size => 1);
SELECT revision, backfilled, completed_at FROM mig_expand_state;
CALL mig_complete();
\set VERBOSITY default
CALL mig_complete();
\set VERBOSITY sqlstate
CALL mig_rollback();
SELECT count(*) AS missing FROM (SELECT * FROM before_start
    EXCEPT SELECT * FROM mig_autogen_objects('inv'::regnamespace, 'inv')) AS x;
SELECT count(*) AS extra FROM (SELECT * FROM mig_autogen_objects('inv'::regnamespace, 'inv')
    EXCEPT SELECT * FROM before_start) AS x;
SELECT count(*) AS states FROM mig_expand_state;
DELETE FROM mig_revisions;

------------------------------------------------------------------------
-- a deployer who may run migrations but does not own the tables: the
-- expand half fails with 42501 and nothing is left
------------------------------------------------------------------------
CREATE ROLE regress_expand_deployer;
GRANT USAGE ON SCHEMA inv TO regress_expand_deployer;
GRANT SELECT ON mig_revisions TO regress_expand_deployer;
GRANT EXECUTE ON PROCEDURE mig_start(text, integer, interval, integer) TO regress_expand_deployer;
SELECT mig_revision('note text', $$SELECT mig_op_add_column('inv.items', 'extra text')$$, revision => 'deployer');
SET ROLE regress_expand_deployer;
CALL mig_start('deployer');
RESET ROLE;
SELECT count(*) AS versions FROM mig_version;
SELECT count(*) AS states FROM mig_expand_state;
SELECT count(*) AS ops FROM mig_expand_ops;
SELECT nspname FROM pg_namespace WHERE nspname LIKE 'inv_%';
SELECT count(*) FROM pg_attribute WHERE attrelid = 'inv.items'::regclass AND attname = 'extra';

DROP FUNCTION try(text);
DROP TABLE before_start;
REVOKE ALL ON mig_revisions FROM regress_expand_deployer;
DROP OWNED BY regress_expand_deployer;
DROP ROLE regress_expand_deployer;
DROP TABLE before_upgrade;
SET client_min_messages = warning;
DROP EXTENSION mig_ext CASCADE;
DROP SCHEMA inv, other CASCADE;
RESET client_min_messages;
