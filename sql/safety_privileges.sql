-- Privileges and hijacking: who may change what, as whom bodies and
-- bookkeeping run, and that objects on the caller's search_path change
-- nothing in what mig_ext reads or writes.
CREATE EXTENSION mig_ext;
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE ROLE regress_mig_nobody;
CREATE ROLE regress_mig_deployer;
-- the documented grants of a deployer: EXECUTE on the changing functions,
-- SELECT on mig_revisions (it registers and runs bodies), plus what its
-- bodies need (here: creating tables in public)
GRANT EXECUTE ON FUNCTION mig_revision(text, text, text, text, text[], text[], text[], boolean, text[], text, boolean),
                          mig_merge(text, text[], text, text[]),
                          mig_upgrade(text), mig_downgrade(text), mig_stamp(text, boolean)
   TO regress_mig_deployer;
GRANT SELECT ON mig_revisions TO regress_mig_deployer;
GRANT CREATE ON SCHEMA public TO regress_mig_deployer;

-- no grants: every changing function and every table write is refused
SET ROLE regress_mig_nobody;
SELECT mig_revision('x', 'SELECT 1');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_merge('x');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_stamp('head');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import('SELECT 1');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_adopt_alembic();
\echo :LAST_ERROR_SQLSTATE
INSERT INTO mig_version VALUES ('x');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO mig_revisions (revision, upgrade, checksum, registered_by) VALUES ('x', '', '', 'x');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM mig_log;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_revisions;
\echo :LAST_ERROR_SQLSTATE
-- the reports are read-only and public
SELECT count(*) FROM mig_current();
SELECT count(*) FROM mig_validate();
RESET ROLE;

-- a deployer with only those grants registers and upgrades; its bodies run
-- as itself, the bookkeeping works though it has no rights on mig_* tables
SET ROLE regress_mig_deployer;
SELECT mig_revision('deploy', $$CREATE TABLE priv_t (who name);
INSERT INTO priv_t VALUES (current_user)$$, 'DROP TABLE priv_t', revision => 'p1');
SELECT revision, direction FROM mig_upgrade();
SELECT who FROM priv_t;
SELECT tableowner FROM pg_tables WHERE tablename = 'priv_t';
-- it cannot forge or erase rows directly
INSERT INTO mig_version VALUES ('forged');
\echo :LAST_ERROR_SQLSTATE
UPDATE mig_version SET revision = 'forged';
\echo :LAST_ERROR_SQLSTATE
INSERT INTO mig_log (revision, direction, from_revisions, to_revisions, applied_by,
                     session_user_name, application_name, xid, started_at, duration)
VALUES ('p1', 'upgrade', '{}', '{p1}', 'someone', 'someone', '', '1', now(), '0');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM mig_log;
\echo :LAST_ERROR_SQLSTATE
UPDATE mig_revisions SET upgrade = 'SELECT 1';
\echo :LAST_ERROR_SQLSTATE
-- nor through a body: bodies run with the caller's rights, not the owner's
SELECT mig_revision('forge', $$INSERT INTO mig_version VALUES ('forged')$$, revision => 'p2');
SELECT revision FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
SELECT revision, direction FROM mig_downgrade('base');
RESET ROLE;
SELECT revision FROM mig_version;
SELECT revision, registered_by FROM mig_revisions ORDER BY seq;
SELECT revision, direction, applied_by, session_user_name = session_user AS session_user_ok
  FROM mig_log ORDER BY id;
SELECT to_regclass('priv_t') IS NULL AS priv_t_dropped;

-- hijacking: a table mig_version earlier on the search_path
CREATE SCHEMA hijack;
CREATE TABLE hijack.mig_version (revision text);
CREATE TABLE hijack.mig_log (revision text);
CREATE TABLE hijack.mig_revisions (revision text);
INSERT INTO hijack.mig_version VALUES ('p1');
SET search_path = hijack, public;
SELECT revision, direction FROM mig_upgrade('p1');
SELECT * FROM mig_current();
SELECT count(*) AS hijack_rows FROM hijack.mig_version WHERE revision <> 'p1';
SELECT count(*) AS hijack_log FROM hijack.mig_log;
SELECT revision FROM public.mig_version;
RESET search_path;

