-- mig_plan shows exactly what the call then does; mig_upgrade_sql and
-- mig_downgrade_sql write it as a script.
SET client_min_messages = warning;
-- (an earlier file may have left the extension)
DROP EXTENSION IF EXISTS mig_ext CASCADE;
CREATE EXTENSION mig_ext;
\set SHOW_CONTEXT never

-- 001 -> 002 -> d1 (depends on b1) -> 003 (merge of d1, b2); 001 -> b1 (tags) -> b2
SELECT mig_revision('create todo', 'CREATE TABLE todo (id int PRIMARY KEY);', 'DROP TABLE todo;', '001', '{}');
SELECT mig_revision('add done', 'ALTER TABLE todo ADD done boolean -- no semicolon', 'ALTER TABLE todo DROP done;', '002', '{001}');
SELECT mig_revision('tags', 'CREATE TABLE tag (name text PRIMARY KEY);', 'DROP TABLE tag;', 'b1', '{001}', '{tags}');
SELECT mig_revision('tag index', 'CREATE INDEX tag_lower ON tag (lower(name));', 'DROP INDEX tag_lower;', 'b2', '{b1}');
SELECT mig_revision('todo tags', 'CREATE TABLE todo_tag (todo int, tag text);', 'DROP TABLE todo_tag;', 'd1', '{002}', NULL, '{b1}');
SELECT mig_merge('merge tags', '{d1,b2}', '003');

-- plan_matches(target, kind): runs mig_<kind>(target) after planning it and
-- shows any difference between the plan and what ran and was logged.
CREATE FUNCTION plan_matches(target text, kind text) RETURNS TABLE (what text, step bigint, planned text, ran text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    last_log bigint := (SELECT coalesce(max(id), 0) FROM mig_log);
BEGIN
    CREATE TEMP TABLE planned AS SELECT * FROM mig_plan(target);
    IF kind = 'upgrade' THEN
        CREATE TEMP TABLE ran AS SELECT u.*, u.ordinality AS step FROM mig_upgrade(target) WITH ORDINALITY AS u;
    ELSE
        CREATE TEMP TABLE ran AS SELECT u.*, u.ordinality AS step FROM mig_downgrade(target) WITH ORDINALITY AS u;
    END IF;
    RETURN QUERY
        SELECT 'step', coalesce(p.step, r.step),
               p.direction || ' ' || p.revision, r.direction || ' ' || r.revision
          FROM planned p FULL JOIN ran r ON p.step = r.step
         WHERE (p.direction, p.revision) IS DISTINCT FROM (r.direction, r.revision)
        UNION ALL
        SELECT 'log', coalesce(p.step, l.step),
               p.version_rows_before::text || ' -> ' || p.version_rows_after::text,
               l.from_revisions::text || ' -> ' || l.to_revisions::text
          FROM planned p
          FULL JOIN (SELECT row_number() OVER (ORDER BY id) AS step, * FROM mig_log WHERE id > last_log) l
            ON p.step = l.step
         WHERE (p.version_rows_before, p.version_rows_after, p.revision, p.direction)
               IS DISTINCT FROM (l.from_revisions, l.to_revisions, l.revision, l.direction)
        UNION ALL
        SELECT 'rows', NULL, (SELECT version_rows_after::text FROM planned ORDER BY step DESC LIMIT 1),
               (SELECT coalesce(array_agg(revision ORDER BY revision), '{}')::text FROM mig_version)
         WHERE EXISTS (SELECT FROM planned)
           AND (SELECT array(SELECT unnest(version_rows_after) ORDER BY 1) FROM planned ORDER BY step DESC LIMIT 1)
               IS DISTINCT FROM (SELECT coalesce(array_agg(revision ORDER BY revision), '{}') FROM mig_version);
    DROP TABLE planned, ran;
END $$;

-- Planning changes nothing.
SELECT * FROM mig_plan('heads');
SELECT count(*) AS version_rows, (SELECT count(*) FROM mig_log) AS log_rows,
       to_regclass('todo') AS todo FROM mig_version;

-- Each plan is what the call then does (no rows: no difference).
SELECT * FROM mig_plan('002');
SELECT * FROM plan_matches('002', 'upgrade');
SELECT * FROM mig_plan('b2');
SELECT * FROM plan_matches('b2', 'upgrade');
SELECT * FROM mig_plan('heads');
SELECT * FROM plan_matches('heads', 'upgrade');
SELECT * FROM mig_plan('d1');
SELECT * FROM plan_matches('d1', 'downgrade');
SELECT * FROM mig_plan('-1');
SELECT * FROM mig_plan('tags@-1');
SELECT * FROM plan_matches('tags@-1', 'downgrade');
SELECT * FROM mig_plan('base');
SELECT * FROM plan_matches('base', 'downgrade');
SELECT * FROM plan_matches('tags@head', 'upgrade');
SELECT * FROM mig_plan('001');
SELECT * FROM plan_matches('001', 'downgrade');

-- The direction rule: at the current rows or above them is an upgrade
-- (possibly empty), strictly below is a downgrade.
SELECT * FROM mig_plan('001');
SELECT * FROM mig_plan('head');
SELECT * FROM mig_plan('+1');
SELECT * FROM mig_plan('b1');
SELECT * FROM mig_plan('base');

-- Errors are the planner's.
SELECT * FROM mig_plan('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_plan('');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_plan(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('heads');
SELECT * FROM mig_plan('-1');
\echo :LAST_ERROR_SQLSTATE

-- Offline scripts: deterministic text, the call's statements.
SELECT mig_downgrade('b2');
\pset format unaligned
\pset tuples_only on
SELECT mig_upgrade_sql('b2+1');
SELECT mig_downgrade_sql('tags@base');
SELECT mig_upgrade_sql('b2');
\pset format aligned
\pset tuples_only off
SELECT mig_upgrade_sql(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT mig_downgrade_sql('zzz');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('irreversible', 'SELECT 1;', NULL, '004', '{003}');
SELECT count(*) FROM mig_upgrade();
SELECT mig_downgrade_sql('003');
\echo :LAST_ERROR_SQLSTATE
-- a body that does not parse is not even registered; the context names it
\set SHOW_CONTEXT errors
SELECT mig_revision('broken', 'CREATE TABLE (;', NULL, '005', '{004}');
\echo :LAST_ERROR_SQLSTATE

DROP FUNCTION plan_matches(text, text);
DROP EXTENSION mig_ext CASCADE;
DROP TABLE todo, tag, todo_tag;
