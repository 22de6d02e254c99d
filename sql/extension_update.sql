-- ALTER EXTENSION mig_ext UPDATE from the install script of 1.0 (to 1.2,
-- through 1.1): registered revisions, version rows and log are kept, and
-- 1.1's index of the branch labels arrives.  Registration behaves the same
-- with and without it.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mig_ext CASCADE;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE EXTENSION mig_ext VERSION '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'mig_ext';
SELECT mig_revision('first', 'CREATE TABLE upd_t (id int)', 'DROP TABLE upd_t',
                    revision => 'u1', down_revision => '{}', branch_labels => '{trunk}');
SELECT mig_revision('second', 'INSERT INTO upd_t VALUES (1)', 'DELETE FROM upd_t',
                    revision => 'u2', down_revision => '{u1}');
-- 1.0 has no index on the labels: a clash is found all the same
SELECT mig_revision('clash', 'SELECT 1', revision => 'u3', down_revision => '{u2}',
                    branch_labels => '{trunk}');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('head');
-- before 1.2, the library refuses a non-transactional revision file
SELECT mig_import(E'-- mig:revision: n1\n-- mig:down_revisions: u2\n-- mig:transactional: false\n-- mig:upgrade\nVACUUM upd_t\n');
-- and conflicts
SELECT mig_import(E'-- mig:revision: n1\n-- mig:down_revisions: u2\n-- mig:conflicts: u1\n-- mig:upgrade\nSELECT 1\n');
-- a grant on mig_revision survives its new transactional argument
CREATE ROLE regress_mig_registrar;
GRANT EXECUTE ON FUNCTION mig_revision(text, text, text, text, text[], text[], text[])
    TO regress_mig_registrar;

ALTER EXTENSION mig_ext UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'mig_ext';
SELECT has_function_privilege('regress_mig_registrar',
    'mig_revision(text, text, text, text, text[], text[], text[], boolean, text[], text, boolean)', 'EXECUTE');
REVOKE EXECUTE ON FUNCTION mig_revision(text, text, text, text, text[], text[], text[], boolean, text[], text, boolean)
    FROM regress_mig_registrar;
