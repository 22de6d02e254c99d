/* mig_ext--1.0.sql: catalog tables and functions of mig_ext 1.0 */

\echo Use "CREATE EXTENSION mig_ext" to load this file. \quit

-- One row per registered revision.
CREATE TABLE mig_revisions (
    revision        text PRIMARY KEY,
    down_revisions  text[] NOT NULL DEFAULT '{}',
    branch_labels   text[] NOT NULL DEFAULT '{}',
    depends_on      text[] NOT NULL DEFAULT '{}',
    message         text NOT NULL DEFAULT '',
    upgrade         text NOT NULL,
    downgrade       text,
    checksum        text NOT NULL,
    registered_by   name NOT NULL,
    registered_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
COMMENT ON TABLE mig_revisions IS 'mig_ext: registered revisions (write them with mig_revision and mig_merge)';

-- One row per current head, as alembic_version holds them.
CREATE TABLE mig_version (
    revision        text PRIMARY KEY
);
COMMENT ON TABLE mig_version IS 'mig_ext: current version rows (moved by mig_upgrade, mig_downgrade and mig_stamp)';

-- One row per step ever applied (rolled-back attempts leave none).
CREATE TABLE mig_log (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    revision            text NOT NULL,
    direction           text NOT NULL CHECK (direction IN ('upgrade', 'downgrade', 'stamp')),
    from_revisions      text[] NOT NULL,
    to_revisions        text[] NOT NULL,
    applied_by          name NOT NULL,
    session_user_name   name NOT NULL,
    application_name    text NOT NULL,
    xid                 xid8 NOT NULL,
    started_at          timestamptz NOT NULL,
    duration            interval NOT NULL,
    checksum            text
);
COMMENT ON TABLE mig_log IS 'mig_ext: audit trail, one row per step applied';

SELECT pg_catalog.pg_extension_config_dump('mig_revisions', '');
SELECT pg_catalog.pg_extension_config_dump('mig_version', '');
SELECT pg_catalog.pg_extension_config_dump('mig_log', '');
-- the identity sequences too, or a restored database would reuse their values
SELECT pg_catalog.pg_extension_config_dump('mig_revisions_seq_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mig_log_id_seq', '');

REVOKE ALL ON mig_revisions, mig_version, mig_log FROM PUBLIC;

CREATE FUNCTION mig_revision(message text, upgrade text, downgrade text DEFAULT NULL,
                             revision text DEFAULT NULL, down_revision text[] DEFAULT NULL,
                             branch_labels text[] DEFAULT NULL, depends_on text[] DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_revision'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_merge(message text, revisions text[] DEFAULT '{heads}',
                          revision text DEFAULT NULL, branch_labels text[] DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_merge'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_upgrade(target text DEFAULT 'head')
RETURNS TABLE (revision text, direction text, message text)
AS 'MODULE_PATHNAME', 'mig_upgrade'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_downgrade(target text)
RETURNS TABLE (revision text, direction text, message text)
AS 'MODULE_PATHNAME', 'mig_downgrade'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_stamp(target text, purge boolean DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'mig_stamp'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_current()
RETURNS TABLE (revision text, is_head boolean, message text, branch_labels text[],
               is_effective_head boolean, is_branch_point boolean, is_merge_point boolean)
AS 'MODULE_PATHNAME', 'mig_current'
LANGUAGE C STABLE;

CREATE FUNCTION mig_heads()
RETURNS TABLE (revision text, message text, branch_labels text[],
               is_effective_head boolean, is_current boolean)
AS 'MODULE_PATHNAME', 'mig_heads'
LANGUAGE C STABLE;

CREATE FUNCTION mig_branches()
RETURNS TABLE (revision text, message text, branch_labels text[], children text[])
AS 'MODULE_PATHNAME', 'mig_branches'
LANGUAGE C STABLE;

CREATE FUNCTION mig_history(range text DEFAULT NULL)
RETURNS TABLE (revision text, down_revisions text[], message text, branch_labels text[],
               depends_on text[], is_head boolean, is_effective_head boolean, is_base boolean,
               is_branch_point boolean, is_merge_point boolean, is_current boolean,
               applied_at timestamptz)
AS 'MODULE_PATHNAME', 'mig_history'
LANGUAGE C STABLE;

CREATE FUNCTION mig_show(revision text)
RETURNS TABLE (revision text, down_revisions text[], message text, branch_labels text[],
               depends_on text[], is_head boolean, is_effective_head boolean, is_base boolean,
               is_branch_point boolean, is_merge_point boolean, is_current boolean,
               upgrade text, downgrade text)
AS 'MODULE_PATHNAME', 'mig_show'
LANGUAGE C STABLE;

-- Functions that change anything are for roles granted EXECUTE.
REVOKE EXECUTE ON FUNCTION mig_revision(text, text, text, text, text[], text[], text[]),
                           mig_merge(text, text[], text, text[]),
                           mig_upgrade(text), mig_downgrade(text), mig_stamp(text, boolean)
    FROM PUBLIC;

-- Plans, offline scripts, revision files, Alembic adoption, the graph picture.
CREATE FUNCTION mig_plan(target text DEFAULT 'head')
RETURNS TABLE (step int, direction text, revision text, message text,
               version_rows_before text[], version_rows_after text[])
AS 'MODULE_PATHNAME', 'mig_plan'
LANGUAGE C STABLE;

CREATE FUNCTION mig_upgrade_sql(target text DEFAULT 'head')
RETURNS text
AS 'MODULE_PATHNAME', 'mig_upgrade_sql'
LANGUAGE C STABLE;

CREATE FUNCTION mig_downgrade_sql(target text)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_downgrade_sql'
LANGUAGE C STABLE;

CREATE FUNCTION mig_import(script text, filename text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_import'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_adopt_alembic(version_table regclass DEFAULT NULL)
RETURNS text[]
AS 'MODULE_PATHNAME', 'mig_adopt_alembic'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_graph()
RETURNS text
AS 'MODULE_PATHNAME', 'mig_graph'
LANGUAGE C STABLE;

REVOKE EXECUTE ON FUNCTION mig_import(text, text), mig_adopt_alembic(regclass) FROM PUBLIC;

-- Read-only: anyone may check the catalog for drift.
CREATE FUNCTION mig_validate()
RETURNS TABLE (revision text, problem text, detail text)
AS 'MODULE_PATHNAME', 'mig_validate'
LANGUAGE C STABLE;

-- Autogenerate: internal functions behind mig_diff, mig_autogenerate and
-- mig_check (src/diff.c).  They read only the system catalogs, with
-- search_path = pg_catalog so that every pg_get_* function qualifies the
-- names of the schemas compared; the scratch schema's name is then
-- rewritten to the target schema's.

-- mig_autogen_map: txt with every "from_nsp." qualification (from_nsp an
-- identifier that needs no quoting) rewritten to the quoted as_nsp.
CREATE FUNCTION mig_autogen_map(txt text, from_nsp name, as_nsp name)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog
AS $$
SELECT CASE WHEN from_nsp OPERATOR(pg_catalog.=) as_nsp THEN txt
       ELSE pg_catalog.regexp_replace(txt, '(?<![[:alnum:]_$"])' OPERATOR(pg_catalog.||) from_nsp
                                           OPERATOR(pg_catalog.||) '\.',
                                      pg_catalog.replace(pg_catalog.quote_ident(as_nsp), '\', '\\')
                                           OPERATOR(pg_catalog.||) '.', 'g')
       END
$$;

-- mig_autogen_objects: one row per comparable object of schema nsp (not
-- members of any extension), its names and definitions written as if the
-- schema were called as_nsp.  kord orders kinds for creation; col_name is
-- the column's name for a column, the owning column (table.column) for a
-- sequence.
CREATE FUNCTION mig_autogen_objects(nsp oid, as_nsp name)
RETURNS TABLE (kord int, kind text, key text, label text, qname text, objid oid, subid int,
               def text, create_sql text, drop_sql text,
               col_name text, col_type text, col_default text, col_notnull boolean,
               col_generation text, enum_labels text[], classid oid)
LANGUAGE sql STABLE SET search_path = pg_catalog
AS $$
WITH ns AS (
    SELECT n.nspname AS name, pg_catalog.quote_ident(as_nsp) OPERATOR(pg_catalog.||) '.' AS q
    FROM pg_catalog.pg_namespace n WHERE n.oid OPERATOR(pg_catalog.=) nsp
), rels AS (
    SELECT c.oid, c.relname, c.relkind, ns.q OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname) AS qname
    FROM pg_catalog.pg_class c, ns
    WHERE c.relnamespace OPERATOR(pg_catalog.=) nsp
      AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,v,m,S,i}'::"char"[])
      AND NOT c.relispartition
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                      WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                        AND d.objid OPERATOR(pg_catalog.=) c.oid
                        AND d.deptype OPERATOR(pg_catalog.=) ANY ('{e,i}'::"char"[]))
), types AS (
    SELECT t.oid, t.typname, ns.q OPERATOR(pg_catalog.||) pg_catalog.quote_ident(t.typname) AS qname,
           ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
                 WHERE e.enumtypid OPERATOR(pg_catalog.=) t.oid ORDER BY e.enumsortorder) AS labels
    FROM pg_catalog.pg_type t, ns
    WHERE t.typnamespace OPERATOR(pg_catalog.=) nsp AND t.typtype OPERATOR(pg_catalog.=) 'e'
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                      WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass
                        AND d.objid OPERATOR(pg_catalog.=) t.oid
                        AND d.deptype OPERATOR(pg_catalog.=) 'e')
), procs AS (
    SELECT p.oid, p.prokind,
           CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END AS kw,
           pg_catalog.quote_ident(p.proname) OPERATOR(pg_catalog.||) '('
               OPERATOR(pg_catalog.||) @extschema@.mig_autogen_map(pg_catalog.pg_get_function_identity_arguments(p.oid), ns.name, as_nsp)
               OPERATOR(pg_catalog.||) ')' AS sig,
           ns.q,
           -- functions called by column defaults come before the tables
           CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_depend d
                             WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_attrdef'::pg_catalog.regclass
                               AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                               AND d.refobjid OPERATOR(pg_catalog.=) p.oid)
                THEN 25 ELSE 50 END AS kord
    FROM pg_catalog.pg_proc p, ns
    WHERE p.pronamespace OPERATOR(pg_catalog.=) nsp
      AND p.prokind OPERATOR(pg_catalog.=) ANY ('{f,p}'::"char"[])
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                      WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                        AND d.objid OPERATOR(pg_catalog.=) p.oid
                        AND d.deptype OPERATOR(pg_catalog.=) 'e')
), cols AS (
    SELECT r.oid, a.attnum, r.relname, r.qname, a.attname,
           @extschema@.mig_autogen_map(pg_catalog.format_type(a.atttypid, a.atttypmod)
             OPERATOR(pg_catalog.||) CASE WHEN a.attcollation OPERATOR(pg_catalog.<>) t.typcollation
                  THEN ' COLLATE ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(cn.nspname)
                       OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(co.collname)
                  ELSE '' END, ns.name, as_nsp) AS typ,
           CASE WHEN a.attidentity OPERATOR(pg_catalog.=) '' AND a.attgenerated OPERATOR(pg_catalog.=) ''
                THEN @extschema@.mig_autogen_map(pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), ns.name, as_nsp) END AS dflt,
           a.attnotnull,
           CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY'
                              WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY'
                ELSE CASE WHEN a.attgenerated OPERATOR(pg_catalog.=) 's'
                          THEN ' GENERATED ALWAYS AS ('
                               OPERATOR(pg_catalog.||) @extschema@.mig_autogen_map(pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), ns.name, as_nsp)
                               OPERATOR(pg_catalog.||) ') STORED'
                          ELSE '' END END AS gen
    FROM rels r
    CROSS JOIN ns
    JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) r.oid
    JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
    LEFT JOIN pg_catalog.pg_collation co ON co.oid OPERATOR(pg_catalog.=) a.attcollation
    LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid OPERATOR(pg_catalog.=) co.collnamespace
    LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid OPERATOR(pg_catalog.=) a.attrelid
                                      AND ad.adnum OPERATOR(pg_catalog.=) a.attnum
    WHERE r.relkind OPERATOR(pg_catalog.=) 'r' AND a.attnum OPERATOR(pg_catalog.>) 0
      AND NOT a.attisdropped
), coldefs AS (
    SELECT c.*, pg_catalog.quote_ident(c.attname) OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) c.typ
             OPERATOR(pg_catalog.||) c.gen
             OPERATOR(pg_catalog.||) COALESCE(' DEFAULT ' OPERATOR(pg_catalog.||) c.dflt, '')
             OPERATOR(pg_catalog.||) CASE WHEN c.attnotnull THEN ' NOT NULL' ELSE '' END AS coldef
    FROM cols c
), owned AS (
    SELECT s.oid, s.relname, s.qname, r.qname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(a.attname) AS owner_col,
           r.relname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) a.attname AS owner_key
    FROM rels s
    JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                AND d.objid OPERATOR(pg_catalog.=) s.oid
                                AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                AND d.deptype OPERATOR(pg_catalog.=) 'a'
                                AND d.refobjsubid OPERATOR(pg_catalog.>) 0
    JOIN rels r ON r.oid OPERATOR(pg_catalog.=) d.refobjid
    JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) d.refobjid
                                   AND a.attnum OPERATOR(pg_catalog.=) d.refobjsubid
    WHERE s.relkind OPERATOR(pg_catalog.=) 'S'
), cons AS (
    SELECT k.oid, k.contype, r.relname, r.qname, k.conname,
           @extschema@.mig_autogen_map(pg_catalog.pg_get_constraintdef(k.oid), ns.name, as_nsp) AS def
    FROM pg_catalog.pg_constraint k
    JOIN rels r ON r.oid OPERATOR(pg_catalog.=) k.conrelid
    CROSS JOIN ns
    WHERE r.relkind OPERATOR(pg_catalog.=) 'r'
), descr AS (
    SELECT CASE r.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                          WHEN 'S' THEN 'sequence' ELSE 'index' END AS kw,
           r.relname::text AS key, r.qname AS target, r.oid, 0 AS subid,
           'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid AS classid
    FROM rels r
    UNION ALL
    SELECT 'column', c.relname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) c.attname,
           c.qname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.attname), c.oid, c.attnum,
           'pg_catalog.pg_class'::pg_catalog.regclass
    FROM cols c
    UNION ALL
    SELECT 'type', t.typname::text, t.qname, t.oid, 0, 'pg_catalog.pg_type'::pg_catalog.regclass FROM types t
    UNION ALL
    SELECT p.kw, p.sig, p.q OPERATOR(pg_catalog.||) p.sig, p.oid, 0, 'pg_catalog.pg_proc'::pg_catalog.regclass FROM procs p
    UNION ALL
    SELECT 'constraint', k.relname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) k.conname,
           pg_catalog.quote_ident(k.conname) OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) k.qname, k.oid, 0,
           'pg_catalog.pg_constraint'::pg_catalog.regclass
    FROM cons k
    UNION ALL
    SELECT 'trigger', r.relname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) g.tgname,
           pg_catalog.quote_ident(g.tgname) OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) r.qname, g.oid, 0,
           'pg_catalog.pg_trigger'::pg_catalog.regclass
    FROM pg_catalog.pg_trigger g JOIN rels r ON r.oid OPERATOR(pg_catalog.=) g.tgrelid
    WHERE NOT g.tgisinternal
)
SELECT 10, 'type', t.typname::text, 'type ' OPERATOR(pg_catalog.||) t.qname, t.qname, t.oid, 0,
       t.labels::text,
       'CREATE TYPE ' OPERATOR(pg_catalog.||) t.qname OPERATOR(pg_catalog.||) ' AS ENUM ('
           OPERATOR(pg_catalog.||) (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(l), ', ' ORDER BY o)
                                    FROM pg_catalog.unnest(t.labels) WITH ORDINALITY AS u(l, o))
           OPERATOR(pg_catalog.||) ')',
       'DROP TYPE ' OPERATOR(pg_catalog.||) t.qname,
       NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text, t.labels,
       'pg_catalog.pg_type'::pg_catalog.regclass::pg_catalog.oid