-- hijacking: operators and functions in public, searched before pg_catalog;
-- each records that it ran (as whom) instead of changing results silently
CREATE TABLE hijack.calls (fn text, who name);
CREATE FUNCTION public.hijack_eq(a text, b text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN INSERT INTO hijack.calls VALUES ('=', current_user); RETURN true; END$$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.hijack_eq);
CREATE FUNCTION public.hijack_cat(a text[], b text[]) RETURNS text[] LANGUAGE plpgsql AS
$$BEGIN INSERT INTO hijack.calls VALUES ('||', current_user); RETURN '{}'; END$$;
CREATE OPERATOR public.|| (LEFTARG = text[], RIGHTARG = text[], FUNCTION = public.hijack_cat);
CREATE FUNCTION public.unnest(a text[]) RETURNS SETOF text LANGUAGE plpgsql AS
$$BEGIN INSERT INTO hijack.calls VALUES ('unnest', current_user); END$$;
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN INSERT INTO hijack.calls VALUES ('now', current_user); RETURN 'epoch'; END$$;
CREATE FUNCTION public.max(timestamptz) RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN INSERT INTO hijack.calls VALUES ('max', current_user); RETURN 'epoch'; END$$;
SET search_path = public, pg_catalog;
SELECT mig_revision('hijacked?', 'CREATE TABLE priv_t3 (a int)', 'DROP TABLE priv_t3',
                    revision => 'p3', down_revision => '{p1}', depends_on => '{p1}');
SELECT revision, direction FROM mig_upgrade('p3');
SELECT mig_stamp('p1', purge => true);
SELECT mig_stamp('p3');
SELECT revision, direction FROM mig_downgrade('p1');
SELECT revision, direction FROM mig_upgrade('p3');
SELECT revision, is_current, applied_at > 'epoch' AS applied_at_real FROM mig_history() ORDER BY revision;
SELECT * FROM mig_validate();
UPDATE public.mig_revisions SET upgrade = 'CREATE TABLE priv_t3 (b int)' WHERE revision OPERATOR(pg_catalog.=) 'p3';
SELECT revision, problem FROM mig_validate();
-- control: the hijacking operator is live for unqualified SQL on this path
SELECT 'a'::text = 'b'::text AS hijacked;
RESET search_path;
SELECT fn, who = current_user AS by_caller FROM hijack.calls;
SELECT revision FROM mig_version;
SELECT revision, direction, to_revisions FROM mig_log ORDER BY id;

DROP EXTENSION mig_ext CASCADE;
DROP SCHEMA hijack CASCADE;
DROP OPERATOR public.= (text, text);
DROP OPERATOR public.|| (text[], text[]);
DROP FUNCTION public.hijack_eq(text, text), public.hijack_cat(text[], text[]),
              public.unnest(text[]), public.now(), public.max(timestamptz);
DROP TABLE priv_t3;

-- CREATE EXTENSION ... SCHEMA other: the catalog and the lock follow the schema
CREATE SCHEMA mig_other;
CREATE EXTENSION mig_ext SCHEMA mig_other;
SELECT mig_other.mig_revision('other', 'CREATE TABLE mig_other.t (a int)', 'DROP TABLE mig_other.t', revision => 'o1');
SELECT revision, direction FROM mig_other.mig_upgrade();
SELECT revision FROM mig_other.mig_version;
SELECT to_regclass('public.mig_version') IS NULL AS nothing_in_public;
-- the lock key is (1835624293, the schema's oid as int4)
BEGIN;
SELECT revision FROM mig_other.mig_downgrade('base');
SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
   AND classid = 1835624293 AND objid = 'mig_other'::regnamespace::oid AND objsubid = 2;
ROLLBACK;
DROP EXTENSION mig_ext CASCADE;
DROP SCHEMA mig_other CASCADE;
REVOKE CREATE ON SCHEMA public FROM regress_mig_deployer;
DROP ROLE regress_mig_nobody;
DROP ROLE regress_mig_deployer;
