-- update-before.sql: the start of the update from 1.1 to 1.2 (the end is
-- update-after.sql): what the sources run after it cannot do on a 1.1
-- install.  mig_revisions gains its 1.2 columns (catalog.sql creates the
-- table with them); the functions whose arguments or result columns change
-- are dropped, for revisions.sql and autogenerate.sql to create them anew
-- (CREATE OR REPLACE cannot change those).  The EXECUTE rights of the
-- dropped entry points wait in a temporary table for update-after.sql.

-- Existing revisions stay transactional, repeatable not, with no conflicts
-- and no verify body.
ALTER TABLE mig_revisions ADD COLUMN transactional boolean NOT NULL DEFAULT true;
ALTER TABLE mig_revisions ADD COLUMN conflicts text[] NOT NULL DEFAULT '{}';
ALTER TABLE mig_revisions ADD COLUMN verify text;
ALTER TABLE mig_revisions ADD COLUMN repeatable boolean NOT NULL DEFAULT false;

-- mig_revision gains the arguments transactional, conflicts, verify and
-- repeatable; mig_history the columns transactional and repeatable;
-- mig_show and mig_plan the column transactional; the internal
-- mig_autogen_objects the argument relids (its rights are set again by
-- update-after.sql, as those of every internal function).
CREATE TEMP TABLE mig_update_rights AS
SELECT f.new, p.proacl AS acl, p.proowner AS owner
FROM (VALUES ('mig_revision(text, text, text, text, text[], text[], text[])',
              'mig_revision(text, text, text, text, text[], text[], text[], boolean, text[], text, boolean)'),
             ('mig_history(text)', 'mig_history(text)'),
             ('mig_show(text)', 'mig_show(text)'),
             ('mig_plan(text)', 'mig_plan(text)')) AS f(old, new)
JOIN pg_catalog.pg_proc p ON p.oid = f.old::pg_catalog.regprocedure;
DROP FUNCTION mig_revision(text, text, text, text, text[], text[], text[]),
              mig_history(text), mig_show(text), mig_plan(text),
              mig_autogen_objects(oid, name);

-- mig_log also records the other halves of a started revision (catalog.sql
-- creates the table with them).
ALTER TABLE mig_log DROP CONSTRAINT mig_log_direction_check;
ALTER TABLE mig_log ADD CONSTRAINT mig_log_direction_check
    CHECK (direction IN ('upgrade', 'downgrade', 'stamp', 'backfill', 'complete'));
