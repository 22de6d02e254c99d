-- expand.sql: zero-downtime changes (doc/expand-contract.md).  The
-- operations a revision body calls (mig_op_*) record themselves in
-- mig_expand_ops and run their expand half under CALL mig_start, their
-- contract half under CALL mig_complete; under mig_upgrade they run both at
-- once.  The lifecycle (lock, plan, record, batches) is in src/expand.c; the
-- DDL of each half is built here, run with the caller's rights.  The
-- comments are in comments.sql, the rights in privileges.sql.

-- One row per operation a revision's upgrade ran, in order.
CREATE TABLE mig_expand_ops (
    revision        text NOT NULL,
    op              integer NOT NULL,
    kind            text NOT NULL,
    table_schema    name NOT NULL,
    table_name      name NOT NULL,
    column_name     name,           -- the column (an added one's name)
    new_name        name,           -- rename: the new name; index, constraint: its name
    shadow_name     name,           -- the column added beside the old one
    old_type        text,
    old_default     text,
    old_not_null    boolean,
    new_type        text,
    default_expr    text,
    not_null        boolean,
    check_expr      text,
    is_unique       boolean,
    up_expr         text,           -- the new shape from the old (backfill)
    down_expr       text,           -- the old shape from the new
    definition      text,           -- index definition, foreign key clause
    PRIMARY KEY (revision, op)
);

-- One row per revision started by mig_start; completed_at set by mig_complete,
-- the row deleted by mig_rollback.
CREATE TABLE mig_expand_state (
    revision        text PRIMARY KEY,
    base_schema     name NOT NULL,
    version_schema  name NOT NULL,
    previous_schema name,           -- the old application's version schema (NULL: base_schema)
    started_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    backfilled      boolean NOT NULL DEFAULT false,
    completed_at    timestamptz
);
SELECT pg_catalog.pg_extension_config_dump('mig_expand_ops', '');
SELECT pg_catalog.pg_extension_config_dump('mig_expand_state', '');

CREATE OR REPLACE FUNCTION mig_op_context(fname text)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_op_context'
LANGUAGE C VOLATILE STRICT;

CREATE OR REPLACE FUNCTION mig_op_record(o mig_expand_ops)
RETURNS void
AS 'MODULE_PATHNAME', 'mig_op_record'
LANGUAGE C VOLATILE STRICT;

CREATE OR REPLACE FUNCTION mig_op_forget()
RETURNS void
AS 'MODULE_PATHNAME', 'mig_op_forget'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION mig_expand_ops_of(revision text DEFAULT NULL)
RETURNS SETOF mig_expand_ops
AS 'MODULE_PATHNAME', 'mig_expand_ops_of'
LANGUAGE C VOLATILE;

-- The operation of kind on table tab, checked against the operations the
-- revision ran before it (one schema; nothing after a rename or drop of the
-- table; one operation per column).
CREATE OR REPLACE FUNCTION mig_expand_new_op(kind text, tab regclass, column_name name)
RETURNS mig_expand_ops
LANGUAGE plpgsql AS $$
DECLARE
    o @extschema@.mig_expand_ops;
    prev @extschema@.mig_expand_ops;
BEGIN
    SELECT n.nspname, c.relname INTO o.table_schema, o.table_name
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = tab AND c.relkind IN ('r', 'p');
    IF NOT FOUND THEN
        RAISE EXCEPTION '"%" is not a table', tab USING ERRCODE = '42809';
    END IF;
    o.kind := kind;
    o.column_name := column_name;
    FOR prev IN SELECT * FROM @extschema@.mig_expand_ops_of() LOOP
        IF prev.table_schema <> o.table_schema THEN
            RAISE EXCEPTION 'the operations of a revision must name tables of one schema'
                USING ERRCODE = '0A000',
                      DETAIL = pg_catalog.format('An earlier operation names a table of schema %I, this one of %I.',
                                                 prev.table_schema, o.table_schema),
                      HINT = 'Split the revision into one revision per schema.';
        END IF;
        IF prev.table_name = o.table_name
           AND (prev.kind IN ('rename_table', 'drop_table') OR prev.column_name = column_name) THEN
            RAISE EXCEPTION 'table % was already changed by an earlier % of this revision', tab, prev.kind
                USING ERRCODE = '0A000',
                      DETAIL = 'A revision runs one operation per column, and none on a table after renaming or dropping it.',
                      HINT = 'Move this operation to a revision of its own.';
        END IF;
    END LOOP;
    IF column_name IS NOT NULL AND kind <> 'add_column' AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = tab AND a.attname = column_name AND a.attnum > 0 AND NOT a.attisdropped)
    THEN
        RAISE EXCEPTION 'column "%" of table % does not exist', column_name, tab USING ERRCODE = '42703';
    END IF;
    RETURN o;
END
$$;