FROM types t
UNION ALL
SELECT 20, 'sequence', r.relname::text, 'sequence ' OPERATOR(pg_catalog.||) r.qname, r.qname, r.oid, 0, s.def,
       'CREATE SEQUENCE ' OPERATOR(pg_catalog.||) r.qname OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) s.def,
       'DROP SEQUENCE ' OPERATOR(pg_catalog.||) r.qname,
       o.owner_key, NULL, NULL, NULL, NULL, NULL, 'pg_catalog.pg_class'::pg_catalog.regclass
FROM rels r
LEFT JOIN owned o ON o.oid OPERATOR(pg_catalog.=) r.oid
JOIN LATERAL (
    SELECT 'AS ' OPERATOR(pg_catalog.||) pg_catalog.format_type(q.seqtypid, NULL)
           OPERATOR(pg_catalog.||) ' INCREMENT BY ' OPERATOR(pg_catalog.||) q.seqincrement
           OPERATOR(pg_catalog.||) ' MINVALUE ' OPERATOR(pg_catalog.||) q.seqmin
           OPERATOR(pg_catalog.||) ' MAXVALUE ' OPERATOR(pg_catalog.||) q.seqmax
           OPERATOR(pg_catalog.||) ' START WITH ' OPERATOR(pg_catalog.||) q.seqstart
           OPERATOR(pg_catalog.||) ' CACHE ' OPERATOR(pg_catalog.||) q.seqcache
           OPERATOR(pg_catalog.||) CASE WHEN q.seqcycle THEN ' CYCLE' ELSE ' NO CYCLE' END AS def
    FROM pg_catalog.pg_sequence q WHERE q.seqrelid OPERATOR(pg_catalog.=) r.oid) s ON true
