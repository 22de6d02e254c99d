-- mig_import(scripts text[], filenames text[]): many revision files in one
-- statement, in whatever order they are given.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mig_ext CASCADE;
CREATE EXTENSION mig_ext;
\set SHOW_CONTEXT errors

-- Seven files: two bases, parents named by id and by a label of the
-- batch, a dependency on a label, a merge.
CREATE TABLE batch_files (name text PRIMARY KEY, script text NOT NULL);
INSERT INTO batch_files VALUES
  ('a1.sql', E'-- mig:revision: a1\n-- mig:down_revisions:\n-- mig:branch_labels: app\n-- mig:upgrade\nCREATE TABLE batch_a (id int);\n-- mig:downgrade\nDROP TABLE batch_a;\n'),
  ('a2.sql', E'-- mig:revision: a2\n-- mig:down_revisions: a1\n-- mig:message: second\n-- mig:upgrade\nALTER TABLE batch_a ADD b int;\n'),
  ('a3.sql', E'-- mig:revision: a3\n-- mig:down_revisions: a2\n-- mig:depends_on: lib\n-- mig:upgrade\nSELECT 1;\n'),
  ('l1.sql', E'-- mig:revision: l1\n-- mig:down_revisions:\n-- mig:branch_labels: lib\n-- mig:upgrade\nCREATE TABLE batch_l (id int);\n'),
  ('l2.sql', E'-- mig:revision: l2\n-- mig:down_revisions: lib\n-- mig:upgrade\nSELECT 2;\n'),
  ('m1.sql', E'-- mig:revision: m1\n-- mig:down_revisions: a3, l2\n-- mig:message: merge\n-- mig:upgrade\n'),
  ('z1.sql', E'-- mig:revision: z1\n-- mig:down_revisions: m1\n-- mig:upgrade\nSELECT 3;\n');
CREATE VIEW batch_catalog AS
  SELECT revision, down_revisions, branch_labels, depends_on, message, checksum
  FROM mig_revisions;
-- what each order registers, to compare
CREATE TABLE batch_runs (run text, names text[], ids text[], catalog text);
CREATE FUNCTION batch_run(run text, names text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ids text[];
BEGIN
    DELETE FROM mig_revisions;
    ids := mig_import(ARRAY(SELECT f.script FROM unnest(names) WITH ORDINALITY n(name, k)
                            JOIN batch_files f USING (name) ORDER BY k),
                      names);
    INSERT INTO batch_runs
    SELECT run, names, ids, string_agg(c::text, E'\n' ORDER BY c.revision) FROM batch_catalog c;
END
$$;

-- In name order, in reverse, and shuffled: the same registrations.
SELECT batch_run('names', ARRAY(SELECT name FROM batch_files ORDER BY name));
SELECT batch_run('reverse', ARRAY(SELECT name FROM batch_files ORDER BY name DESC));
SELECT batch_run('shuffled', ARRAY(SELECT name FROM batch_files ORDER BY md5(name || 'shuffle')));
SELECT run, names, ids FROM batch_runs ORDER BY run;
SELECT count(DISTINCT catalog) AS catalogs, min(catalog) = max(catalog) AS same FROM batch_runs;
SELECT revision, down_revisions, branch_labels, depends_on FROM mig_revisions ORDER BY revision;
-- each revision came after the revisions it names (seq is the order)
SELECT c.revision, p.revision AS named
FROM mig_revisions c
CROSS JOIN LATERAL unnest(c.down_revisions || c.depends_on) AS n(name)
JOIN mig_revisions p ON p.revision = n.name OR n.name = ANY (p.branch_labels)
WHERE p.seq > c.seq;
SELECT revision FROM mig_upgrade('heads');

-- Importing the same files again (any order) registers nothing new.
SELECT max(seq) AS last_seq FROM mig_revisions \gset
SELECT mig_import(ARRAY(SELECT script FROM batch_files ORDER BY name DESC));
SELECT count(*) AS revisions, max(seq) = :last_seq AS nothing_new FROM mig_revisions;
-- a new file among them: only it is registered
SELECT mig_import(ARRAY(SELECT script FROM batch_files ORDER BY name DESC) ||
                  E'-- mig:revision: z2\n-- mig:down_revisions: z1\n-- mig:upgrade\n'::text);
SELECT revision FROM mig_revisions WHERE seq > :last_seq;

-- Parents already registered, named by id, prefix or label@head.
SELECT mig_import(ARRAY[E'-- mig:revision: p2\n-- mig:down_revisions: p1\n-- mig:upgrade\n',
                        E'-- mig:revision: p1\n-- mig:down_revisions: z2\n-- mig:upgrade\n',
                        E'-- mig:revision: p3\n-- mig:down_revisions: lib@head\n-- mig:upgrade\n']);
SELECT revision, down_revisions FROM mig_revisions WHERE revision LIKE 'p_' ORDER BY revision;

-- Nothing given: nothing registered.
SELECT mig_import('{}'::text[]);

-- A broken last file: the error names it, and nothing is registered.
SELECT count(*) AS before FROM mig_revisions \gset
-- (a good file q1, then the file given)
PREPARE after_q1(text, text) AS
  SELECT mig_import(ARRAY[E'-- mig:revision: q1\n-- mig:down_revisions: p3\n-- mig:upgrade\n', $1],
                    ARRAY['migrations/q1.sql', $2]);
EXECUTE after_q1(E'-- mig:revision: q2\n-- mig:down_revisions: q1\n-- mig:upgrade\nSELECT 1;\n-- mig:message: late\n',
                 'migrations/q2.sql');
\echo :LAST_ERROR_SQLSTATE
-- without names: the script's number
SELECT mig_import(ARRAY[E'-- mig:revision: q1\n-- mig:down_revisions: p3\n-- mig:upgrade\n',
                        E'-- mig:revision: q2\n-- mig:down_revisions: q1\n-- mig:upgrade\nSELECT 1;\n-- mig:message: late\n']);
-- a body that does not parse, a parent nowhere, a conflict: the file is
-- the error's context
EXECUTE after_q1(E'-- mig:revision: q2\n-- mig:down_revisions: q1\n-- mig:upgrade\nSELEC 1;\n', 'q2.sql');
\echo :LAST_ERROR_SQLSTATE
EXECUTE after_q1(E'-- mig:revision: q2\n-- mig:down_revisions: nosuch\n-- mig:upgrade\n', 'q2.sql');
\echo :LAST_ERROR_SQLSTATE
EXECUTE after_q1(E'-- mig:revision: z1\n-- mig:down_revisions: m1\n-- mig:message: changed\n-- mig:upgrade\nSELECT 3;\n',
                 'z1.sql');
\echo :LAST_ERROR_SQLSTATE
-- two files with one id and different bodies
EXECUTE after_q1(E'-- mig:revision: q1\n-- mig:down_revisions: p3\n-- mig:upgrade\nSELECT 1;\n', 'q1-again.sql');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) = :before AS nothing_registered FROM mig_revisions;

