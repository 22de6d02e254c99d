-- Schema drift: the extension's event triggers record every DDL command
-- run outside mig_ext (not those of migration bodies); mig_validate reports
-- what ran since the last step, mig_drift lists it, and an upgrade warns
-- (mig_ext.on_drift = warn, the default), refuses (refuse) or says nothing
-- (ignore).  mig_ext.record_drift = off stops the recording.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mig_ext CASCADE;
RESET client_min_messages;
CREATE EXTENSION mig_ext;
SET mig_ext.on_drift = warn;
SELECT evtname, evtevent, evtenabled FROM pg_event_trigger WHERE evtname LIKE 'mig\_drift%' ORDER BY 1;

SELECT mig_revision('accounts', 'CREATE TABLE dr_accounts (id int PRIMARY KEY)',
                    'DROP TABLE dr_accounts', revision => 'd1', down_revision => '{}');
-- a migration's own DDL is no drift
SELECT revision FROM mig_upgrade('head');
SELECT count(*) FROM mig_drift_log;
SELECT * FROM mig_validate();

-- a hand change, by another role, then a drop and a temporary table
CREATE ROLE regress_mig_dba;
GRANT CREATE ON SCHEMA public TO regress_mig_dba;
ALTER TABLE dr_accounts OWNER TO regress_mig_dba;
SET ROLE regress_mig_dba;
ALTER TABLE dr_accounts ADD COLUMN note text;
CREATE INDEX dr_accounts_note ON dr_accounts (note);
CREATE TEMP TABLE dr_scratch (a int);
RESET ROLE;
DROP INDEX dr_accounts_note;
SELECT role_name, session_user_name = current_user AS same_session, command_tag, object_type,
       object_identity, statement
FROM mig_drift();
SELECT revision, problem, regexp_replace(detail, ' at .*,', ' at (time),') AS detail FROM mig_validate();

-- an upgrade warns, then clears: what ran before its step is old news
SELECT mig_revision('more', 'ALTER TABLE dr_accounts ADD COLUMN more int',
                    'ALTER TABLE dr_accounts DROP COLUMN more', revision => 'd2');
\set VERBOSITY terse
SELECT revision FROM mig_upgrade('head');
\set VERBOSITY default
SELECT count(*) AS since_last_step FROM mig_drift(true);
SELECT count(*) AS all_rows FROM mig_drift();

-- refuse: nothing runs
ALTER TABLE dr_accounts ADD COLUMN other int;
SET mig_ext.on_drift = refuse;
SELECT mig_revision('third', 'SELECT 1', revision => 'd3');
\set VERBOSITY terse
SELECT revision FROM mig_upgrade('head');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM mig_version;
SET mig_ext.on_drift = ignore;
SELECT revision FROM mig_upgrade('head');

-- the statement only to a role that may read bodies (or that ran it)
SET ROLE regress_mig_dba;
SELECT role_name, command_tag, statement IS NOT NULL AS statement_shown FROM mig_drift();
RESET ROLE;

-- recording can be turned off, by a superuser only
SET mig_ext.record_drift = off;
CREATE TABLE dr_untracked (a int);
RESET mig_ext.record_drift;
SELECT count(*) FROM mig_drift() WHERE object_identity = 'public.dr_untracked';
SET ROLE regress_mig_dba;
SET mig_ext.record_drift = off;
RESET ROLE;

-- mig_diff builds the desired schema with recording paused (nothing it
-- builds is kept), and records again after it, after a failure too
SELECT count(*) > 0 AS changes FROM mig_diff('CREATE TABLE dr_desired (a int);');
\set VERBOSITY terse
SELECT count(*) FROM mig_diff('CREATE TABLE dr_desired (a int); CREATE TABLE dr_bad (a no_such_type);');
\set VERBOSITY default
CREATE TABLE dr_after_diff (a int);
SELECT object_identity FROM mig_drift()
WHERE object_identity IN ('public.dr_after_diff', 'mig_desired.dr_desired', 'public.dr_desired');

DROP EXTENSION mig_ext;
-- DDL after the extension is gone is not recorded anywhere, and works
DROP TABLE dr_accounts, dr_untracked, dr_scratch, dr_after_diff;
REVOKE CREATE ON SCHEMA public FROM regress_mig_dba;
DROP ROLE regress_mig_dba;