-- (from 17 on the update's grant is an initial privilege of the extension)
DROP OWNED BY regress_mig_registrar;
DROP ROLE regress_mig_registrar;
-- the revisions registered before stay transactional
SELECT revision, transactional FROM mig_revisions ORDER BY seq;
SELECT indexdef FROM pg_indexes
WHERE tablename = 'mig_revisions' AND indexname = 'mig_revisions_branch_labels';
SELECT revision, down_revisions, branch_labels FROM mig_revisions ORDER BY seq;
SELECT revision FROM mig_current();
SELECT revision, direction FROM mig_log ORDER BY id;
SELECT * FROM upd_t;
-- registration after the update: the clash, then a revision on the label
SELECT mig_revision('clash', 'SELECT 1', revision => 'u3', down_revision => '{u2}',
                    branch_labels => '{trunk}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('third', 'INSERT INTO upd_t VALUES (3)', 'DELETE FROM upd_t WHERE id = 3',
                    revision => 'u3', down_revision => '{trunk@head}');
SELECT revision, down_revisions FROM mig_revisions WHERE revision = 'u3';
SELECT revision, direction FROM mig_upgrade('head');
SELECT * FROM upd_t ORDER BY id;
SELECT revision, direction FROM mig_downgrade('base');
SELECT count(*) FROM pg_class WHERE relname = 'upd_t';
DROP EXTENSION mig_ext CASCADE;

-- An install created at 1.0 and updated to 1.1, then to 1.2, has what a
-- fresh install of 1.2 has (the one built from the same sources, but for
-- its start and its rights): the same members, definitions, columns,
-- constraints, indexes, sequences, event triggers, rights (initial ones
-- too), comments and tables dumped.  Each aspect is one row per object.
CREATE FUNCTION ext_snapshot()
RETURNS TABLE (object text, aspect text, value text)
LANGUAGE sql AS $$
WITH m AS (
    SELECT d.classid, d.objid, pg_describe_object(d.classid, d.objid, 0) AS object
    FROM pg_depend d
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
      AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mig_ext')
      -- the tables' row types, members of their own since PostgreSQL 17
      AND d.classid <> 'pg_type'::regclass
), f AS (
    SELECT m.object, p.* FROM m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
), r AS (
    SELECT m.object, c.* FROM m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
)
SELECT object, 'member', NULL FROM m
UNION ALL
SELECT object, 'comment', obj_description(objid, classid::regclass::text) FROM m
UNION ALL
-- arguments, defaults, result, language, volatility, strictness, security,
-- settings and body
SELECT object, 'definition', pg_get_functiondef(oid) FROM f
UNION ALL
SELECT object, 'rights', proacl::text FROM f
UNION ALL
SELECT object, 'relation', concat_ws(' ', relkind, relpersistence, reloptions::text, relrowsecurity,
                                     relacl::text)
FROM r
UNION ALL
SELECT r.object, 'column ' || a.attnum,
       concat_ws(' ', a.attname, format_type(a.atttypid, a.atttypmod), a.attcollation::regcollation,
                 a.attnotnull, a.attidentity, a.attgenerated, pg_get_expr(ad.adbin, ad.adrelid),
                 a.attacl::text, col_description(r.oid, a.attnum))
FROM r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE r.relkind <> 'S'
UNION ALL
SELECT r.object, 'constraint ' || k.conname, pg_get_constraintdef(k.oid)
FROM r JOIN pg_constraint k ON k.conrelid = r.oid
UNION ALL
SELECT r.object, 'index ' || i.indexrelid::regclass, pg_get_indexdef(i.indexrelid)
FROM r JOIN pg_index i ON i.indrelid = r.oid
UNION ALL
SELECT r.object, 'trigger ' || t.tgname, pg_get_triggerdef(t.oid)
FROM r JOIN pg_trigger t ON t.tgrelid = r.oid
UNION ALL
SELECT object, 'view', pg_get_viewdef(oid) FROM r WHERE relkind IN ('v', 'm')
UNION ALL
SELECT r.object, 'sequence', concat_ws(' ', s.seqtypid::regtype, s.seqstart, s.seqincrement,
                                       s.seqmax, s.seqmin, s.seqcache, s.seqcycle)
FROM r JOIN pg_sequence s ON s.seqrelid = r.oid
UNION ALL
SELECT m.object, 'event trigger', concat_ws(' ', e.evtevent, e.evtfoid::regprocedure, e.evtenabled,
                                            e.evttags::text)
FROM m JOIN pg_event_trigger e ON m.classid = 'pg_event_trigger'::regclass AND e.oid = m.objid
UNION ALL
SELECT pg_describe_object(i.classoid, i.objoid, i.objsubid), 'initial rights',
       concat_ws(' ', i.privtype, i.initprivs::text)
FROM pg_init_privs i JOIN m ON m.classid = i.classoid AND m.objid = i.objoid
UNION ALL
SELECT 'extension mig_ext', 'tables dumped', concat_ws(' ', extconfig::regclass[]::text, extcondition::text)
FROM pg_extension WHERE extname = 'mig_ext'
$$;
CREATE EXTENSION mig_ext VERSION '1.0';
ALTER EXTENSION mig_ext UPDATE TO '1.1';
ALTER EXTENSION mig_ext UPDATE TO '1.2';
CREATE TEMP TABLE updated AS SELECT * FROM ext_snapshot();
DROP EXTENSION mig_ext;
CREATE EXTENSION mig_ext;
SELECT extversion FROM pg_extension WHERE extname = 'mig_ext';
CREATE TEMP TABLE fresh AS SELECT * FROM ext_snapshot();
SELECT count(*) AS members FROM fresh WHERE aspect = 'member';
SELECT DISTINCT split_part(aspect, ' ', 1) AS aspects_compared FROM fresh ORDER BY 1;
(SELECT 'fresh only' AS install, * FROM fresh EXCEPT SELECT 'fresh only', * FROM updated)
UNION ALL
(SELECT 'updated only', * FROM updated EXCEPT SELECT 'updated only', * FROM fresh)
ORDER BY object, aspect, install;
-- every member has a comment; the internals say so in theirs
SELECT object FROM fresh WHERE aspect = 'comment' AND value IS NULL;
SELECT object, value AS comment FROM fresh
WHERE aspect = 'comment' AND value LIKE 'internal%' ORDER BY object;
-- what PUBLIC may not execute: the functions that change something and
-- the internals
SELECT p.oid::regprocedure AS not_for_public
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mig_ext')
  AND NOT EXISTS (SELECT FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                  WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')
ORDER BY p.oid::regprocedure::text;
-- the internals hold no OPERATOR() noise and keep their pinned search_path
SELECT p.proname, p.proconfig, strpos(p.prosrc, 'OPERATOR(') = 0 AS plain
FROM pg_proc p WHERE p.proname LIKE 'mig\_autogen\_%' ORDER BY p.proname;
DROP EXTENSION mig_ext;
DROP FUNCTION ext_snapshot();
