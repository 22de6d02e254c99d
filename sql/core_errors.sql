-- core_errors: what fails, how it fails, and that a failure leaves nothing
-- behind: failing bodies, refused bodies, irreversible revisions, stamps
-- over bad version rows, registration errors and NULL arguments.
CREATE EXTENSION mig_ext;
\set VERBOSITY default
\set SHOW_CONTEXT never

-- everything a failed call could have touched: app tables, app data,
-- version rows, log rows (a function: it outlives DROP EXTENSION)
CREATE TABLE keep (x int);
CREATE FUNCTION snapshot(OUT tables text, OUT keep_rows text, OUT version_rows text,
                         OUT log_rows bigint)
LANGUAGE sql AS $$
SELECT (SELECT coalesce(string_agg(relname, ', ' ORDER BY relname), '(none)') FROM pg_class
         WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
           AND relname NOT LIKE 'mig\_%' AND relname <> 'keep'),
       (SELECT string_agg(x::text, ', ' ORDER BY x) FROM keep),
       (SELECT coalesce(string_agg(revision, ', ' ORDER BY revision), '(none)') FROM mig_version),
       (SELECT count(*) FROM mig_log)
$$;

------------------------------------------------------------------------
-- a run-time error in the second of three upgrades undoes all three
------------------------------------------------------------------------
INSERT INTO keep VALUES (1), (2);
SELECT mig_revision(revision => 'e1', down_revision => '{}', message => 'first',
                    upgrade => 'CREATE TABLE one (x int); INSERT INTO keep VALUES (3);',
                    downgrade => 'DROP TABLE one; DELETE FROM keep WHERE x = 3;');
SELECT mig_revision(revision => 'e2', message => 'second fails', upgrade => $$
CREATE TABLE two (x int);
UPDATE keep SET x = x / 0;
CREATE TABLE two_b (x int);
$$, downgrade => 'DROP TABLE two_b, two;');
SELECT mig_revision(revision => 'e3', message => 'third',
                    upgrade => 'CREATE TABLE three (x int);', downgrade => 'DROP TABLE three;');
-- from nothing applied
SELECT * FROM snapshot();
CREATE TEMP TABLE before AS SELECT * FROM snapshot();
\set SHOW_CONTEXT always
SELECT * FROM mig_upgrade('head');
\set SHOW_CONTEXT never
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM snapshot();
SELECT (SELECT to_jsonb(b) FROM before b) = (SELECT to_jsonb(s) FROM snapshot() s) AS unchanged;
-- from e1 applied: e2 fails, e1's effects and row stay exactly as they were
SELECT * FROM mig_upgrade('e1');
SELECT * FROM snapshot();
DROP TABLE before;
CREATE TEMP TABLE before AS SELECT * FROM snapshot();
\set SHOW_CONTEXT always
SELECT * FROM mig_upgrade('head');
\set SHOW_CONTEXT never
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM snapshot();
SELECT (SELECT to_jsonb(b) FROM before b) = (SELECT to_jsonb(s) FROM snapshot() s) AS unchanged;
-- inside the caller's own transaction, the failure aborts it as any error does
BEGIN;
SELECT * FROM mig_upgrade('head');
SELECT 1;
ROLLBACK;
SELECT * FROM snapshot();
-- a failing downgrade undoes everything too: e3's downgrade runs, e2's
-- fails (its tables were never made), e3's table and row come back
CREATE TABLE three (x int);
SELECT mig_stamp('e3');
SELECT * FROM snapshot();
DROP TABLE before;
CREATE TEMP TABLE before AS SELECT * FROM snapshot();
\set SHOW_CONTEXT always
SELECT * FROM mig_downgrade('base');
\set SHOW_CONTEXT never
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM snapshot();
SELECT (SELECT to_jsonb(b) FROM before b) = (SELECT to_jsonb(s) FROM snapshot() s) AS unchanged;
SELECT mig_stamp('base');
DROP EXTENSION mig_ext;
DROP TABLE one, three, before;
DELETE FROM keep WHERE x = 3;