-- Refuses a column that an index or a constraint other than NOT NULL uses
-- (what the shadow column of an operation could not carry over).
CREATE OR REPLACE FUNCTION mig_expand_check_unused(tab regclass, col name, what text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    used text;
BEGIN
    SELECT pg_catalog.format('%s %I', CASE WHEN d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                           THEN 'index' ELSE 'constraint' END,
                             coalesce(i.relname, k.conname))
      INTO used
      FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_attribute a ON a.attrelid = tab AND a.attname = col
      LEFT JOIN pg_catalog.pg_class i ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND i.oid = d.objid
      LEFT JOIN pg_catalog.pg_constraint k ON d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND k.oid = d.objid
     WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = tab
       AND d.refobjsubid = a.attnum AND (i.oid IS NOT NULL OR (k.oid IS NOT NULL AND k.contype <> 'n'))
     LIMIT 1;
    IF used IS NULL THEN
        SELECT pg_catalog.format('constraint %I', k.conname) INTO used
          FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_attribute a ON a.attrelid = tab AND a.attname = col
         WHERE k.confrelid = tab AND a.attnum = ANY (k.confkey) LIMIT 1;
    END IF;
    IF used IS NOT NULL THEN
        RAISE EXCEPTION 'column "%" of table % is used by %', col, tab, used
            USING ERRCODE = '0A000',
                  DETAIL = pg_catalog.format('mig_op_%s cannot carry indexes and constraints over to the new column.', what),
                  HINT = 'Drop the index or constraint in an earlier revision, or change the column with plain SQL.';
    END IF;
END
$$;

-- The qualified table of operation o, quoted.
CREATE OR REPLACE FUNCTION mig_expand_qtable(o mig_expand_ops)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
-- NULL for a NULL row: PostgreSQL 18 folds a call on constants at plan
-- time, where format's %I would raise on NULL
SELECT pg_catalog.quote_ident(o.table_schema) || '.' || pg_catalog.quote_ident(o.table_name) $$;

-- The name of the NOT NULL check an operation adds for its column.
CREATE OR REPLACE FUNCTION mig_expand_nn_name(o mig_expand_ops)
RETURNS name
LANGUAGE sql IMMUTABLE AS $$ SELECT pg_catalog.left('_mig_nn_' || o.column_name, 63)::name $$;

-- The index operation o builds concurrently under mig_start, or NULL.
CREATE OR REPLACE FUNCTION mig_expand_index_sql(o mig_expand_ops, concurrent boolean)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE
    WHEN o.kind = 'create_index' THEN
        pg_catalog.format('CREATE INDEX%s %I ON %s %s', CASE WHEN concurrent THEN ' CONCURRENTLY' ELSE '' END,
                          o.new_name, @extschema@.mig_expand_qtable(o), o.definition)
    WHEN o.kind = 'alter_column' AND o.is_unique THEN
        pg_catalog.format('CREATE UNIQUE INDEX%s %I ON %s (%I)', CASE WHEN concurrent THEN ' CONCURRENTLY' ELSE '' END,
                          o.new_name, @extschema@.mig_expand_qtable(o), o.shadow_name)
    END
$$;

-- The assignments that fill operation o's new column from the old shape
-- (an UPDATE's SET list), or NULL.
CREATE OR REPLACE FUNCTION mig_expand_set_sql(o mig_expand_ops)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE
    WHEN o.kind = 'alter_column' THEN pg_catalog.format('%I = (%s)', o.shadow_name, o.up_expr)
    WHEN o.kind = 'add_column' AND o.up_expr IS NOT NULL THEN
        pg_catalog.format('%1$I = coalesce(%1$I, (%2$s))', o.column_name, o.up_expr)
    END
$$;

-- The VALIDATE statements of operation o's contract half.
CREATE OR REPLACE FUNCTION mig_expand_validate_sql(o mig_expand_ops)
RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
SELECT pg_catalog.format('ALTER TABLE %s VALIDATE CONSTRAINT %s', @extschema@.mig_expand_qtable(o), pg_catalog.quote_ident(c))
  FROM pg_catalog.unnest(ARRAY[
         CASE WHEN o.kind IN ('add_column', 'alter_column') AND o.not_null AND o.shadow_name IS NOT NULL
                   AND NOT (o.kind = 'add_column' AND o.definition IS NOT NULL)
              THEN @extschema@.mig_expand_nn_name(o) END,
         CASE WHEN o.kind = 'alter_column' AND o.check_expr IS NOT NULL
              THEN pg_catalog.left(o.table_name || '_' || o.column_name || '_check', 63) END,
         CASE WHEN o.kind IN ('add_foreign_key', 'add_check') THEN o.new_name END]) AS c
 WHERE c IS NOT NULL
$$;

-- The statements of one half of operation o: expand, contract, undo (of
-- the expand half, mig_rollback), inverse (of both, mig_downgrade), or, for
-- an alter_column run at once, 'in place'.
CREATE OR REPLACE FUNCTION mig_expand_half(o mig_expand_ops, half text)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    t text := @extschema@.mig_expand_qtable(o);
    s text;
BEGIN
    IF half = 'expand' THEN
        IF o.kind = 'add_column' THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s ADD COLUMN %I %s', t, o.column_name, o.new_type)
                || CASE WHEN o.definition IS NOT NULL THEN ' DEFAULT ' || o.definition ELSE '' END
                || CASE WHEN o.definition IS NOT NULL AND o.not_null THEN ' NOT NULL' ELSE '' END;
            IF o.default_expr IS NOT NULL THEN
                RETURN NEXT pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I SET DEFAULT %s', t, o.column_name, o.default_expr);
            END IF;
            IF o.not_null AND o.definition IS NULL THEN
                RETURN NEXT pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%I IS NOT NULL) NOT VALID',
                                          t, @extschema@.mig_expand_nn_name(o), o.column_name);
            END IF;
        ELSIF o.kind = 'alter_column' THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s ADD COLUMN %I %s', t, o.shadow_name, o.new_type);
            IF o.default_expr IS NOT NULL THEN
                RETURN NEXT pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I SET DEFAULT %s', t, o.shadow_name, o.default_expr);
            END IF;
            IF o.not_null THEN
                RETURN NEXT pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%I IS NOT NULL) NOT VALID',
                                          t, @extschema@.mig_expand_nn_name(o), o.shadow_name);
            END IF;
            IF o.check_expr IS NOT NULL THEN
                -- the check names the column: give its name to the shadow column while it is added
                s := pg_catalog.left('_mig_old_' || o.column_name, 63);
                RETURN NEXT pg_catalog.format('ALTER TABLE %s RENAME COLUMN %I TO %I', t, o.column_name, s);
                RETURN NEXT pg_catalog.format('ALTER TABLE %s RENAME COLUMN %I TO %I', t, o.shadow_name, o.column_name);
                RETURN NEXT pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%s) NOT VALID', t,
                                          pg_catalog.left(o.table_name || '_' || o.column_name || '_check', 63),
                                          o.check_expr);
                RETURN NEXT pg_catalog.format('ALTER TABLE %s RENAME COLUMN %I TO %I', t, o.column_name, o.shadow_name);
                RETURN NEXT pg_catalog.format('ALTER TABLE %s RENAME COLUMN %I TO %I', t, s, o.column_name);
            END IF;
        ELSIF o.kind = 'add_foreign_key' THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s NOT VALID', t, o.new_name, o.definition);
        ELSIF o.kind = 'add_check' THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%s) NOT VALID', t, o.new_name, o.check_expr);
        END IF;
    ELSIF half = 'contract' THEN
        IF o.kind = 'add_column' AND o.not_null AND o.definition IS NULL THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I SET NOT NULL', t, o.column_name);
            RETURN NEXT pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', t, @extschema@.mig_expand_nn_name(o));
        ELSIF o.kind = 'alter_column' THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s DROP COLUMN %I', t, o.column_name);
            RETURN NEXT pg_catalog.format('ALTER TABLE %s RENAME COLUMN %I TO %I', t, o.shadow_name, o.column_name);
            IF o.not_null THEN
                RETURN NEXT pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I SET NOT NULL', t, o.column_name);
                RETURN NEXT pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', t, @extschema@.mig_expand_nn_name(o));
            END IF;
        ELSIF o.kind = 'rename_column' THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s RENAME COLUMN %I TO %I', t, o.column_name, o.new_name);
        ELSIF o.kind = 'drop_column' THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s DROP COLUMN %I', t, o.column_name);
        ELSIF o.kind = 'rename_table' THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s RENAME TO %I', t, o.new_name);
        ELSIF o.kind = 'drop_table' THEN
            RETURN NEXT pg_catalog.format('DROP TABLE %s', t);
        END IF;
    ELSIF half = 'in place' THEN
        -- an alter_column run at once: the column keeps its place, so that the inverse restores it
        RETURN NEXT pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I TYPE %s USING (%s)', t, o.column_name, o.new_type, o.up_expr);
        IF o.default_expr IS DISTINCT FROM o.old_default THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I %s', t, o.column_name,
                                      coalesce('SET DEFAULT ' || o.default_expr, 'DROP DEFAULT'));
        END IF;
        IF o.not_null IS DISTINCT FROM o.old_not_null THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I %s NOT NULL', t, o.column_name,
                                      CASE WHEN o.not_null THEN 'SET' ELSE 'DROP' END);
        END IF;
        IF o.check_expr IS NOT NULL THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%s)', t,
                                      pg_catalog.left(o.table_name || '_' || o.column_name || '_check', 63), o.check_expr);
        END IF;
        IF o.is_unique THEN
            RETURN NEXT pg_catalog.format('CREATE UNIQUE INDEX %I ON %s (%I)', o.new_name, t, o.column_name);
        END IF;
    ELSIF half = 'undo' THEN
        IF o.kind IN ('add_column', 'alter_column') THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s DROP COLUMN IF EXISTS %I', t, o.shadow_name);
        ELSIF o.kind IN ('add_foreign_key', 'add_check') THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', t, o.new_name);
        ELSIF o.kind = 'create_index' THEN
            RETURN NEXT pg_catalog.format('DROP INDEX IF EXISTS %I.%I', o.table_schema, o.new_name);
        END IF;
    ELSIF half = 'inverse' THEN
        IF o.kind = 'add_column' THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s DROP COLUMN %I', t, o.column_name);
        ELSIF o.kind = 'alter_column' THEN
            IF o.is_unique THEN
                RETURN NEXT pg_catalog.format('DROP INDEX %I.%I', o.table_schema, o.new_name);
            END IF;
            IF o.check_expr IS NOT NULL THEN
                RETURN NEXT pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', t,
                                          pg_catalog.left(o.table_name || '_' || o.column_name || '_check', 63));
            END IF;
            RETURN NEXT pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I DROP DEFAULT', t, o.column_name);
            IF o.new_type IS DISTINCT FROM o.old_type THEN
                RETURN NEXT pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I TYPE %s USING (%s)', t, o.column_name,
                                          o.old_type, o.down_expr);
            END IF;
            IF o.old_default IS NOT NULL THEN
                RETURN NEXT pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I SET DEFAULT %s', t, o.column_name, o.old_default);
            END IF;
            RETURN NEXT pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I %s NOT NULL', t, o.column_name,
                                      CASE WHEN o.old_not_null THEN 'SET' ELSE 'DROP' END);
        ELSIF o.kind = 'rename_column' THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s RENAME COLUMN %I TO %I', t, o.new_name, o.column_name);
        ELSIF o.kind = 'rename_table' THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %I.%I RENAME TO %I', o.table_schema, o.new_name, o.table_name);
        ELSIF o.kind IN ('add_foreign_key', 'add_check') THEN
            RETURN NEXT pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', t, o.new_name);
        ELSIF o.kind = 'create_index' THEN
            RETURN NEXT pg_catalog.format('DROP INDEX %I.%I', o.table_schema, o.new_name);
        ELSE
            RAISE EXCEPTION 'the % of table % cannot be undone', o.kind, t
                USING ERRCODE = '0A000',
                      DETAIL = 'What it dropped is gone.',
                      HINT = 'Write the downgrade of this revision yourself.';
        END IF;
    END IF;
