-- Revision graph shapes: which steps run, in what order, and which version
-- rows remain after each command.  The same registrations and commands were
-- replayed through Alembic 1.8.1 with
--   /usr/bin/python3 tests/alembic_compare.py --sql sql/graph_shapes.sql
-- reg(id, parents, labels, deps) registers a no-op revision.
-- start from no extension, whatever an earlier file left
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mig_ext CASCADE;
RESET client_min_messages;
SET check_function_bodies = off;
CREATE FUNCTION reg(id text, parents text[], labels text[] DEFAULT '{}', deps text[] DEFAULT '{}')
RETURNS text LANGUAGE sql
AS $$ SELECT mig_revision('m ' || id, 'SELECT 1', 'SELECT 1', id, parents, labels, deps) $$;
RESET check_function_bodies;
\set v 'SELECT revision FROM mig_version ORDER BY 1;'

-- A diamond: a -> {b, c} -> d
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('a', '{}'); PERFORM reg('b', '{a}'); PERFORM reg('c', '{a}'); PERFORM reg('d', '{b,c}');
END $$;
SELECT revision, direction FROM mig_upgrade('b');
:v
SELECT revision, direction FROM mig_upgrade('head');
:v
SELECT revision, direction FROM mig_downgrade('c');
:v
SELECT revision, direction FROM mig_downgrade('a');
:v
SELECT revision, direction FROM mig_downgrade('base');
:v
SELECT revision, direction FROM mig_upgrade('c');
:v
SELECT revision, direction FROM mig_upgrade('heads');
:v
SELECT revision, direction FROM mig_downgrade('base');
:v
DROP EXTENSION mig_ext CASCADE;

-- A long and a short branch: a -> b -> c -> d -> e, and b -> s1
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('a', '{}'); PERFORM reg('b', '{a}'); PERFORM reg('c', '{b}', '{long}');
PERFORM reg('d', '{c}'); PERFORM reg('e', '{d}'); PERFORM reg('s1', '{b}', '{short}');
END $$;
SELECT revision, direction FROM mig_upgrade('short@head');
:v
SELECT revision, direction FROM mig_upgrade('long@head');
:v
SELECT revision, direction FROM mig_downgrade('long@b');
:v
SELECT revision, direction FROM mig_upgrade('long@+2');
:v
SELECT revision, direction FROM mig_downgrade('short@-1');
:v
SELECT revision, direction FROM mig_upgrade('heads');
:v
SELECT revision, direction FROM mig_downgrade('a');
:v
DROP EXTENSION mig_ext CASCADE;

-- Two labelled bases: x1 -> x2 and y1 -> y2
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('x1', '{}', '{xb}'); PERFORM reg('x2', '{x1}');
PERFORM reg('y1', '{}', '{yb}'); PERFORM reg('y2', '{y1}');
END $$;
SELECT revision, direction FROM mig_upgrade('xb@head');
:v
SELECT revision, direction FROM mig_upgrade('yb@+1');
:v
SELECT revision, direction FROM mig_upgrade('heads');
:v
SELECT revision, direction FROM mig_downgrade('xb@base');
:v
SELECT revision, direction FROM mig_downgrade('yb@-1');
:v
SELECT revision, direction FROM mig_upgrade('xb@x1');
:v
SELECT revision, direction FROM mig_downgrade('base');
:v
DROP EXTENSION mig_ext CASCADE;

-- A branched path: a -> b -> {c1 -> d1, c2 -> d2}
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('a', '{}'); PERFORM reg('b', '{a}');
PERFORM reg('c1', '{b}'); PERFORM reg('d1', '{c1}');
PERFORM reg('c2', '{b}'); PERFORM reg('d2', '{c2}');
END $$;
SELECT revision, direction FROM mig_upgrade('d1');
:v
SELECT revision, direction FROM mig_upgrade('d2');
:v
SELECT revision, direction FROM mig_downgrade('b');
:v
SELECT revision, direction FROM mig_upgrade('heads');
:v
SELECT revision, direction FROM mig_downgrade('c2');
:v
SELECT revision, direction FROM mig_downgrade('base');
:v
DROP EXTENSION mig_ext CASCADE;

-- A merge of separate roots that branches again:
-- r1 -> r2, s1 -> s2, {r2, s2} -> m, m -> {t1, t2}
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('r1', '{}'); PERFORM reg('r2', '{r1}');
PERFORM reg('s1', '{}'); PERFORM reg('s2', '{s1}');
PERFORM reg('m', '{r2,s2}');
PERFORM reg('t1', '{m}'); PERFORM reg('t2', '{m}');
END $$;
SELECT revision, direction FROM mig_upgrade('t1');
:v
SELECT revision, direction FROM mig_upgrade('heads');
:v
SELECT revision, direction FROM mig_downgrade('m');
:v
SELECT revision, direction FROM mig_downgrade('r2');
:v
SELECT revision, direction FROM mig_upgrade('t2');
:v
SELECT revision, direction FROM mig_downgrade('base');
:v
DROP EXTENSION mig_ext CASCADE;

-- Twin merges of the same parents: a -> {b, c}, {b, c} -> m1, {b, c} -> m2
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('a', '{}'); PERFORM reg('b', '{a}'); PERFORM reg('c', '{a}');
PERFORM reg('m1', '{b,c}'); PERFORM reg('m2', '{b,c}');
END $$;
SELECT revision, direction FROM mig_upgrade('m1');
:v
SELECT revision, direction FROM mig_upgrade('m2');
:v
SELECT revision, direction FROM mig_downgrade('b');
:v
SELECT revision, direction FROM mig_upgrade('heads');
:v
SELECT revision, direction FROM mig_downgrade('m1');
:v
SELECT revision, direction FROM mig_downgrade('base');
:v
DROP EXTENSION mig_ext CASCADE;

-- A forest of independent roots: f1, g1 -> g2, h1
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('f1', '{}'); PERFORM reg('g1', '{}'); PERFORM reg('g2', '{g1}'); PERFORM reg('h1', '{}');
END $$;
SELECT revision, direction FROM mig_upgrade('heads');
:v
SELECT revision, direction FROM mig_downgrade('g1');
:v
SELECT revision, direction FROM mig_downgrade('base');
:v
SELECT revision, direction FROM mig_upgrade('g2');
:v
SELECT revision, direction FROM mig_upgrade('h1');
:v
SELECT mig_stamp('heads');
:v
SELECT mig_stamp('base');
:v
DROP EXTENSION mig_ext CASCADE;

-- A merged path stamped up and down: a -> {b1 -> b2, c} -> m -> n
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('a', '{}'); PERFORM reg('b1', '{a}'); PERFORM reg('b2', '{b1}');
PERFORM reg('c', '{a}'); PERFORM reg('m', '{b2,c}'); PERFORM reg('n', '{m}');
END $$;
SELECT mig_stamp('m');
:v
SELECT mig_stamp('b1');
:v
SELECT mig_stamp('c');
:v
SELECT mig_stamp('n');
:v
SELECT mig_stamp('a');
:v
SELECT mig_stamp('b2 c');
:v
SELECT revision, direction FROM mig_upgrade('head');
:v
SELECT mig_stamp('b1');
:v
SELECT revision, direction FROM mig_upgrade('head');
:v
SELECT revision, direction FROM mig_downgrade('a');
:v
SELECT mig_stamp('base');
:v
DROP EXTENSION mig_ext CASCADE;

DROP FUNCTION reg(text, text[], text[], text[]);