------------------------------------------------------------------------
-- a body of several statements: a plpgsql function (BEGIN/END and
-- semicolons inside dollar quotes), a DO block, and statements that use
-- what the earlier ones made
------------------------------------------------------------------------
CREATE EXTENSION mig_ext;
SELECT mig_revision(revision => 'b1', down_revision => '{}', message => 'accounts with an audit trigger',
                    upgrade => $body$
CREATE TABLE account (id int PRIMARY KEY, balance numeric NOT NULL DEFAULT 0);
CREATE TABLE account_audit (id int, old_balance numeric, new_balance numeric);
-- a comment with a semicolon; and a 'quote
CREATE FUNCTION account_audit_fn() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO account_audit VALUES (NEW.id, OLD.balance, NEW.balance);
    RETURN NEW;
END;
$fn$;
CREATE TRIGGER account_audit_tr AFTER UPDATE ON account
    FOR EACH ROW EXECUTE FUNCTION account_audit_fn();
INSERT INTO account VALUES (1, 10), (2, 20);
DO $do$
BEGIN
    UPDATE account SET balance = balance + 5;
    COMMENT ON TABLE account IS 'one; two';
END
$do$;
$body$,
                    downgrade => $body$
DROP TABLE account_audit;
DROP TABLE account;
DROP FUNCTION account_audit_fn();
$body$);
SELECT * FROM mig_upgrade('head');
SELECT * FROM account ORDER BY id;
SELECT * FROM account_audit ORDER BY id;
SELECT obj_description('account'::regclass, 'pg_class') AS comment;
SELECT * FROM mig_downgrade('base');
SELECT to_regclass('account') AS account, to_regclass('account_audit') AS audit,
       to_regproc('account_audit_fn') AS fn;
DROP EXTENSION mig_ext;

------------------------------------------------------------------------
-- bad bodies are refused when registered: transaction control, syntax
-- errors (in either body); nothing is registered and nothing runs
------------------------------------------------------------------------
CREATE EXTENSION mig_ext;
SELECT mig_revision(revision => 'r1', down_revision => '{}', message => 'fine',
                    upgrade => 'CREATE TABLE r1 ();', downgrade => 'DROP TABLE r1;');
SELECT mig_revision(revision => 'r2', message => 'commits',
                    upgrade => 'CREATE TABLE r2 (); INSERT INTO r1 DEFAULT VALUES; COMMIT;',
                    downgrade => 'DROP TABLE r2;');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'r3', down_revision => '{r1}', message => 'begins',
                    upgrade => 'BEGIN; CREATE TABLE r3 ();', downgrade => 'DROP TABLE r3;');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'r4', down_revision => '{r1}', message => 'savepoint',
                    upgrade => 'SAVEPOINT s; CREATE TABLE r4 (); ROLLBACK TO SAVEPOINT s;',
                    downgrade => 'DROP TABLE r4;');
\echo :LAST_ERROR_SQLSTATE
-- a syntax error in the third statement, pointed at inside the body
\set SHOW_CONTEXT always
SELECT mig_revision(revision => 'r5', down_revision => '{r1}', message => 'typo',
                    upgrade => $$CREATE TABLE r5a ();
CREATE TABLE r5b ();
CREAT TABLE r5c ();$$,
                    downgrade => 'DROP TABLE r5b, r5a;');
\set SHOW_CONTEXT never
\echo :LAST_ERROR_SQLSTATE
-- the downgrade body is checked too
SELECT mig_revision(revision => 'r6', down_revision => '{r1}', message => 'bad downgrade',
                    upgrade => 'CREATE TABLE r6 ();', downgrade => 'DROP TABLE r6; COMMIT;');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM mig_revisions ORDER BY seq;
SELECT * FROM mig_upgrade('head');
SELECT * FROM snapshot();
SELECT * FROM mig_downgrade('base');
DROP EXTENSION mig_ext;

------------------------------------------------------------------------
-- a body cannot call mig_ext: the call fails and the whole run is undone
------------------------------------------------------------------------
CREATE EXTENSION mig_ext;
SELECT mig_revision(revision => 'n1', down_revision => '{}', message => 'nested',
                    upgrade => 'CREATE TABLE n1 (); SELECT * FROM mig_upgrade(''head'');',
                    downgrade => 'DROP TABLE n1;');
\set SHOW_CONTEXT always
SELECT * FROM mig_upgrade('head');
\set SHOW_CONTEXT never
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM snapshot();
DROP EXTENSION mig_ext;

