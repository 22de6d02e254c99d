-- Conflicts: revisions that must never be applied together (Sqitch's
-- conflicts).  An upgrade that would leave both applied is refused while
-- it is planned, before any step runs, whichever of the two declares it.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mig_ext CASCADE;
RESET client_min_messages;
CREATE EXTENSION mig_ext;
\set SHOW_CONTEXT never

-- two branches from a base: auth_a and auth_b are alternatives
SELECT mig_revision('base', 'CREATE TABLE cf_base (id int)', 'DROP TABLE cf_base',
                    revision => 'c0', down_revision => '{}');
SELECT mig_revision('auth a', 'CREATE TABLE cf_a (id int)', 'DROP TABLE cf_a',
                    revision => 'ca', down_revision => '{c0}', branch_labels => '{a}');
SELECT mig_revision('auth b', 'CREATE TABLE cf_b (id int)', 'DROP TABLE cf_b',
                    revision => 'cb', down_revision => '{c0}', branch_labels => '{b}',
                    conflicts => '{ca}');
SELECT revision, conflicts FROM mig_revisions ORDER BY seq;

-- upgrading both heads at once: refused, nothing ran
SELECT revision FROM mig_upgrade('heads');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM pg_class WHERE relname LIKE 'cf\_%';
SELECT revision FROM mig_plan('heads');
SELECT mig_upgrade_sql('heads') IS NOT NULL;
-- one of them is fine
SELECT revision FROM mig_upgrade('ca');
-- the other one now: refused from the side that does not declare it too
SELECT revision FROM mig_upgrade('cb');
SELECT revision FROM mig_version ORDER BY 1;
-- after the downgrade of ca, cb applies
SELECT revision FROM mig_downgrade('c0');
SELECT revision FROM mig_upgrade('cb');
SELECT revision FROM mig_upgrade('ca');

-- a revision on top of cb that conflicts with another branch: caught in
-- the plan of mig_deploy too
SELECT mig_revision('other', 'SELECT 1', revision => 'ca2', down_revision => '{c0}');
SELECT mig_revision('after b', 'SELECT 1', revision => 'cb2', down_revision => '{cb}',
                    conflicts => '{ca2, not_registered}');
SELECT revision FROM mig_downgrade('c0');
SELECT revision FROM mig_upgrade('ca2');
CALL mig_deploy('cb2');
SELECT revision FROM mig_version ORDER BY 1;

-- registering the same id again with other conflicts is refused
SELECT mig_revision('after b', 'SELECT 1', revision => 'cb2', down_revision => '{cb}',
                    conflicts => '{ca2}');
\echo :LAST_ERROR_SQLSTATE

-- the file header
SELECT mig_import(E'-- mig:revision: cf1\n-- mig:down_revisions: c0\n-- mig:conflicts: ca, cb\n-- mig:message: from a file\n-- mig:upgrade\nSELECT 1\n');
SELECT conflicts FROM mig_revisions WHERE revision = 'cf1';
SELECT revision FROM mig_upgrade('cf1');
SELECT mig_import(E'-- mig:revision: cf2\n-- mig:down_revisions: c0\n-- mig:conflicts\n-- mig:upgrade\nSELECT 1\n');
DROP EXTENSION mig_ext CASCADE;
DROP TABLE cf_base;
