/* mig_ext--1.1--1.2.sql: who may read bodies; comments; plain SQL in the internals */

\echo Use "ALTER EXTENSION mig_ext UPDATE TO '1.2'" to load this file. \quit

-- Rights.  The reports that show no body stay open to PUBLIC; the library
-- lets a body out (mig_show, mig_upgrade_sql, mig_downgrade_sql, and the
-- functions that run or register bodies, whose errors may quote them)
-- only to a role that may SELECT from mig_revisions (src/privilege.c).
-- The internal mig_autogen_* functions are for mig_ext's own code, which
-- calls them as the catalog owner (src/diff.c).
REVOKE EXECUTE ON FUNCTION mig_autogen_map(text, name, name),
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
-- identifier that needs no quoting) rewritten to the quoted as_nsp (in C:
-- it runs for every definition compared).
CREATE OR REPLACE FUNCTION mig_autogen_map(txt text, from_nsp name, as_nsp name)
RETURNS text
LANGUAGE C IMMUTABLE STRICT
AS 'MODULE_PATHNAME', 'mig_autogen_map';

-- mig_autogen_objects: one row per comparable object of schema nsp (not
-- members of any extension), its names and definitions written as if the
-- schema were called as_nsp, and one "unsupported" row per object that
-- cannot be compared; given relids (mig_test, src/rehearse.c), only the
-- rows of those relations (a column's, a constraint's, ... with its
-- table's) and all rows of other objects.  kord orders kinds for creation
-- at the same depth;
-- col_name is the column's name for a column, the owning column
-- (table.column) for a sequence.  Dates in expressions (defaults,
-- partition bounds) are written in ISO style, which reads back the same
-- whatever the DateStyle of the session applying them.
DROP FUNCTION mig_autogen_objects(oid, name);
CREATE FUNCTION mig_autogen_objects(nsp oid, as_nsp name, relids oid[] DEFAULT NULL)
RETURNS TABLE (kord int, kind text, key text, label text, qname text, objid oid, subid int,
               def text, create_sql text, drop_sql text,
               col_name text, col_type text, col_default text, col_notnull boolean,
               col_generation text, enum_labels text[], classid oid)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET datestyle = 'ISO, YMD'
AS $$
WITH ns AS (
    SELECT n.nspname AS name, quote_ident(as_nsp) || '.' AS q
    FROM pg_namespace n WHERE n.oid = nsp
), rels_all AS (
    SELECT c.oid, c.relname, c.relkind, c.relispartition, c.relrowsecurity,
           c.relforcerowsecurity, c.relacl, c.relowner, c.relpersistence, c.reloptions,
           ns.q || quote_ident(c.relname) AS qname
    FROM pg_class c, ns
    WHERE c.relnamespace = nsp
      AND c.relkind = ANY ('{r,p,v,m,S,i,I}'::"char"[])
      AND NOT EXISTS (SELECT FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass
                        AND d.objid = c.oid AND d.objsubid = 0
                        AND d.deptype = ANY ('{e,i}'::"char"[]))
), rels AS (
    SELECT * FROM rels_all r WHERE relids IS NULL OR r.oid = ANY (relids)
), types AS (
    SELECT t.oid, t.typname, t.typtype, t.typacl, t.typowner,
           ns.q || quote_ident(t.typname) AS qname,
           ARRAY(SELECT @extschema@.mig_autogen_map(e.enumlabel, ns.name, as_nsp) FROM pg_enum e
                 WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
           @extschema@.mig_autogen_map(format_type(t.typbasetype, t.typtypmod)
             || CASE WHEN t.typcollation <> b.typcollation
                  THEN ' COLLATE ' || quote_ident(cn.nspname)
                       || '.' || quote_ident(co.collname)
                  ELSE '' END, ns.name, as_nsp) AS basetype,
           @extschema@.mig_autogen_map(pg_get_expr(t.typdefaultbin, 0), ns.name, as_nsp) AS dflt
    FROM pg_type t
    CROSS JOIN ns
    LEFT JOIN pg_type b ON b.oid = t.typbasetype
    LEFT JOIN pg_collation co ON co.oid = t.typcollation
    LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    WHERE t.typnamespace = nsp AND t.typtype = ANY ('{e,d}'::"char"[])
      AND NOT EXISTS (SELECT FROM pg_depend d
                      WHERE d.classid = 'pg_type'::regclass
                        AND d.objid = t.oid
                        AND d.deptype = 'e')
), procs AS (
    SELECT p.oid, p.prokind, p.proacl, p.proowner,
           CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END AS kw,
           quote_ident(p.proname) || '('
               || @extschema@.mig_autogen_map(pg_get_function_identity_arguments(p.oid), ns.name, as_nsp)
               || ')' AS sig,
           ns.q
    FROM pg_proc p, ns
    WHERE p.pronamespace = nsp
      AND p.prokind = ANY ('{f,p,w,a}'::"char"[])
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
           -- from PostgreSQL 18 on, a NOT NULL that is NOT VALID or NO
           -- INHERIT is a constraint of its own (see cons), not the column's
           a.attnotnull AND NOT EXISTS (
               SELECT FROM pg_constraint k
               WHERE k.conrelid = a.attrelid AND k.contype = 'n' AND k.conkey = ARRAY[a.attnum]
                 AND (NOT k.convalidated OR k.connoinherit)) AS attnotnull,
           CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY' || i.opts
                              WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' || i.opts
                ELSE CASE WHEN a.attgenerated <> ''
                          THEN ' GENERATED ALWAYS AS ('
                               || @extschema@.mig_autogen_map(pg_get_expr(ad.adbin, ad.adrelid), ns.name, as_nsp)
                               -- 'v' (virtual) from PostgreSQL 18 on
                               || CASE a.attgenerated WHEN 's' THEN ') STORED' ELSE ') VIRTUAL' END
                          ELSE '' END END AS gen
    FROM rels r
    CROSS JOIN ns
    JOIN pg_attribute a ON a.attrelid = r.oid
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
    LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid
                               AND ad.adnum = a.attnum
    -- the options of an identity column's sequence that are not the defaults
    LEFT JOIN LATERAL (
        SELECT COALESCE(' (' || NULLIF(concat_ws(' ',
                   -- its name, when not the one PostgreSQL chooses
                   CASE WHEN sq.relname <> r.relname || '_' || a.attname || '_seq'
                        THEN 'SEQUENCE NAME ' || ns.q || quote_ident(sq.relname) END,
                   CASE WHEN q.seqincrement <> 1 THEN 'INCREMENT BY ' || q.seqincrement END,
                   CASE WHEN q.seqmin <> CASE WHEN q.seqincrement > 0 THEN 1 ELSE b.lo END
                        THEN 'MINVALUE ' || q.seqmin END,
                   CASE WHEN q.seqmax <> CASE WHEN q.seqincrement > 0 THEN b.hi ELSE -1 END
                        THEN 'MAXVALUE ' || q.seqmax END,
                   CASE WHEN q.seqstart <> CASE WHEN q.seqincrement > 0 THEN q.seqmin ELSE q.seqmax END
                        THEN 'START WITH ' || q.seqstart END,
                   CASE WHEN q.seqcache <> 1 THEN 'CACHE ' || q.seqcache END,
                   CASE WHEN q.seqcycle THEN 'CYCLE' END), '') || ')', '') AS opts
        FROM pg_depend d
        JOIN pg_sequence q ON q.seqrelid = d.objid
        JOIN pg_class sq ON sq.oid = q.seqrelid
        CROSS JOIN LATERAL (
            SELECT CASE q.seqtypid WHEN 'int2'::regtype THEN -32768
                                   WHEN 'int4'::regtype THEN -2147483648
                                   ELSE -9223372036854775808 END AS lo,
                   CASE q.seqtypid WHEN 'int2'::regtype THEN 32767
                                   WHEN 'int4'::regtype THEN 2147483647
                                   ELSE 9223372036854775807 END AS hi) b
        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
          AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'i') i
        ON a.attidentity <> ''
    WHERE r.relkind = ANY ('{r,p}'::"char"[]) AND NOT r.relispartition
      AND a.attnum > 0 AND NOT a.attisdropped
), coldefs AS (
    SELECT c.*, quote_ident(c.attname) || ' ' || c.typ
             || c.gen
             || COALESCE(' DEFAULT ' || c.dflt, '')
             || CASE WHEN c.attnotnull THEN ' NOT NULL' ELSE '' END AS coldef
    FROM cols c
), owned AS (
    SELECT s.oid, s.relname, s.qname, r.oid AS relid, a.attnum,
           r.qname || '.' || quote_ident(a.attname) AS owner_col,
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
    WHERE r.relkind = ANY ('{r,p}'::"char"[])
      AND k.conislocal AND k.conparentid = 0
      -- a constraint trigger is listed as a trigger
      AND k.contype <> 't'
      -- NOT NULL (contype 'n' from PostgreSQL 18 on) is the column's
      -- attnotnull, written with the column, unless NOT VALID or NO INHERIT
      AND (k.contype <> 'n' OR NOT k.convalidated OR k.connoinherit)
), domcons AS (
    SELECT k.oid, t.typname, t.qname, k.conname,
           @extschema@.mig_autogen_map(pg_get_constraintdef(k.oid), ns.name, as_nsp) AS def
    FROM pg_constraint k
    JOIN types t ON t.oid = k.contypid
    CROSS JOIN ns
    -- a domain's NOT NULL (a constraint row from PostgreSQL 17 on) is its
    -- typnotnull, written with the domain
    WHERE k.contype <> 'n'
), pols AS (
    SELECT y.oid, r.oid AS relid, r.relname, r.qname, y.polname,
           'CREATE POLICY ' || quote_ident(y.polname) || ' ON ' || r.qname
           || CASE WHEN y.polpermissive THEN '' ELSE ' AS RESTRICTIVE' END
           || ' FOR ' || CASE y.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'
                                       WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END
           || ' TO ' || (SELECT string_agg(CASE WHEN u.role = 0 THEN 'PUBLIC'
                                                ELSE quote_ident(pg_get_userbyid(u.role)) END,
                                           ', ' ORDER BY 1)
                         FROM unnest(y.polroles) AS u(role))
           || COALESCE(' USING (' || @extschema@.mig_autogen_map(pg_get_expr(y.polqual, y.polrelid), ns.name, as_nsp) || ')', '')
           || COALESCE(' WITH CHECK (' || @extschema@.mig_autogen_map(pg_get_expr(y.polwithcheck, y.polrelid), ns.name, as_nsp) || ')', '')
               AS def
    FROM pg_policy y
    JOIN rels r ON r.oid = y.polrelid
    CROSS JOIN ns
), descr AS (
    SELECT CASE r.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                          WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                          ELSE 'index' END AS kw,
           r.relname::text AS key, r.qname AS target, r.oid, 0 AS subid,
           'pg_class'::regclass::oid AS classid
    FROM rels r
    UNION ALL
    SELECT 'column', c.relname || '.' || c.attname,
           c.qname || '.' || quote_ident(c.attname), c.oid, c.attnum,
           'pg_class'::regclass
    FROM cols c
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, t.typname::text, t.qname,
           t.oid, 0, 'pg_type'::regclass
    FROM types t
    UNION ALL
    SELECT 'constraint', 'domain ' || k.typname || '.' || k.conname,
           quote_ident(k.conname) || ' ON DOMAIN ' || k.qname, k.oid, 0,
           'pg_constraint'::regclass
    FROM domcons k
    UNION ALL
    SELECT 'policy', k.relname || '.' || k.polname,
           quote_ident(k.polname) || ' ON ' || k.qname, k.oid, 0, 'pg_policy'::regclass
    FROM pols k
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
    WHERE NOT g.tgisinternal AND g.tgparentid = 0
), acls AS (
    -- privileges granted (or, revoked, those of the default privileges
    -- revoked) on the schema's objects, but the owner's own
    SELECT o.kw, o.key, o.target, o.oid, o.classid, a.grantee, a.is_grantable, a.revoked,
           string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) AS privs
    FROM (SELECT CASE WHEN r.relkind = 'S' THEN 'sequence' ELSE 'table' END AS kw,
                 r.relname::text AS key, r.qname AS target, r.oid,
                 'pg_class'::regclass::oid AS classid,
                 COALESCE(r.relacl, x.dflt) AS acl, x.dflt, r.relowner AS owner
          FROM rels r
          CROSS JOIN LATERAL (SELECT acldefault(CASE WHEN r.relkind = 'S' THEN 's' ELSE 'r' END::"char",
                                                r.relowner) AS dflt) x
          WHERE r.relkind <> ALL ('{i,I}'::"char"[])
          UNION ALL
          SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, t.typname::text, t.qname,
                 t.oid, 'pg_type'::regclass, COALESCE(t.typacl, acldefault('T', t.typowner)),
                 acldefault('T', t.typowner), t.typowner
          FROM types t
          UNION ALL
          SELECT CASE p.kw WHEN 'function' THEN 'function' ELSE 'routine' END, p.sig, p.q || p.sig,
                 p.oid, 'pg_proc'::regclass, COALESCE(p.proacl, acldefault('f', p.proowner)),
                 acldefault('f', p.proowner), p.proowner
          FROM procs p) o
    CROSS JOIN LATERAL (
        SELECT *, false AS revoked
        FROM (SELECT x.grantee, x.privilege_type, x.is_grantable FROM aclexplode(o.acl) x
              EXCEPT
              SELECT x.grantee, x.privilege_type, x.is_grantable FROM aclexplode(o.dflt) x) g
        UNION ALL
        SELECT *, true
        FROM (SELECT x.grantee, x.privilege_type, x.is_grantable FROM aclexplode(o.dflt) x
              EXCEPT
              SELECT x.grantee, x.privilege_type, x.is_grantable FROM aclexplode(o.acl) x) r) a
    WHERE a.grantee <> o.owner
    GROUP BY o.kw, o.key, o.target, o.oid, o.classid, a.grantee, a.is_grantable, a.revoked
), colopts AS (
    -- the settings of a column (of a table, materialized view or index)
    -- other than the defaults: statistics target, storage, compression and
    -- attribute options
    SELECT r.oid, r.relname, r.qname, a.attnum, a.attname, r.relkind,
           CASE WHEN r.relkind = ANY ('{i,I}'::"char"[]) THEN 'ALTER INDEX '
                WHEN r.relkind = 'm' THEN 'ALTER MATERIALIZED VIEW '
                ELSE 'ALTER TABLE ONLY ' END || r.qname AS alter_rel,
           CASE WHEN r.relkind = ANY ('{i,I}'::"char"[]) THEN a.attnum::text
                ELSE quote_ident(a.attname) END AS col,
           NULLIF(COALESCE(a.attstattarget::int, -1), -1) AS stat,
           CASE WHEN a.attstorage <> t.typstorage AND r.relkind <> ALL ('{i,I}'::"char"[])
                THEN a.attstorage END AS storage,
           t.typstorage,
           CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' END AS compression,
           x.attoptions
    FROM rels r
    JOIN pg_attribute a ON a.attrelid = r.oid
    JOIN pg_type t ON t.oid = a.atttypid
    -- (minor releases keep an attribute version of their own among them)
    CROSS JOIN LATERAL (SELECT NULLIF(ARRAY(SELECT o FROM unnest(a.attoptions) AS o
                                            WHERE o NOT LIKE 'pg\_attver=%'), '{}') AS attoptions) x
    WHERE r.relkind = ANY ('{r,p,m,i,I}'::"char"[]) AND a.attnum > 0 AND NOT a.attisdropped
      AND (COALESCE(a.attstattarget::int, -1) <> -1 OR x.attoptions IS NOT NULL
           OR (a.attstorage <> t.typstorage AND r.relkind <> ALL ('{i,I}'::"char"[]))
           OR a.attcompression = ANY ('{p,l}'::"char"[]))
), unsupported AS (
    -- objects mig_diff cannot compare: refused rather than skipped
    SELECT 'inheritance of table ' || r.qname AS what FROM rels_all r
    WHERE NOT r.relispartition
      AND EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = r.oid)
    UNION ALL
    SELECT 'typed table ' || r.qname FROM rels_all r JOIN pg_class c ON c.oid = r.oid
    WHERE c.reloftype <> 0
    UNION ALL
    SELECT 'partition ' || r.qname || ' of a table in another schema' FROM rels_all r
    JOIN pg_inherits i ON i.inhrelid = r.oid
    WHERE r.relispartition AND NOT EXISTS (SELECT FROM rels_all pr WHERE pr.oid = i.inhparent)
    UNION ALL
    SELECT 'column settings of partition ' || r.qname || ' other than its parent''s'
    FROM rels_all r
    JOIN pg_inherits i ON i.inhrelid = r.oid
    WHERE r.relispartition AND r.relkind = ANY ('{r,p}'::"char"[])
      AND EXISTS (SELECT FROM pg_attribute a
                  JOIN pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname
                  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                  LEFT JOIN pg_attrdef pad ON pad.adrelid = pa.attrelid AND pad.adnum = pa.attnum
                  WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND (a.attnotnull <> pa.attnotnull
                         OR pg_get_expr(ad.adbin, ad.adrelid) IS DISTINCT FROM pg_get_expr(pad.adbin, pad.adrelid)
                         OR EXISTS (SELECT FROM pg_description c
                                    WHERE c.classoid = 'pg_class'::regclass AND c.objoid = r.oid
                                      AND c.objsubid = a.attnum)))
    UNION ALL
    SELECT 'rule ' || quote_ident(w.rulename) || ' on ' || r.qname
    FROM pg_rewrite w JOIN rels_all r ON r.oid = w.ev_class
    WHERE w.rulename <> '_RETURN'
    UNION ALL
    SELECT 'replica identity of table ' || r.qname FROM rels_all r JOIN pg_class c ON c.oid = r.oid
    WHERE r.relkind = ANY ('{r,p}'::"char"[]) AND c.relreplident <> 'd'
    UNION ALL
    SELECT 'access method ' || quote_ident(m.amname) || ' of ' || r.qname FROM rels_all r
    JOIN pg_class c ON c.oid = r.oid JOIN pg_am m ON m.oid = c.relam
    WHERE r.relkind = ANY ('{r,m}'::"char"[]) AND m.amname <> 'heap'
    UNION ALL
    SELECT 'tablespace of ' || r.qname FROM rels_all r JOIN pg_class c ON c.oid = r.oid
    WHERE c.reltablespace <> 0
    UNION ALL
    SELECT 'storage parameters of the TOAST table of ' || r.qname FROM rels_all r
    JOIN pg_class c ON c.oid = r.oid JOIN pg_class t ON t.oid = c.reltoastrelid
    WHERE t.reloptions IS NOT NULL
    UNION ALL
    SELECT 'security label on ' || @extschema@.mig_autogen_map(pg_describe_object(l.classoid, l.objoid, l.objsubid), ns.name, as_nsp)
    FROM pg_seclabel l CROSS JOIN ns
    WHERE (pg_identify_object(l.classoid, l.objoid, l.objsubid)).schema = ns.name
    UNION ALL
    SELECT 'privileges on columns of ' || r.qname FROM rels_all r
    WHERE EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attacl IS NOT NULL)
    UNION ALL
    SELECT CASE WHEN g.aggkind <> 'n' THEN 'ordered-set aggregate '
                ELSE 'aggregate with a sort operator ' END || p.q || p.sig
    FROM procs p
    JOIN pg_aggregate g ON g.aggfnoid = p.oid
    WHERE g.aggkind <> 'n' OR g.aggsortop <> 0
    UNION ALL
    -- what else the schema holds, as pg_depend records it
    SELECT CASE t.typtype WHEN 'b' THEN 'base ' WHEN 'c' THEN 'composite ' WHEN 'r' THEN 'range ' ELSE '' END
           || @extschema@.mig_autogen_map(pg_describe_object(d.classid, d.objid, 0), ns.name, as_nsp)
    FROM pg_depend d
    CROSS JOIN ns
    LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
    LEFT JOIN pg_type t ON d.classid = 'pg_type'::regclass AND t.oid = d.objid
    WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = nsp
      AND (d.classid = ANY ('{pg_operator,pg_opclass,pg_opfamily,pg_collation,pg_conversion,pg_statistic_ext,pg_ts_config,pg_ts_dict,pg_ts_parser,pg_ts_template}'::regclass[])
           OR c.relkind = 'f'
           OR (t.typtype = ANY ('{b,c,r}'::"char"[]) AND t.typelem = 0))
      -- members of extensions are not compared
      AND NOT EXISTS (SELECT FROM pg_depend e
                      WHERE e.classid = d.classid AND e.objid = d.objid AND e.deptype = 'e')
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
FROM types t WHERE t.typtype = 'e'
UNION ALL
SELECT 12, 'domain', t.typname::text, 'domain ' || t.qname, t.qname, t.oid, 0,
       t.basetype || COALESCE(' DEFAULT ' || t.dflt, '')
           || CASE WHEN d.typnotnull THEN ' NOT NULL' ELSE '' END,
       'CREATE DOMAIN ' || t.qname || ' AS ' || t.basetype
           || COALESCE(' DEFAULT ' || t.dflt, '')
           || CASE WHEN d.typnotnull THEN ' NOT NULL' ELSE '' END,
       'DROP DOMAIN ' || t.qname,
       NULL, t.basetype, t.dflt, d.typnotnull, NULL, NULL, 'pg_type'::regclass