------------------------------------------------------------------------
-- a downgrade through an irreversible revision fails before any step runs
------------------------------------------------------------------------
CREATE EXTENSION mig_ext;
SELECT mig_revision(revision => 'i1', down_revision => '{}', message => 'reversible',
                    upgrade => 'CREATE TABLE i1 ();', downgrade => 'DROP TABLE i1;');
SELECT mig_revision(revision => 'i2', message => 'irreversible', upgrade => 'CREATE TABLE i2 ();');
SELECT mig_revision(revision => 'i3', message => 'reversible too',
                    upgrade => 'CREATE TABLE i3 ();', downgrade => 'DROP TABLE i3;');
SELECT revision, downgrade FROM mig_show('i2');
SELECT * FROM mig_upgrade('head');
SELECT * FROM mig_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_downgrade('-2');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM snapshot();
-- above it, downgrades still work
SELECT * FROM mig_downgrade('-1');
SELECT * FROM snapshot();
SELECT mig_stamp('base');
DROP TABLE i1, i2;
DROP EXTENSION mig_ext;

------------------------------------------------------------------------
-- mig_stamp: head, base, a middle revision; purge over a bogus row
------------------------------------------------------------------------
CREATE EXTENSION mig_ext;
SELECT mig_revision(revision => 's1', down_revision => '{}', message => 'one',
                    upgrade => 'CREATE TABLE s1 ();', downgrade => 'DROP TABLE s1;');
SELECT mig_revision(revision => 's2', message => 'two',
                    upgrade => 'CREATE TABLE s2 ();', downgrade => 'DROP TABLE s2;');
SELECT mig_revision(revision => 's3', message => 'three',
                    upgrade => 'CREATE TABLE s3 ();', downgrade => 'DROP TABLE s3;');
SELECT mig_stamp('head');
SELECT * FROM snapshot();
SELECT mig_stamp('head');
SELECT mig_stamp('s2');
SELECT * FROM snapshot();
SELECT mig_stamp('base');
SELECT * FROM snapshot();
SELECT mig_stamp('s1');
SELECT * FROM mig_upgrade('head');
SELECT * FROM snapshot();
SELECT id, revision, direction, from_revisions, to_revisions, checksum IS NULL AS no_checksum
  FROM mig_log ORDER BY id;
-- a version row naming no registered revision: every command but a
-- purging stamp refuses, naming the row
INSERT INTO mig_version VALUES ('bogus');
SELECT * FROM mig_current();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_stamp('s3');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM mig_history();
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM mig_heads();
\echo :LAST_ERROR_SQLSTATE
SELECT mig_stamp('s3', purge => true);
SELECT * FROM snapshot();
SELECT revision, is_head FROM mig_current();
SELECT * FROM mig_downgrade('s1');
SELECT * FROM snapshot();
SELECT mig_stamp('base');
DROP EXTENSION mig_ext;

------------------------------------------------------------------------
-- rights: commands need EXECUTE, bodies run with the caller's rights,
-- the catalog tables stay closed
------------------------------------------------------------------------
CREATE EXTENSION mig_ext;
CREATE ROLE regress_mig_user;
SELECT mig_revision(revision => 'p1', down_revision => '{}', message => 'made by the caller',
                    upgrade => 'CREATE TABLE p1 (x int);', downgrade => 'DROP TABLE p1;');
SET ROLE regress_mig_user;
SELECT * FROM mig_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'p2', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM mig_heads();
SELECT * FROM mig_version;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT EXECUTE ON FUNCTION mig_upgrade(text), mig_downgrade(text) TO regress_mig_user;
GRANT SELECT ON mig_revisions TO regress_mig_user;
SET ROLE regress_mig_user;
-- the body creates a table in public, which the role may not do yet
SELECT * FROM mig_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT CREATE ON SCHEMA public TO regress_mig_user;
SET ROLE regress_mig_user;
SELECT * FROM mig_upgrade('head');
INSERT INTO mig_log (revision, direction, from_revisions, to_revisions, applied_by,
                     session_user_name, application_name, xid, started_at, duration)
VALUES ('p1', 'upgrade', '{}', '{p1}', 'x', 'x', '', '1', now(), '0');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT tableowner FROM pg_tables WHERE tablename = 'p1';
SELECT revision, applied_by, session_user_name = session_user AS session_me FROM mig_log;
SET ROLE regress_mig_user;
SELECT * FROM mig_downgrade('base');
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM regress_mig_user;
DROP EXTENSION mig_ext;
DROP ROLE regress_mig_user;

