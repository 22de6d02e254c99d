-- Bad input: each call fails with a clear message and SQLSTATE and changes
-- nothing; a generated test throws thousands of random strings at the
-- functions.
CREATE EXTENSION mig_ext;
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SELECT mig_revision('base', 'CREATE TABLE input_t (a int)', 'DROP TABLE input_t', revision => 'in1');
SELECT mig_revision('next', 'ALTER TABLE input_t ADD b int', 'ALTER TABLE input_t DROP b', revision => 'in2',
                    branch_labels => '{lab}');
SELECT revision FROM mig_upgrade('in1');
-- the state every failure below must leave as it is
CREATE TEMP VIEW state AS
  SELECT (SELECT string_agg(revision, ',' ORDER BY revision) FROM mig_version) AS versions,
         (SELECT count(*) FROM mig_revisions) AS revisions,
         (SELECT count(*) FROM mig_log) AS log_rows,
         (SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
           WHERE attrelid = 'input_t'::regclass AND attnum > 0 AND NOT attisdropped) AS input_t_columns;
SELECT * FROM state;

-- NULL and empty arguments
SELECT * FROM mig_upgrade(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_downgrade(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT mig_stamp('in1', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(NULL, 'SELECT 1');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'SELECT 1', revision => '');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'SELECT 1', down_revision => '{NULL}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_merge('m', NULL);
\echo :LAST_ERROR_SQLSTATE

-- ids with illegal characters or only whitespace
SELECT mig_revision('m', 'SELECT 1', revision => 'a-b');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'SELECT 1', revision => 'a@b');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'SELECT 1', revision => 'a:b+c');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'SELECT 1', revision => '   ');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'SELECT 1', revision => E'\t\n');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'SELECT 1', revision => 'ok', branch_labels => '{bad-label}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM state;

-- a 1 MB id or message (errors shown by their first characters)
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || left(SQLERRM, 60) || ' (' || length(SQLERRM) || ' characters)';
END
$$;
BEGIN;
SELECT length(mig_revision(repeat('m', 1048576), 'SELECT 1', revision => 'big_message'));
SELECT length(message) FROM mig_revisions WHERE revision = 'big_message';
ROLLBACK;
SELECT pg_temp.try($$SELECT mig_revision('m', 'SELECT 1', revision => repeat('x', 1048576))$$);
SELECT pg_temp.try($$SELECT mig_revision('m', 'SELECT 1', revision => 'ok', down_revision => ARRAY[repeat('x', 1048576)])$$);
SELECT pg_temp.try($$SELECT * FROM mig_upgrade(repeat('x', 1048576))$$);
SELECT pg_temp.try($$SELECT * FROM mig_upgrade(repeat('+', 1048576))$$);
SELECT pg_temp.try($$SELECT * FROM mig_downgrade('-' || repeat('9', 1048576))$$);
SELECT pg_temp.try($$SELECT mig_stamp(repeat('in1 ', 262144))$$);
SELECT * FROM state;