FROM types t JOIN pg_type d ON d.oid = t.oid
WHERE t.typtype = 'd'
UNION ALL
SELECT 14, 'domain constraint', k.typname || '.' || k.conname,
       'constraint ' || quote_ident(k.conname) || ' on domain ' || k.qname,
       k.qname, k.oid, 0, k.def,
       'ALTER DOMAIN ' || k.qname || ' ADD CONSTRAINT ' || quote_ident(k.conname) || ' ' || k.def,
       'ALTER DOMAIN ' || k.qname || ' DROP CONSTRAINT ' || quote_ident(k.conname),
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_constraint'::regclass
FROM domcons k
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
SELECT CASE WHEN r.relispartition THEN 35 ELSE 30 END, 'table', r.relname::text,
       'table ' || r.qname, r.qname, r.oid, 0, 'table' || pt.part,
       'CREATE ' || CASE WHEN r.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END
           || 'TABLE ' || r.qname
           || CASE WHEN r.relispartition THEN '' ELSE ' ('
               || COALESCE(E'\n    ' || tc.coldefs || E'\n', '') || ')' END
           || pt.part
           || COALESCE(' WITH (' || array_to_string(r.reloptions, ', ') || ')', ''),
       'DROP TABLE ' || r.qname,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_class'::regclass