WHERE r.relkind OPERATOR(pg_catalog.=) 'S'
UNION ALL
SELECT 30, 'table', r.relname::text, 'table ' OPERATOR(pg_catalog.||) r.qname, r.qname, r.oid, 0, 'table',
       'CREATE TABLE ' OPERATOR(pg_catalog.||) r.qname OPERATOR(pg_catalog.||) ' ('
           OPERATOR(pg_catalog.||) COALESCE(E'\n    ' OPERATOR(pg_catalog.||)
               (SELECT pg_catalog.string_agg(c.coldef, E',\n    ' ORDER BY c.attnum)
                FROM coldefs c WHERE c.oid OPERATOR(pg_catalog.=) r.oid) OPERATOR(pg_catalog.||) E'\n', '')
           OPERATOR(pg_catalog.||) ')',
       'DROP TABLE ' OPERATOR(pg_catalog.||) r.qname,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_catalog.pg_class'::pg_catalog.regclass
FROM rels r WHERE r.relkind OPERATOR(pg_catalog.=) 'r'
UNION ALL
SELECT 40, 'column', c.relname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) c.attname,
       'column ' OPERATOR(pg_catalog.||) c.qname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.attname),
       c.qname, c.oid, c.attnum, c.coldef,
       'ALTER TABLE ' OPERATOR(pg_catalog.||) c.qname OPERATOR(pg_catalog.||) ' ADD COLUMN ' OPERATOR(pg_catalog.||) c.coldef,
       'ALTER TABLE ' OPERATOR(pg_catalog.||) c.qname OPERATOR(pg_catalog.||) ' DROP COLUMN ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.attname),
       c.attname::text, c.typ, c.dflt, c.attnotnull, c.gen, NULL, 'pg_catalog.pg_class'::pg_catalog.regclass
