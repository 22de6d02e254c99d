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

-- An install created at 1.1 and updated has what a fresh install has: the
-- same members, rights, comments and definitions.
CREATE FUNCTION ext_objects()
RETURNS TABLE (object text, acl text, comment text, def text)
LANGUAGE sql AS $$
SELECT pg_describe_object(d.classid, d.objid, 0),
       coalesce(p.proacl, c.relacl)::text,
       obj_description(d.objid, d.classid::regclass::text),
       coalesce(concat_ws(' ', md5(p.prosrc), p.proconfig::text, p.provolatile,
                          p.proisstrict, p.prosecdef, pg_get_function_result(p.oid)),
                (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', '
                                   ORDER BY a.attnum)
                 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0) || ' ' ||
                (SELECT coalesce(string_agg(pg_get_indexdef(i.indexrelid), ', ' ORDER BY 1), '')
                 FROM pg_index i WHERE i.indrelid = c.oid))
FROM pg_depend d
LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mig_ext')
  -- the tables' row types, members of their own since PostgreSQL 17
  AND d.classid <> 'pg_type'::regclass
$$;
CREATE EXTENSION mig_ext VERSION '1.1';
ALTER EXTENSION mig_ext UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'mig_ext';
CREATE TEMP TABLE updated AS SELECT * FROM ext_objects();
DROP EXTENSION mig_ext;
CREATE EXTENSION mig_ext;
CREATE TEMP TABLE fresh AS SELECT * FROM ext_objects();
SELECT count(*) AS members FROM fresh;
(SELECT * FROM fresh EXCEPT SELECT * FROM updated)
UNION ALL
(SELECT * FROM updated EXCEPT SELECT * FROM fresh);
-- every member has a comment; the internals say so in theirs
SELECT object FROM fresh WHERE comment IS NULL;
SELECT object, comment FROM fresh WHERE comment LIKE 'internal%' ORDER BY object;
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
DROP FUNCTION ext_objects();
