/* mig_ext--1.1--1.2.sql: who may read bodies; comments; plain SQL in the internals; the fleet */

\echo Use "ALTER EXTENSION mig_ext UPDATE TO '1.2'" to load this file. \quit

-- Rights.  The reports that show no body stay open to PUBLIC; the library
-- lets a body out (mig_show, mig_upgrade_sql, mig_downgrade_sql, and the
-- functions that run or register bodies, whose errors may quote them)
-- only to a role that may SELECT from mig_revisions (src/privilege.c).
-- The internal mig_autogen_* functions are for mig_ext's own code, which
-- calls them as the catalog owner (src/diff.c).
REVOKE EXECUTE ON FUNCTION mig_autogen_map(text, name, name),
                           mig_autogen_objects(oid, name),
                           mig_autogen_alter_column(text, text, text, text, boolean,
                                                    text, text, boolean),
                           mig_autogen_recreate_enum(name, name, text, text[], text[]),
                           mig_autogen_diff(oid, oid)
    FROM PUBLIC;

-- The internals again, the same queries written with plain operators and
-- names: their search_path is pinned to pg_catalog (then pg_temp, so that
-- no temporary table can stand in for a system catalog), so every pg_get_*
-- function qualifies the names of the schemas compared; the scratch
-- schema's name is then rewritten to the target schema's.