FROM coldefs c
UNION ALL
SELECT 45, 'sequence owner', o.relname::text, 'owner of sequence ' OPERATOR(pg_catalog.||) o.qname, o.qname, o.oid, 0, o.owner_col,
       'ALTER SEQUENCE ' OPERATOR(pg_catalog.||) o.qname OPERATOR(pg_catalog.||) ' OWNED BY ' OPERATOR(pg_catalog.||) o.owner_col,
       'ALTER SEQUENCE ' OPERATOR(pg_catalog.||) o.qname OPERATOR(pg_catalog.||) ' OWNED BY NONE',
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_catalog.pg_class'::pg_catalog.regclass
FROM owned o
UNION ALL
SELECT p.kord, p.kw, p.sig, p.kw OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) p.q OPERATOR(pg_catalog.||) p.sig, p.q OPERATOR(pg_catalog.||) p.sig, p.oid, 0, f.def,
       pg_catalog.rtrim(f.def, E'\n'),
       'DROP ' OPERATOR(pg_catalog.||) pg_catalog.upper(p.kw) OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) p.q OPERATOR(pg_catalog.||) p.sig,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_catalog.pg_proc'::pg_catalog.regclass
FROM procs p CROSS JOIN ns
CROSS JOIN LATERAL (SELECT @extschema@.mig_autogen_map(pg_catalog.pg_get_functiondef(p.oid), ns.name, as_nsp) AS def) f
UNION ALL
SELECT CASE WHEN k.contype OPERATOR(pg_catalog.=) 'f' THEN 80 ELSE 60 END,
       CASE WHEN k.contype OPERATOR(pg_catalog.=) 'f' THEN 'foreign key' ELSE 'constraint' END,
       k.relname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) k.conname,
       'constraint ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(k.conname) OPERATOR(pg_catalog.||) ' on ' OPERATOR(pg_catalog.||) k.qname,
       k.qname, k.oid, 0, k.def,
       'ALTER TABLE ' OPERATOR(pg_catalog.||) k.qname OPERATOR(pg_catalog.||) ' ADD CONSTRAINT '
           OPERATOR(pg_catalog.||) pg_catalog.quote_ident(k.conname) OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) k.def,
       'ALTER TABLE ' OPERATOR(pg_catalog.||) k.qname OPERATOR(pg_catalog.||) ' DROP CONSTRAINT '
           OPERATOR(pg_catalog.||) pg_catalog.quote_ident(k.conname),
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_catalog.pg_constraint'::pg_catalog.regclass
FROM cons k
UNION ALL
SELECT 70, 'index', r.relname::text, 'index ' OPERATOR(pg_catalog.||) r.qname, r.qname, r.oid, 0, x.def, x.def,
       'DROP INDEX ' OPERATOR(pg_catalog.||) r.qname,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_catalog.pg_class'::pg_catalog.regclass
