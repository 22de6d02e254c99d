-- Every target form, and every target error, with the steps run and the
-- version rows after each command.  The same registrations and commands were
-- replayed through Alembic 1.8.1 with
--   /usr/bin/python3 tests/alembic_compare.py --sql sql/graph_targets.sql
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


-- a (main) -> b -> c -> d, b -> e1 (side) -> e2, and a second root z1 (zed) -> z2
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('a', '{}', '{main}'); PERFORM reg('b', '{a}'); PERFORM reg('c', '{b}');
PERFORM reg('d', '{c}'); PERFORM reg('e1', '{b}', '{side}'); PERFORM reg('e2', '{e1}');
PERFORM reg('z1', '{}', '{zed}'); PERFORM reg('z2', '{z1}');
END $$;
-- head with several heads
SELECT revision, direction FROM mig_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
-- +1 from nothing: two bases
SELECT revision, direction FROM mig_upgrade('+1');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('main@+1');
:v
SELECT revision, direction FROM mig_upgrade('+1');
:v
-- +1 from b: b is a branch point
SELECT revision, direction FROM mig_upgrade('+1');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('side@+1');
:v
SELECT revision, direction FROM mig_upgrade('side@head');
:v
SELECT revision, direction FROM mig_upgrade('c');
:v
-- +1 with two current rows
SELECT revision, direction FROM mig_upgrade('+1');
\echo :LAST_ERROR_SQLSTATE
-- -1 with two current rows: refused (Alembic warns and picks one)
SELECT revision, direction FROM mig_downgrade('-1');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_downgrade('side@-1');
:v
-- main@head: main's lineage has the heads d and e2
SELECT revision, direction FROM mig_upgrade('main@head');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('c+1');
:v
SELECT revision, direction FROM mig_downgrade('d-1');
:v
-- main@b: b's children c and e1 are not below main's revision a
SELECT revision, direction FROM mig_downgrade('main@b');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_downgrade('side@b');
:v
SELECT revision, direction FROM mig_downgrade('-1');
:v
SELECT revision, direction FROM mig_downgrade('-5');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_downgrade('b-5');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('-1');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_downgrade('+1');
\echo :LAST_ERROR_SQLSTATE
-- d is above the current row b
SELECT revision, direction FROM mig_downgrade('d');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('side@c');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('nosuch@c');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('zz');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('head-1');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('base+2');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('main@base+3');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('zed@+1');
:v
SELECT revision, direction FROM mig_upgrade('zed@head');
:v
SELECT revision, direction FROM mig_upgrade('side');
:v
SELECT revision, direction FROM mig_upgrade('side@heads');
:v
SELECT revision, direction FROM mig_upgrade('base');
:v
SELECT revision, direction FROM mig_upgrade('heads');
:v
SELECT revision, direction FROM mig_downgrade('heads');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_downgrade('zed@head-1');
:v
SELECT revision, direction FROM mig_downgrade('zed@base');
:v
SELECT revision, direction FROM mig_downgrade('main@-1');
\echo :LAST_ERROR_SQLSTATE
-- side@base: the base of side's lineage is a, so everything from a up goes
SELECT revision, direction FROM mig_downgrade('side@base');
:v
SELECT revision, direction FROM mig_downgrade('main@-1');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_stamp('zed@head side@head');
:v
-- a revision named twice: skipped where it is already a version row (as
-- Alembic skips it), refused otherwise (Alembic would fail on an assertion)
SELECT mig_stamp('zed@head z2');
:v
SELECT mig_stamp('z1 z1');
\echo :LAST_ERROR_SQLSTATE
:v
SELECT mig_stamp('main@base');
:v
SELECT mig_stamp('zed@base');
:v
-- deliberate differences: an empty side of '@', a relative target with a tail
SELECT revision, direction FROM mig_upgrade('@head');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('side@');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('c+1x');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('');
\echo :LAST_ERROR_SQLSTATE
DROP EXTENSION mig_ext CASCADE;

-- Prefixes: only names longer than three characters take part, and a
-- short prefix with no match says so
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('aaaa1', '{}'); PERFORM reg('aaaa2', '{aaaa1}');
PERFORM reg('bbbb1', '{aaaa2}', '{cccclabel}');
END $$;
SELECT revision, direction FROM mig_upgrade('aaaa');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('aaa');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('xyz');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_upgrade('aaaa2');
:v
SELECT revision, direction FROM mig_upgrade('bbbb');
:v
SELECT revision, direction FROM mig_downgrade('aaaa1');
:v
SELECT revision, direction FROM mig_upgrade('cccc');
:v
SELECT revision, direction FROM mig_downgrade('cccclabel@aaaa2');
:v
SELECT revision, direction FROM mig_downgrade('cccc@base');
:v
DROP EXTENSION mig_ext CASCADE;

DROP FUNCTION reg(text, text[], text[], text[]);