FROM rels r CROSS JOIN ns
LEFT JOIN (SELECT c.oid, string_agg(c.coldef, E',\n    ' ORDER BY c.attnum) AS coldefs
           FROM coldefs c GROUP BY c.oid) tc ON tc.oid = r.oid
CROSS JOIN LATERAL (
    SELECT COALESCE(' PARTITION OF ' || pr.qname || ' '
                    || @extschema@.mig_autogen_map(pg_get_expr(c.relpartbound, c.oid), ns.name, as_nsp), '')
           || COALESCE(' PARTITION BY '
                       || @extschema@.mig_autogen_map(pg_get_partkeydef(c.oid), ns.name, as_nsp), '')
               AS part
    FROM pg_class c
    LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
    LEFT JOIN rels pr ON pr.oid = i.inhparent
    WHERE c.oid = r.oid) pt
WHERE r.relkind = ANY ('{r,p}'::"char"[])
UNION ALL
-- UNLOGGED and storage parameters of a table kept (those of a table
-- created or dropped come with it)
SELECT 38, 'table options', r.relname::text, 'options of table ' || r.qname, r.qname, r.oid, 0,
       concat_ws(', ', CASE WHEN r.relpersistence = 'u' THEN 'unlogged' END,
                 array_to_string(r.reloptions, ', ')),
       'ALTER TABLE ' || r.qname || ' '
           || concat_ws(', ', CASE WHEN r.relpersistence = 'u' THEN 'SET UNLOGGED' END,
                        'SET (' || array_to_string(r.reloptions, ', ') || ')'),
       'ALTER TABLE ' || r.qname || ' '
           || concat_ws(', ', CASE WHEN r.relpersistence = 'u' THEN 'SET LOGGED' END,
                        'RESET (' || (SELECT string_agg(split_part(o, '=', 1), ', ')
                                      FROM unnest(r.reloptions) AS o) || ')'),
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_class'::regclass
FROM rels r
WHERE r.relkind = 'r' AND (r.relpersistence = 'u' OR r.reloptions IS NOT NULL)
UNION ALL
SELECT 40, 'column', c.relname || '.' || c.attname,
       'column ' || c.qname || '.' || quote_ident(c.attname),
       c.qname, c.oid, c.attnum, c.coldef,
       'ALTER TABLE ' || c.qname || ' ADD COLUMN ' || c.coldef,
       'ALTER TABLE ' || c.qname || ' DROP COLUMN ' || quote_ident(c.attname),
       c.attname::text, c.typ, c.dflt, c.attnotnull, c.gen, NULL, 'pg_class'::regclass
FROM coldefs c
UNION ALL
SELECT CASE WHEN o.relkind = ANY ('{i,I}'::"char"[]) THEN 72 WHEN o.relkind = 'm' THEN 96 ELSE 42 END,
       'column options', o.relname || '.' || o.attname,
       'settings of column ' || o.qname || '.' || o.col, o.qname, o.oid, o.attnum,
       concat_ws(', ', 'statistics ' || o.stat, 'storage ' || w.storage,
                 'compression ' || o.compression, 'options ' || array_to_string(o.attoptions, ', ')),
       o.alter_rel || concat_ws(',',
           w.ac || ' SET STATISTICS ' || o.stat,
           w.ac || ' SET STORAGE ' || w.storage,
           w.ac || ' SET COMPRESSION ' || o.compression,
           w.ac || ' SET (' || array_to_string(o.attoptions, ', ') || ')'),
       o.alter_rel || concat_ws(',',
           CASE WHEN o.stat IS NOT NULL THEN w.ac || ' SET STATISTICS -1' END,
           CASE WHEN o.storage IS NOT NULL THEN w.ac || ' SET STORAGE ' || w.typstorage END,
           CASE WHEN o.compression IS NOT NULL THEN w.ac || ' SET COMPRESSION DEFAULT' END,
           w.ac || ' RESET (' || (SELECT string_agg(split_part(x, '=', 1), ', ')
                                  FROM unnest(o.attoptions) AS x) || ')'),
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_class'::regclass
FROM colopts o
CROSS JOIN LATERAL (
    SELECT CASE o.storage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN'
                          WHEN 'x' THEN 'EXTENDED' END AS storage,
           CASE o.typstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN'
                             ELSE 'EXTENDED' END AS typstorage,
           ' ALTER COLUMN ' || o.col AS ac) w
UNION ALL
-- (ordered with the owning column)
SELECT 45, 'sequence owner', o.relname::text, 'owner of sequence ' || o.qname, o.qname,
       o.relid, o.attnum, o.owner_col,
       'ALTER SEQUENCE ' || o.qname || ' OWNED BY ' || o.owner_col,
       'ALTER SEQUENCE ' || o.qname || ' OWNED BY NONE',
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_class'::regclass
FROM owned o
UNION ALL
SELECT 50, p.kw, p.sig, p.kw || ' ' || p.q || p.sig, p.q || p.sig, p.oid, 0, f.def,
       -- bodies are checked when the desired schema is built, and may
       -- refer to functions created later (as in pg_dump's output)
       E'SET LOCAL check_function_bodies = off;\n' || rtrim(f.def, E'\n'),
       'DROP ' || upper(p.kw) || ' ' || p.q || p.sig,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_proc'::regclass
FROM procs p CROSS JOIN ns
CROSS JOIN LATERAL (SELECT @extschema@.mig_autogen_map(pg_get_functiondef(p.oid), ns.name, as_nsp) AS def) f
WHERE p.prokind <> 'a'
UNION ALL
SELECT 55, 'aggregate', p.sig, 'aggregate ' || p.q || p.sig, p.q || p.sig, p.oid, 0, a.def,
       'CREATE AGGREGATE ' || p.q || p.sig || ' (' || a.def || ')',
       'DROP AGGREGATE ' || p.q || p.sig,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_proc'::regclass
FROM procs p CROSS JOIN ns
JOIN pg_aggregate g ON g.aggfnoid = p.oid AND g.aggkind = 'n' AND g.aggsortop = 0
CROSS JOIN LATERAL (
    SELECT @extschema@.mig_autogen_map(concat_ws(', ',
               'SFUNC = ' || g.aggtransfn::regproc,
               'STYPE = ' || format_type(g.aggtranstype, NULL),
               'SSPACE = ' || NULLIF(g.aggtransspace, 0),
               'FINALFUNC = ' || NULLIF(g.aggfinalfn, 0)::regproc,
               CASE WHEN g.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
               CASE WHEN g.aggfinalfn <> 0 AND g.aggfinalmodify <> 'r'
                    THEN 'FINALFUNC_MODIFY = '
                         || CASE g.aggfinalmodify WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
               'COMBINEFUNC = ' || NULLIF(g.aggcombinefn, 0)::regproc,
               'SERIALFUNC = ' || NULLIF(g.aggserialfn, 0)::regproc,
               'DESERIALFUNC = ' || NULLIF(g.aggdeserialfn, 0)::regproc,
               'INITCOND = ' || quote_literal(g.agginitval),
               'MSFUNC = ' || NULLIF(g.aggmtransfn, 0)::regproc,
               'MINVFUNC = ' || NULLIF(g.aggminvtransfn, 0)::regproc,
               'MSTYPE = ' || format_type(NULLIF(g.aggmtranstype, 0), NULL),
               'MSSPACE = ' || NULLIF(g.aggmtransspace, 0),
               'MFINALFUNC = ' || NULLIF(g.aggmfinalfn, 0)::regproc,
               CASE WHEN g.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,
               'MINITCOND = ' || quote_literal(g.aggminitval),
               CASE pr.proparallel WHEN 's' THEN 'PARALLEL = SAFE'
                                   WHEN 'r' THEN 'PARALLEL = RESTRICTED' END),
               ns.name, as_nsp) AS def
    FROM pg_proc pr WHERE pr.oid = p.oid) a
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
SELECT CASE t.relkind WHEN 'm' THEN 95 ELSE 70 END, 'index', r.relname::text,
       'index ' || r.qname, r.qname, r.oid, 0, x.def, x.def,
       -- (an index attached to its table's parent's goes with either)
       CASE WHEN r.relispartition THEN '-- ' ELSE '' END || 'DROP INDEX ' || r.qname,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_class'::regclass
FROM rels r
JOIN pg_index i ON i.indexrelid = r.oid
JOIN rels t ON t.oid = i.indrelid
CROSS JOIN ns
-- an index on a partitioned table is created on its partitions too,
-- attaching those of their indexes that match it
CROSS JOIN LATERAL (SELECT replace(@extschema@.mig_autogen_map(pg_get_indexdef(r.oid), ns.name, as_nsp),
                                   ' ON ONLY ', ' ON ') AS def) x
WHERE NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = r.oid
                     AND k.contype = ANY ('{p,u,x}'::"char"[]))