FROM rels r
JOIN pg_catalog.pg_index i ON i.indexrelid OPERATOR(pg_catalog.=) r.oid
JOIN rels t ON t.oid OPERATOR(pg_catalog.=) i.indrelid
CROSS JOIN ns
CROSS JOIN LATERAL (SELECT @extschema@.mig_autogen_map(pg_catalog.pg_get_indexdef(r.oid), ns.name, as_nsp) AS def) x
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.conindid OPERATOR(pg_catalog.=) r.oid
                     AND k.contype OPERATOR(pg_catalog.=) ANY ('{p,u,x}'::"char"[]))
UNION ALL
SELECT 90, CASE r.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END, r.relname::text,
       CASE r.relkind WHEN 'v' THEN 'view ' ELSE 'materialized view ' END OPERATOR(pg_catalog.||) r.qname,
       r.qname, r.oid, 0, v.def,
       CASE r.relkind WHEN 'v' THEN 'CREATE VIEW ' ELSE 'CREATE MATERIALIZED VIEW ' END
           OPERATOR(pg_catalog.||) r.qname OPERATOR(pg_catalog.||) E' AS\n' OPERATOR(pg_catalog.||) pg_catalog.rtrim(v.def, ';'),
       CASE r.relkind WHEN 'v' THEN 'DROP VIEW ' ELSE 'DROP MATERIALIZED VIEW ' END OPERATOR(pg_catalog.||) r.qname,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_catalog.pg_class'::pg_catalog.regclass
FROM rels r CROSS JOIN ns
CROSS JOIN LATERAL (SELECT @extschema@.mig_autogen_map(pg_catalog.pg_get_viewdef(r.oid), ns.name, as_nsp) AS def) v
WHERE r.relkind OPERATOR(pg_catalog.=) ANY ('{v,m}'::"char"[])
UNION ALL
SELECT 100, 'trigger', r.relname OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) g.tgname,
       'trigger ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(g.tgname) OPERATOR(pg_catalog.||) ' on ' OPERATOR(pg_catalog.||) r.qname,
       r.qname, g.oid, 0, t.def, t.def,
       'DROP TRIGGER ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(g.tgname) OPERATOR(pg_catalog.||) ' ON ' OPERATOR(pg_catalog.||) r.qname,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_catalog.pg_trigger'::pg_catalog.regclass
FROM pg_catalog.pg_trigger g
JOIN rels r ON r.oid OPERATOR(pg_catalog.=) g.tgrelid
CROSS JOIN ns
CROSS JOIN LATERAL (SELECT @extschema@.mig_autogen_map(pg_catalog.pg_get_triggerdef(g.oid), ns.name, as_nsp) AS def) t
WHERE NOT g.tgisinternal
UNION ALL
SELECT 110, 'comment', o.kw OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) o.key,
       'comment on ' OPERATOR(pg_catalog.||) o.kw OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) o.target,
       o.target, o.oid, o.subid, d.description,
       'COMMENT ON ' OPERATOR(pg_catalog.||) pg_catalog.upper(o.kw) OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) o.target
           OPERATOR(pg_catalog.||) ' IS ' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(d.description),
       'COMMENT ON ' OPERATOR(pg_catalog.||) pg_catalog.upper(o.kw) OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) o.target
           OPERATOR(pg_catalog.||) ' IS NULL',
       NULL, NULL, NULL, NULL, NULL, NULL, o.classid
FROM descr o
JOIN pg_catalog.pg_description d ON d.objoid OPERATOR(pg_catalog.=) o.oid
                                 AND d.objsubid OPERATOR(pg_catalog.=) o.subid
                                 AND d.classoid OPERATOR(pg_catalog.=) o.classid
$$;

-- mig_autogen_alter_column: the ALTER TABLE that takes column col of qrel
-- from one type, default and nullability to another (same generation).
CREATE FUNCTION mig_autogen_alter_column(qrel text, col text,
                                         from_type text, from_default text, from_notnull boolean,
                                         to_type text, to_default text, to_notnull boolean)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog
AS $$
SELECT 'ALTER TABLE ' OPERATOR(pg_catalog.||) qrel OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||)
       pg_catalog.array_to_string(ARRAY[
           CASE WHEN from_default IS DISTINCT FROM to_default AND from_default IS NOT NULL
                     AND (to_default IS NULL OR from_type OPERATOR(pg_catalog.<>) to_type)
                THEN 'ALTER COLUMN ' OPERATOR(pg_catalog.||) c.q OPERATOR(pg_catalog.||) ' DROP DEFAULT' END,
           CASE WHEN from_type OPERATOR(pg_catalog.<>) to_type
                THEN 'ALTER COLUMN ' OPERATOR(pg_catalog.||) c.q OPERATOR(pg_catalog.||) ' TYPE ' OPERATOR(pg_catalog.||) to_type END,
           CASE WHEN from_default IS DISTINCT FROM to_default AND to_default IS NOT NULL
                THEN 'ALTER COLUMN ' OPERATOR(pg_catalog.||) c.q OPERATOR(pg_catalog.||) ' SET DEFAULT ' OPERATOR(pg_catalog.||) to_default END,
           CASE WHEN from_notnull OPERATOR(pg_catalog.<>) to_notnull
                THEN 'ALTER COLUMN ' OPERATOR(pg_catalog.||) c.q OPERATOR(pg_catalog.||)
                     CASE WHEN to_notnull THEN ' SET NOT NULL' ELSE ' DROP NOT NULL' END END], ', ')
FROM (SELECT pg_catalog.quote_ident(col) AS q) c
$$;

-- mig_autogen_recreate_enum: statements (separated by ";\n") that replace
-- enum type qtype (named typname in schema nsp) by one with labels,
-- converting the columns listed in cols (elements "qrel", "col", "default")
-- through text.
CREATE FUNCTION mig_autogen_recreate_enum(nsp name, typname name, qtype text, labels text[], cols text[])
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog
AS $$
SELECT pg_catalog.concat_ws(E';\n',
    'ALTER TYPE ' OPERATOR(pg_catalog.||) qtype OPERATOR(pg_catalog.||) ' RENAME TO ' OPERATOR(pg_catalog.||) o.name,
    'CREATE TYPE ' OPERATOR(pg_catalog.||) qtype OPERATOR(pg_catalog.||) ' AS ENUM ('
        OPERATOR(pg_catalog.||) (SELECT COALESCE(pg_catalog.string_agg(pg_catalog.quote_literal(l), ', ' ORDER BY n), '')
                                 FROM pg_catalog.unnest(labels) WITH ORDINALITY AS u(l, n))
        OPERATOR(pg_catalog.||) ')',
    (SELECT pg_catalog.string_agg(
                'ALTER TABLE ' OPERATOR(pg_catalog.||) cols[i][1] OPERATOR(pg_catalog.||) ' '
                OPERATOR(pg_catalog.||) pg_catalog.concat_ws(', ',
                    CASE WHEN cols[i][3] IS NOT NULL THEN 'ALTER COLUMN ' OPERATOR(pg_catalog.||) cols[i][2] OPERATOR(pg_catalog.||) ' DROP DEFAULT' END,
                    'ALTER COLUMN ' OPERATOR(pg_catalog.||) cols[i][2] OPERATOR(pg_catalog.||) ' TYPE ' OPERATOR(pg_catalog.||) qtype
                        OPERATOR(pg_catalog.||) ' USING ' OPERATOR(pg_catalog.||) cols[i][2] OPERATOR(pg_catalog.||) '::text::'
                        OPERATOR(pg_catalog.||) qtype,
                    CASE WHEN cols[i][3] IS NOT NULL THEN 'ALTER COLUMN ' OPERATOR(pg_catalog.||) cols[i][2]
                        OPERATOR(pg_catalog.||) ' SET DEFAULT ' OPERATOR(pg_catalog.||) cols[i][3] END),
                E';\n' ORDER BY i)
     FROM pg_catalog.generate_subscripts(cols, 1) AS i),
    'DROP TYPE ' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(nsp) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) o.name)
FROM (SELECT pg_catalog.quote_ident(typname OPERATOR(pg_catalog.||) '_mig_old') AS name) o
$$;

