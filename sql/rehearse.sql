-- rehearse: mig_test (upgrade, downgrade, re-upgrade of each revision,
-- schemas compared) and mig_rehearse (locks, rewrites), both rolled back.
SET client_min_messages = warning;
CREATE EXTENSION mig_ext;

-- what must be the same before and after a test or a rehearsal
CREATE FUNCTION state()
RETURNS TABLE (columns text, indexes text, versions bigint, log_rows bigint)
LANGUAGE sql AS $$
SELECT (SELECT string_agg(c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod),
                          ', ' ORDER BY c.relname, a.attnum)
          FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
                                                 AND NOT a.attisdropped
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
           AND c.relname NOT LIKE 'mig\_%') AS columns,
       (SELECT string_agg(relname, ', ' ORDER BY relname) FROM pg_class
         WHERE relnamespace = 'public'::regnamespace AND relkind = 'i'
           AND relname NOT LIKE 'mig\_%') AS indexes,
       (SELECT count(*) FROM mig_version) AS versions,
       (SELECT count(*) FROM mig_log) AS log_rows
$$;

------------------------------------------------------------------------
-- the todo app: every check ok, nothing left
------------------------------------------------------------------------
\getenv abs_srcdir PG_ABS_SRCDIR
\set todo_migrations :abs_srcdir '/tests/demo/todo_migrations.sql'
\set ECHO none
\o /dev/null
\i :todo_migrations
\o
\set ECHO all
SELECT * FROM mig_test();
SELECT * FROM state();
-- from a current revision: only what is above it
SELECT revision FROM mig_upgrade('001');
SELECT * FROM mig_test('head');
SELECT * FROM state();
DROP EXTENSION mig_ext;
DROP TABLE tasks, users;

------------------------------------------------------------------------
-- faulty revisions: each not ok, naming the object
------------------------------------------------------------------------
CREATE EXTENSION mig_ext;
CREATE TABLE t (a int, b int);
CREATE TABLE marker (note text);
-- f1's downgrade forgets the index its upgrade created
SELECT mig_revision('index b', 'CREATE INDEX t_b ON t (b)', 'SELECT 1',
                    revision => 'f1', down_revision => '{}');
-- f2's downgrade drops a column the upgrade did not add
SELECT mig_revision('add c', 'ALTER TABLE t ADD COLUMN c int', 'ALTER TABLE t DROP COLUMN b',
                    revision => 'f2');
-- f3's upgrade depends on data its downgrade leaves: run again, it puts
-- the columns in the other order
SELECT mig_revision('add x and y', $b$
INSERT INTO marker VALUES ('f3 ran');
DO $$
BEGIN
    IF (SELECT count(*) FROM marker) = 1 THEN
        ALTER TABLE marker ADD COLUMN x int, ADD COLUMN y int;
    ELSE
        ALTER TABLE marker ADD COLUMN y int, ADD COLUMN x int;
    END IF;
END
$$;
$b$, 'ALTER TABLE marker DROP COLUMN x, DROP COLUMN y', revision => 'f3');
-- f4's downgrade fails: the upgrade stays, the test goes on
SELECT mig_revision('comment', $$COMMENT ON TABLE t IS 'the t'$$, 'DROP TABLE nowhere',
                    revision => 'f4');
-- f5 has no downgrade
SELECT mig_revision('drop marker data', 'DELETE FROM marker', NULL, revision => 'f5');
SELECT * FROM state();
SELECT revision, "check", ok, detail FROM mig_test();
SELECT * FROM state();
SELECT count(*) AS marker_rows FROM marker;
SELECT obj_description('t'::regclass, 'pg_class') AS t_comment;
-- an upgrade that fails ends the test
SELECT mig_revision('broken', 'ALTER TABLE t ADD COLUMN a int', 'SELECT 1', revision => 'f6');
SELECT mig_revision('after broken', 'SELECT 1', 'SELECT 1', revision => 'f7');
SELECT revision, "check", ok, detail FROM mig_test() WHERE revision >= 'f5' OR revision IS NULL;
-- a second head
SELECT mig_revision('other base', 'SELECT 1', 'SELECT 1', revision => 'g1', down_revision => '{}');
SELECT revision, "check", ok, detail FROM mig_test('g1');
-- neither runs inside a migration body
SELECT mig_revision('nested', 'SELECT count(*) FROM mig_test()', 'SELECT 1',
                    revision => 'g2', down_revision => '{g1}');