UNION ALL
SELECT CASE t.relkind WHEN 'm' THEN 97 ELSE 75 END, 'cluster', t.relname::text,
       'cluster index of ' || t.qname, t.qname, r.oid, 0, r.relname::text,
       'ALTER ' || CASE t.relkind WHEN 'm' THEN 'MATERIALIZED VIEW ' ELSE 'TABLE ' END
           || t.qname || ' CLUSTER ON ' || quote_ident(r.relname),
       'ALTER ' || CASE t.relkind WHEN 'm' THEN 'MATERIALIZED VIEW ' ELSE 'TABLE ' END
           || t.qname || ' SET WITHOUT CLUSTER',
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_class'::regclass
FROM pg_index i
JOIN pg_class r ON r.oid = i.indexrelid
JOIN rels t ON t.oid = i.indrelid
WHERE i.indisclustered
UNION ALL
SELECT 76, 'row security', r.relname::text, 'row-level security of ' || r.qname, r.qname, r.oid, 0,
       CASE WHEN r.relrowsecurity THEN 'enable' ELSE 'disable' END
           || CASE WHEN r.relforcerowsecurity THEN ', force' ELSE '' END,
       'ALTER TABLE ' || r.qname
           || CASE WHEN r.relrowsecurity THEN ' ENABLE' ELSE ' DISABLE' END || ' ROW LEVEL SECURITY, '
           || CASE WHEN r.relforcerowsecurity THEN 'FORCE' ELSE 'NO FORCE' END || ' ROW LEVEL SECURITY',
       'ALTER TABLE ' || r.qname || ' DISABLE ROW LEVEL SECURITY, NO FORCE ROW LEVEL SECURITY',
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_class'::regclass
FROM rels r
WHERE r.relrowsecurity OR r.relforcerowsecurity
UNION ALL
SELECT 77, 'policy', k.relname || '.' || k.polname,
       'policy ' || quote_ident(k.polname) || ' on ' || k.qname, k.qname, k.oid, 0, k.def, k.def,
       'DROP POLICY ' || quote_ident(k.polname) || ' ON ' || k.qname,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_policy'::regclass
FROM pols k
UNION ALL
SELECT 90, CASE r.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END, r.relname::text,
       CASE r.relkind WHEN 'v' THEN 'view ' ELSE 'materialized view ' END || r.qname,
       r.qname, r.oid, 0, v.def,
       CASE r.relkind WHEN 'v' THEN 'CREATE VIEW ' ELSE 'CREATE MATERIALIZED VIEW ' END
           || r.qname || v.def,
       CASE r.relkind WHEN 'v' THEN 'DROP VIEW ' ELSE 'DROP MATERIALIZED VIEW ' END || r.qname,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_class'::regclass
FROM rels r CROSS JOIN ns
JOIN pg_class c ON c.oid = r.oid
-- options (security_barrier, check_option, ...), then the query
CROSS JOIN LATERAL (SELECT COALESCE(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '')
                           || E' AS\n' || rtrim(@extschema@.mig_autogen_map(pg_get_viewdef(r.oid), ns.name, as_nsp), ';')
                               AS def) v
WHERE r.relkind = ANY ('{v,m}'::"char"[])
UNION ALL
SELECT 100, 'trigger', r.relname || '.' || g.tgname,
       'trigger ' || quote_ident(g.tgname) || ' on ' || r.qname,
       r.qname, g.oid, 0, t.def || COALESCE(E';\n' || t.state, ''),
       t.def || COALESCE(E';\n' || t.state, ''),
       'DROP TRIGGER ' || quote_ident(g.tgname) || ' ON ' || r.qname,
       NULL, NULL, NULL, NULL, NULL, NULL, 'pg_trigger'::regclass
FROM pg_trigger g
JOIN rels r ON r.oid = g.tgrelid
CROSS JOIN ns
-- the definition, and the statement firing it otherwise than by default
CROSS JOIN LATERAL (
    SELECT @extschema@.mig_autogen_map(pg_get_triggerdef(g.oid), ns.name, as_nsp) AS def,
           'ALTER TABLE ' || r.qname
           || CASE g.tgenabled WHEN 'D' THEN ' DISABLE' WHEN 'R' THEN ' ENABLE REPLICA'
                               WHEN 'A' THEN ' ENABLE ALWAYS' END
           || ' TRIGGER ' || quote_ident(g.tgname) AS state) t
WHERE NOT g.tgisinternal AND g.tgparentid = 0
UNION ALL
SELECT 110, 'comment', o.kw || ' ' || o.key,
       'comment on ' || o.kw || ' ' || o.target,
       o.target, o.oid, o.subid, m.description,
       'COMMENT ON ' || upper(o.kw) || ' ' || o.target
           || ' IS ' || quote_literal(m.description),
       'COMMENT ON ' || upper(o.kw) || ' ' || o.target
           || ' IS NULL',
       NULL, NULL, NULL, NULL, NULL, NULL, o.classid
FROM descr o
CROSS JOIN ns
JOIN pg_description d ON d.objoid = o.oid
                         AND d.objsubid = o.subid
                         AND d.classoid = o.classid
CROSS JOIN LATERAL (SELECT @extschema@.mig_autogen_map(d.description, ns.name, as_nsp) AS description) m
UNION ALL
SELECT 120, 'grant',
       concat_ws(' ', o.kw, o.key, o.grantee, o.is_grantable, o.revoked),
       CASE WHEN o.revoked THEN 'revoke' ELSE 'grant' END || ' on ' || o.kw || ' ' || o.target
           || CASE WHEN o.revoked THEN ' from ' ELSE ' to ' END || g.name
           || CASE WHEN o.is_grantable THEN ' with grant option' ELSE '' END,
       o.target, o.oid, 0, o.privs, g.grant_sql, g.revoke_sql,
       NULL, NULL, NULL, NULL, NULL, NULL, o.classid
FROM acls o
CROSS JOIN LATERAL (SELECT CASE WHEN o.grantee = 0 THEN 'PUBLIC'
                                ELSE quote_ident(pg_get_userbyid(o.grantee)) END AS name) n
CROSS JOIN LATERAL (
    SELECT n.name,
           'GRANT ' || o.privs || ' ON ' || upper(o.kw) || ' ' || o.target || ' TO ' || n.name
               || CASE WHEN o.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END AS g_sql,
           'REVOKE ' || CASE WHEN o.is_grantable THEN 'GRANT OPTION FOR ' ELSE '' END
               || o.privs || ' ON ' || upper(o.kw) || ' ' || o.target || ' FROM ' || n.name AS r_sql) s
CROSS JOIN LATERAL (
    SELECT s.name,
           CASE WHEN o.revoked THEN s.r_sql ELSE s.g_sql END AS grant_sql,
           CASE WHEN o.revoked THEN s.g_sql ELSE s.r_sql END AS revoke_sql) g
UNION ALL
SELECT 0, 'unsupported', u.what, u.what, NULL, NULL, 0, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM unsupported u
$$;
REVOKE EXECUTE ON FUNCTION mig_autogen_objects(oid, name, oid[]) FROM PUBLIC;

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

-- mig_autogen_change_column: the statements (separated by ";\n") that
-- take column col of qrel from one type, default, nullability and
-- generation (as mig_autogen_objects writes it, neither a generated
-- expression) to another: an identity dropped first, then the ALTER TABLE
-- of mig_autogen_alter_column, then an identity added or switched.
CREATE OR REPLACE FUNCTION mig_autogen_change_column(qrel text, col text,
        from_type text, from_default text, from_notnull boolean, from_gen text,
        to_type text, to_default text, to_notnull boolean, to_gen text)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
SELECT concat_ws(E';\n',
    CASE WHEN f.kind IS NOT NULL AND t.kind IS NULL THEN a.q || ' DROP IDENTITY' END,
    CASE WHEN (from_type, from_default, from_notnull) IS DISTINCT FROM (to_type, to_default, to_notnull)
         THEN @extschema@.mig_autogen_alter_column(qrel, col, from_type, from_default, from_notnull,
                                                   to_type, to_default, to_notnull) END,
    CASE WHEN t.kind IS NOT NULL AND f.kind IS NULL THEN a.q || ' ADD' || to_gen
         WHEN t.kind <> f.kind THEN a.q || ' SET GENERATED ' || t.kind END)