-- mig_autogen_map: txt with every "from_nsp." qualification (from_nsp an
-- identifier that needs no quoting) rewritten to the quoted as_nsp.
CREATE OR REPLACE FUNCTION mig_autogen_map(txt text, from_nsp name, as_nsp name)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN from_nsp = as_nsp THEN txt
       ELSE regexp_replace(txt, '(?<![[:alnum:]_$"])' || from_nsp || '\.',
                           replace(quote_ident(as_nsp), '\', '\\') || '.', 'g')
       END
$$;

-- mig_autogen_objects: one row per comparable object of schema nsp (not
-- members of any extension), its names and definitions written as if the
-- schema were called as_nsp.  kord orders kinds for creation; col_name is
-- the column's name for a column, the owning column (table.column) for a
-- sequence.
CREATE OR REPLACE FUNCTION mig_autogen_objects(nsp oid, as_nsp name)
RETURNS TABLE (kord int, kind text, key text, label text, qname text, objid oid, subid int,
               def text, create_sql text, drop_sql text,
               col_name text, col_type text, col_default text, col_notnull boolean,
               col_generation text, enum_labels text[], classid oid)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
WITH ns AS (
    SELECT n.nspname AS name, quote_ident(as_nsp) || '.' AS q
    FROM pg_namespace n WHERE n.oid = nsp
), rels AS (
    SELECT c.oid, c.relname, c.relkind, ns.q || quote_ident(c.relname) AS qname
    FROM pg_class c, ns
    WHERE c.relnamespace = nsp
      AND c.relkind = ANY ('{r,v,m,S,i}'::"char"[])
      AND NOT c.relispartition
      AND NOT EXISTS (SELECT FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass
                        AND d.objid = c.oid
                        AND d.deptype = ANY ('{e,i}'::"char"[]))
), types AS (
    SELECT t.oid, t.typname, ns.q || quote_ident(t.typname) AS qname,
           ARRAY(SELECT e.enumlabel::text FROM pg_enum e
                 WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
    FROM pg_type t, ns
    WHERE t.typnamespace = nsp AND t.typtype = 'e'
      AND NOT EXISTS (SELECT FROM pg_depend d
                      WHERE d.classid = 'pg_type'::regclass
                        AND d.objid = t.oid
                        AND d.deptype = 'e')
), procs AS (
    SELECT p.oid, p.prokind,
           CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END AS kw,
           quote_ident(p.proname) || '('
               || @extschema@.mig_autogen_map(pg_get_function_identity_arguments(p.oid), ns.name, as_nsp)
               || ')' AS sig,
           ns.q,
           -- functions called by column defaults come before the tables
           CASE WHEN EXISTS (SELECT FROM pg_depend d
                             WHERE d.classid = 'pg_attrdef'::regclass
                               AND d.refclassid = 'pg_proc'::regclass
                               AND d.refobjid = p.oid)
                THEN 25 ELSE 50 END AS kord
    FROM pg_proc p, ns
    WHERE p.pronamespace = nsp
      AND p.prokind = ANY ('{f,p}'::"char"[])
      AND NOT EXISTS (SELECT FROM pg_depend d
                      WHERE d.classid = 'pg_proc'::regclass
                        AND d.objid = p.oid
                        AND d.deptype = 'e')
), cols AS (
    SELECT r.oid, a.attnum, r.relname, r.qname, a.attname,
           @extschema@.mig_autogen_map(format_type(a.atttypid, a.atttypmod)
             || CASE WHEN a.attcollation <> t.typcollation
                  THEN ' COLLATE ' || quote_ident(cn.nspname)
                       || '.' || quote_ident(co.collname)
                  ELSE '' END, ns.name, as_nsp) AS typ,
           CASE WHEN a.attidentity = '' AND a.attgenerated = ''
                THEN @extschema@.mig_autogen_map(pg_get_expr(ad.adbin, ad.adrelid), ns.name, as_nsp) END AS dflt,
           a.attnotnull,
           CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY'
                              WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY'
                ELSE CASE WHEN a.attgenerated = 's'
                          THEN ' GENERATED ALWAYS AS ('
                               || @extschema@.mig_autogen_map(pg_get_expr(ad.adbin, ad.adrelid), ns.name, as_nsp)
                               || ') STORED'
                          ELSE '' END END AS gen
    FROM rels r
    CROSS JOIN ns
    JOIN pg_attribute a ON a.attrelid = r.oid
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
    LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid
                               AND ad.adnum = a.attnum
    WHERE r.relkind = 'r' AND a.attnum > 0
      AND NOT a.attisdropped
), coldefs AS (
    SELECT c.*, quote_ident(c.attname) || ' ' || c.typ
             || c.gen
             || COALESCE(' DEFAULT ' || c.dflt, '')
             || CASE WHEN c.attnotnull THEN ' NOT NULL' ELSE '' END AS coldef
    FROM cols c
), owned AS (
    SELECT s.oid, s.relname, s.qname, r.qname || '.' || quote_ident(a.attname) AS owner_col,
           r.relname || '.' || a.attname AS owner_key
    FROM rels s
    JOIN pg_depend d ON d.classid = 'pg_class'::regclass
                        AND d.objid = s.oid
                        AND d.refclassid = 'pg_class'::regclass
                        AND d.deptype = 'a'
                        AND d.refobjsubid > 0
    JOIN rels r ON r.oid = d.refobjid
    JOIN pg_attribute a ON a.attrelid = d.refobjid
                           AND a.attnum = d.refobjsubid
    WHERE s.relkind = 'S'
), cons AS (
    SELECT k.oid, k.contype, r.relname, r.qname, k.conname,
           @extschema@.mig_autogen_map(pg_get_constraintdef(k.oid), ns.name, as_nsp) AS def
    FROM pg_constraint k
    JOIN rels r ON r.oid = k.conrelid
    CROSS JOIN ns
    WHERE r.relkind = 'r'
), descr AS (
    SELECT CASE r.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                          WHEN 'S' THEN 'sequence' ELSE 'index' END AS kw,
           r.relname::text AS key, r.qname AS target, r.oid, 0 AS subid,
           'pg_class'::regclass::oid AS classid
    FROM rels r
    UNION ALL
    SELECT 'column', c.relname || '.' || c.attname,
           c.qname || '.' || quote_ident(c.attname), c.oid, c.attnum,
           'pg_class'::regclass
    FROM cols c
    UNION ALL
    SELECT 'type', t.typname::text, t.qname, t.oid, 0, 'pg_type'::regclass FROM types t
    UNION ALL
    SELECT p.kw, p.sig, p.q || p.sig, p.oid, 0, 'pg_proc'::regclass FROM procs p
    UNION ALL
    SELECT 'constraint', k.relname || '.' || k.conname,
           quote_ident(k.conname) || ' ON ' || k.qname, k.oid, 0,
           'pg_constraint'::regclass
    FROM cons k
    UNION ALL
    SELECT 'trigger', r.relname || '.' || g.tgname,
           quote_ident(g.tgname) || ' ON ' || r.qname, g.oid, 0,
           'pg_trigger'::regclass
    FROM pg_trigger g JOIN rels r ON r.oid = g.tgrelid
    WHERE NOT g.tgisinternal
)
SELECT 10, 'type', t.typname::text, 'type ' || t.qname, t.qname, t.oid, 0,
       t.labels::text,
       'CREATE TYPE ' || t.qname || ' AS ENUM ('
           || (SELECT string_agg(quote_literal(l), ', ' ORDER BY o)
               FROM unnest(t.labels) WITH ORDINALITY AS u(l, o))
           || ')',
       'DROP TYPE ' || t.qname,
       NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text, t.labels,
       'pg_type'::regclass::oid
FROM types t
UNION ALL
SELECT 20, 'sequence', r.relname::text, 'sequence ' || r.qname, r.qname, r.oid, 0, s.def,
       'CREATE SEQUENCE ' || r.qname || ' ' || s.def,
       'DROP SEQUENCE ' || r.qname,
       o.owner_key, NULL, NULL, NULL, NULL, NULL, 'pg_class'::regclass
FROM rels r
LEFT JOIN owned o ON o.oid = r.oid
JOIN LATERAL (
    SELECT 'AS ' || format_type(q.seqtypid, NULL)
           || ' INCREMENT BY ' || q.seqincrement
           || ' MINVALUE ' || q.seqmin
           || ' MAXVALUE ' || q.seqmax
           || ' START WITH ' || q.seqstart
           || ' CACHE ' || q.seqcache
           || CASE WHEN q.seqcycle THEN ' CYCLE' ELSE ' NO CYCLE' END AS def
    FROM pg_sequence q WHERE q.seqrelid = r.oid) s ON true
WHERE r.relkind = 'S'
UNION ALL
SELECT 30, 'table', r.relname::text, 'table ' || r.qname, r.qname, r.oid, 0, 'table',
       'CREATE TABLE ' || r.qname || ' ('
           || COALESCE(E'\n    ' ||
               (SELECT string_agg(c.coldef, E',\n    ' ORDER BY c.attnum)
                FROM coldefs c WHERE c.oid = r.oid) || E'\n', '')
           || ')',
       'DROP TABLE ' || r.qname,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_class'::regclass
FROM rels r WHERE r.relkind = 'r'
UNION ALL
SELECT 40, 'column', c.relname || '.' || c.attname,
       'column ' || c.qname || '.' || quote_ident(c.attname),
       c.qname, c.oid, c.attnum, c.coldef,
       'ALTER TABLE ' || c.qname || ' ADD COLUMN ' || c.coldef,
       'ALTER TABLE ' || c.qname || ' DROP COLUMN ' || quote_ident(c.attname),
       c.attname::text, c.typ, c.dflt, c.attnotnull, c.gen, NULL, 'pg_class'::regclass
FROM coldefs c
UNION ALL
SELECT 45, 'sequence owner', o.relname::text, 'owner of sequence ' || o.qname, o.qname, o.oid, 0, o.owner_col,
       'ALTER SEQUENCE ' || o.qname || ' OWNED BY ' || o.owner_col,
       'ALTER SEQUENCE ' || o.qname || ' OWNED BY NONE',
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_class'::regclass
FROM owned o
UNION ALL
SELECT p.kord, p.kw, p.sig, p.kw || ' ' || p.q || p.sig, p.q || p.sig, p.oid, 0, f.def,
       rtrim(f.def, E'\n'),
       'DROP ' || upper(p.kw) || ' ' || p.q || p.sig,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_proc'::regclass
FROM procs p CROSS JOIN ns
CROSS JOIN LATERAL (SELECT @extschema@.mig_autogen_map(pg_get_functiondef(p.oid), ns.name, as_nsp) AS def) f
UNION ALL
SELECT CASE WHEN k.contype = 'f' THEN 80 ELSE 60 END,
       CASE WHEN k.contype = 'f' THEN 'foreign key' ELSE 'constraint' END,
       k.relname || '.' || k.conname,
       'constraint ' || quote_ident(k.conname) || ' on ' || k.qname,
       k.qname, k.oid, 0, k.def,
       'ALTER TABLE ' || k.qname || ' ADD CONSTRAINT '
           || quote_ident(k.conname) || ' ' || k.def,
       'ALTER TABLE ' || k.qname || ' DROP CONSTRAINT '
           || quote_ident(k.conname),
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_constraint'::regclass
FROM cons k
UNION ALL
SELECT 70, 'index', r.relname::text, 'index ' || r.qname, r.qname, r.oid, 0, x.def, x.def,
       'DROP INDEX ' || r.qname,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_class'::regclass
FROM rels r
JOIN pg_index i ON i.indexrelid = r.oid
JOIN rels t ON t.oid = i.indrelid
CROSS JOIN ns
CROSS JOIN LATERAL (SELECT @extschema@.mig_autogen_map(pg_get_indexdef(r.oid), ns.name, as_nsp) AS def) x
WHERE NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = r.oid
                     AND k.contype = ANY ('{p,u,x}'::"char"[]))
UNION ALL
SELECT 90, CASE r.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END, r.relname::text,
       CASE r.relkind WHEN 'v' THEN 'view ' ELSE 'materialized view ' END || r.qname,
       r.qname, r.oid, 0, v.def,
       CASE r.relkind WHEN 'v' THEN 'CREATE VIEW ' ELSE 'CREATE MATERIALIZED VIEW ' END
           || r.qname || E' AS\n' || rtrim(v.def, ';'),
       CASE r.relkind WHEN 'v' THEN 'DROP VIEW ' ELSE 'DROP MATERIALIZED VIEW ' END || r.qname,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_class'::regclass
FROM rels r CROSS JOIN ns
CROSS JOIN LATERAL (SELECT @extschema@.mig_autogen_map(pg_get_viewdef(r.oid), ns.name, as_nsp) AS def) v
WHERE r.relkind = ANY ('{v,m}'::"char"[])
UNION ALL
SELECT 100, 'trigger', r.relname || '.' || g.tgname,
       'trigger ' || quote_ident(g.tgname) || ' on ' || r.qname,
       r.qname, g.oid, 0, t.def, t.def,
       'DROP TRIGGER ' || quote_ident(g.tgname) || ' ON ' || r.qname,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_trigger'::regclass
FROM pg_trigger g
JOIN rels r ON r.oid = g.tgrelid
CROSS JOIN ns
CROSS JOIN LATERAL (SELECT @extschema@.mig_autogen_map(pg_get_triggerdef(g.oid), ns.name, as_nsp) AS def) t
WHERE NOT g.tgisinternal
UNION ALL
SELECT 110, 'comment', o.kw || ' ' || o.key,
       'comment on ' || o.kw || ' ' || o.target,
       o.target, o.oid, o.subid, d.description,
       'COMMENT ON ' || upper(o.kw) || ' ' || o.target
           || ' IS ' || quote_literal(d.description),
       'COMMENT ON ' || upper(o.kw) || ' ' || o.target
           || ' IS NULL',
       NULL, NULL, NULL, NULL, NULL, NULL, o.classid
FROM descr o
JOIN pg_description d ON d.objoid = o.oid
                         AND d.objsubid = o.subid
                         AND d.classoid = o.classid
$$;

-- mig_autogen_alter_column: the ALTER TABLE that takes column col of qrel
-- from one type, default and nullability to another (same generation).
CREATE OR REPLACE FUNCTION mig_autogen_alter_column(qrel text, col text,
                                         from_type text, from_default text, from_notnull boolean,
                                         to_type text, to_default text, to_notnull boolean)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
SELECT 'ALTER TABLE ' || qrel || ' ' ||
       array_to_string(ARRAY[
           CASE WHEN from_default IS DISTINCT FROM to_default AND from_default IS NOT NULL
                     AND (to_default IS NULL OR from_type <> to_type)
                THEN 'ALTER COLUMN ' || c.q || ' DROP DEFAULT' END,
           CASE WHEN from_type <> to_type
                THEN 'ALTER COLUMN ' || c.q || ' TYPE ' || to_type END,
           CASE WHEN from_default IS DISTINCT FROM to_default AND to_default IS NOT NULL
                THEN 'ALTER COLUMN ' || c.q || ' SET DEFAULT ' || to_default END,
           CASE WHEN from_notnull <> to_notnull
                THEN 'ALTER COLUMN ' || c.q ||
                     CASE WHEN to_notnull THEN ' SET NOT NULL' ELSE ' DROP NOT NULL' END END], ', ')
FROM (SELECT quote_ident(col) AS q) c
$$;

-- mig_autogen_recreate_enum: statements (separated by ";\n") that replace
-- enum type qtype (named typname in schema nsp) by one with labels,
-- converting the columns listed in cols (elements "qrel", "col", "default")
-- through text.
CREATE OR REPLACE FUNCTION mig_autogen_recreate_enum(nsp name, typname name, qtype text, labels text[], cols text[])
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
SELECT concat_ws(E';\n',
    'ALTER TYPE ' || qtype || ' RENAME TO ' || o.name,
    'CREATE TYPE ' || qtype || ' AS ENUM ('
        || (SELECT COALESCE(string_agg(quote_literal(l), ', ' ORDER BY n), '')
            FROM unnest(labels) WITH ORDINALITY AS u(l, n))
        || ')',
    (SELECT string_agg(
                'ALTER TABLE ' || cols[i][1] || ' '
                || concat_ws(', ',
                    CASE WHEN cols[i][3] IS NOT NULL THEN 'ALTER COLUMN ' || cols[i][2] || ' DROP DEFAULT' END,
                    'ALTER COLUMN ' || cols[i][2] || ' TYPE ' || qtype
                        || ' USING ' || cols[i][2] || '::text::'
                        || qtype,
                    CASE WHEN cols[i][3] IS NOT NULL THEN 'ALTER COLUMN ' || cols[i][2]
                        || ' SET DEFAULT ' || cols[i][3] END),
                E';\n' ORDER BY i)
     FROM generate_subscripts(cols, 1) AS i),
    'DROP TYPE ' || quote_ident(nsp) || '.' || o.name)
FROM (SELECT quote_ident(typname || '_mig_old') AS name) o
$$;

-- mig_autogen_diff: the changes that take schema target to the objects of
-- schema desired, in apply order: drops of dependent objects (in reverse
-- creation order), then additions and alterations (in creation order),
-- then drops of types, sequences, tables and functions.  Unchanged
-- objects depending on a replaced one are dropped and created again too.
-- Downgrading applies the downgrade statements in the reverse order.  (JIT
-- compiling this query would cost more than running it.)
CREATE OR REPLACE FUNCTION mig_autogen_diff(desired oid, target oid)
RETURNS TABLE (change text, object text, upgrade text, downgrade text,
               loses_data boolean, downgrade_loses_data boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off
AS $$
WITH RECURSIVE tn AS (
    SELECT n.nspname FROM pg_namespace n WHERE n.oid = target
), d AS (
    SELECT o.* FROM tn, @extschema@.mig_autogen_objects(desired, tn.nspname) o
), c AS (
    SELECT o.* FROM tn, @extschema@.mig_autogen_objects(target, tn.nspname) o
), p AS (
    SELECT d, c, d.kind IS NOT NULL AND c.kind IS NOT NULL AS both,
           d.kind IS NOT NULL AND c.kind IS NOT NULL
           AND (d.kind = ANY ('{constraint,foreign key,index,view,materialized view,trigger}')
                OR d.col_generation IS DISTINCT FROM c.col_generation) AS replaced
    FROM d FULL JOIN c ON c.kind = d.kind AND c.key = d.key
    WHERE d.def IS DISTINCT FROM c.def
      -- columns of tables added or dropped come with their table
      AND (COALESCE(d.kind, c.kind) <> 'column'
           OR (EXISTS (SELECT FROM d t WHERE t.kind = 'table'
                                          AND t.qname = COALESCE(d.qname, c.qname))
               AND EXISTS (SELECT FROM c t WHERE t.kind = 'table'
                                             AND t.qname = COALESCE(d.qname, c.qname))))
), same AS (
    -- unchanged objects that may have to be dropped and created again
    SELECT d, c
    FROM d JOIN c ON c.kind = d.kind AND c.key = d.key
    WHERE d.def = c.def
      AND c.kind = ANY ('{constraint,foreign key,index,trigger,view,materialized view,comment}')
), forced (classid, objid, subid, views_only) AS (
    -- objects dropped and created again (replaced), and those depending on
    -- them in the target schema; a column changing type forces the views
    -- using it (and their dependents) only
    SELECT (p.c).classid, (p.c).objid, (p.c).subid, false FROM p WHERE p.replaced
    UNION
    SELECT (p.c).classid, (p.c).objid, (p.c).subid, true FROM p
    WHERE p.both AND (p.c).kind = 'column'
      AND (p.c).col_type <> (p.d).col_type
    UNION
    SELECT (s.c).classid, (s.c).objid, (s.c).subid, false
    FROM forced f JOIN same s ON
        CASE WHEN (s.c).kind = 'comment'
             THEN NOT f.views_only AND (s.c).classid = f.classid
                  AND (s.c).objid = f.objid AND (s.c).subid = f.subid
             ELSE (NOT f.views_only OR (s.c).kind = ANY ('{view,materialized view}'))
                  AND EXISTS (
                      SELECT FROM pg_depend dep
                      LEFT JOIN pg_rewrite rw
                             ON dep.classid = 'pg_rewrite'::regclass
                            AND rw.oid = dep.objid
                      WHERE ((dep.classid = (s.c).classid AND dep.objid = (s.c).objid)
                             OR rw.ev_class = (s.c).objid)
                        AND ((dep.refclassid = f.classid
                              AND dep.refobjid = f.objid
                              AND (f.subid = 0 OR dep.refobjsubid = f.subid))
                             -- foreign keys depend on the index of the key they reference
                             OR (f.classid = 'pg_constraint'::regclass
                                 AND dep.refclassid = 'pg_class'::regclass
                                 AND dep.refobjid =
                                     (SELECT k.conindid FROM pg_constraint k
                                      WHERE k.oid = f.objid)))
                        AND NOT (dep.classid = f.classid AND dep.objid = f.objid))
        END
), enums AS (
    SELECT p.*,
           ARRAY(SELECT l FROM unnest((p.d).enum_labels) WITH ORDINALITY AS u(l, n)
                 WHERE l = ANY ((p.c).enum_labels) ORDER BY n)
               = (p.c).enum_labels AS appended,
           ARRAY(SELECT ARRAY[cc.qname, quote_ident(cc.col_name), cc.col_default]
                 FROM c cc
                 WHERE cc.kind = 'column' AND cc.col_type = (p.c).qname
                   AND EXISTS (SELECT FROM d dd WHERE dd.kind = 'column'
                                                  AND dd.key = cc.key)
                 ORDER BY cc.objid, cc.subid) AS cols
    FROM p WHERE p.both AND (p.d).kind = 'type'
), steps AS (
    SELECT CASE WHEN (p.c).kind = ANY ('{type,sequence,table,function,procedure}')
                     AND NOT p.both
                     -- a sequence goes with the column owning it when that is dropped
                     AND NOT EXISTS (SELECT FROM p q WHERE (q.c).kind = 'column'
                                                       AND (q.c).key = (p.c).col_name
                                                       AND ((q.d).kind IS NULL OR q.replaced))
                THEN 3 ELSE 1 END AS phase,
           (p.c).kord, (p.c).objid, (p.c).subid, 'drop' AS change, (p.c).label AS object,
           (p.c).drop_sql AS upgrade, (p.c).create_sql AS downgrade,
           (p.c).kind = ANY ('{table,column,sequence}') AS loses_data,
           false AS downgrade_loses_data
    FROM p WHERE (p.d).kind IS NULL OR p.replaced
    UNION ALL
    SELECT 2, (p.d).kord, (p.d).objid, (p.d).subid, 'add', (p.d).label,
           (p.d).create_sql, (p.d).drop_sql,
           false, (p.d).kind = ANY ('{table,column,sequence}')
    FROM p WHERE (p.c).kind IS NULL OR p.replaced
    UNION ALL
    SELECT 2, (p.d).kord, (p.d).objid, (p.d).subid, 'alter', (p.d).label,
           CASE (p.d).kind
               WHEN 'column' THEN @extschema@.mig_autogen_alter_column((p.d).qname, (p.d).col_name,
                   (p.c).col_type, (p.c).col_default, (p.c).col_notnull,
                   (p.d).col_type, (p.d).col_default, (p.d).col_notnull)
               WHEN 'sequence' THEN 'ALTER SEQUENCE ' || (p.d).qname || ' ' || (p.d).def
               ELSE (p.d).create_sql END,
           CASE (p.d).kind
               WHEN 'column' THEN @extschema@.mig_autogen_alter_column((p.d).qname, (p.d).col_name,
                   (p.d).col_type, (p.d).col_default, (p.d).col_notnull,
                   (p.c).col_type, (p.c).col_default, (p.c).col_notnull)
               WHEN 'sequence' THEN 'ALTER SEQUENCE ' || (p.c).qname || ' ' || (p.c).def
               ELSE (p.c).create_sql END,
           false, false
    FROM p WHERE p.both AND NOT p.replaced AND (p.d).kind <> 'type'
    UNION ALL
    SELECT 2, (e.d).kord, (e.d).objid, (e.d).subid, 'alter', (e.d).label,
           CASE WHEN e.appended
                THEN (SELECT string_agg('ALTER TYPE ' || (e.d).qname
                             || ' ADD VALUE ' || quote_literal(l)
                             || CASE WHEN n = 1
                                 THEN COALESCE(' BEFORE ' || quote_literal((e.c).enum_labels[1]), '')
                                 ELSE ' AFTER ' || quote_literal((e.d).enum_labels[n - 1]) END,
                             E';\n' ORDER BY n)
                      FROM unnest((e.d).enum_labels) WITH ORDINALITY AS u(l, n)
                      WHERE NOT l = ANY ((e.c).enum_labels))
                ELSE @extschema@.mig_autogen_recreate_enum(tn.nspname, (e.d).key::name, (e.d).qname, (e.d).enum_labels, e.cols) END,
           @extschema@.mig_autogen_recreate_enum(tn.nspname, (e.c).key::name, (e.c).qname, (e.c).enum_labels, e.cols),
           NOT e.appended, true
    FROM enums e, tn
    UNION ALL
    SELECT 1, (s.c).kord, (s.c).objid, (s.c).subid, 'drop', (s.c).label,
           (s.c).drop_sql, (s.c).create_sql, false, false
    FROM same s
    WHERE EXISTS (SELECT FROM forced f WHERE f.classid = (s.c).classid
                     AND f.objid = (s.c).objid AND f.subid = (s.c).subid)
    UNION ALL
    SELECT 2, (s.d).kord, (s.d).objid, (s.d).subid, 'add', (s.d).label,
           (s.d).create_sql, (s.d).drop_sql, false, false
    FROM same s
    WHERE EXISTS (SELECT FROM forced f WHERE f.classid = (s.c).classid
                     AND f.objid = (s.c).objid AND f.subid = (s.c).subid)
)
SELECT s.change, s.object, s.upgrade, s.downgrade, s.loses_data, s.downgrade_loses_data
FROM steps s
ORDER BY s.phase,
         CASE WHEN s.phase = 2 THEN s.kord ELSE - s.kord END,
         CASE WHEN s.phase = 2 THEN s.objid::bigint ELSE - s.objid::bigint END,
         CASE WHEN s.phase = 2 THEN s.subid ELSE - s.subid END
$$;

-- What each object is for, as \df+, \dt+ and \ds+ show it.
COMMENT ON TABLE mig_revisions IS
    'mig_ext: registered revisions with their bodies; SELECT on this table is what lets a role read bodies through mig_ext';
COMMENT ON TABLE mig_version IS
    'mig_ext: current version rows, one per head applied (moved by mig_upgrade, mig_downgrade and mig_stamp)';
COMMENT ON TABLE mig_log IS
    'mig_ext: audit trail, one row per step applied';
COMMENT ON SEQUENCE mig_revisions_seq_seq IS
    'mig_ext: registration order of mig_revisions';
COMMENT ON SEQUENCE mig_log_id_seq IS
    'mig_ext: ids of mig_log';

COMMENT ON FUNCTION mig_merge(text, text[], text, text[]) IS
    'register a revision merging the given heads; returns its id';
COMMENT ON FUNCTION mig_upgrade(text) IS
    'run the upgrades up to a target; one row per step run';
COMMENT ON FUNCTION mig_downgrade(text) IS
    'run the downgrades down to a target; one row per step run';
COMMENT ON FUNCTION mig_stamp(text, boolean) IS
    'set the version rows to a target without running any body';
COMMENT ON FUNCTION mig_current() IS
    'the current version rows';
COMMENT ON FUNCTION mig_heads() IS
    'the heads of the revision graph';
COMMENT ON FUNCTION mig_branches() IS
    'the branch points of the revision graph';
COMMENT ON FUNCTION mig_validate() IS
    'one row per problem of the catalog: unknown or missing revisions, edited or changed bodies, invalid indexes';
COMMENT ON FUNCTION mig_upgrade_sql(text) IS
    'the SQL script of mig_upgrade to a target, to run elsewhere';
COMMENT ON FUNCTION mig_downgrade_sql(text) IS
    'the SQL script of mig_downgrade to a target, to run elsewhere';
COMMENT ON FUNCTION mig_import(text, text) IS
    'register the revision a revision file describes; returns its id';
COMMENT ON FUNCTION mig_adopt_alembic(regclass) IS
    'stamp the revisions an Alembic version table holds; returns them';
COMMENT ON FUNCTION mig_graph() IS
    'the revision graph in Graphviz DOT';
COMMENT ON FUNCTION mig_diff(text, name) IS
    'the changes that take a schema to the objects a desired DDL creates, in apply order';
COMMENT ON FUNCTION mig_autogenerate(text, text, name, text) IS
    'register a revision whose bodies are the changes mig_diff finds; returns its id';
COMMENT ON FUNCTION mig_check(text, name) IS
    'raise an error listing the pending changes when a schema differs from a desired DDL';

COMMENT ON FUNCTION mig_autogen_map(text, name, name) IS
    'internal to mig_diff: rewrite one schema qualification to another';
COMMENT ON FUNCTION mig_autogen_objects(oid, name) IS
    'internal to mig_diff: the comparable objects of a schema and their definitions';
COMMENT ON FUNCTION mig_autogen_alter_column(text, text, text, text, boolean, text, text, boolean) IS
    'internal to mig_diff: the ALTER TABLE that changes one column';
COMMENT ON FUNCTION mig_autogen_recreate_enum(name, name, text, text[], text[]) IS
    'internal to mig_diff: the statements that rebuild an enum type';
COMMENT ON FUNCTION mig_autogen_diff(oid, oid) IS
    'internal to mig_diff: the changes between two schemas, in apply order';

-- Production deploys (issue 13): non-transactional revisions and CALL mig_deploy.
-- Existing revisions stay transactional.
ALTER TABLE mig_revisions ADD COLUMN transactional boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN mig_revisions.transactional IS
    'false: each statement of the bodies runs on its own, outside a transaction block (CALL mig_deploy only)';

-- mig_revision gains the argument transactional; mig_history, mig_show and
-- mig_plan the column.  Each is created again; the rights granted or
-- revoked on the old one carry over.
DO $$
DECLARE
    f record;
    acl aclitem[];
    owner pg_catalog.oid;
    grantee pg_catalog.oid;
BEGIN
    FOR f IN SELECT * FROM (VALUES
        ('mig_revision(text, text, text, text, text[], text[], text[])',
         'mig_revision(text, text, text, text, text[], text[], text[], boolean)',
         $f$CREATE FUNCTION mig_revision(message text, upgrade text, downgrade text DEFAULT NULL,
                                     revision text DEFAULT NULL, down_revision text[] DEFAULT NULL,
                                     branch_labels text[] DEFAULT NULL, depends_on text[] DEFAULT NULL,
                                     transactional boolean DEFAULT true)
            RETURNS text
            AS 'MODULE_PATHNAME', 'mig_revision'
            LANGUAGE C VOLATILE$f$),
        ('mig_history(text)', 'mig_history(text)',
         $f$CREATE FUNCTION mig_history(range text DEFAULT NULL)
            RETURNS TABLE (revision text, down_revisions text[], message text, branch_labels text[],
                           depends_on text[], is_head boolean, is_effective_head boolean, is_base boolean,
                           is_branch_point boolean, is_merge_point boolean, is_current boolean,
                           applied_at timestamptz, transactional boolean)
            AS 'MODULE_PATHNAME', 'mig_history'
            LANGUAGE C STABLE$f$),
        ('mig_show(text)', 'mig_show(text)',
         $f$CREATE FUNCTION mig_show(revision text)
            RETURNS TABLE (revision text, down_revisions text[], message text, branch_labels text[],
                           depends_on text[], is_head boolean, is_effective_head boolean, is_base boolean,
                           is_branch_point boolean, is_merge_point boolean, is_current boolean,
                           upgrade text, downgrade text, transactional boolean)
            AS 'MODULE_PATHNAME', 'mig_show'
            LANGUAGE C STABLE$f$),
        ('mig_plan(text)', 'mig_plan(text)',
         $f$CREATE FUNCTION mig_plan(target text DEFAULT 'head')
            RETURNS TABLE (step int, direction text, revision text, message text,
                           version_rows_before text[], version_rows_after text[],
                           transactional boolean)
            AS 'MODULE_PATHNAME', 'mig_plan'
            LANGUAGE C STABLE$f$)) AS v(old, new, def)
    LOOP
        SELECT p.proacl, p.proowner INTO acl, owner
        FROM pg_catalog.pg_proc p WHERE p.oid = f.old::pg_catalog.regprocedure;
        EXECUTE 'DROP FUNCTION ' || f.old;
        EXECUTE f.def;
        CONTINUE WHEN acl IS NULL;      -- the default rights
        EXECUTE 'REVOKE ALL ON FUNCTION ' || f.new || ' FROM PUBLIC';
        FOR grantee IN SELECT a.grantee FROM pg_catalog.aclexplode(acl) a
                       WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> owner
        LOOP
            EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %s', f.new,
                CASE grantee WHEN 0 THEN 'PUBLIC' ELSE grantee::pg_catalog.regrole::pg_catalog.text END);
        END LOOP;
    END LOOP;
END
$$;
COMMENT ON FUNCTION mig_revision(text, text, text, text, text[], text[], text[], boolean) IS
    'register a revision from its message and bodies; returns its id';
COMMENT ON FUNCTION mig_history(text) IS
    'the revisions of a history range, newest first';
COMMENT ON FUNCTION mig_show(text) IS
    'the revisions an identifier names, with their bodies';
COMMENT ON FUNCTION mig_plan(text) IS
    'the steps a move to a target would take, running nothing';

CREATE PROCEDURE mig_deploy(target text DEFAULT 'head', lock_timeout interval DEFAULT NULL,
                            max_retries integer DEFAULT 0)
AS 'MODULE_PATHNAME', 'mig_deploy'
LANGUAGE C;
REVOKE EXECUTE ON PROCEDURE mig_deploy(text, interval, integer) FROM PUBLIC;
COMMENT ON PROCEDURE mig_deploy(text, interval, integer) IS
    'move to a target committing after each step, non-transactional statements outside any transaction block; outside a transaction block only';

-- fleet (issue 18)
--
-- A registry database publishes mig_revisions; each member database
-- subscribes to it, registers what arrives through mig_revision, applies it
-- from a pg_cron job and publishes a one-row report that the registry
-- subscribes to.  The registry and its members must have mig_ext in the same
-- schema: logical replication matches tables by qualified name.  Design
-- notes: doc/fleet.md.

-- On a member, its own report (one row); on the registry, one row per member,
-- each received from that member's publication.
CREATE TABLE mig_fleet_report (
    member          text PRIMARY KEY,
    heads           text[] NOT NULL DEFAULT '{}',
    pending         bigint NOT NULL DEFAULT 0,
    received_seq    bigint NOT NULL DEFAULT 0,
    stuck_before    text,
    last_error      text,
    refused         jsonb NOT NULL DEFAULT '{}',
    last_applied    text,
    last_applied_at timestamptz,
    last_run_at     timestamptz
);
COMMENT ON TABLE mig_fleet_report IS 'mig_ext: fleet status, one row per member (read it with mig_fleet_status on the registry)';

-- On a member: the fleet it joined (at most one row).
CREATE TABLE mig_fleet_membership (
    member              text PRIMARY KEY,
    registry_conninfo   text NOT NULL,
    member_conninfo     text NOT NULL,
    joined_at           timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE mig_fleet_membership IS 'mig_ext: the fleet this database is a member of (written by mig_fleet_join)';

-- On a member: revisions received from the registry that mig_revision has not
-- accepted yet; error is set when it refused them.
CREATE TABLE mig_fleet_incoming (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    rev         mig_revisions NOT NULL,
    error       text
);
COMMENT ON TABLE mig_fleet_incoming IS 'mig_ext: revisions received from the fleet registry, waiting for mig_fleet_apply or refused by mig_revision';

SELECT pg_catalog.pg_extension_config_dump('mig_fleet_report', '');
SELECT pg_catalog.pg_extension_config_dump('mig_fleet_membership', '');
SELECT pg_catalog.pg_extension_config_dump('mig_fleet_incoming', '');
SELECT pg_catalog.pg_extension_config_dump('mig_fleet_incoming_id_seq', '');

-- conninfo columns may hold passwords, as pg_subscription.subconninfo does
REVOKE ALL ON mig_fleet_report, mig_fleet_membership, mig_fleet_incoming FROM PUBLIC;

-- mig_fleet_receive: a row that logical replication writes into mig_revisions
-- is kept aside in mig_fleet_incoming instead, for mig_fleet_apply to register
-- through mig_revision.  A delete on the registry is not replayed: a member
-- never unregisters a revision.
CREATE FUNCTION mig_fleet_receive()
RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
        INSERT INTO @extschema@.mig_fleet_incoming (rev) VALUES (NEW);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER mig_fleet_receive BEFORE INSERT OR UPDATE OR DELETE ON mig_revisions
    FOR EACH ROW EXECUTE FUNCTION mig_fleet_receive();
-- fires only in replication workers (session_replication_role = replica)
ALTER TABLE mig_revisions ENABLE REPLICA TRIGGER mig_fleet_receive;

-- mig_fleet_remote: run one statement through a new dblink connection and
-- return the first column of its first row (a command's status for a
-- command).  Used for what cannot run inside the caller's transaction.
CREATE FUNCTION mig_fleet_remote(conninfo text, statement text)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    nsp name;
    result text;
BEGIN
    SELECT n.nspname INTO nsp
    FROM pg_catalog.pg_extension e
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
    WHERE e.extname OPERATOR(pg_catalog.=) 'dblink';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'extension "dblink" is not installed'
            USING ERRCODE = '55000',
                  DETAIL = 'The fleet functions create replication slots, subscriptions and pg_cron jobs through their own connections.',
                  HINT = 'Run CREATE EXTENSION dblink in this database.';
    END IF;
    EXECUTE pg_catalog.format('SELECT t.r FROM %I.dblink($1, $2) AS t(r text)', nsp)
        INTO result USING conninfo, statement;
    RETURN result;
END
$$;

-- mig_fleet_names: the names of a member's replication objects: the
-- subscription (and slot) on the member to the registry's revisions, the one
-- on the registry to the member's report, the member's publication and its
-- pg_cron job.
CREATE FUNCTION mig_fleet_names(member text,
                                OUT revisions_sub text, OUT report_sub text,
                                OUT report_pub text, OUT job text)
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$
SELECT 'mig_fleet_rev_' OPERATOR(pg_catalog.||) member,
       'mig_fleet_rep_' OPERATOR(pg_catalog.||) member,
       'mig_fleet_report',
       'mig_fleet_' OPERATOR(pg_catalog.||) member
$$;

-- mig_fleet_cron: a conninfo for the pg_cron database of the server that
-- member_conninfo leads to.
CREATE FUNCTION mig_fleet_cron(member_conninfo text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    db text := pg_catalog.current_setting('cron.database_name', true);
BEGIN
    IF db IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not loaded on this server'
            USING ERRCODE = '55000',
                  HINT = 'Add pg_cron to shared_preload_libraries, set cron.database_name and restart the server.';
    END IF;
    -- a later keyword overrides an earlier one in a conninfo string
    RETURN member_conninfo OPERATOR(pg_catalog.||) ' dbname='''
        OPERATOR(pg_catalog.||) pg_catalog.replace(pg_catalog.replace(db, '\', '\\'), '''', '\''')
        OPERATOR(pg_catalog.||) '''';
END
$$;

-- mig_fleet_unlink: drop, where they exist, the replication objects, slots and
-- pg_cron job of member; the registry's copy of its report goes too.
CREATE FUNCTION mig_fleet_unlink(member text, registry_conninfo text, member_conninfo text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n record := @extschema@.mig_fleet_names(member);
    drop_slot constant text := 'SELECT pg_catalog.count(pg_catalog.pg_drop_replication_slot(slot_name))::text '
                               'FROM pg_catalog.pg_replication_slots WHERE slot_name OPERATOR(pg_catalog.=) %L';
BEGIN
    PERFORM @extschema@.mig_fleet_remote(@extschema@.mig_fleet_cron(member_conninfo), pg_catalog.format(
        'SELECT pg_catalog.count(cron.unschedule(jobid))::text FROM cron.job '
        'WHERE jobname OPERATOR(pg_catalog.=) %L AND database OPERATOR(pg_catalog.=) %L',
        n.job, pg_catalog.current_database()));
    -- DROP SUBSCRIPTION drops the slot through its connection: top level only
    PERFORM @extschema@.mig_fleet_remote(registry_conninfo,
        pg_catalog.format('DROP SUBSCRIPTION IF EXISTS %I', n.report_sub));
    PERFORM @extschema@.mig_fleet_remote(registry_conninfo,
        pg_catalog.format('DELETE FROM %s WHERE member OPERATOR(pg_catalog.=) %L',
                          '@extschema@.mig_fleet_report'::pg_catalog.regclass, member));
    PERFORM @extschema@.mig_fleet_remote(member_conninfo,
        pg_catalog.format('DROP SUBSCRIPTION IF EXISTS %I', n.revisions_sub));
    PERFORM @extschema@.mig_fleet_remote(member_conninfo,
        pg_catalog.format('DROP PUBLICATION IF EXISTS %I', n.report_pub));
    -- slots a failed join made before their subscription existed
    PERFORM @extschema@.mig_fleet_remote(registry_conninfo, pg_catalog.format(drop_slot, n.revisions_sub));
    PERFORM @extschema@.mig_fleet_remote(member_conninfo, pg_catalog.format(drop_slot, n.report_sub));
END
$$;

-- mig_fleet_publish: make this database a fleet registry.
CREATE FUNCTION mig_fleet_publish()
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE pg_catalog.format('CREATE PUBLICATION mig_fleet_revisions FOR TABLE %s',
                              '@extschema@.mig_revisions'::pg_catalog.regclass);
END
$$;

-- mig_fleet_join: make this database member "member" of the fleet whose
-- registry registry_conninfo leads to.  member_conninfo leads the registry
-- (and this function) back to this database; schedule is pg_cron's.
CREATE FUNCTION mig_fleet_join(member text, registry_conninfo text, member_conninfo text,
                               schedule text DEFAULT '* * * * *')
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n record := @extschema@.mig_fleet_names(member);
    report constant pg_catalog.regclass := '@extschema@.mig_fleet_report'::pg_catalog.regclass;
    create_slot constant text := 'SELECT slot_name::text FROM pg_catalog.pg_create_logical_replication_slot(%L, ''pgoutput'')';
    here text;
BEGIN
    IF member IS NULL OR member OPERATOR(pg_catalog.!~) '^[a-z0-9_]{1,40}$' THEN
        RAISE EXCEPTION 'invalid fleet member name "%"', member
            USING ERRCODE = '22023',
                  DETAIL = 'A member name is 1 to 40 lowercase letters, digits and underscores; it becomes part of replication slot names.';
    END IF;
    IF registry_conninfo IS NULL OR member_conninfo IS NULL OR schedule IS NULL THEN
        RAISE EXCEPTION 'connection strings and schedule must not be null' USING ERRCODE = '22004';
    END IF;
    IF pg_catalog.txid_current_if_assigned() IS NOT NULL THEN
        RAISE EXCEPTION 'mig_fleet_join must run in a transaction that has written nothing'
            USING ERRCODE = '25001',
                  DETAIL = 'Creating a replication slot waits for every transaction that has written, this one included.',
                  HINT = 'Call mig_fleet_join() in a transaction of its own.';
    END IF;
    -- one join at a time; taking the lock gives this transaction no xid
    LOCK TABLE @extschema@.mig_fleet_membership IN SHARE ROW EXCLUSIVE MODE;
    IF EXISTS (SELECT FROM @extschema@.mig_fleet_membership) THEN
        RAISE EXCEPTION 'this database is already a fleet member'
            USING ERRCODE = '55000', HINT = 'Call mig_fleet_leave() first.';
    END IF;
    here := (SELECT pg_catalog.current_database() OPERATOR(pg_catalog.||) ' '
                    OPERATOR(pg_catalog.||) c.system_identifier FROM pg_catalog.pg_control_system() c);
    IF @extschema@.mig_fleet_remote(member_conninfo,
           'SELECT pg_catalog.current_database() OPERATOR(pg_catalog.||) '' '' OPERATOR(pg_catalog.||) '
           'system_identifier FROM pg_catalog.pg_control_system()') OPERATOR(pg_catalog.<>) here THEN
        RAISE EXCEPTION 'member connection string does not lead to this database'
            USING ERRCODE = '22023',
                  DETAIL = 'The registry reaches the member through it, and mig_fleet_join uses it to create the member''s publication.';
    END IF;
    IF @extschema@.mig_fleet_remote(registry_conninfo,
           'SELECT pubname::text FROM pg_catalog.pg_publication WHERE pubname OPERATOR(pg_catalog.=) ''mig_fleet_revisions''')
       IS NULL THEN
        RAISE EXCEPTION 'the registry does not publish its revisions'
            USING ERRCODE = '55000', HINT = 'Call mig_fleet_publish() in the registry database.';
    END IF;

    BEGIN
        -- slots first, while this transaction has written nothing: creating
        -- one waits for the transactions running on its server
        PERFORM @extschema@.mig_fleet_remote(registry_conninfo, pg_catalog.format(create_slot, n.revisions_sub));
        PERFORM @extschema@.mig_fleet_remote(member_conninfo, pg_catalog.format(create_slot, n.report_sub));
        PERFORM @extschema@.mig_fleet_remote(member_conninfo,
            pg_catalog.format('CREATE PUBLICATION %I FOR TABLE %s', n.report_pub, report));
        PERFORM @extschema@.mig_fleet_remote(registry_conninfo,
            pg_catalog.format('DELETE FROM %s WHERE member OPERATOR(pg_catalog.=) %L', report, member));
        PERFORM @extschema@.mig_fleet_remote(registry_conninfo, pg_catalog.format(
            'CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %I WITH (create_slot = false, slot_name = %L)',
            n.report_sub, member_conninfo, n.report_pub, n.report_sub));

        INSERT INTO @extschema@.mig_fleet_membership (member, registry_conninfo, member_conninfo)
        VALUES (mig_fleet_join.member, registry_conninfo, member_conninfo);
        DELETE FROM @extschema@.mig_fleet_report;
        INSERT INTO @extschema@.mig_fleet_report (member) VALUES (mig_fleet_join.member);
        EXECUTE pg_catalog.format(
            'CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION mig_fleet_revisions WITH (create_slot = false, slot_name = %L)',
            n.revisions_sub, registry_conninfo, n.revisions_sub);
        PERFORM @extschema@.mig_fleet_remote(@extschema@.mig_fleet_cron(member_conninfo), pg_catalog.format(
            'SELECT cron.schedule_in_database(%L, %L, %L, %L, %L)::text',
            n.job, schedule,
            pg_catalog.format('SELECT %s()', '@extschema@.mig_fleet_apply'::pg_catalog.regproc),
            pg_catalog.current_database(), current_user));
    EXCEPTION WHEN OTHERS THEN
        BEGIN
            PERFORM @extschema@.mig_fleet_unlink(member, registry_conninfo, member_conninfo);
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'could not remove what the failed join created: %', SQLERRM;
        END;
        RAISE;
    END;
END
$$;

-- mig_fleet_leave: undo mig_fleet_join; revisions and version rows stay.
CREATE FUNCTION mig_fleet_leave()
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m record;
BEGIN
    SELECT * INTO m FROM @extschema@.mig_fleet_membership;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this database is not a fleet member' USING ERRCODE = '55000';
    END IF;
    PERFORM @extschema@.mig_fleet_unlink(m.member, m.registry_conninfo, m.member_conninfo);
    DELETE FROM @extschema@.mig_fleet_membership;
    DELETE FROM @extschema@.mig_fleet_report;
    DELETE FROM @extschema@.mig_fleet_incoming;
END
$$;

-- mig_fleet_apply: the member's pg_cron job.  Registers what arrived through
-- mig_revision (keeping what it refuses, with its error), upgrades to the
-- heads one step at a time (a failing step stops the run; the steps before it
-- stay), and writes the report the registry receives.  Returns the number of
-- steps applied.  The bodies run with the caller's search_path, so this
-- function does not set one and qualifies every name it uses.
CREATE FUNCTION mig_fleet_apply()
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    me text;
    r record;
    seen bigint := 0;
    plan text[];
    applied integer := 0;
    step text;
    err text;
    stuck text;
BEGIN
    SELECT member INTO me FROM @extschema@.mig_fleet_membership;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this database is not a fleet member'
            USING ERRCODE = '55000', HINT = 'Call mig_fleet_join() first.';
    END IF;
    -- the lock every mig_ext command takes: one run at a time, after any
    -- other deployer
    PERFORM pg_catalog.pg_advisory_xact_lock(1835624293,
        '@extschema@'::pg_catalog.regnamespace::pg_catalog.oid::pg_catalog.int4);

    FOR r IN SELECT i.id, (i.rev).* FROM @extschema@.mig_fleet_incoming i
             ORDER BY (i.rev).seq, i.id LOOP
        seen := GREATEST(seen, r.seq);
        BEGIN
            PERFORM @extschema@.mig_revision(r.message, r.upgrade, r.downgrade, r.revision,
                                             r.down_revisions, r.branch_labels, r.depends_on,
                                             r.transactional);
            DELETE FROM @extschema@.mig_fleet_incoming WHERE id OPERATOR(pg_catalog.=) r.id;
        EXCEPTION WHEN OTHERS THEN
            UPDATE @extschema@.mig_fleet_incoming SET error = SQLERRM WHERE id OPERATOR(pg_catalog.=) r.id;
        END;
    END LOOP;

    BEGIN
        plan := ARRAY(SELECT p.revision FROM @extschema@.mig_plan('heads') p ORDER BY p.step);
    EXCEPTION WHEN OTHERS THEN
        err := SQLERRM;
        plan := '{}';
    END;
    -- one subtransaction per step: a failing step leaves the steps before it
    FOREACH step IN ARRAY plan LOOP
        BEGIN
            PERFORM @extschema@.mig_upgrade(step);
        EXCEPTION WHEN OTHERS THEN
            err := SQLERRM;
            stuck := step;
            EXIT;
        END;
        applied := applied OPERATOR(pg_catalog.+) 1;
    END LOOP;

    UPDATE @extschema@.mig_fleet_report f SET
        heads = ARRAY(SELECT c.revision FROM @extschema@.mig_current() c ORDER BY c.revision),
        -- received and not registered, or registered and not applied
        pending = (SELECT pg_catalog.count(DISTINCT (i.rev).revision) FROM @extschema@.mig_fleet_incoming i
                   WHERE NOT EXISTS (SELECT FROM @extschema@.mig_revisions v
                                     WHERE v.revision OPERATOR(pg_catalog.=) (i.rev).revision))
                  OPERATOR(pg_catalog.+) pg_catalog.cardinality(plan) OPERATOR(pg_catalog.-) applied,
        received_seq = GREATEST(f.received_seq, seen),
        stuck_before = stuck,
        last_error = err,
        refused = (SELECT COALESCE(pg_catalog.jsonb_object_agg((i.rev).revision, i.error), '{}')
                   FROM @extschema@.mig_fleet_incoming i WHERE i.error IS NOT NULL),
        last_applied = CASE WHEN applied OPERATOR(pg_catalog.>) 0 THEN plan[applied] ELSE f.last_applied END,
        last_applied_at = CASE WHEN applied OPERATOR(pg_catalog.>) 0 THEN pg_catalog.now() ELSE f.last_applied_at END,
        last_run_at = pg_catalog.now()
    WHERE f.member OPERATOR(pg_catalog.=) me;
    RETURN applied;
END
$$;

-- mig_fleet_status: on the registry, one row per member.  behind counts the
-- revisions the member has not applied: those it reported as received and
-- not applied, and those registered here after the newest it received.
CREATE FUNCTION mig_fleet_status()
RETURNS TABLE (member text, heads text[], behind bigint, at_head boolean, stuck_before text,
               last_error text, refused jsonb, last_applied text, last_applied_at timestamptz,
               last_run_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
SELECT f.member, f.heads, b.behind,
       b.behind OPERATOR(pg_catalog.=) 0 AND f.last_error IS NULL,
       f.stuck_before, f.last_error, f.refused, f.last_applied, f.last_applied_at, f.last_run_at
FROM @extschema@.mig_fleet_report f
CROSS JOIN LATERAL (
    SELECT f.pending OPERATOR(pg_catalog.+) pg_catalog.count(*) AS behind
    FROM @extschema@.mig_revisions r WHERE r.seq OPERATOR(pg_catalog.>) f.received_seq) b
ORDER BY f.member
$$;

-- Setting a fleet up creates subscriptions and pg_cron jobs: superusers only.
REVOKE EXECUTE ON FUNCTION mig_fleet_publish(), mig_fleet_join(text, text, text, text),
                           mig_fleet_leave(), mig_fleet_apply(),
                           mig_fleet_remote(text, text), mig_fleet_unlink(text, text, text),
                           mig_fleet_cron(text), mig_fleet_names(text), mig_fleet_receive()
    FROM PUBLIC;

COMMENT ON FUNCTION mig_fleet_publish() IS
    'mig_ext fleet: make this database a registry (publish mig_revisions)';
COMMENT ON FUNCTION mig_fleet_join(text, text, text, text) IS
    'mig_ext fleet: make this database a member of a registry, applied by a pg_cron job on a schedule';
COMMENT ON FUNCTION mig_fleet_leave() IS
    'mig_ext fleet: leave the fleet (subscriptions, slots, publication, job)';
COMMENT ON FUNCTION mig_fleet_apply() IS
    'mig_ext fleet: register what arrived, upgrade step by step, report to the registry (run by the job)';
COMMENT ON FUNCTION mig_fleet_status() IS
    'mig_ext fleet: on the registry, one row per member: heads, how far behind, last error';
COMMENT ON FUNCTION mig_fleet_remote(text, text) IS
    'internal to the fleet functions: one statement through its own dblink connection';
COMMENT ON FUNCTION mig_fleet_unlink(text, text, text) IS
    'internal to the fleet functions: drop a member''s subscriptions, slots, publication and job';
COMMENT ON FUNCTION mig_fleet_cron(text) IS
    'internal to the fleet functions: a connection string to the pg_cron database of a member''s server';
COMMENT ON FUNCTION mig_fleet_names(text) IS
    'internal to the fleet functions: the names of a member''s replication objects and job';
COMMENT ON FUNCTION mig_fleet_receive() IS
    'internal to the fleet functions: keeps a replicated revision aside for mig_fleet_apply';
COMMENT ON SEQUENCE mig_fleet_incoming_id_seq IS 'mig_ext fleet: ids of received revisions';

-- Testing migrations before a deploy (issue 15): both run the upgrade for
-- real inside a subtransaction that is always rolled back.
CREATE FUNCTION mig_test(target text DEFAULT 'heads')
RETURNS TABLE (revision text, "check" text, ok boolean, detail text)
AS 'MODULE_PATHNAME', 'mig_test'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_rehearse(target text DEFAULT 'head')
RETURNS TABLE (step int, revision text, direction text, duration interval,
               locks text[], rewrites text[], detail text)
AS 'MODULE_PATHNAME', 'mig_rehearse'
LANGUAGE C VOLATILE;

REVOKE EXECUTE ON FUNCTION mig_test(text), mig_rehearse(text) FROM PUBLIC;

COMMENT ON FUNCTION mig_test(text) IS
    'upgrade, downgrade and upgrade again each revision up to a target, compare the schemas, roll everything back; one row per check';
COMMENT ON FUNCTION mig_rehearse(text) IS
    'run the upgrade to a target and roll it back; per step the locks taken, the storage rewritten and the time';

-- batch import of revision files (issue 14)
CREATE FUNCTION mig_import(scripts text[], filenames text[] DEFAULT NULL)
RETURNS text[]
AS 'MODULE_PATHNAME', 'mig_import_batch'
LANGUAGE C VOLATILE;

REVOKE EXECUTE ON FUNCTION mig_import(text[], text[]) FROM PUBLIC;

COMMENT ON FUNCTION mig_import(text[], text[]) IS
    'register the revisions that revision files describe, in any order given; returns their ids in the order registered';