END
$$;

-- Runs one half of operation o.
CREATE OR REPLACE FUNCTION mig_expand_exec(o mig_expand_ops, half text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s text;
BEGIN
    FOR s IN SELECT @extschema@.mig_expand_half(o, half) LOOP
        EXECUTE s;
    END LOOP;
END
$$;

-- Runs operation o as its body asks (mode from mig_op_context): under
-- mig_start its expand half (its index built later, concurrently); else
-- both halves and the backfill at once (an alter_column in place); then
-- records it.
CREATE OR REPLACE FUNCTION mig_expand_run(o mig_expand_ops, mode text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s text;
BEGIN
    IF mode <> 'start' AND o.kind = 'alter_column' THEN
        PERFORM @extschema@.mig_expand_exec(o, 'in place');
    ELSIF mode <> 'start' THEN
        PERFORM @extschema@.mig_expand_exec(o, 'expand');
        s := @extschema@.mig_expand_index_sql(o, false);
        IF s IS NOT NULL THEN
            EXECUTE s;
        END IF;
        s := @extschema@.mig_expand_set_sql(o);
        IF s IS NOT NULL THEN
            EXECUTE pg_catalog.format('UPDATE %s SET %s', @extschema@.mig_expand_qtable(o), s);
        END IF;
        FOR s IN SELECT @extschema@.mig_expand_validate_sql(o) LOOP
            EXECUTE s;
        END LOOP;
        PERFORM @extschema@.mig_expand_exec(o, 'contract');
    ELSE
        PERFORM @extschema@.mig_expand_exec(o, 'expand');
    END IF;
    PERFORM @extschema@.mig_op_record(o);
END
$$;

-- The column list of the view of table tab in the version schema of
-- revision rev: the new shape, each column under its new name; with
-- as_vars, PL/pgSQL declarations of variables named after the new shape's
-- columns, holding the row's values (new_shape false: the old shape's).
CREATE OR REPLACE FUNCTION mig_expand_shape(rev text, tab regclass, new_shape boolean, as_vars boolean)
RETURNS text
LANGUAGE sql STABLE AS $$
WITH ops AS (SELECT * FROM @extschema@.mig_expand_ops_of(rev) o
              WHERE pg_catalog.format('%I.%I', o.table_schema, o.table_name)::pg_catalog.regclass = tab),
cols AS (
    SELECT a.attnum, a.attname AS phys,
           CASE WHEN o.kind = 'rename_column' THEN o.new_name ELSE a.attname END AS shown,
           (SELECT s.shadow_name FROM ops s WHERE s.kind = 'alter_column' AND s.column_name = a.attname) AS shadow,
           o.kind, a.attrelid
      FROM pg_catalog.pg_attribute a
      LEFT JOIN ops o ON o.column_name = a.attname AND o.kind IN ('rename_column', 'drop_column')
     WHERE a.attrelid = tab AND a.attnum > 0 AND NOT a.attisdropped
       AND NOT EXISTS (SELECT FROM ops s WHERE s.kind = 'alter_column' AND s.shadow_name = a.attname)
       AND (new_shape OR NOT EXISTS (SELECT FROM ops s WHERE s.kind = 'add_column' AND s.column_name = a.attname))
       AND NOT (new_shape AND o.kind IS NOT DISTINCT FROM 'drop_column')
),
shape AS (
    SELECT attnum, CASE WHEN new_shape THEN shown ELSE phys END AS name,
           CASE WHEN new_shape THEN coalesce(shadow, phys) ELSE phys END AS src, attrelid
      FROM cols
)
SELECT CASE WHEN as_vars THEN
           pg_catalog.string_agg(pg_catalog.format('%I %s := NEW.%I;', s.name,
                                 pg_catalog.format_type(a.atttypid, a.atttypmod), s.src), ' ' ORDER BY s.attnum)
       ELSE
           pg_catalog.string_agg(CASE WHEN s.name = s.src THEN pg_catalog.quote_ident(s.name)
                                      ELSE pg_catalog.format('%I AS %I', s.src, s.name) END, ', ' ORDER BY s.attnum)
       END
  FROM shape s JOIN pg_catalog.pg_attribute a ON a.attrelid = s.attrelid AND a.attname = s.src
$$;

-- After the body of revision rev ran its expand halves under mig_start:
-- the version schema vs of views over every table of schema base, showing
-- the new shape, with the tables' grants; and on each table whose columns
-- need it, a trigger keeping the old and new shapes in sync.
CREATE OR REPLACE FUNCTION mig_expand_finish(rev text, base name, vs name)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    c record;
    g record;
    fn text;
    body text;
BEGIN
    EXECUTE pg_catalog.format('CREATE SCHEMA %I', vs);
    FOR g IN SELECT a.grantee FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
              WHERE n.nspname = base AND a.privilege_type = 'USAGE' AND a.grantee <> n.nspowner LOOP
        EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %s', vs,
            CASE g.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(g.grantee::pg_catalog.regrole::pg_catalog.text) END);
    END LOOP;
    FOR c IN SELECT r.oid, r.relname, r.relacl, r.relowner,
                    coalesce((SELECT o.new_name FROM @extschema@.mig_expand_ops_of(rev) o
                               WHERE o.kind = 'rename_table' AND o.table_name = r.relname), r.relname) AS shown
               FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
              WHERE n.nspname = base AND r.relkind IN ('r', 'p') AND NOT r.relispartition
                AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d    -- an extension's tables are its own
                                 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = r.oid
                                   AND d.deptype = 'e')
                AND NOT EXISTS (SELECT FROM @extschema@.mig_expand_ops_of(rev) o
                                 WHERE o.kind = 'drop_table' AND o.table_name = r.relname)
              ORDER BY r.relname LOOP
        EXECUTE pg_catalog.format('CREATE VIEW %I.%I WITH (security_invoker = true) AS SELECT %s FROM %I.%I',
                                  vs, c.shown, coalesce(@extschema@.mig_expand_shape(rev, c.oid, true, false), ''),
                                  base, c.relname);
        FOR g IN SELECT a.grantee, a.privilege_type, a.is_grantable FROM pg_catalog.aclexplode(c.relacl) a
                  WHERE a.grantee <> c.relowner LOOP
            EXECUTE pg_catalog.format('GRANT %s ON %I.%I TO %s%s', g.privilege_type, vs, c.shown,
                CASE g.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(g.grantee::pg_catalog.regrole::pg_catalog.text) END,
                CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
        -- the trigger: a write through the new version schema fills the old
        -- columns (down), any other write the new ones (up)
        SELECT pg_catalog.string_agg(CASE o.kind
                   WHEN 'alter_column' THEN pg_catalog.format('NEW.%I := (%s);', o.column_name, o.down_expr)
                   ELSE pg_catalog.format('IF TG_OP = ''INSERT'' THEN NEW.%I := (%s); END IF;', o.column_name, o.down_expr)
                   END, ' ' ORDER BY o.op) FILTER (WHERE o.kind = 'alter_column' OR (o.kind = 'drop_column' AND o.down_expr IS NOT NULL)),
               pg_catalog.string_agg(CASE o.kind
                   WHEN 'alter_column' THEN pg_catalog.format('NEW.%I := (%s);', o.shadow_name, o.up_expr)
                   -- a volatile default: once per row; a backfill: again on every write
                   ELSE CASE WHEN o.up_expr IS NOT DISTINCT FROM o.default_expr
                        THEN pg_catalog.format('IF NEW.%1$I IS NULL THEN NEW.%1$I := (%2$s); END IF;', o.column_name, o.up_expr)
                        ELSE pg_catalog.format('NEW.%I := (%s);', o.column_name, o.up_expr) END
                   END, ' ' ORDER BY o.op) FILTER (WHERE o.kind = 'alter_column' OR (o.kind = 'add_column' AND o.up_expr IS NOT NULL))
          INTO fn, body
          FROM @extschema@.mig_expand_ops_of(rev) o
         WHERE o.table_name = c.relname;
        CONTINUE WHEN fn IS NULL AND body IS NULL;
        EXECUTE pg_catalog.format($f$CREATE FUNCTION %I.%I() RETURNS trigger LANGUAGE plpgsql AS %L$f$,
            vs, '_mig_sync_' || c.oid,
            pg_catalog.format($b$BEGIN
  IF %L = ANY (pg_catalog.current_schemas(false)) THEN
    DECLARE %s BEGIN %s END;
  ELSE
    DECLARE %s BEGIN %s END;
  END IF;
  RETURN NEW;
END$b$, vs, @extschema@.mig_expand_shape(rev, c.oid, true, true), coalesce(fn, ''),
                    @extschema@.mig_expand_shape(rev, c.oid, false, true), coalesce(body, '')));
        EXECUTE pg_catalog.format('CREATE TRIGGER _mig_sync BEFORE INSERT OR UPDATE ON %I.%I FOR EACH ROW EXECUTE FUNCTION %I.%I()',
                                  base, c.relname, vs, '_mig_sync_' || c.oid);
    END LOOP;
END
$$;

-- The backfill of revision rev: per table, the UPDATE of a range of pages
-- ($1 to $2, excluded), the table's number of pages now, and how many
-- pages hold about batch_size rows.
CREATE OR REPLACE FUNCTION mig_expand_backfill_sql(rev text, batch_size integer)
RETURNS TABLE (table_name text, update_sql text, pages bigint, pages_per_batch bigint)
LANGUAGE sql STABLE AS $$
SELECT pg_catalog.format('%I.%I', o.table_schema, o.table_name),
       pg_catalog.format('UPDATE %I.%I SET %s WHERE ctid >= pg_catalog.format(''(%%s,0)'', $1)::pg_catalog.tid AND ctid < pg_catalog.format(''(%%s,0)'', $2)::pg_catalog.tid',
                         o.table_schema, o.table_name,
                         pg_catalog.string_agg(@extschema@.mig_expand_set_sql(o), ', ' ORDER BY o.op)),
       pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::bigint,
       GREATEST(1, pg_catalog.ceil(batch_size / CASE WHEN c.reltuples > 0 AND c.relpages > 0
                                                                THEN c.reltuples / c.relpages ELSE 100 END))::bigint
  FROM @extschema@.mig_expand_ops_of(rev) o
  JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.format('%I.%I', o.table_schema, o.table_name)::pg_catalog.regclass
 WHERE @extschema@.mig_expand_set_sql(o) IS NOT NULL
 GROUP BY o.table_schema, o.table_name, c.oid, c.reltuples, c.relpages
 ORDER BY 1
$$;

-- The statements of the concurrent index builds and of the VALIDATEs of
-- revision rev, in order.
CREATE OR REPLACE FUNCTION mig_expand_index_list(rev text)
RETURNS TABLE (index_name text, table_name text, statement text)
LANGUAGE sql STABLE AS $$
SELECT pg_catalog.format('%I.%I', o.table_schema, o.new_name), pg_catalog.format('%I.%I', o.table_schema, o.table_name),
       @extschema@.mig_expand_index_sql(o, true)
  FROM @extschema@.mig_expand_ops_of(rev) o
 WHERE @extschema@.mig_expand_index_sql(o, true) IS NOT NULL
 ORDER BY o.op
$$;

CREATE OR REPLACE FUNCTION mig_expand_validate_list(rev text)
RETURNS SETOF text
LANGUAGE sql STABLE AS $$
SELECT @extschema@.mig_expand_validate_sql(o) FROM @extschema@.mig_expand_ops_of(rev) o ORDER BY o.op
$$;

-- The statements of the contract halves of revision rev (its constraints
-- validated): the old version schema prev (NULL: none) and the sync
-- triggers of version schema vs go first.
CREATE OR REPLACE FUNCTION mig_expand_contract_sql(rev text, vs name, prev name)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    o @extschema@.mig_expand_ops;
BEGIN
    IF prev IS NOT NULL AND pg_catalog.to_regnamespace(pg_catalog.quote_ident(prev)) IS NOT NULL THEN
        RETURN NEXT pg_catalog.format('DROP SCHEMA %I CASCADE', prev);
    END IF;
    RETURN QUERY SELECT @extschema@.mig_expand_sync_drops(vs);
    FOR o IN SELECT * FROM @extschema@.mig_expand_ops_of(rev) LOOP
        RETURN QUERY SELECT @extschema@.mig_expand_half(o, 'contract');
    END LOOP;
END
$$;

-- Runs the contract halves of revision rev, quietly.
CREATE OR REPLACE FUNCTION mig_expand_contract(rev text, vs name, prev name)
RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
    s text;
BEGIN
    FOR s IN SELECT @extschema@.mig_expand_contract_sql(rev, vs, prev) LOOP
        EXECUTE s;
    END LOOP;
END
$$;

-- The statements that drop the sync triggers of version schema vs with
-- their functions.
CREATE OR REPLACE FUNCTION mig_expand_sync_drops(vs name)
RETURNS SETOF text
LANGUAGE sql STABLE AS $$
SELECT s
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_trigger g ON g.tgfoid = p.oid,
       LATERAL (VALUES (1, 'DROP TRIGGER _mig_sync ON ' || g.tgrelid::pg_catalog.regclass::pg_catalog.text),
                       (2, 'DROP FUNCTION ' || p.oid::pg_catalog.regprocedure::pg_catalog.text)) AS x (k, s)
 WHERE n.nspname = vs AND p.proname LIKE '\_mig\_sync\_%'
 ORDER BY p.oid, x.k
$$;

-- Undoes the expand halves of revision rev (mig_rollback), quietly: the version
-- schema vs, then each operation's additions, last first.
CREATE OR REPLACE FUNCTION mig_expand_undo(rev text, vs name)
RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
    o @extschema@.mig_expand_ops;
    s text;
BEGIN
    FOR s IN SELECT @extschema@.mig_expand_sync_drops(vs) LOOP
        EXECUTE s;
    END LOOP;
    EXECUTE pg_catalog.format('DROP SCHEMA IF EXISTS %I CASCADE', vs);
    FOR o IN SELECT * FROM @extschema@.mig_expand_ops_of(rev) ORDER BY op DESC LOOP
        PERFORM @extschema@.mig_expand_exec(o, 'undo');
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION mig_op_add_column(tab regclass, column_definition text, backfill text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    mode text := @extschema@.mig_op_context('mig_op_add_column');
    o @extschema@.mig_expand_ops;
    a record;
BEGIN
    IF mode = 'undo' THEN
        RETURN;
    END IF;
    -- PostgreSQL's parser reads the definition: on a scratch table
    EXECUTE 'CREATE TEMPORARY TABLE _mig_coldef (_mig_x integer)';
    BEGIN
        EXECUTE 'ALTER TABLE pg_temp._mig_coldef ADD COLUMN ' || column_definition;
        SELECT x.attname, pg_catalog.format_type(x.atttypid, x.atttypmod)
                   || CASE WHEN x.attcollation <> t.typcollation
                           THEN ' COLLATE ' || x.attcollation::pg_catalog.regcollation::pg_catalog.text ELSE '' END AS typ,
               x.attnotnull, x.atthasmissing, x.attidentity, x.attgenerated,
               pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS dflt,
               (SELECT pg_catalog.count(*) FROM pg_catalog.pg_constraint k
                 WHERE k.conrelid = x.attrelid AND k.contype <> 'n') AS constraints
          INTO a
          FROM pg_catalog.pg_attribute x
          JOIN pg_catalog.pg_type t ON t.oid = x.atttypid
          LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = x.attrelid AND d.adnum = x.attnum
         WHERE x.attrelid = 'pg_temp._mig_coldef'::pg_catalog.regclass AND x.attnum = 2;
    EXCEPTION WHEN OTHERS THEN
        DROP TABLE pg_temp._mig_coldef;
        RAISE;
    END;
    DROP TABLE pg_temp._mig_coldef;
    IF a.constraints > 0 OR a.attidentity <> '' OR a.attgenerated <> '' THEN
        RAISE EXCEPTION 'the definition of column "%" has more than a type, a default and NOT NULL', a.attname
            USING ERRCODE = '0A000',
                  HINT = 'Add constraints with mig_op_add_check, mig_op_add_foreign_key or mig_op_create_index.';
    END IF;
    o := @extschema@.mig_expand_new_op('add_column', tab, a.attname);
    o.shadow_name := a.attname;
    o.new_type := a.typ;
    o.not_null := a.attnotnull;
    o.up_expr := backfill;
    IF a.atthasmissing THEN
        o.definition := a.dflt;         -- a constant default: added with the column
    ELSIF a.dflt IS NOT NULL THEN
        o.default_expr := a.dflt;       -- a volatile one: set for new rows, backfilled
        o.up_expr := coalesce(backfill, a.dflt);
    END IF;
    IF o.not_null AND o.definition IS NULL AND o.up_expr IS NULL THEN
        RAISE EXCEPTION 'column "%" is NOT NULL without a default', a.attname
            USING ERRCODE = '22023',
                  DETAIL = 'The rows the table has, and those the old application writes, need a value.',
                  HINT = 'Give backfill => an expression over the row''s columns.';
    END IF;
    PERFORM @extschema@.mig_expand_run(o, mode);
END
$$;

CREATE OR REPLACE FUNCTION mig_op_rename_column(tab regclass, column_name name, new_name name)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    mode text := @extschema@.mig_op_context('mig_op_rename_column');
    o @extschema@.mig_expand_ops;
BEGIN
    IF mode = 'undo' THEN
        RETURN;
    END IF;
    o := @extschema@.mig_expand_new_op('rename_column', tab, column_name);
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = tab AND a.attname = new_name AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'column "%" of table % already exists', new_name, tab USING ERRCODE = '42701';
    END IF;
    o.new_name := new_name;
    PERFORM @extschema@.mig_expand_run(o, mode);
END
$$;

CREATE OR REPLACE FUNCTION mig_op_alter_column(tab regclass, column_name name, type text DEFAULT NULL,
                                    up text DEFAULT NULL, down text DEFAULT NULL,
                                    not_null boolean DEFAULT NULL, check_expr text DEFAULT NULL,
                                    default_expr text DEFAULT NULL, is_unique boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    mode text := @extschema@.mig_op_context('mig_op_alter_column');
    o @extschema@.mig_expand_ops;
BEGIN
    IF mode = 'undo' THEN
        RETURN;
    END IF;
    o := @extschema@.mig_expand_new_op('alter_column', tab, column_name);
    IF type IS NULL AND not_null IS NULL AND check_expr IS NULL AND default_expr IS NULL
       AND NOT coalesce(is_unique, false) THEN
        RAISE EXCEPTION 'mig_op_alter_column changes nothing in column "%"', column_name
            USING ERRCODE = '22023',
                  HINT = 'Give type, not_null, check_expr, default_expr or is_unique.';
    END IF;
    PERFORM @extschema@.mig_expand_check_unused(tab, column_name, 'alter_column');
    SELECT pg_catalog.format_type(a.atttypid, a.atttypmod), pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attnotnull
      INTO o.old_type, o.old_default, o.old_not_null
      FROM pg_catalog.pg_attribute a
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = tab AND a.attname = column_name;
    o.new_type := coalesce(type, o.old_type);
    o.shadow_name := pg_catalog.left('_mig_new_' || column_name, 63);
    o.default_expr := coalesce(default_expr, o.old_default);
    o.not_null := coalesce(not_null, o.old_not_null);
    o.check_expr := check_expr;
    o.is_unique := coalesce(is_unique, false);
    IF o.is_unique THEN
        o.new_name := pg_catalog.left(o.table_name || '_' || column_name || '_key', 63);
    END IF;
    o.up_expr := coalesce(up, pg_catalog.format('%I::%s', column_name, o.new_type));
    o.down_expr := coalesce(down, pg_catalog.format('%I::%s', column_name, o.old_type));
    PERFORM @extschema@.mig_expand_run(o, mode);
END
$$;

CREATE OR REPLACE FUNCTION mig_op_drop_column(tab regclass, column_name name, down text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    mode text := @extschema@.mig_op_context('mig_op_drop_column');
    o @extschema@.mig_expand_ops;
BEGIN
    IF mode = 'undo' THEN
        RETURN;
    END IF;
    o := @extschema@.mig_expand_new_op('drop_column', tab, column_name);
    IF down IS NULL AND EXISTS (
        SELECT FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = tab AND a.attname = column_name AND a.attnotnull AND NOT a.atthasdef) THEN
        RAISE EXCEPTION 'column "%" of table % is NOT NULL without a default', column_name, tab
            USING ERRCODE = '22023',
                  DETAIL = 'The new application''s inserts leave it out.',
                  HINT = 'Give down => an expression over the new shape''s columns.';
    END IF;
    o.down_expr := down;
    PERFORM @extschema@.mig_expand_run(o, mode);
END
$$;

CREATE OR REPLACE FUNCTION mig_op_rename_table(tab regclass, new_name name)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    mode text := @extschema@.mig_op_context('mig_op_rename_table');
    o @extschema@.mig_expand_ops;
BEGIN
    IF mode = 'undo' THEN
        RETURN;
    END IF;
    o := @extschema@.mig_expand_new_op('rename_table', tab, NULL);
    IF pg_catalog.to_regclass(pg_catalog.format('%I.%I', o.table_schema, new_name)) IS NOT NULL THEN
        RAISE EXCEPTION 'relation "%" already exists in schema "%"', new_name, o.table_schema USING ERRCODE = '42P07';
    END IF;
    o.new_name := new_name;
    PERFORM @extschema@.mig_expand_run(o, mode);
END
$$;

CREATE OR REPLACE FUNCTION mig_op_drop_table(tab regclass)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    mode text := @extschema@.mig_op_context('mig_op_drop_table');
BEGIN
    IF mode = 'undo' THEN
        RETURN;
    END IF;
    PERFORM @extschema@.mig_expand_run(@extschema@.mig_expand_new_op('drop_table', tab, NULL), mode);
END
$$;

CREATE OR REPLACE FUNCTION mig_op_create_index(tab regclass, index_name name, definition text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    mode text := @extschema@.mig_op_context('mig_op_create_index');
    o @extschema@.mig_expand_ops;
BEGIN
    IF mode = 'undo' THEN
        RETURN;
    END IF;
    o := @extschema@.mig_expand_new_op('create_index', tab, NULL);
    o.new_name := index_name;
    o.definition := definition;
    PERFORM @extschema@.mig_expand_run(o, mode);
END
$$;

CREATE OR REPLACE FUNCTION mig_op_add_foreign_key(tab regclass, constraint_name name, columns name[], ref_table regclass,
                                       ref_columns name[], on_delete text DEFAULT 'NO ACTION')
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    mode text := @extschema@.mig_op_context('mig_op_add_foreign_key');
    o @extschema@.mig_expand_ops;
BEGIN
    IF mode = 'undo' THEN
        RETURN;
    END IF;
    IF pg_catalog.upper(on_delete) NOT IN ('NO ACTION', 'RESTRICT', 'CASCADE', 'SET NULL', 'SET DEFAULT') THEN
        RAISE EXCEPTION 'on_delete must be NO ACTION, RESTRICT, CASCADE, SET NULL or SET DEFAULT' USING ERRCODE = '22023';
    END IF;
    o := @extschema@.mig_expand_new_op('add_foreign_key', tab, NULL);
    o.new_name := constraint_name;
    o.definition := pg_catalog.format('FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s',
        (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c), ', ') FROM pg_catalog.unnest(columns) c),
        ref_table, (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c), ', ') FROM pg_catalog.unnest(ref_columns) c),
        pg_catalog.upper(on_delete));
    PERFORM @extschema@.mig_expand_run(o, mode);
END
$$;

CREATE OR REPLACE FUNCTION mig_op_add_check(tab regclass, constraint_name name, check_expr text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    mode text := @extschema@.mig_op_context('mig_op_add_check');
    o @extschema@.mig_expand_ops;
BEGIN
    IF mode = 'undo' THEN
        RETURN;
    END IF;
    o := @extschema@.mig_expand_new_op('add_check', tab, NULL);
    o.new_name := constraint_name;
    o.check_expr := check_expr;
    PERFORM @extschema@.mig_expand_run(o, mode);
END
$$;

-- In a downgrade body: the inverse of each operation the upgrade recorded,
-- last first (under mig_rollback, which undoes the expand halves itself,
-- nothing).
CREATE OR REPLACE FUNCTION mig_op_undo()
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    mode text := @extschema@.mig_op_context('mig_op_undo');
    o @extschema@.mig_expand_ops;
BEGIN
    IF mode = 'undo' THEN
        RETURN;
    END IF;
    FOR o IN SELECT * FROM @extschema@.mig_expand_ops_of() ORDER BY op DESC LOOP
        PERFORM @extschema@.mig_expand_exec(o, 'inverse');
    END LOOP;
    PERFORM @extschema@.mig_op_forget();
END
$$;

CREATE OR REPLACE PROCEDURE mig_start(target text DEFAULT 'head', batch_size integer DEFAULT 1000,
                           lock_timeout interval DEFAULT NULL, max_retries integer DEFAULT 0)
AS 'MODULE_PATHNAME', 'mig_start'
LANGUAGE C;

CREATE OR REPLACE PROCEDURE mig_complete(lock_timeout interval DEFAULT NULL, max_retries integer DEFAULT 0)
AS 'MODULE_PATHNAME', 'mig_complete'
LANGUAGE C;

CREATE OR REPLACE PROCEDURE mig_rollback(lock_timeout interval DEFAULT NULL, max_retries integer DEFAULT 0)
AS 'MODULE_PATHNAME', 'mig_rollback'
LANGUAGE C;
