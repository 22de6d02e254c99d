-- autogenerate.sql: mig_diff, mig_autogenerate and mig_check (src/diff.c),
-- and the internal functions behind them, which compare two schemas.
-- These read only the system catalogs; their search_path is pinned to
-- pg_catalog (then pg_temp, so that no temporary table can stand in for a
-- system catalog), so every pg_get_* function qualifies the names of the
-- schemas compared; the scratch schema's name is then rewritten to the
-- target schema's.  Their comments are in comments.sql, their rights in
-- privileges.sql.

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
CREATE OR REPLACE FUNCTION mig_autogen_objects(nsp oid, as_nsp name, relids oid[] DEFAULT NULL)
RETURNS TABLE (kord int, kind text, key text, label text, qname text, objid oid, subid int,
               def text, create_sql text, drop_sql text,
               col_name text, col_type text, col_default text, col_notnull boolean,
               col_generation text, enum_labels text[], classid oid)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET datestyle = 'ISO, YMD'
    SET enable_nestloop = on
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
    -- (not "relids IS NULL OR ...": the planner, which cannot tell that
    -- relids is NULL, would count on a twentieth of the relations, and
    -- join them to others by scanning all of them for each)
    SELECT * FROM rels_all r WHERE COALESCE(r.oid = ANY (relids), true)
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
-- would cost more than running it.  Its joins are of thousands of rows of
-- CTEs, which the planner, without statistics on them, counts as a few:
-- nested loops would compare every pair, for minutes when a comparison
-- drops thousands of objects; mig_autogen_objects, whose joins are index
-- scans of the catalogs, turns them on again.)
CREATE OR REPLACE FUNCTION mig_autogen_diff(desired oid, target oid)
RETURNS TABLE (change text, object text, upgrade text, downgrade text,
               loses_data boolean, downgrade_loses_data boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp SET jit = off SET enable_nestloop = off
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

CREATE OR REPLACE FUNCTION mig_diff(desired text, schema name DEFAULT 'public')
RETURNS TABLE (change text, object text, upgrade text, downgrade text, loses_data boolean)
AS 'MODULE_PATHNAME', 'mig_diff'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION mig_autogenerate(desired text, message text, schema name DEFAULT 'public',
                                            revision text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_autogenerate'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION mig_check(desired text, schema name DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'mig_check'
LANGUAGE C VOLATILE;
