-- Dependencies across branches (depends_on): upgrades pull them in,
-- downgrades drag dependents out.  The same registrations and commands were
-- replayed through Alembic 1.8.1 with
--   /usr/bin/python3 tests/alembic_compare.py --sql sql/graph_deps.sql
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


-- core: c1 -> c2 -> c3; feat: f1 -> f2, f1 depends on c2;
-- x1 depends on f2 (so f2 is only an effective head); y1 depends on the
-- label core (c1)
CREATE EXTENSION mig_ext;
DO $$ BEGIN
PERFORM reg('c1', '{}', '{core}'); PERFORM reg('c2', '{c1}'); PERFORM reg('c3', '{c2}');
PERFORM reg('f1', '{}', '{feat}', '{c2}'); PERFORM reg('f2', '{f1}');
PERFORM reg('x1', '{}', '{}', '{f2}'); PERFORM reg('y1', '{}', '{}', '{core}');
END $$;
SELECT revision, branch_labels, is_effective_head FROM mig_heads() ORDER BY 1;
-- the dependency c2 is pulled in, and its row becomes f1's
SELECT revision, direction FROM mig_upgrade('f1');
:v
SELECT revision, direction FROM mig_upgrade('core@head');
:v
-- c2 goes, so its dependent f1 goes too
SELECT revision, direction FROM mig_downgrade('c1');
:v
-- 'heads' is c3, x1 and y1: f2 comes in as x1's dependency
SELECT revision, direction FROM mig_upgrade('heads');
:v
-- feat@base drags x1 out, which depends on f2
SELECT revision, direction FROM mig_downgrade('feat@base');
:v
SELECT revision, direction FROM mig_upgrade('x1');
:v
SELECT revision, direction FROM mig_downgrade('core@base');
:v
SELECT revision, direction FROM mig_upgrade('y1');
:v
SELECT mig_stamp('f2');
:v
SELECT revision, direction FROM mig_upgrade('heads');
:v
SELECT revision, direction FROM mig_downgrade('base');
:v
DROP EXTENSION mig_ext CASCADE;

DROP FUNCTION reg(text, text[], text[], text[]);