-- malformed targets
SELECT * FROM mig_upgrade('+');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('--1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('@');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('head@');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('@head');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('+99999999999999999999');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('rev+-1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('in1+-1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_downgrade('-99999999999999999999');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM state;

-- graph errors: unknown parents and dependencies, duplicate labels; a
-- self-loop or a cycle can only come from hand edits, and is found on load
SELECT mig_revision('m', 'SELECT 1', revision => 'loop', down_revision => '{loop}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'SELECT 1', revision => 'orphan', down_revision => '{nosuch}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'SELECT 1', revision => 'dep', depends_on => '{nosuch}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'SELECT 1', revision => 'dep', depends_on => '{dep}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'SELECT 1', revision => 'dup', branch_labels => '{lab}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'SELECT 1', revision => 'dup2', branch_labels => '{in1}');
\echo :LAST_ERROR_SQLSTATE
BEGIN;
UPDATE mig_revisions SET down_revisions = '{in1}' WHERE revision = 'in1';
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
UPDATE mig_revisions SET down_revisions = '{in2}' WHERE revision = 'in1';
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT * FROM state;

-- bodies with transaction control or a syntax error are refused when
-- registered, with the statement named
\set SHOW_CONTEXT errors
SELECT mig_revision('m', 'CREATE TABLE input_x (a int); COMMIT', revision => 'tx');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'BEGIN; CREATE TABLE input_x (a int)', revision => 'tx');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'SELECT 1', 'SAVEPOINT s; ROLLBACK TO s', revision => 'tx');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision('m', 'CREATE TABLE input_x (a int); INSERT INTO input_x VALUES (1); SELEC 2', revision => 'syntax');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM state;
-- a syntax error in the 3rd statement that reached the catalog (by hand)
-- stops the call before any statement runs
CREATE FUNCTION pg_temp.set_upgrade(rev text, body text) RETURNS void LANGUAGE sql AS $$
UPDATE mig_revisions SET upgrade = body,
       checksum = encode(sha256(convert_to(octet_length(body) || ':' || body
                  || coalesce(octet_length(downgrade) || ':' || downgrade, '-1:'), 'UTF8')), 'hex')
 WHERE revision = rev
$$;
BEGIN;
SELECT pg_temp.set_upgrade('in2', 'CREATE TABLE input_x (a int); INSERT INTO input_x VALUES (1); SELEC 2');
SELECT * FROM mig_validate();
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- transaction control that reached the catalog (by hand) is refused too
BEGIN;
SELECT pg_temp.set_upgrade('in2', 'ALTER TABLE input_t ADD b int; COMMIT');
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- a run-time failure in the 2nd statement: nothing of the call remains
SELECT mig_revision('m', 'INSERT INTO input_t (a) VALUES (1); SELECT 1 / 0', revision => 'boom');
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
\set SHOW_CONTEXT never
SELECT * FROM state;
SELECT count(*) FROM input_t;
SELECT to_regclass('input_x') IS NULL AS input_x_absent;
DELETE FROM mig_revisions WHERE revision = 'boom';

-- a downgrade through an irreversible revision
SELECT mig_revision('m', 'CREATE TABLE input_y (a int)', revision => 'oneway');
SELECT revision FROM mig_upgrade();
SELECT * FROM state;
SELECT * FROM mig_downgrade('in1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM state;
SELECT to_regclass('input_y') IS NOT NULL AS input_y_kept;

-- a version row naming an unregistered revision
BEGIN;
INSERT INTO mig_version VALUES ('unregistered');
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
INSERT INTO mig_version VALUES ('unregistered');
SELECT * FROM mig_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- re-entrancy: mig_ext functions called from inside a body
\set SHOW_CONTEXT errors
SELECT mig_revision('m', $$SELECT * FROM mig_upgrade()$$, revision => 'reenter1');
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
DELETE FROM mig_revisions WHERE revision = 'reenter1';
SELECT mig_revision('m', $$SELECT mig_revision('inner', 'SELECT 1')$$, revision => 'reenter2');
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
DELETE FROM mig_revisions WHERE revision = 'reenter2';
SELECT mig_revision('m', $$SELECT count(*) FROM mig_validate()$$, revision => 'reenter3');
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
DELETE FROM mig_revisions WHERE revision = 'reenter3';
\set SHOW_CONTEXT never
SELECT * FROM state;

-- generated: thousands of random strings as targets and ids, each call's
-- error caught; the server stays up and nothing changes
SELECT * FROM state \gset before_
BEGIN;
CREATE TEMP TABLE fuzz (fn text, ok boolean, sqlstate text);
SELECT setseed(0.4242);
DO $$
DECLARE
    alphabet CONSTANT text := 'abcdefin0129+-@:_ ,.()''";\%*heads base head lab ';
    s text;
    st text;
BEGIN
    FOR i IN 1..2500 LOOP
        s := '';
        FOR j IN 1..(1 + floor(random() * 12))::int LOOP
            s := s || substr(alphabet, 1 + floor(random() * length(alphabet))::int, 1);
        END LOOP;
        BEGIN
            st := NULL;
            CASE i % 5
                WHEN 0 THEN PERFORM * FROM mig_upgrade(s);
                WHEN 1 THEN PERFORM * FROM mig_downgrade(s);
                WHEN 2 THEN PERFORM * FROM mig_history(s);
                WHEN 3 THEN PERFORM mig_stamp(s);
                ELSE PERFORM mig_revision('fuzz', 'SELECT 1', revision => s, down_revision => ARRAY[s]);
            END CASE;
        EXCEPTION WHEN OTHERS THEN
            st := SQLSTATE;
        END;
        INSERT INTO fuzz VALUES (CASE i % 5 WHEN 0 THEN 'upgrade' WHEN 1 THEN 'downgrade'
                                 WHEN 2 THEN 'history' WHEN 3 THEN 'stamp' ELSE 'revision' END,
                                 st IS NULL, st);
    END LOOP;
END
$$;
-- every function got hundreds of strings, most refused, none with an internal error
SELECT fn, count(*) AS calls, count(*) FILTER (WHERE NOT ok) > count(*) / 2 AS mostly_refused,
       count(*) FILTER (WHERE sqlstate LIKE 'XX%') AS internal_errors
  FROM fuzz GROUP BY fn ORDER BY fn;
ROLLBACK;
SELECT 1 AS server_up;
SELECT (SELECT versions FROM state) IS NOT DISTINCT FROM :'before_versions' AS versions_same,
       (SELECT revisions FROM state) = :before_revisions AS revisions_same,
       (SELECT log_rows FROM state) = :before_log_rows AS log_same,
       (SELECT input_t_columns FROM state) = :'before_input_t_columns' AS columns_same;

DROP EXTENSION mig_ext CASCADE;
DROP TABLE input_t, input_y;
