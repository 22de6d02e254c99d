-- Version rows never hold a revision together with one of its ancestors.
-- The shape: r has parent p and depends on a, an ancestor of p.  Alembic
-- 1.8 left both p and a as rows after downgrading r, and no upgrade could
-- start from them; Alembic 1.13.1 and later leave p alone when no other
-- row remains, mig_ext in every case.  The registrations and commands were
-- replayed through Alembic 1.18.4 and 1.8.1 with
--   python3 tests/alembic_compare.py --sql sql/graph_rows.sql
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


-- a -> p -> r, and r depends on a
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('a', '{}'); PERFORM reg('p', '{a}'); PERFORM reg('r', '{p}', '{}', '{a}');
END $$;
SELECT revision, direction FROM mig_upgrade('heads');
:v
-- r goes: p remains, not a below it
SELECT revision, direction FROM mig_downgrade('p');
:v
SELECT revision, direction FROM mig_upgrade('heads');
:v
SELECT revision, direction FROM mig_downgrade('-1');
:v
SELECT revision, direction FROM mig_upgrade('+1');
:v
SELECT revision, direction FROM mig_downgrade('a');
:v
SELECT revision, direction FROM mig_upgrade('heads');
:v
DROP EXTENSION mig_ext CASCADE;

-- the same with another version row, x: Alembic 1.18 still leaves a
-- beside p there
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('a', '{}'); PERFORM reg('p', '{a}'); PERFORM reg('r', '{p}', '{}', '{a}');
PERFORM reg('x', '{}');
END $$;
SELECT revision, direction FROM mig_upgrade('heads');
:v
SELECT revision, direction FROM mig_downgrade('p');
:v
SELECT revision, direction FROM mig_upgrade('heads');
:v
SELECT revision, direction FROM mig_downgrade('base');
:v
DROP EXTENSION mig_ext CASCADE;

-- a merge of p and q that also depends on a, below p: the rows of p and
-- q become m's (Alembic takes a for a row to replace, and fails)
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('a', '{}'); PERFORM reg('p', '{a}'); PERFORM reg('q', '{}');
PERFORM reg('m', '{p,q}', '{}', '{a}');
END $$;
SELECT revision, direction FROM mig_upgrade('p');
SELECT revision, direction FROM mig_upgrade('q');
:v
SELECT revision, direction FROM mig_upgrade('heads');
:v
SELECT revision, direction FROM mig_downgrade('p');
:v
SELECT revision, direction FROM mig_downgrade('base');
:v
DROP EXTENSION mig_ext CASCADE;

DROP FUNCTION reg(text, text[], text[], text[]);
