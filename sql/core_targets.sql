-- core_targets: every form of target an upgrade or downgrade takes, on a
-- chain of five revisions with ids longer than three characters (Alembic
-- matches a prefix only against names longer than three characters).
CREATE EXTENSION mig_ext;
\set VERBOSITY default
-- nothing registered: head and base are no-ops, relative steps have nowhere to go
SELECT * FROM mig_upgrade('head');
SELECT * FROM mig_downgrade('base');
SELECT * FROM mig_upgrade('+1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_downgrade('-1');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_revision(revision => '1a2b3c4d', down_revision => '{}', message => 'one',
                    upgrade => 'CREATE TABLE t1 ()', downgrade => 'DROP TABLE t1');
SELECT mig_revision(revision => '2b3c4d5e', message => 'two',
                    upgrade => 'CREATE TABLE t2 ()', downgrade => 'DROP TABLE t2');
SELECT mig_revision(revision => '2b3c9999', message => 'three',
                    upgrade => 'CREATE TABLE t3 ()', downgrade => 'DROP TABLE t3');
SELECT mig_revision(revision => '4d5e6f70', message => 'four',
                    upgrade => 'CREATE TABLE t4 ()', downgrade => 'DROP TABLE t4');
SELECT mig_revision(revision => '5e6f7081', message => 'five',
                    upgrade => 'CREATE TABLE t5 ()', downgrade => 'DROP TABLE t5');
-- the version rows and the tables the bodies made, side by side
CREATE VIEW state AS
SELECT (SELECT coalesce(string_agg(revision, ', '), '(none)') FROM mig_version) AS version_rows,
       (SELECT coalesce(string_agg(relname, ', ' ORDER BY relname), '(none)') FROM pg_class
         WHERE relnamespace = 'public'::regnamespace AND relname ~ '^t[0-9]$') AS tables;

-- +N from nothing applied starts at the base
SELECT * FROM mig_upgrade('+1');
SELECT * FROM state;
SELECT * FROM mig_upgrade('+2');
SELECT * FROM state;
-- upgrading to an applied revision, or to the current one, runs nothing
SELECT * FROM mig_upgrade('2b3c4d5e');
SELECT * FROM mig_upgrade('2b3c9999');
SELECT * FROM mig_upgrade('1a2b');
SELECT * FROM state;
-- a prefix must be unique
SELECT * FROM mig_downgrade('2b3c');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_downgrade('2b3c4');
SELECT * FROM state;
-- head-N counts down from the head
SELECT * FROM mig_upgrade('head-1');
SELECT * FROM state;
SELECT * FROM mig_upgrade('head+1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('+2');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM state;
-- a unique prefix
SELECT * FROM mig_upgrade('5e6f');
SELECT * FROM state;
-- -N from the current revision
SELECT * FROM mig_downgrade('-2');
SELECT * FROM state;
-- a downgrade target must be below the current revision
SELECT * FROM mig_downgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_downgrade('+1');
\echo :LAST_ERROR_SQLSTATE
-- rev+N and rev-N, with full ids or prefixes
SELECT * FROM mig_downgrade('1a2b3c4d+1');
SELECT * FROM state;
SELECT * FROM mig_upgrade('1a2b+3');
SELECT * FROM state;
SELECT * FROM mig_downgrade('4d5e6f70-3');
SELECT * FROM state;
SELECT * FROM mig_downgrade('-2');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_downgrade('-1');
SELECT * FROM state;
-- at base: base is a no-op both ways, -1 has nothing to walk
SELECT * FROM mig_upgrade('base');
SELECT * FROM mig_downgrade('base');
SELECT * FROM mig_downgrade('-1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('-1');
\echo :LAST_ERROR_SQLSTATE
-- head, then heads: nothing left to do
SELECT * FROM mig_upgrade('head');
SELECT * FROM mig_upgrade('heads');
SELECT * FROM state;
-- base+N as a downgrade target
SELECT * FROM mig_downgrade('base+2');
SELECT * FROM state;
-- rev@head: the head on that revision's lineage
SELECT * FROM mig_upgrade('1a2b3c4d@head');
SELECT * FROM state;
-- unknown and malformed targets
SELECT * FROM mig_upgrade('ffff');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('@head');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_upgrade('+99999999999');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM state;

-- mig_show and mig_history take the same identifiers
SELECT revision, message, is_current FROM mig_show('1a2');
SELECT revision, message, is_current FROM mig_show('heads');
SELECT revision, message, is_current FROM mig_show('head');
SELECT revision, message, is_current FROM mig_show('2b3');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM mig_history('1a2b3c4d:4d5e');
SELECT revision FROM mig_history(':current');
SELECT revision FROM mig_history('current:');
SELECT revision FROM mig_history('-2:');
SELECT revision FROM mig_history('2b3c4d5e');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM mig_history('4d5e:1a2b');
\echo :LAST_ERROR_SQLSTATE

-- a three-character id is found whole, never by prefix
SELECT mig_revision(revision => 'f00', message => 'short id', upgrade => '', downgrade => '');
SELECT revision, down_revisions FROM mig_show('f00');
SELECT revision FROM mig_show('f0');
\echo :LAST_ERROR_SQLSTATE

DROP VIEW state;
DROP EXTENSION mig_ext;
DROP TABLE t1, t2, t3, t4, t5;
