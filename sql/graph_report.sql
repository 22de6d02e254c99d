-- mig_heads, mig_branches, mig_current and mig_history: the flags Alembic
-- shows (head, effective head, branch point, merge point, current) and
-- history ranges.  The revisions of every range were checked against
-- Alembic's history command with tests/alembic_compare.py --graph.
-- start from no extension, whatever an earlier file left
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mig_ext CASCADE;
RESET client_min_messages;
SET check_function_bodies = off;
CREATE FUNCTION reg(id text, parents text[], labels text[] DEFAULT '{}', deps text[] DEFAULT '{}')
RETURNS text LANGUAGE sql
AS $$ SELECT mig_revision('m ' || id, 'SELECT 1', 'SELECT 1', id, parents, labels, deps) $$;
-- hist(range): the revisions of a history range, newest first, on one line
CREATE FUNCTION hist(r text) RETURNS text LANGUAGE sql
AS $$ SELECT string_agg(revision, ' ' ORDER BY n) FROM mig_history(r) WITH ORDINALITY AS h(revision, d, m, l, dep, hd, eh, b, bp, mp, c, t, n) $$;
RESET check_function_bodies;
\set SHOW_CONTEXT never

-- a -> b -> {c, d} -> m -> e; b -> y (ybr); x, a base, depends on e, so e
-- is a head only through a dependency (an effective head)
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('a', '{}'); PERFORM reg('b', '{a}'); PERFORM reg('c', '{b}'); PERFORM reg('d', '{b}');
PERFORM reg('m', '{c,d}'); PERFORM reg('e', '{m}'); PERFORM reg('x', '{}', '{}', '{e}');
PERFORM reg('y', '{b}', '{ybr}');
END $$;
SELECT revision, branch_labels, is_effective_head, is_current FROM mig_heads() ORDER BY 1;
SELECT revision, children FROM mig_branches() ORDER BY 1;
SELECT revision, down_revisions, depends_on, is_head, is_effective_head, is_base,
       is_branch_point, is_merge_point, is_current
FROM mig_history();
SELECT hist('a:c'), hist(':c'), hist('b:m'), hist(':x'), hist(':ybr@head');
-- c and d are on different branches; x is above e only through a dependency
SELECT hist('c:d');
\echo :LAST_ERROR_SQLSTATE
SELECT hist('x:e');
\echo :LAST_ERROR_SQLSTATE
-- from a to the heads: c, d, m and e are not below the real heads x and y
-- through down_revision (Alembic fails on an assertion here)
SELECT hist('a:');
\echo :LAST_ERROR_SQLSTATE
SELECT hist('a:b:c');
\echo :LAST_ERROR_SQLSTATE
SELECT hist('abc');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('e');
SELECT revision, direction FROM mig_upgrade('ybr@head');
SELECT revision, is_head, is_effective_head, is_branch_point, is_merge_point FROM mig_current() ORDER BY 1;
SELECT revision, is_effective_head, is_current FROM mig_heads() ORDER BY 1;
SELECT revision FROM mig_history() WHERE is_current;
SELECT hist(':current'), hist('b:current'), hist('ybr@base:'), hist('ybr@b:');
DROP EXTENSION mig_ext CASCADE;

-- A line a -> b -> c -> d: open ranges, current, and counting from the head
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('a', '{}'); PERFORM reg('b', '{a}'); PERFORM reg('c', '{b}'); PERFORM reg('d', '{c}');
END $$;
SELECT hist('a:'), hist('-1:'), hist('-2:'), hist(':b'), hist(':b+5');
SELECT revision, direction FROM mig_upgrade('b');
SELECT hist('current:'), hist(':current');
SELECT hist('c:current');
\echo :LAST_ERROR_SQLSTATE
DROP EXTENSION mig_ext CASCADE;

DROP FUNCTION reg(text, text[], text[], text[]);
DROP FUNCTION hist(text);