-- A cycle in the batch names the files it holds back.
SELECT mig_import(ARRAY[E'-- mig:revision: r1\n-- mig:down_revisions: r3\n-- mig:upgrade\n',
                        E'-- mig:revision: r2\n-- mig:down_revisions: r1\n-- mig:upgrade\n',
                        E'-- mig:revision: ok\n-- mig:down_revisions: p3\n-- mig:upgrade\n',
                        E'-- mig:revision: r3\n-- mig:down_revisions: r2\n-- mig:branch_labels: rr\n-- mig:upgrade\n',
                        E'-- mig:revision: r4\n-- mig:down_revisions: ok\n-- mig:depends_on: rr\n-- mig:upgrade\n'],
                  '{r1.sql,r2.sql,ok.sql,r3.sql,r4.sql}');
\echo :LAST_ERROR_SQLSTATE
-- (a revision naming itself is not a cycle of the batch: the registration
-- finds no parent)
SELECT mig_import(ARRAY[E'-- mig:revision: r1\n-- mig:down_revisions: r1\n-- mig:upgrade\n']);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) = :before AS nothing_registered FROM mig_revisions;

-- Arguments.
SELECT mig_import(NULL::text[]);
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(ARRAY[NULL]::text[]);
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(ARRAY[E'-- mig:revision: s1\n-- mig:down_revisions:\n-- mig:upgrade\n'], '{a.sql,b.sql}');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_import(ARRAY[E'-- mig:revision: s1\n-- mig:down_revisions:\n-- mig:upgrade\n'], ARRAY[NULL]::text[]);
\echo :LAST_ERROR_SQLSTATE
-- a single file still resolves to mig_import(text, text)
SELECT pg_typeof(mig_import(E'-- mig:revision: s1\n-- mig:down_revisions:\n-- mig:upgrade\n'));

-- Privileges: revoked from PUBLIC; EXECUTE alone does not let a role
-- register bodies it may not read.
CREATE ROLE regress_batch_user;
GRANT USAGE ON SCHEMA public TO regress_batch_user;
SET ROLE regress_batch_user;
SELECT mig_import(ARRAY[E'-- mig:revision: u1\n-- mig:down_revisions:\n-- mig:upgrade\n']);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT EXECUTE ON FUNCTION mig_import(text[], text[]) TO regress_batch_user;
SET ROLE regress_batch_user;
SELECT mig_import(ARRAY[E'-- mig:revision: u1\n-- mig:down_revisions:\n-- mig:upgrade\n']);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT count(*) AS u1_rows FROM mig_revisions WHERE revision = 'u1';
DROP EXTENSION mig_ext CASCADE;
REVOKE USAGE ON SCHEMA public FROM regress_batch_user;
DROP ROLE regress_batch_user;
DROP TABLE batch_runs, batch_files CASCADE;
DROP FUNCTION batch_run(text, text[]);
DROP TABLE batch_a, batch_l;