-- mig_autogen_diff: the changes that take schema target to the objects of
-- schema desired, in apply order: drops of dependent objects (in reverse
-- creation order), then additions and alterations (in creation order),
-- then drops of types, sequences, tables and functions.  Unchanged
-- objects depending on a replaced one are dropped and created again too.
-- Downgrading applies the downgrade statements in the reverse order.  (JIT
-- compiling this query would cost more than running it.)
CREATE FUNCTION mig_autogen_diff(desired oid, target oid)
RETURNS TABLE (change text, object text, upgrade text, downgrade text,
               loses_data boolean, downgrade_loses_data boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog SET jit = off
AS $$
WITH RECURSIVE tn AS (
    SELECT n.nspname FROM pg_catalog.pg_namespace n WHERE n.oid OPERATOR(pg_catalog.=) target
), d AS (
    SELECT o.* FROM tn, @extschema@.mig_autogen_objects(desired, tn.nspname) o
), c AS (
    SELECT o.* FROM tn, @extschema@.mig_autogen_objects(target, tn.nspname) o
), p AS (
    SELECT d, c, d.kind IS NOT NULL AND c.kind IS NOT NULL AS both,
           d.kind IS NOT NULL AND c.kind IS NOT NULL
           AND (d.kind OPERATOR(pg_catalog.=) ANY ('{constraint,foreign key,index,view,materialized view,trigger}')
                OR d.col_generation IS DISTINCT FROM c.col_generation) AS replaced
    FROM d FULL JOIN c ON c.kind OPERATOR(pg_catalog.=) d.kind AND c.key OPERATOR(pg_catalog.=) d.key
    WHERE d.def IS DISTINCT FROM c.def
      -- columns of tables added or dropped come with their table
      AND (COALESCE(d.kind, c.kind) OPERATOR(pg_catalog.<>) 'column'
           OR (EXISTS (SELECT FROM d t WHERE t.kind OPERATOR(pg_catalog.=) 'table'
                                          AND t.qname OPERATOR(pg_catalog.=) COALESCE(d.qname, c.qname))
               AND EXISTS (SELECT FROM c t WHERE t.kind OPERATOR(pg_catalog.=) 'table'
                                             AND t.qname OPERATOR(pg_catalog.=) COALESCE(d.qname, c.qname))))
), same AS (
    -- unchanged objects that may have to be dropped and created again
    SELECT d, c
    FROM d JOIN c ON c.kind OPERATOR(pg_catalog.=) d.kind AND c.key OPERATOR(pg_catalog.=) d.key
    WHERE d.def OPERATOR(pg_catalog.=) c.def
      AND c.kind OPERATOR(pg_catalog.=) ANY ('{constraint,foreign key,index,trigger,view,materialized view,comment}')
), forced (classid, objid, subid, views_only) AS (
    -- objects dropped and created again (replaced), and those depending on
    -- them in the target schema; a column changing type forces the views
    -- using it (and their dependents) only
    SELECT (p.c).classid, (p.c).objid, (p.c).subid, false FROM p WHERE p.replaced
    UNION
    SELECT (p.c).classid, (p.c).objid, (p.c).subid, true FROM p
    WHERE p.both AND (p.c).kind OPERATOR(pg_catalog.=) 'column'
      AND (p.c).col_type OPERATOR(pg_catalog.<>) (p.d).col_type
    UNION
    SELECT (s.c).classid, (s.c).objid, (s.c).subid, false
    FROM forced f JOIN same s ON
        CASE WHEN (s.c).kind OPERATOR(pg_catalog.=) 'comment'
             THEN NOT f.views_only AND (s.c).classid OPERATOR(pg_catalog.=) f.classid
                  AND (s.c).objid OPERATOR(pg_catalog.=) f.objid AND (s.c).subid OPERATOR(pg_catalog.=) f.subid
             ELSE (NOT f.views_only OR (s.c).kind OPERATOR(pg_catalog.=) ANY ('{view,materialized view}'))
                  AND EXISTS (
                      SELECT FROM pg_catalog.pg_depend dep
                      LEFT JOIN pg_catalog.pg_rewrite rw
                             ON dep.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                            AND rw.oid OPERATOR(pg_catalog.=) dep.objid
                      WHERE ((dep.classid OPERATOR(pg_catalog.=) (s.c).classid AND dep.objid OPERATOR(pg_catalog.=) (s.c).objid)
                             OR rw.ev_class OPERATOR(pg_catalog.=) (s.c).objid)
                        AND ((dep.refclassid OPERATOR(pg_catalog.=) f.classid
                              AND dep.refobjid OPERATOR(pg_catalog.=) f.objid
                              AND (f.subid OPERATOR(pg_catalog.=) 0 OR dep.refobjsubid OPERATOR(pg_catalog.=) f.subid))
                             -- foreign keys depend on the index of the key they reference
                             OR (f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_constraint'::pg_catalog.regclass
                                 AND dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                 AND dep.refobjid OPERATOR(pg_catalog.=)
                                     (SELECT k.conindid FROM pg_catalog.pg_constraint k
                                      WHERE k.oid OPERATOR(pg_catalog.=) f.objid)))
                        AND NOT (dep.classid OPERATOR(pg_catalog.=) f.classid AND dep.objid OPERATOR(pg_catalog.=) f.objid))
        END
), enums AS (
    SELECT p.*,
           ARRAY(SELECT l FROM pg_catalog.unnest((p.d).enum_labels) WITH ORDINALITY AS u(l, n)
                 WHERE l OPERATOR(pg_catalog.=) ANY ((p.c).enum_labels) ORDER BY n)
               OPERATOR(pg_catalog.=) (p.c).enum_labels AS appended,
           ARRAY(SELECT ARRAY[cc.qname, pg_catalog.quote_ident(cc.col_name), cc.col_default]
                 FROM c cc
                 WHERE cc.kind OPERATOR(pg_catalog.=) 'column' AND cc.col_type OPERATOR(pg_catalog.=) (p.c).qname
                   AND EXISTS (SELECT FROM d dd WHERE dd.kind OPERATOR(pg_catalog.=) 'column'
                                                  AND dd.key OPERATOR(pg_catalog.=) cc.key)
                 ORDER BY cc.objid, cc.subid) AS cols
    FROM p WHERE p.both AND (p.d).kind OPERATOR(pg_catalog.=) 'type'
), steps AS (
    SELECT CASE WHEN (p.c).kind OPERATOR(pg_catalog.=) ANY ('{type,sequence,table,function,procedure}')
                     AND NOT p.both
                     -- a sequence goes with the column owning it when that is dropped
                     AND NOT EXISTS (SELECT FROM p q WHERE (q.c).kind OPERATOR(pg_catalog.=) 'column'
                                                       AND (q.c).key OPERATOR(pg_catalog.=) (p.c).col_name
                                                       AND ((q.d).kind IS NULL OR q.replaced))
                THEN 3 ELSE 1 END AS phase,
           (p.c).kord, (p.c).objid, (p.c).subid, 'drop' AS change, (p.c).label AS object,
           (p.c).drop_sql AS upgrade, (p.c).create_sql AS downgrade,
           (p.c).kind OPERATOR(pg_catalog.=) ANY ('{table,column,sequence}') AS loses_data,
           false AS downgrade_loses_data
    FROM p WHERE (p.d).kind IS NULL OR p.replaced
    UNION ALL
    SELECT 2, (p.d).kord, (p.d).objid, (p.d).subid, 'add', (p.d).label,
           (p.d).create_sql, (p.d).drop_sql,
           false, (p.d).kind OPERATOR(pg_catalog.=) ANY ('{table,column,sequence}')
    FROM p WHERE (p.c).kind IS NULL OR p.replaced
    UNION ALL
    SELECT 2, (p.d).kord, (p.d).objid, (p.d).subid, 'alter', (p.d).label,
           CASE (p.d).kind
               WHEN 'column' THEN @extschema@.mig_autogen_alter_column((p.d).qname, (p.d).col_name,
                   (p.c).col_type, (p.c).col_default, (p.c).col_notnull,
                   (p.d).col_type, (p.d).col_default, (p.d).col_notnull)
               WHEN 'sequence' THEN 'ALTER SEQUENCE ' OPERATOR(pg_catalog.||) (p.d).qname OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) (p.d).def
               ELSE (p.d).create_sql END,
           CASE (p.d).kind
               WHEN 'column' THEN @extschema@.mig_autogen_alter_column((p.d).qname, (p.d).col_name,
                   (p.d).col_type, (p.d).col_default, (p.d).col_notnull,
                   (p.c).col_type, (p.c).col_default, (p.c).col_notnull)
               WHEN 'sequence' THEN 'ALTER SEQUENCE ' OPERATOR(pg_catalog.||) (p.c).qname OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) (p.c).def
               ELSE (p.c).create_sql END,
           false, false
    FROM p WHERE p.both AND NOT p.replaced AND (p.d).kind OPERATOR(pg_catalog.<>) 'type'
    UNION ALL
    SELECT 2, (e.d).kord, (e.d).objid, (e.d).subid, 'alter', (e.d).label,
           CASE WHEN e.appended
                THEN (SELECT pg_catalog.string_agg('ALTER TYPE ' OPERATOR(pg_catalog.||) (e.d).qname
                             OPERATOR(pg_catalog.||) ' ADD VALUE ' OPERATOR(pg_catalog.||) pg_catalog.quote_literal(l)
                             OPERATOR(pg_catalog.||) CASE WHEN n OPERATOR(pg_catalog.=) 1
                                 THEN COALESCE(' BEFORE ' OPERATOR(pg_catalog.||) pg_catalog.quote_literal((e.c).enum_labels[1]), '')
                                 ELSE ' AFTER ' OPERATOR(pg_catalog.||) pg_catalog.quote_literal((e.d).enum_labels[n OPERATOR(pg_catalog.-) 1]) END,
                             E';\n' ORDER BY n)
                      FROM pg_catalog.unnest((e.d).enum_labels) WITH ORDINALITY AS u(l, n)
                      WHERE NOT l OPERATOR(pg_catalog.=) ANY ((e.c).enum_labels))
                ELSE @extschema@.mig_autogen_recreate_enum(tn.nspname, (e.d).key::name, (e.d).qname, (e.d).enum_labels, e.cols) END,
           @extschema@.mig_autogen_recreate_enum(tn.nspname, (e.c).key::name, (e.c).qname, (e.c).enum_labels, e.cols),
           NOT e.appended, true
    FROM enums e, tn
    UNION ALL
    SELECT 1, (s.c).kord, (s.c).objid, (s.c).subid, 'drop', (s.c).label,
           (s.c).drop_sql, (s.c).create_sql, false, false
    FROM same s
    WHERE EXISTS (SELECT FROM forced f WHERE f.classid OPERATOR(pg_catalog.=) (s.c).classid
                     AND f.objid OPERATOR(pg_catalog.=) (s.c).objid AND f.subid OPERATOR(pg_catalog.=) (s.c).subid)
    UNION ALL
    SELECT 2, (s.d).kord, (s.d).objid, (s.d).subid, 'add', (s.d).label,
           (s.d).create_sql, (s.d).drop_sql, false, false
    FROM same s
    WHERE EXISTS (SELECT FROM forced f WHERE f.classid OPERATOR(pg_catalog.=) (s.c).classid
                     AND f.objid OPERATOR(pg_catalog.=) (s.c).objid AND f.subid OPERATOR(pg_catalog.=) (s.c).subid)
)
SELECT s.change, s.object, s.upgrade, s.downgrade, s.loses_data, s.downgrade_loses_data
FROM steps s
ORDER BY s.phase,
         CASE WHEN s.phase OPERATOR(pg_catalog.=) 2 THEN s.kord ELSE OPERATOR(pg_catalog.-) s.kord END,
         CASE WHEN s.phase OPERATOR(pg_catalog.=) 2 THEN s.objid::bigint ELSE OPERATOR(pg_catalog.-) s.objid::bigint END,
         CASE WHEN s.phase OPERATOR(pg_catalog.=) 2 THEN s.subid ELSE OPERATOR(pg_catalog.-) s.subid END
$$;

CREATE FUNCTION mig_diff(desired text, schema name DEFAULT 'public')
RETURNS TABLE (change text, object text, upgrade text, downgrade text, loses_data boolean)
AS 'MODULE_PATHNAME', 'mig_diff'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_autogenerate(desired text, message text, schema name DEFAULT 'public',
                                 revision text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_autogenerate'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_check(desired text, schema name DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'mig_check'
LANGUAGE C VOLATILE;

-- mig_autogenerate registers a revision, as mig_revision does.
REVOKE EXECUTE ON FUNCTION mig_autogenerate(text, text, name, text) FROM PUBLIC;
