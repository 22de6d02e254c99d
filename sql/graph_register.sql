-- Registration errors, a hand-made cycle in the catalog, and mig_merge.
-- start from no extension, whatever an earlier file left
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mig_ext CASCADE;
RESET client_min_messages;
SET check_function_bodies = off;
CREATE FUNCTION reg(id text, parents text[], labels text[] DEFAULT '{}', deps text[] DEFAULT '{}')
RETURNS text LANGUAGE sql
AS $$ SELECT mig_revision('m ' || id, 'SELECT 1', 'SELECT 1', id, parents, labels, deps) $$;
RESET check_function_bodies;
\set SHOW_CONTEXT never
CREATE EXTENSION mig_ext;
SELECT reg('a', '{}', '{l1}');
-- a parent that is the revision itself is not registered yet
SELECT reg('s', '{s}');
\echo :LAST_ERROR_SQLSTATE
-- a dependency on itself
SELECT reg('s', '{a}', '{}', '{s}');
\echo :LAST_ERROR_SQLSTATE
SELECT reg('b', '{nope}');
\echo :LAST_ERROR_SQLSTATE
SELECT reg('b', '{a}', '{}', '{nope}');
\echo :LAST_ERROR_SQLSTATE
-- a label already used, a label equal to an id, an id equal to a label
SELECT reg('b', '{a}', '{l1}');
\echo :LAST_ERROR_SQLSTATE
SELECT reg('b', '{a}', '{a}');
\echo :LAST_ERROR_SQLSTATE
SELECT reg('l1', '{a}');
\echo :LAST_ERROR_SQLSTATE
-- ids that could not be named as targets
SELECT reg('head', '{a}');
\echo :LAST_ERROR_SQLSTATE
SELECT reg('b-1', '{a}');
\echo :LAST_ERROR_SQLSTATE
SELECT reg('b', '{a}', '{x@y}');
\echo :LAST_ERROR_SQLSTATE
-- nothing was registered by the failures
SELECT revision, down_revisions, branch_labels, depends_on FROM mig_revisions ORDER BY seq;

-- mig_merge: a -> {b, c}; merge the heads (the default), an explicit list,
-- and fewer than two revisions
SELECT reg('b', '{a}');
SELECT reg('c', '{a}');
SELECT mig_merge('merge b and c', revision => 'm1');
SELECT revision, down_revisions FROM mig_revisions WHERE revision = 'm1';
SELECT reg('d', '{a}');
SELECT mig_merge('merge m1 and d', '{m1,d}', 'm2', '{merged}');
SELECT revision, down_revisions, branch_labels FROM mig_revisions WHERE revision = 'm2';
SELECT mig_merge('nothing to merge', revision => 'm3');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_merge('one revision', '{m2}', 'm3');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_merge('one revision twice', '{m2,merged}', 'm3');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('head');
SELECT revision FROM mig_version ORDER BY 1;

-- Parents written as exact ids or labels are checked against the rows the
-- new revision names (found by index), not the whole catalog; the clashes
-- are found all the same when the other revision is not a parent
SELECT reg('e', '{m2}', '{l1}');
\echo :LAST_ERROR_SQLSTATE
SELECT reg('merged', '{m2}');
\echo :LAST_ERROR_SQLSTATE
SELECT reg('e', '{m2}', '{b}');
\echo :LAST_ERROR_SQLSTATE
SELECT reg('e', '{m2}', '{}', '{nope}');
\echo :LAST_ERROR_SQLSTATE
SELECT reg('e', '{merged}', '{el}', '{l1,c}');
SELECT reg('f', '{e}', '{}', '{el}');
-- a row written by hand with a missing parent is not read by those
INSERT INTO mig_revisions (revision, down_revisions, upgrade, checksum, registered_by)
VALUES ('orphan', '{gone}', 'SELECT 1', 'x', 'postgres');
SELECT reg('g', '{f}');
-- parents written as prefixes or "label@head" need the whole catalog
SELECT reg('h', '{orph}');
\echo :LAST_ERROR_SQLSTATE
SELECT reg('h', '{el@head}');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM mig_revisions WHERE revision = 'orphan';
SELECT reg('abcdef', '{g}');
SELECT reg('h', '{abcd}');
SELECT reg('i', '{el@head}');
SELECT revision, down_revisions, branch_labels, depends_on FROM mig_revisions
WHERE revision IN ('e', 'f', 'g', 'h', 'i') ORDER BY seq;
-- registering one of them again with its parent written another way
SELECT reg('h', '{abcdef}');
SELECT reg('i', '{h}');
SELECT reg('i', '{g}');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM mig_revisions WHERE revision IN ('e', 'f', 'g', 'abcdef', 'h', 'i');

-- A cycle cannot be registered, but rows written by hand are checked when
-- the graph is loaded: the error names the revisions caught in it
INSERT INTO mig_revisions (revision, down_revisions, upgrade, checksum, registered_by)
VALUES ('p', '{q}', 'SELECT 1', 'x', 'postgres'), ('q', '{r}', 'SELECT 1', 'x', 'postgres'),
       ('r', '{p}', 'SELECT 1', 'x', 'postgres');
SELECT revision FROM mig_heads();
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM mig_revisions WHERE revision IN ('p', 'q', 'r');
INSERT INTO mig_revisions (revision, down_revisions, upgrade, checksum, registered_by)
VALUES ('s', '{s}', 'SELECT 1', 'x', 'postgres');
SELECT revision FROM mig_heads();
\echo :LAST_ERROR_SQLSTATE
DELETE FROM mig_revisions WHERE revision = 's';
-- a cycle through depends_on
INSERT INTO mig_revisions (revision, down_revisions, depends_on, upgrade, checksum, registered_by)
VALUES ('t', '{m2}', '{u}', 'SELECT 1', 'x', 'postgres'), ('u', '{t}', '{}', 'SELECT 1', 'x', 'postgres');
SELECT revision FROM mig_heads();
\echo :LAST_ERROR_SQLSTATE
DELETE FROM mig_revisions WHERE revision IN ('t', 'u');
SELECT revision FROM mig_heads();
DROP EXTENSION mig_ext CASCADE;

DROP FUNCTION reg(text, text[], text[], text[]);