------------------------------------------------------------------------
-- registration: idempotent, conflicts, bad parents, bad ids, NULLs
------------------------------------------------------------------------
CREATE EXTENSION mig_ext;
SELECT mig_revision(revision => 'g1', down_revision => '{}', message => 'm1',
                    upgrade => 'SELECT 1', downgrade => 'SELECT 2',
                    branch_labels => '{lab}');
SELECT mig_revision(revision => 'g2', message => 'm2', upgrade => 'SELECT 3',
                    downgrade => 'SELECT 4', depends_on => '{g1}');
-- the same content again: same id, no new row
SELECT mig_revision(revision => 'g1', down_revision => '{}', message => 'm1',
                    upgrade => 'SELECT 1', downgrade => 'SELECT 2', branch_labels => '{lab}');
SELECT mig_revision(revision => 'g2', message => 'm2', upgrade => 'SELECT 3',
                    downgrade => 'SELECT 4', depends_on => '{g1}');
SELECT mig_revision(revision => 'g2', down_revision => '{g1}', message => 'm2',
                    upgrade => 'SELECT 3', downgrade => 'SELECT 4', depends_on => '{g1}');
SELECT revision, down_revisions, branch_labels, depends_on FROM mig_revisions ORDER BY seq;
-- different content, one field at a time
SELECT mig_revision(revision => 'g2', down_revision => '{}', message => 'm2',
                    upgrade => 'SELECT 3', downgrade => 'SELECT 4', depends_on => '{g1}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'g2', message => 'm2!', upgrade => 'SELECT 3',
                    downgrade => 'SELECT 4', depends_on => '{g1}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'g2', message => 'm2', upgrade => 'SELECT 33',
                    downgrade => 'SELECT 4', depends_on => '{g1}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'g2', message => 'm2', upgrade => 'SELECT 3',
                    downgrade => 'SELECT 44', depends_on => '{g1}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'g2', message => 'm2', upgrade => 'SELECT 3',
                    depends_on => '{g1}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'g2', message => 'm2', upgrade => 'SELECT 3',
                    downgrade => 'SELECT 4', depends_on => '{g1}', branch_labels => '{other}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'g2', message => 'm2', upgrade => 'SELECT 3',
                    downgrade => 'SELECT 4');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM mig_revisions;
-- an unknown parent
SELECT mig_revision(revision => 'g3', down_revision => '{nope}', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'g3', down_revision => '{base}', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
-- two bases make two heads: a revision without down_revision has no single parent
SELECT mig_revision(revision => 'h1', down_revision => '{}', message => 'second base', upgrade => '');
SELECT revision FROM mig_heads();
SELECT mig_revision(revision => 'g3', message => 'on which head?', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
-- ids: illegal characters, empty, reserved, too long
SELECT mig_revision(revision => 'a-b', down_revision => '{}', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'a+b', down_revision => '{}', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'lab@x', down_revision => '{}', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'a b:c', down_revision => '{}', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => '', down_revision => '{}', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'head', down_revision => '{}', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'heads', down_revision => '{}', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'base', down_revision => '{}', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'current', down_revision => '{}', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => repeat('x', 1025), down_revision => '{}', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'g3', down_revision => '{}', message => 'm', upgrade => '',
                    branch_labels => '{bad-label}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'g3', down_revision => '{}', message => 'm', upgrade => '',
                    branch_labels => '{lab}');
\echo :LAST_ERROR_SQLSTATE
-- NULL arguments
SELECT mig_revision(revision => 'g3', down_revision => '{}', message => NULL, upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'g3', down_revision => '{}', message => 'm', upgrade => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'g3', down_revision => '{NULL}', message => 'm', upgrade => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'g3', down_revision => '{}', message => 'm', upgrade => '',
                    branch_labels => ARRAY[NULL]);
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => 'g3', down_revision => '{}', message => 'm', upgrade => '',
                    depends_on => ARRAY[NULL]);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_downgrade(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT mig_stamp(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT mig_stamp('base', purge => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_show(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM mig_history(NULL);
SELECT count(*) FROM mig_revisions;

DROP FUNCTION snapshot();
DROP TABLE keep;
DROP EXTENSION mig_ext;