FROM (SELECT 'ALTER TABLE ' || qrel || ' ALTER COLUMN ' || quote_ident(col) AS q) a,
     (SELECT substring(from_gen FROM '^ GENERATED (.*) AS IDENTITY') AS kind) f,
     (SELECT substring(to_gen FROM '^ GENERATED (.*) AS IDENTITY') AS kind) t
$$;
REVOKE EXECUTE ON FUNCTION mig_autogen_change_column(text, text, text, text, boolean, text,
                                                     text, text, boolean, text) FROM PUBLIC;

-- mig_autogen_alter_domain: the ALTER DOMAIN statements (separated by
-- ";\n") that take domain qdom from one default and nullability to
-- another.
CREATE OR REPLACE FUNCTION mig_autogen_alter_domain(qdom text, from_default text, from_notnull boolean,
                                                    to_default text, to_notnull boolean)
RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
SELECT concat_ws(E';\n',
    CASE WHEN from_default IS DISTINCT FROM to_default
         THEN 'ALTER DOMAIN ' || qdom || COALESCE(' SET DEFAULT ' || to_default, ' DROP DEFAULT') END,
    CASE WHEN from_notnull <> to_notnull
         THEN 'ALTER DOMAIN ' || qdom || CASE WHEN to_notnull THEN ' SET NOT NULL' ELSE ' DROP NOT NULL' END END)