SELECT * FROM mig_test('g2');
SELECT mig_revision('nested rehearsal', 'SELECT count(*) FROM mig_rehearse()', 'SELECT 1',
                    revision => 'g3', down_revision => '{g1}');
SELECT step, revision, detail FROM mig_rehearse('g3');
SELECT * FROM state();
DROP EXTENSION mig_ext;
DROP TABLE t, marker;

------------------------------------------------------------------------
-- mig_test reads again only what a step may have changed: what it
-- locked, the catalog rows it wrote, what names those
------------------------------------------------------------------------
CREATE EXTENSION mig_ext;
CREATE ROLE regress_mig_rehearse_reader;
CREATE TABLE keep (id int PRIMARY KEY, v int);
CREATE TABLE other (id int PRIMARY KEY);
CREATE TABLE granted (id int PRIMARY KEY);
CREATE FUNCTION keep_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE VIEW one_v AS SELECT keep_fn() AS one;
-- h1's downgrade forgets the index on a table the upgrade did not create
SELECT mig_revision('index and function',
                    $$CREATE INDEX keep_v_idx ON keep (v);
                      CREATE FUNCTION twice(int) RETURNS int LANGUAGE sql AS 'SELECT 2 * $1'$$,
                    'DROP FUNCTION twice(int)', revision => 'h1', down_revision => '{}');
-- h2's, the function
SELECT mig_revision('function and index',
                    $$CREATE INDEX other_id_idx ON other (id);
                      CREATE FUNCTION thrice(int) RETURNS int LANGUAGE sql AS 'SELECT 3 * $1'$$,
                    'DROP INDEX other_id_idx', revision => 'h2');
-- h3's, a column added to a table it did not create
SELECT mig_revision('column', 'ALTER TABLE other ADD COLUMN note text', 'SELECT 1', revision => 'h3');
-- h4's, a privilege (a GRANT takes no lock)
SELECT mig_revision('grant', 'GRANT SELECT ON granted TO regress_mig_rehearse_reader',
                    'SELECT 1', revision => 'h4');
-- h5 renames a function a view names: the view is read again too
SELECT mig_revision('rename', 'ALTER FUNCTION keep_fn() RENAME TO keep_fn2',
                    'SELECT 1', revision => 'h5');
-- h6 changes the view (renamed function and all) and is reversed exactly
SELECT mig_revision('view comment', $$COMMENT ON VIEW one_v IS 'the view'$$,
                    'COMMENT ON VIEW one_v IS NULL', revision => 'h6');
SELECT revision, "check", ok, detail FROM mig_test();
SELECT * FROM state();
DROP EXTENSION mig_ext;
DROP VIEW one_v;
DROP FUNCTION keep_fn();
DROP TABLE keep, other, granted;
DROP ROLE regress_mig_rehearse_reader;

------------------------------------------------------------------------
-- mig_rehearse on a table of 100,000 rows
------------------------------------------------------------------------
CREATE EXTENSION mig_ext;
CREATE TABLE big (id int PRIMARY KEY, v int);
CREATE INDEX big_v ON big (v);
INSERT INTO big SELECT g, g FROM generate_series(1, 100000) g;
CREATE TABLE relfilenodes AS
SELECT relname, relfilenode FROM pg_class WHERE relname IN ('big', 'big_pkey', 'big_v');
SELECT mig_revision('v to bigint', 'ALTER TABLE big ALTER COLUMN v TYPE bigint',
                    'ALTER TABLE big ALTER COLUMN v TYPE int', revision => 'r1', down_revision => '{}');
SELECT mig_revision('add d', 'ALTER TABLE big ADD COLUMN d int', 'ALTER TABLE big DROP COLUMN d',
                    revision => 'r2', down_revision => '{}');
SELECT mig_revision('index v', 'CREATE INDEX big_v2 ON big (v)', 'DROP INDEX big_v2',
                    revision => 'r3', down_revision => '{}');
SELECT mig_revision('add d again', 'ALTER TABLE big ADD COLUMN d int', 'SELECT 1',
                    revision => 'r4', down_revision => '{r2}');
SELECT mig_revision('reindex v', 'REINDEX INDEX big_v', 'SELECT 1',
                    revision => 'r5', down_revision => '{}');
SELECT mig_revision('add e', 'ALTER TABLE big ADD COLUMN e int', 'ALTER TABLE big DROP COLUMN e',
                    revision => 'r6', down_revision => '{r3}');
