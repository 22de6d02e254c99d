-- Drift: an applied revision whose body no longer matches what ran, a body
-- edited by hand, missing and unknown revisions; mig_validate() reports them
-- and mig_upgrade/mig_downgrade refuse to run over them.
CREATE EXTENSION mig_ext;
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SELECT mig_revision('one', 'CREATE TABLE drift_t1 (a int)', 'DROP TABLE drift_t1', revision => 'd1');
SELECT mig_revision('two', 'CREATE TABLE drift_t2 (a int)', 'DROP TABLE drift_t2', revision => 'd2');
SELECT mig_revision('three', 'CREATE TABLE drift_t3 (a int)', 'DROP TABLE drift_t3', revision => 'd3');
SELECT revision FROM mig_upgrade('d2');
-- all is well: no rows
SELECT * FROM mig_validate();
-- the log holds the sha256 of each upgrade that ran
SELECT l.revision, l.checksum = encode(sha256(convert_to(r.upgrade, 'UTF8')), 'hex') AS matches
  FROM mig_log l JOIN mig_revisions r USING (revision) ORDER BY l.id;

-- a hand edit of an applied upgrade body: both checks see it
UPDATE mig_revisions SET upgrade = 'CREATE TABLE drift_t1 (a bigint)' WHERE revision = 'd1';
SELECT revision, problem, detail ~ 'sha256 [0-9a-f]{64}, but the last upgrade logged for it ran a body with sha256 [0-9a-f]{64}' AS sha_detail
  FROM mig_validate() WHERE problem = 'changed body';
SELECT revision, problem, detail FROM mig_validate() WHERE problem <> 'changed body';
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM mig_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
-- nothing changed
SELECT revision FROM mig_version;
SELECT count(*) FROM mig_log;
SELECT to_regclass('drift_t3') IS NULL AS t3_absent, to_regclass('drift_t2') IS NOT NULL AS t2_present;

-- an edit that also recomputes the stored checksum is still caught by the log
UPDATE mig_revisions SET checksum = encode(sha256(convert_to(
         octet_length(upgrade) || ':' || upgrade || octet_length(downgrade) || ':' || downgrade, 'UTF8')), 'hex')
 WHERE revision = 'd1';
SELECT revision, problem FROM mig_validate();
SELECT * FROM mig_upgrade();
-- restoring the body as it ran resolves it
UPDATE mig_revisions SET upgrade = 'CREATE TABLE drift_t1 (a int)' WHERE revision = 'd1';
SELECT revision, problem FROM mig_validate();
UPDATE mig_revisions SET checksum = encode(sha256(convert_to(
         octet_length(upgrade) || ':' || upgrade || octet_length(downgrade) || ':' || downgrade, 'UTF8')), 'hex')
 WHERE revision = 'd1';
SELECT * FROM mig_validate();

-- a hand edit of a downgrade body shows through the stored checksum
UPDATE mig_revisions SET downgrade = 'DROP TABLE drift_t2 CASCADE' WHERE revision = 'd2';
SELECT revision, problem, detail FROM mig_validate();
SELECT * FROM mig_downgrade('d1');
\echo :LAST_ERROR_SQLSTATE
UPDATE mig_revisions SET downgrade = 'DROP TABLE drift_t2' WHERE revision = 'd2';

-- a hand edit of a revision not applied yet is refused too
UPDATE mig_revisions SET upgrade = 'CREATE TABLE drift_t3 (b int)' WHERE revision = 'd3';
SELECT revision, problem FROM mig_validate();
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
UPDATE mig_revisions SET upgrade = 'CREATE TABLE drift_t3 (a int)' WHERE revision = 'd3';
SELECT revision, direction FROM mig_upgrade();
SELECT * FROM mig_validate();

-- a revision applied by stamp has no logged upgrade: only the stored checksum counts
SELECT mig_revision('four', 'CREATE TABLE drift_t4 (a int)', 'DROP TABLE drift_t4', revision => 'd4');
SELECT mig_stamp('d4');
SELECT * FROM mig_validate();
UPDATE mig_revisions SET message = 'messages are not bodies' WHERE revision = 'd4';
SELECT * FROM mig_validate();
UPDATE mig_revisions SET upgrade = 'SELECT 1' WHERE revision = 'd4';
SELECT revision, problem FROM mig_validate();
UPDATE mig_revisions SET upgrade = 'CREATE TABLE drift_t4 (a int)' WHERE revision = 'd4';

-- upgraded again after a downgrade: the last logged upgrade counts
CREATE TABLE drift_t4 (a int);
SELECT revision, direction FROM mig_downgrade('d2');
SELECT revision, direction FROM mig_upgrade();
SELECT * FROM mig_validate();

-- a dependency named by a branch label counts as applied through the label
SELECT mig_revision('side base', 'SELECT 1', 'SELECT 1', revision => 'd5', down_revision => '{}',
                    branch_labels => '{side}');
SELECT mig_revision('needs side', 'SELECT 1', 'SELECT 1', revision => 'd6', down_revision => '{d4}',
                    depends_on => '{side}');
SELECT revision, direction FROM mig_upgrade('d6');
SELECT revision FROM mig_version;
SELECT * FROM mig_validate();
UPDATE mig_revisions SET upgrade = 'SELECT 2' WHERE revision = 'd5';
SELECT revision, problem FROM mig_validate();
UPDATE mig_revisions SET upgrade = 'SELECT 1' WHERE revision = 'd5';

-- a body changed by hand while not applied (checksum recomputed too) runs
-- as changed: from then on the newest logged upgrade counts, not the first
SELECT revision, direction FROM mig_downgrade('d4');
UPDATE mig_revisions SET upgrade = 'SELECT 3', checksum = encode(sha256(convert_to(
         octet_length('SELECT 3') || ':SELECT 3' || octet_length(downgrade) || ':' || downgrade, 'UTF8')), 'hex')
 WHERE revision = 'd6';
SELECT revision, direction FROM mig_upgrade('d6');
SELECT count(DISTINCT checksum) AS upgrades_logged FROM mig_log WHERE revision = 'd6' AND direction = 'upgrade';
SELECT * FROM mig_validate();
SELECT revision FROM mig_upgrade('heads');
SELECT revision FROM mig_version ORDER BY 1;

-- a version row naming an unknown revision: reported, not fatal
INSERT INTO mig_version VALUES ('ghost');
SELECT * FROM mig_validate();
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
DELETE FROM mig_version WHERE revision = 'ghost';

-- an applied revision missing from the catalog (a row deleted by hand)
DELETE FROM mig_revisions WHERE revision = 'd2';
SELECT * FROM mig_validate();
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE

DROP EXTENSION mig_ext CASCADE;
DROP TABLE drift_t1, drift_t2, drift_t3, drift_t4;