$$;
REVOKE EXECUTE ON FUNCTION mig_autogen_alter_domain(text, text, boolean, text, boolean) FROM PUBLIC;

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
-- schema desired, in apply order: drops of dependent objects, then
-- additions and alterations, then drops of types, domains, sequences,
-- tables and functions.  Creation order is by depth in the pg_depend
-- graph of the desired schema's objects (then by kind), drop order the
-- reverse of it in the target schema's.  Unchanged objects depending on a
-- replaced one are dropped and created again too.  Objects that cannot be
-- compared, and changes that cannot be generated, come first as
-- "unsupported" rows, which mig_diff refuses.  Downgrading applies the
-- downgrade statements in the reverse order.  (JIT compiling this query
-- would cost more than running it.)
CREATE OR REPLACE FUNCTION mig_autogen_diff(desired oid, target oid)
RETURNS TABLE (change text, object text, upgrade text, downgrade text,
               loses_data boolean, downgrade_loses_data boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off
AS $$
WITH RECURSIVE tn AS (
    SELECT n.nspname FROM pg_namespace n WHERE n.oid = target
), d_all AS (
    SELECT o.* FROM tn, @extschema@.mig_autogen_objects(desired, tn.nspname) o
), c_all AS (
    SELECT o.* FROM tn, @extschema@.mig_autogen_objects(target, tn.nspname) o
), d AS (
    SELECT * FROM d_all WHERE kind <> 'unsupported'
), c AS (
    SELECT * FROM c_all WHERE kind <> 'unsupported'
), p AS (
    SELECT d, c, d.kind IS NOT NULL AND c.kind IS NOT NULL AS both,
           d.kind IS NOT NULL AND c.kind IS NOT NULL
           AND (d.kind = ANY ('{constraint,foreign key,domain constraint,index,view,materialized view,trigger,policy,grant,aggregate,table options,column options}')
                -- a generated column's expression cannot be altered, and
                -- a serial column's sequence holds its identity's name
                OR (d.col_generation IS DISTINCT FROM c.col_generation
                    AND (d.col_generation ~ ' (STORED|VIRTUAL)$' OR c.col_generation ~ ' (STORED|VIRTUAL)$'
                         OR (d.col_generation LIKE '% AS IDENTITY%' AND c.col_default LIKE 'nextval(%')
                         OR (c.col_generation LIKE '% AS IDENTITY%' AND d.col_default LIKE 'nextval(%')))) IS TRUE
               AS replaced
    FROM d FULL JOIN c ON c.kind = d.kind AND c.key = d.key
    WHERE d.def IS DISTINCT FROM c.def
      -- columns and options of tables added or dropped come with their table
      AND (COALESCE(d.kind, c.kind) <> ALL ('{column,table options}')
           OR (EXISTS (SELECT FROM d t WHERE t.kind = 'table'
                                          AND t.qname = COALESCE(d.qname, c.qname))
               AND EXISTS (SELECT FROM c t WHERE t.kind = 'table'
                                             AND t.qname = COALESCE(d.qname, c.qname))))
), same AS (
    -- unchanged objects that may have to be dropped and created again
    SELECT d, c
    FROM d JOIN c ON c.kind = d.kind AND c.key = d.key
    WHERE d.def = c.def
      AND c.kind = ANY ('{constraint,foreign key,index,trigger,view,materialized view,policy,comment,cluster,grant,column options}')
), forced (classid, objid, subid, views_only) AS (
    -- objects dropped and created again (replaced), and those depending on
    -- them in the target schema; a column changing type forces the views
    -- using it (and their dependents) only
    SELECT (p.c).classid, (p.c).objid, (p.c).subid, false FROM p
    WHERE p.replaced AND (p.c).kind <> 'column options'
    UNION
    -- an index attached to a partitioned table's index cannot be dropped
    -- or created on its own: the parent index is created again, after it
    SELECT (s.c).classid, (s.c).objid, (s.c).subid, false FROM same s
    WHERE (s.c).kind = 'index'
      AND EXISTS (SELECT FROM p JOIN pg_inherits i ON i.inhrelid = COALESCE((p.d).objid, (p.c).objid)
                  WHERE COALESCE((p.d).kind, (p.c).kind) = 'index' AND (NOT p.both OR p.replaced)
                    AND i.inhparent = CASE WHEN (p.d).kind IS NULL THEN (s.c).objid
                                           ELSE (s.d).objid END)
    UNION
    SELECT (p.c).classid, (p.c).objid, (p.c).subid, true FROM p
    WHERE p.both AND (p.c).kind = 'column'
      AND (p.c).col_type <> (p.d).col_type
    UNION
    SELECT (s.c).classid, (s.c).objid, (s.c).subid, false
    FROM forced f JOIN same s ON
        CASE WHEN (s.c).kind = ANY ('{comment,cluster,grant,column options}')
             THEN NOT f.views_only AND (s.c).classid = f.classid
                  AND (s.c).objid = f.objid
                  AND ((s.c).subid = f.subid OR ((s.c).kind = 'column options' AND f.subid = 0))
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
), nodes AS (
    SELECT DISTINCT o.classid, o.objid FROM d_all o WHERE o.classid IS NOT NULL
    UNION
    SELECT DISTINCT o.classid, o.objid FROM c_all o WHERE o.classid IS NOT NULL
), members (classid, objid, nclass, nid) AS (
    -- the catalog entries standing for each object listed: itself, a
    -- view's rule, a table's defaults, a relation's row type, a type's
    -- array type, the index of a key
    SELECT n.classid, n.objid, n.classid, n.objid FROM nodes n
    UNION ALL
    SELECT 'pg_rewrite'::regclass, w.oid, n.classid, n.objid
    FROM nodes n JOIN pg_rewrite w ON n.classid = 'pg_class'::regclass AND w.ev_class = n.objid
    UNION ALL
    SELECT 'pg_attrdef'::regclass, a.oid, n.classid, n.objid
    FROM nodes n JOIN pg_attrdef a ON n.classid = 'pg_class'::regclass AND a.adrelid = n.objid
    UNION ALL
    SELECT 'pg_type'::regclass, r.reltype, n.classid, n.objid
    FROM nodes n JOIN pg_class r ON n.classid = 'pg_class'::regclass AND r.oid = n.objid
    WHERE r.reltype <> 0
    UNION ALL
    SELECT 'pg_type'::regclass, t.typarray, n.classid, n.objid
    FROM nodes n JOIN pg_type t ON n.classid = 'pg_type'::regclass AND t.oid = n.objid
    WHERE t.typarray <> 0
    UNION ALL
    SELECT 'pg_class'::regclass, k.conindid, n.classid, n.objid
    FROM nodes n JOIN pg_constraint k ON n.classid = 'pg_constraint'::regclass AND k.oid = n.objid
    WHERE k.contype = ANY ('{p,u,x}'::"char"[])
), edges AS (
    -- object (nclass, nid) depends on object (rclass, rid), from pg_depend
    SELECT DISTINCT m.nclass, m.nid, r.nclass AS rclass, r.nid AS rid
    FROM pg_depend dep
    JOIN members m ON m.classid = dep.classid AND m.objid = dep.objid
    JOIN members r ON r.classid = dep.refclassid AND r.objid = dep.refobjid
    WHERE dep.deptype = ANY ('{n,a,i}'::"char"[])
      AND (m.nclass, m.nid) <> (r.nclass, r.nid)
      -- a sequence comes before the table whose column owns it
      AND NOT (dep.deptype = 'a' AND dep.classid = 'pg_class'::regclass
               AND dep.refclassid = 'pg_class'::regclass AND dep.refobjsubid > 0
               AND EXISTS (SELECT FROM pg_class q WHERE q.oid = dep.objid AND q.relkind = 'S'))
    UNION
    -- a partitioned table's index comes after the indexes of its
    -- partitions, which its creation attaches (keeping their names)
    SELECT 'pg_class'::regclass, i.inhparent, 'pg_class'::regclass, i.inhrelid
    FROM pg_inherits i
    JOIN nodes n ON n.classid = 'pg_class'::regclass AND n.objid = i.inhrelid
    JOIN pg_class x ON x.oid = i.inhrelid AND x.relkind = ANY ('{i,I}'::"char"[])
), depth (classid, objid, n) AS (
    -- how far each object is from those depending on nothing listed
    SELECT n.classid, n.objid, 0 FROM nodes n
    UNION
    SELECT e.nclass, e.nid, dp.n + 1
    FROM depth dp JOIN edges e ON e.rclass = dp.classid AND e.rid = dp.objid
    WHERE dp.n < 100
), depths AS (
    SELECT dp.classid, dp.objid, max(dp.n) AS n FROM depth dp GROUP BY dp.classid, dp.objid
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
), late (classid, objid) AS (
    -- objects dropped after the additions and alterations: types, domains,
    -- sequences, tables and functions, which what is altered may still
    -- use, and the dropped objects they depend on
    SELECT (p.c).classid, (p.c).objid FROM p
    WHERE (p.d).kind IS NULL
      AND (p.c).kind = ANY ('{type,domain,sequence,table,function,procedure}')
      -- a sequence goes with the column owning it when that is dropped
      AND NOT EXISTS (SELECT FROM p q WHERE (q.c).kind = 'column'
                                        AND (q.c).key = (p.c).col_name
                                        AND ((q.d).kind IS NULL OR q.replaced))
    UNION
    SELECT (p.c).classid, (p.c).objid
    FROM late l
    JOIN edges e ON e.nclass = l.classid AND e.nid = l.objid
    JOIN p ON (p.c).classid = e.rclass AND (p.c).objid = e.rid
    WHERE (p.d).kind IS NULL
), steps AS (
    SELECT CASE WHEN (p.d).kind IS NULL
                     AND EXISTS (SELECT FROM late l WHERE l.classid = (p.c).classid
                                                      AND l.objid = (p.c).objid)
                THEN 3 ELSE 1 END AS phase,
           (p.c).kord, (p.c).classid, (p.c).objid, (p.c).subid, 'drop' AS change, (p.c).label AS object,
           (p.c).drop_sql AS upgrade, (p.c).create_sql AS downgrade,
           (p.c).kind = ANY ('{table,column,sequence}') AS loses_data,
           false AS downgrade_loses_data
    FROM p WHERE (p.d).kind IS NULL OR p.replaced
    UNION ALL
    SELECT 2, (p.d).kord, (p.d).classid, (p.d).objid, (p.d).subid, 'add', (p.d).label,
           (p.d).create_sql, (p.d).drop_sql,
           false, (p.d).kind = ANY ('{table,column,sequence}')
    FROM p WHERE (p.c).kind IS NULL OR p.replaced
    UNION ALL
    SELECT 2, (p.d).kord, (p.d).classid, (p.d).objid, (p.d).subid, 'alter', (p.d).label,
           CASE (p.d).kind
               WHEN 'column' THEN @extschema@.mig_autogen_change_column((p.d).qname, (p.d).col_name,
                   (p.c).col_type, (p.c).col_default, (p.c).col_notnull, (p.c).col_generation,
                   (p.d).col_type, (p.d).col_default, (p.d).col_notnull, (p.d).col_generation)
               WHEN 'sequence' THEN 'ALTER SEQUENCE ' || (p.d).qname || ' ' || (p.d).def
               ELSE (p.d).create_sql END,
           CASE (p.d).kind
               WHEN 'column' THEN @extschema@.mig_autogen_change_column((p.d).qname, (p.d).col_name,
                   (p.d).col_type, (p.d).col_default, (p.d).col_notnull, (p.d).col_generation,
                   (p.c).col_type, (p.c).col_default, (p.c).col_notnull, (p.c).col_generation)
               WHEN 'sequence' THEN 'ALTER SEQUENCE ' || (p.c).qname || ' ' || (p.c).def
               ELSE (p.c).create_sql END,
           false, false
    FROM p WHERE p.both AND NOT p.replaced AND (p.d).kind <> ALL ('{type,domain,table}')
    UNION ALL
    SELECT 2, (p.d).kord, (p.d).classid, (p.d).objid, (p.d).subid, 'alter', (p.d).label,
           @extschema@.mig_autogen_alter_domain((p.d).qname, (p.c).col_default, (p.c).col_notnull,
                                                (p.d).col_default, (p.d).col_notnull),
           @extschema@.mig_autogen_alter_domain((p.d).qname, (p.d).col_default, (p.d).col_notnull,
                                                (p.c).col_default, (p.c).col_notnull),
           false, false
    FROM p WHERE p.both AND (p.d).kind = 'domain' AND (p.d).col_type = (p.c).col_type
    UNION ALL
    -- what cannot be compared, or changed by a generated statement
    SELECT 0, 0, NULL, 0, 0, 'unsupported', u.label, NULL, NULL, false, false
    FROM (SELECT o.label FROM d_all o WHERE o.kind = 'unsupported'
          UNION
          SELECT o.label FROM c_all o WHERE o.kind = 'unsupported'
          UNION
          SELECT 'change of the partitioning of ' || (p.d).label FROM p
          WHERE p.both AND (p.d).kind = 'table'
          UNION
          SELECT 'change of the identity options of ' || (p.d).label FROM p
          WHERE p.both AND (p.d).kind = 'column'
            AND (p.d).col_generation LIKE '% AS IDENTITY%'
            AND (p.c).col_generation LIKE '% AS IDENTITY%'
            AND substring((p.d).col_generation FROM 'AS IDENTITY(.*)$')
                <> substring((p.c).col_generation FROM 'AS IDENTITY(.*)$')
          UNION
          SELECT 'change of the base type of ' || (p.d).label FROM p
          WHERE p.both AND (p.d).kind = 'domain' AND (p.d).col_type <> (p.c).col_type) u
    UNION ALL
    SELECT 2, (e.d).kord, (e.d).classid, (e.d).objid, (e.d).subid, 'alter', (e.d).label,
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
    SELECT 1, (s.c).kord, (s.c).classid, (s.c).objid, (s.c).subid, 'drop', (s.c).label,
           (s.c).drop_sql, (s.c).create_sql, false, false
    FROM same s
    WHERE EXISTS (SELECT FROM forced f WHERE f.classid = (s.c).classid
                     AND f.objid = (s.c).objid AND f.subid = (s.c).subid)
    UNION ALL
    SELECT 2, (s.d).kord, (s.d).classid, (s.d).objid, (s.d).subid, 'add', (s.d).label,
           (s.d).create_sql, (s.d).drop_sql, false, false
    FROM same s
    WHERE EXISTS (SELECT FROM forced f WHERE f.classid = (s.c).classid
                     AND f.objid = (s.c).objid AND f.subid = (s.c).subid)
)
SELECT s.change, s.object, s.upgrade, s.downgrade, s.loses_data, s.downgrade_loses_data
FROM steps s
LEFT JOIN depths dp ON dp.classid = s.classid AND dp.objid = s.objid
ORDER BY s.phase,
         CASE WHEN s.phase = 2 THEN dp.n ELSE - dp.n END,
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
COMMENT ON FUNCTION mig_autogen_objects(oid, name, oid[]) IS
    'internal to mig_diff: the comparable objects of a schema and their definitions';
COMMENT ON FUNCTION mig_autogen_alter_column(text, text, text, text, boolean, text, text, boolean) IS
    'internal to mig_diff: the ALTER TABLE that changes one column';
COMMENT ON FUNCTION mig_autogen_change_column(text, text, text, text, boolean, text, text, text, boolean, text) IS
    'internal to mig_diff: the statements that change a column, its identity included';
COMMENT ON FUNCTION mig_autogen_alter_domain(text, text, boolean, text, boolean) IS
    'internal to mig_diff: the ALTER DOMAIN statements that change a domain';
COMMENT ON FUNCTION mig_autogen_recreate_enum(name, name, text, text[], text[]) IS
    'internal to mig_diff: the statements that rebuild an enum type';
COMMENT ON FUNCTION mig_autogen_diff(oid, oid) IS
    'internal to mig_diff: the changes between two schemas, in apply order';

-- Production deploys (issue 13): non-transactional revisions and CALL mig_deploy.
-- Existing revisions stay transactional.
ALTER TABLE mig_revisions ADD COLUMN transactional boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN mig_revisions.transactional IS
    'false: each statement of the bodies runs on its own, outside a transaction block (CALL mig_deploy only)';

-- Revisions that must never be applied together with this one (Sqitch's
-- conflicts): an upgrade that would leave both applied is refused.
ALTER TABLE mig_revisions ADD COLUMN conflicts text[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN mig_revisions.conflicts IS
    'ids of revisions never to be applied together with this one';

-- Verify bodies (Sqitch's verify scripts): statements that fail unless the
-- upgrade is really there, run after it and by mig_verify.
ALTER TABLE mig_revisions ADD COLUMN verify text;
COMMENT ON COLUMN mig_revisions.verify IS
    'statements run after the upgrade that raise an error unless it is really there; NULL: none';

-- Repeatable revisions (Flyway's R__ migrations): outside the graph, run
-- again after an upgrade reaching the heads whenever their upgrade changed.
ALTER TABLE mig_revisions ADD COLUMN repeatable boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN mig_revisions.repeatable IS
    'true: no parents; runs again after an upgrade that reaches the heads whenever its upgrade changed';

-- mig_revision gains the arguments transactional, conflicts, verify and
-- repeatable; mig_history the columns transactional and repeatable; mig_show
-- and mig_plan the column transactional.  Each is created again; the rights
-- granted or revoked on the old one carry over.
DO $$
DECLARE
    f record;
    acl aclitem[];
    owner pg_catalog.oid;
    grantee pg_catalog.oid;
BEGIN
    FOR f IN SELECT * FROM (VALUES
        ('mig_revision(text, text, text, text, text[], text[], text[])',
         'mig_revision(text, text, text, text, text[], text[], text[], boolean, text[], text, boolean)',
         $f$CREATE FUNCTION mig_revision(message text, upgrade text, downgrade text DEFAULT NULL,
                                     revision text DEFAULT NULL, down_revision text[] DEFAULT NULL,
                                     branch_labels text[] DEFAULT NULL, depends_on text[] DEFAULT NULL,
                                     transactional boolean DEFAULT true, conflicts text[] DEFAULT NULL,
                                     verify text DEFAULT NULL, repeatable boolean DEFAULT false)
            RETURNS text
            AS 'MODULE_PATHNAME', 'mig_revision'
            LANGUAGE C VOLATILE$f$),
        ('mig_history(text)', 'mig_history(text)',
         $f$CREATE FUNCTION mig_history(range text DEFAULT NULL)
            RETURNS TABLE (revision text, down_revisions text[], message text, branch_labels text[],
                           depends_on text[], is_head boolean, is_effective_head boolean, is_base boolean,
                           is_branch_point boolean, is_merge_point boolean, is_current boolean,
                           applied_at timestamptz, transactional boolean, repeatable boolean)
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
COMMENT ON FUNCTION mig_revision(text, text, text, text, text[], text[], text[], boolean, text[], text, boolean) IS
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

-- Testing migrations before a deploy (issue 15): both run the upgrade for
-- real inside a subtransaction that is always rolled back.
CREATE FUNCTION mig_test(target text DEFAULT 'heads')
RETURNS TABLE (revision text, "check" text, ok boolean, detail text)
AS 'MODULE_PATHNAME', 'mig_test'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_rehearse(target text DEFAULT 'head')
RETURNS TABLE (step int, revision text, direction text, duration interval,
               locks text[], rewrites text[], detail text, advice text)
AS 'MODULE_PATHNAME', 'mig_rehearse'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_verify(target text DEFAULT 'heads')
RETURNS TABLE (revision text, ok boolean, detail text)
AS 'MODULE_PATHNAME', 'mig_verify'
LANGUAGE C VOLATILE;

REVOKE EXECUTE ON FUNCTION mig_test(text), mig_rehearse(text), mig_verify(text) FROM PUBLIC;

COMMENT ON FUNCTION mig_test(text) IS
    'upgrade, downgrade and upgrade again each revision up to a target, compare the schemas, roll everything back; one row per check';
COMMENT ON FUNCTION mig_verify(text) IS
    'run the verify body of each applied revision up to a target, rolled back; one row per revision';
COMMENT ON FUNCTION mig_rehearse(text) IS
    'run the upgrade to a target and roll it back; per step the locks taken, the storage rewritten, the time and what to do instead';

-- batch import of revision files (issue 14)
CREATE FUNCTION mig_import(scripts text[], filenames text[] DEFAULT NULL)
RETURNS text[]
AS 'MODULE_PATHNAME', 'mig_import_batch'
LANGUAGE C VOLATILE;

REVOKE EXECUTE ON FUNCTION mig_import(text[], text[]) FROM PUBLIC;

COMMENT ON FUNCTION mig_import(text[], text[]) IS
    'register the revisions that revision files describe, in any order given; returns their ids in the order registered';

-- Schema drift: every DDL command run outside mig_ext, recorded by two
-- event triggers (mig_ext.record_drift = off stops them, superusers only);
-- mig_validate reports what ran since the last step, mig_drift lists it, and
-- an upgrade warns about it (mig_ext.on_drift = warn), refuses (refuse) or
-- says nothing (ignore).
CREATE TABLE mig_drift_log (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    role_name           name NOT NULL,
    session_user_name   name NOT NULL,
    command_tag         text NOT NULL,
    object_type         text,
    object_identity     text,
    statement           text
);
COMMENT ON TABLE mig_drift_log IS 'mig_ext: DDL commands run outside mig_ext (schema drift)';
COMMENT ON SEQUENCE mig_drift_log_id_seq IS 'mig_ext: ids of mig_drift_log rows';
SELECT pg_catalog.pg_extension_config_dump('mig_drift_log', '');
SELECT pg_catalog.pg_extension_config_dump('mig_drift_log_id_seq', '');
REVOKE ALL ON mig_drift_log FROM PUBLIC;

CREATE FUNCTION mig_drift_record()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'mig_drift_record'
LANGUAGE C;
COMMENT ON FUNCTION mig_drift_record() IS
    'internal to the event triggers mig_drift_ddl and mig_drift_drop: records DDL run outside mig_ext';
CREATE EVENT TRIGGER mig_drift_ddl ON ddl_command_end EXECUTE FUNCTION mig_drift_record();
CREATE EVENT TRIGGER mig_drift_drop ON sql_drop EXECUTE FUNCTION mig_drift_record();
COMMENT ON EVENT TRIGGER mig_drift_ddl IS 'mig_ext: records DDL run outside mig_ext in mig_drift_log';
COMMENT ON EVENT TRIGGER mig_drift_drop IS 'mig_ext: records drops run outside mig_ext in mig_drift_log';

CREATE FUNCTION mig_drift(since_last_step boolean DEFAULT false)
RETURNS TABLE (at timestamptz, role_name name, session_user_name name, command_tag text,
               object_type text, object_identity text, statement text)
AS 'MODULE_PATHNAME', 'mig_drift'
LANGUAGE C STABLE;
COMMENT ON FUNCTION mig_drift(boolean) IS
    'the DDL commands run outside mig_ext (since the last step), oldest first';

-- ==== expand/contract ====
-- Zero-downtime changes (doc/expand-contract.md): the operations a revision
-- body calls (mig_op_*) record themselves in mig_expand_ops and run their
-- expand half under CALL mig_start, their contract half under CALL
-- mig_complete; under mig_upgrade they run both at once.  The lifecycle
-- (lock, plan, record, batches) is in src/expand.c; the DDL of each half is
-- built here, run with the caller's rights.

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
COMMENT ON TABLE mig_expand_ops IS 'mig_ext: the operations (mig_op_*) each revision''s upgrade ran, in order';

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
COMMENT ON TABLE mig_expand_state IS 'mig_ext: the revisions started by mig_start (completed_at NULL: started, not completed)';
SELECT pg_catalog.pg_extension_config_dump('mig_expand_ops', '');
SELECT pg_catalog.pg_extension_config_dump('mig_expand_state', '');
REVOKE ALL ON mig_expand_ops, mig_expand_state FROM PUBLIC;

-- mig_log also records the other halves of a started revision.
ALTER TABLE mig_log DROP CONSTRAINT mig_log_direction_check;
ALTER TABLE mig_log ADD CONSTRAINT mig_log_direction_check
    CHECK (direction IN ('upgrade', 'downgrade', 'stamp', 'backfill', 'complete'));

CREATE FUNCTION mig_op_context(fname text)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_op_context'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION mig_op_context(text) IS
    'internal to the operations: how the running body runs them (start, full, undo); refuses outside a body';

CREATE FUNCTION mig_op_record(o mig_expand_ops)
RETURNS void
AS 'MODULE_PATHNAME', 'mig_op_record'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION mig_op_record(mig_expand_ops) IS
    'internal to the operations: records an operation of the running revision';

CREATE FUNCTION mig_op_forget()
RETURNS void
AS 'MODULE_PATHNAME', 'mig_op_forget'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION mig_op_forget() IS
    'internal to mig_op_undo: forgets the operations of the running revision';

CREATE FUNCTION mig_expand_ops_of(revision text DEFAULT NULL)
RETURNS SETOF mig_expand_ops
AS 'MODULE_PATHNAME', 'mig_expand_ops_of'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION mig_expand_ops_of(text) IS
    'internal to the operations: the operations of a revision (NULL: the running one), in order';

-- The operation of kind on table tab, checked against the operations the
-- revision ran before it (one schema; nothing after a rename or drop of the
-- table; one operation per column).
CREATE FUNCTION mig_expand_new_op(kind text, tab regclass, column_name name)
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
COMMENT ON FUNCTION mig_expand_new_op(text, regclass, name) IS
    'internal to the operations: a new operation of the running revision, checked';

-- Refuses a column that an index or a constraint other than NOT NULL uses
-- (what the shadow column of an operation could not carry over).
CREATE FUNCTION mig_expand_check_unused(tab regclass, col name, what text)
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
COMMENT ON FUNCTION mig_expand_check_unused(regclass, name, text) IS
    'internal to the operations: refuses a column an index or constraint uses';

-- The qualified table of operation o, quoted.
CREATE FUNCTION mig_expand_qtable(o mig_expand_ops)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT pg_catalog.format('%I.%I', o.table_schema, o.table_name) $$;
COMMENT ON FUNCTION mig_expand_qtable(mig_expand_ops) IS 'internal to the operations: the table, quoted';

-- The name of the NOT NULL check an operation adds for its column.
CREATE FUNCTION mig_expand_nn_name(o mig_expand_ops)
RETURNS name
LANGUAGE sql IMMUTABLE AS $$ SELECT pg_catalog.left('_mig_nn_' || o.column_name, 63)::name $$;
COMMENT ON FUNCTION mig_expand_nn_name(mig_expand_ops) IS 'internal to the operations: the name of a NOT NULL check';

-- The index operation o builds concurrently under mig_start, or NULL.
CREATE FUNCTION mig_expand_index_sql(o mig_expand_ops, concurrent boolean)
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
COMMENT ON FUNCTION mig_expand_index_sql(mig_expand_ops, boolean) IS
    'internal to the operations: the index an operation builds, or NULL';

-- The assignments that fill operation o's new column from the old shape
-- (an UPDATE's SET list), or NULL.
CREATE FUNCTION mig_expand_set_sql(o mig_expand_ops)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE
    WHEN o.kind = 'alter_column' THEN pg_catalog.format('%I = (%s)', o.shadow_name, o.up_expr)
    WHEN o.kind = 'add_column' AND o.up_expr IS NOT NULL THEN
        pg_catalog.format('%1$I = coalesce(%1$I, (%2$s))', o.column_name, o.up_expr)
    END
$$;
COMMENT ON FUNCTION mig_expand_set_sql(mig_expand_ops) IS
    'internal to the operations: the assignments that backfill an operation''s new column';

-- The VALIDATE statements of operation o's contract half.
CREATE FUNCTION mig_expand_validate_sql(o mig_expand_ops)
RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
SELECT pg_catalog.format('ALTER TABLE %s VALIDATE CONSTRAINT %I', @extschema@.mig_expand_qtable(o), c)
  FROM pg_catalog.unnest(ARRAY[
         CASE WHEN o.kind IN ('add_column', 'alter_column') AND o.not_null AND o.shadow_name IS NOT NULL
                   AND NOT (o.kind = 'add_column' AND o.definition IS NOT NULL)
              THEN @extschema@.mig_expand_nn_name(o) END,
         CASE WHEN o.kind = 'alter_column' AND o.check_expr IS NOT NULL
              THEN pg_catalog.left(o.table_name || '_' || o.column_name || '_check', 63) END,
         CASE WHEN o.kind IN ('add_foreign_key', 'add_check') THEN o.new_name END]) AS c
 WHERE c IS NOT NULL
$$;
COMMENT ON FUNCTION mig_expand_validate_sql(mig_expand_ops) IS
    'internal to the operations: the constraints an operation validates before its contract half';

-- The statements of one half of operation o: expand, contract, undo (of
-- the expand half, mig_rollback), inverse (of both, mig_downgrade), or, for
-- an alter_column run at once, 'in place'.
CREATE FUNCTION mig_expand_half(o mig_expand_ops, half text)
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
COMMENT ON FUNCTION mig_expand_half(mig_expand_ops, text) IS
    'internal to the operations: the statements of one half of an operation';

-- Runs one half of operation o.
CREATE FUNCTION mig_expand_exec(o mig_expand_ops, half text)
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
COMMENT ON FUNCTION mig_expand_exec(mig_expand_ops, text) IS
    'internal to the operations: runs one half of an operation';

-- Runs operation o as its body asks (mode from mig_op_context): under
-- mig_start its expand half (its index built later, concurrently); else
-- both halves and the backfill at once (an alter_column in place); then
-- records it.
CREATE FUNCTION mig_expand_run(o mig_expand_ops, mode text)
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
COMMENT ON FUNCTION mig_expand_run(mig_expand_ops, text) IS
    'internal to the operations: runs an operation as its body asks and records it';

-- The column list of the view of table tab in the version schema of
-- revision rev: the new shape, each column under its new name; with
-- as_vars, PL/pgSQL declarations of variables named after the new shape's
-- columns, holding the row's values (new_shape false: the old shape's).
CREATE FUNCTION mig_expand_shape(rev text, tab regclass, new_shape boolean, as_vars boolean)
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
COMMENT ON FUNCTION mig_expand_shape(text, regclass, boolean, boolean) IS
    'internal to mig_start: the columns of a table in the new or old shape';

-- After the body of revision rev ran its expand halves under mig_start:
-- the version schema vs of views over every table of schema base, showing
-- the new shape, with the tables' grants; and on each table whose columns
-- need it, a trigger keeping the old and new shapes in sync.
CREATE FUNCTION mig_expand_finish(rev text, base name, vs name)
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
                   ELSE pg_catalog.format('IF NEW.%1$I IS NULL THEN NEW.%1$I := (%2$s); END IF;', o.column_name, o.up_expr)
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
COMMENT ON FUNCTION mig_expand_finish(text, name, name) IS
    'internal to mig_start: the version schema of a started revision and the triggers keeping both shapes in sync';

-- The backfill of revision rev: per table, the UPDATE of a range of pages
-- ($1 to $2, excluded), the table's number of pages now, and how many
-- pages hold about batch_size rows.
CREATE FUNCTION mig_expand_backfill_sql(rev text, batch_size integer)
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
COMMENT ON FUNCTION mig_expand_backfill_sql(text, integer) IS
    'internal to mig_start: the backfill of a started revision, per table';

-- The statements of the concurrent index builds and of the VALIDATEs of
-- revision rev, in order.
CREATE FUNCTION mig_expand_index_list(rev text)
RETURNS TABLE (index_name text, table_name text, statement text)
LANGUAGE sql STABLE AS $$
SELECT pg_catalog.format('%I.%I', o.table_schema, o.new_name), pg_catalog.format('%I.%I', o.table_schema, o.table_name),
       @extschema@.mig_expand_index_sql(o, true)
  FROM @extschema@.mig_expand_ops_of(rev) o
 WHERE @extschema@.mig_expand_index_sql(o, true) IS NOT NULL
 ORDER BY o.op
$$;
COMMENT ON FUNCTION mig_expand_index_list(text) IS
    'internal to mig_start: the indexes a started revision builds concurrently';

CREATE FUNCTION mig_expand_validate_list(rev text)
RETURNS SETOF text
LANGUAGE sql STABLE AS $$
SELECT @extschema@.mig_expand_validate_sql(o) FROM @extschema@.mig_expand_ops_of(rev) o ORDER BY o.op
$$;
COMMENT ON FUNCTION mig_expand_validate_list(text) IS
    'internal to mig_complete: the constraints a started revision validates';

-- The statements of the contract halves of revision rev (its constraints
-- validated): the old version schema prev (NULL: none) and the sync
-- triggers of version schema vs go first.
CREATE FUNCTION mig_expand_contract_sql(rev text, vs name, prev name)
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
COMMENT ON FUNCTION mig_expand_contract_sql(text, name, name) IS
    'internal to mig_complete and mig_rehearse: the statements of the contract halves of a started revision';

-- Runs the contract halves of revision rev, quietly.
CREATE FUNCTION mig_expand_contract(rev text, vs name, prev name)
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
COMMENT ON FUNCTION mig_expand_contract(text, name, name) IS
    'internal to mig_complete: the contract halves of a started revision';

-- The statements that drop the sync triggers of version schema vs with
-- their functions.
CREATE FUNCTION mig_expand_sync_drops(vs name)
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
COMMENT ON FUNCTION mig_expand_sync_drops(name) IS
    'internal to mig_complete and mig_rollback: the statements dropping the triggers that keep both shapes in sync';

-- Undoes the expand halves of revision rev (mig_rollback), quietly: the version
-- schema vs, then each operation's additions, last first.
CREATE FUNCTION mig_expand_undo(rev text, vs name)
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
COMMENT ON FUNCTION mig_expand_undo(text, name) IS
    'internal to mig_rollback: undoes the expand halves of a started revision';

CREATE FUNCTION mig_op_add_column(tab regclass, column_definition text, backfill text DEFAULT NULL)
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
COMMENT ON FUNCTION mig_op_add_column(regclass, text, text) IS
    'in a revision body: add a column (name type [DEFAULT ...] [NOT NULL]), filled by backfill for existing rows and the old application';

CREATE FUNCTION mig_op_rename_column(tab regclass, column_name name, new_name name)
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
COMMENT ON FUNCTION mig_op_rename_column(regclass, name, name) IS
    'in a revision body: rename a column (the new version''s view shows the new name until mig_complete renames it)';

CREATE FUNCTION mig_op_alter_column(tab regclass, column_name name, type text DEFAULT NULL,
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
COMMENT ON FUNCTION mig_op_alter_column(regclass, name, text, text, text, boolean, text, text, boolean) IS
    'in a revision body: change a column''s type, NOT NULL, check, default or uniqueness through a shadow column kept in sync by up and down';

CREATE FUNCTION mig_op_drop_column(tab regclass, column_name name, down text DEFAULT NULL)
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
COMMENT ON FUNCTION mig_op_drop_column(regclass, name, text) IS
    'in a revision body: drop a column (hidden from the new version; down fills it for the new application''s inserts)';

CREATE FUNCTION mig_op_rename_table(tab regclass, new_name name)
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
COMMENT ON FUNCTION mig_op_rename_table(regclass, name) IS
    'in a revision body: rename a table (the new version''s view has the new name until mig_complete renames it)';

CREATE FUNCTION mig_op_drop_table(tab regclass)
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
COMMENT ON FUNCTION mig_op_drop_table(regclass) IS
    'in a revision body: drop a table (no view of it in the new version; dropped by mig_complete)';

CREATE FUNCTION mig_op_create_index(tab regclass, index_name name, definition text)
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
COMMENT ON FUNCTION mig_op_create_index(regclass, name, text) IS
    'in a revision body: create an index (concurrently under mig_start); definition: [USING method] (columns) [INCLUDE ...] [WHERE ...]';

CREATE FUNCTION mig_op_add_foreign_key(tab regclass, constraint_name name, columns name[], ref_table regclass,
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
COMMENT ON FUNCTION mig_op_add_foreign_key(regclass, name, name[], regclass, name[], text) IS
    'in a revision body: add a foreign key, NOT VALID until mig_complete validates it';

CREATE FUNCTION mig_op_add_check(tab regclass, constraint_name name, check_expr text)
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
COMMENT ON FUNCTION mig_op_add_check(regclass, name, text) IS
    'in a revision body: add a check constraint, NOT VALID until mig_complete validates it';

-- In a downgrade body: the inverse of each operation the upgrade recorded,
-- last first (under mig_rollback, which undoes the expand halves itself,
-- nothing).
CREATE FUNCTION mig_op_undo()
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
COMMENT ON FUNCTION mig_op_undo() IS
    'in a downgrade body: run the inverse of each operation the revision''s upgrade ran, last first';

CREATE PROCEDURE mig_start(target text DEFAULT 'head', batch_size integer DEFAULT 1000,
                           lock_timeout interval DEFAULT NULL, max_retries integer DEFAULT 0)
AS 'MODULE_PATHNAME', 'mig_start'
LANGUAGE C;
COMMENT ON PROCEDURE mig_start(text, integer, interval, integer) IS
    'upgrade to a target and start its last revision: the expand halves of its operations, its version schema, the backfill; outside a transaction block only';

CREATE PROCEDURE mig_complete(lock_timeout interval DEFAULT NULL, max_retries integer DEFAULT 0)
AS 'MODULE_PATHNAME', 'mig_complete'
LANGUAGE C;
COMMENT ON PROCEDURE mig_complete(interval, integer) IS
    'complete the started revision: the contract halves of its operations, the old version schema dropped; outside a transaction block only';

CREATE PROCEDURE mig_rollback(lock_timeout interval DEFAULT NULL, max_retries integer DEFAULT 0)
AS 'MODULE_PATHNAME', 'mig_rollback'
LANGUAGE C;
COMMENT ON PROCEDURE mig_rollback(interval, integer) IS
    'undo the started revision: its version schema and what its expand halves added dropped, its downgrade run; outside a transaction block only';

REVOKE EXECUTE ON PROCEDURE mig_start(text, integer, interval, integer), mig_complete(interval, integer),
    mig_rollback(interval, integer) FROM PUBLIC;
