-- mig_graph: the revision graph as Graphviz DOT.
SET client_min_messages = warning;
-- (an earlier file may have left the extension)
DROP EXTENSION IF EXISTS mig_ext CASCADE;
CREATE EXTENSION mig_ext;
\set SHOW_CONTEXT never
\pset format unaligned
\pset tuples_only on

-- An empty graph still has the legend.
SELECT mig_graph();

-- base, a branch point, a labelled branch, a dependency, a merge, a message
-- that needs escaping, two current rows.
SELECT mig_revision('create todo', 'SELECT 1;', 'SELECT 1;', '001', '{}');
SELECT mig_revision(E'say "done"\\now', 'SELECT 1;', 'SELECT 1;', '002', '{001}');
SELECT mig_revision('tags', 'SELECT 1;', 'SELECT 1;', 'b1', '{001}', '{tags,labels}');
SELECT mig_revision(E'two\nlines', 'SELECT 1;', 'SELECT 1;', 'd1', '{002}', NULL, '{tags}');
SELECT count(*) FROM mig_upgrade('002');
SELECT count(*) FROM mig_upgrade('b1');
SELECT mig_merge('merge', '{d1,b1}', '003');
SELECT mig_graph();

DROP EXTENSION mig_ext CASCADE;