-- sizes are shown, then left out of the comparison
CREATE FUNCTION rehearsed(target text)
RETURNS TABLE (step int, revision text, direction text, timed boolean, locks text[],
               rewrites text[], sized boolean, detail text)
LANGUAGE sql AS $$
SELECT step, revision, direction, duration >= '0', locks,
       ARRAY(SELECT regexp_replace(r, ' \(.*\)$', '') FROM unnest(rewrites) r),
       rewrites::text !~ '\((?![0-9]+ (bytes|kB|MB)\))', detail
FROM mig_rehearse(target)
$$;
-- the type change rewrites the table and its indexes under an AccessExclusiveLock
-- (the locks on its indexes are the table's)
SELECT * FROM rehearsed('r1');
-- adding a column takes the same lock but rewrites nothing
SELECT * FROM rehearsed('r2');
-- creating an index takes a ShareLock
SELECT * FROM rehearsed('r3');
-- a step that fails is reported and ends the rehearsal; within one run a
-- lock held since an earlier step is not reported again
SELECT * FROM rehearsed('r4');
-- rebuilding an index takes a ShareLock on the table, but an
-- AccessExclusiveLock on the index, which blocks every query planned on
-- the table: reported as the table's
SELECT * FROM rehearsed('r5');
-- an index an earlier step created is locked by this transaction alone:
-- its lock is not the table's
SELECT * FROM rehearsed('r6');
-- the migration lock is taken; nothing changed afterwards
BEGIN;
SELECT count(*) AS steps FROM mig_rehearse('r3');
SELECT count(*) AS advisory_locks FROM pg_locks
WHERE locktype = 'advisory' AND pid = pg_backend_pid();
COMMIT;
SELECT * FROM state();
SELECT r.relname, c.relfilenode = r.relfilenode AS same_storage
FROM relfilenodes r JOIN pg_class c ON c.relname = r.relname ORDER BY 1;
SELECT count(*), sum(v) FROM big;

DROP FUNCTION rehearsed(text);
DROP EXTENSION mig_ext;
DROP TABLE big, relfilenodes;

------------------------------------------------------------------------
-- mig_rehearse reports the same locks whatever the planner knows
------------------------------------------------------------------------
CREATE EXTENSION mig_ext;
-- a foreign key check keeps its plan until the statistics of p change: a
-- plan kept locks only the index it scans, a plan made anew all of p's
-- indexes; no autovacuum, so that p has statistics only after ANALYZE
SET plan_cache_mode = force_generic_plan;
CREATE TABLE p (id int PRIMARY KEY, e int UNIQUE) WITH (autovacuum_enabled = off);
INSERT INTO p VALUES (1, 1);
CREATE TABLE c (id int PRIMARY KEY, pid int REFERENCES p) WITH (autovacuum_enabled = off);
SELECT mig_revision('a child row', 'INSERT INTO c VALUES (1, 1)', 'DELETE FROM c',
                    revision => 'k1', down_revision => '{}');
SELECT mig_revision('a foreign key', 'ALTER TABLE c ADD FOREIGN KEY (id) REFERENCES p',
                    'ALTER TABLE c DROP CONSTRAINT c_id_fkey', revision => 'k2', down_revision => '{}');
CREATE TEMP TABLE runs AS
SELECT 1 AS run, 'one row' AS p, revision, locks FROM mig_rehearse('k1');
INSERT INTO p SELECT g, g FROM generate_series(2, 100000) g;
INSERT INTO c SELECT g, g FROM generate_series(2, 100000) g;
INSERT INTO runs SELECT 2, '100,000 rows, no statistics', revision, locks FROM mig_rehearse('k1')
UNION ALL SELECT 3, '100,000 rows, no statistics', revision, locks FROM mig_rehearse('k2');
ANALYZE p, c;
INSERT INTO runs SELECT 4, '100,000 rows, statistics', revision, locks FROM mig_rehearse('k1')
UNION ALL SELECT 5, '100,000 rows, statistics', revision, locks FROM mig_rehearse('k2');
-- inserting a row takes a RowShareLock on the table it references; adding
-- a foreign key a ShareRowExclusiveLock on both tables
SELECT p, revision, locks FROM runs ORDER BY revision, run;
SELECT revision, count(DISTINCT locks) AS reports FROM runs GROUP BY revision ORDER BY revision;
RESET plan_cache_mode;
DROP EXTENSION mig_ext;
DROP TABLE runs, c, p;
DROP FUNCTION state();
