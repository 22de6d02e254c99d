/* mig_ext--1.0--1.1.sql: an index on the branch labels */

\echo Use "ALTER EXTENSION mig_ext UPDATE TO '1.1'" to load this file. \quit

-- mig_revision checks a new revision against the revisions its id, labels,
-- parents and dependencies name, found through the primary key and this
-- index, instead of reading the whole catalog.  Most revisions declare no
-- label, so only those that do are indexed.
CREATE INDEX mig_revisions_branch_labels ON mig_revisions USING gin (branch_labels)
    WHERE branch_labels <> '{}';
