-- revisions.sql: the entry points on the revision graph: register
-- (mig_revision, mig_merge), move (mig_upgrade, mig_downgrade, mig_stamp),
-- report (mig_current, mig_heads, mig_branches, mig_history, mig_show,
-- mig_plan, mig_graph, mig_validate) and write the SQL of a move to run
-- elsewhere (mig_upgrade_sql, mig_downgrade_sql).  Their comments are in
-- comments.sql, their rights in privileges.sql.

CREATE OR REPLACE FUNCTION mig_revision(message text, upgrade text, downgrade text DEFAULT NULL,
                                        revision text DEFAULT NULL, down_revision text[] DEFAULT NULL,
                                        branch_labels text[] DEFAULT NULL, depends_on text[] DEFAULT NULL,
                                        transactional boolean DEFAULT true, conflicts text[] DEFAULT NULL,
                                        verify text DEFAULT NULL, repeatable boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_revision'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION mig_merge(message text, revisions text[] DEFAULT '{heads}',
                                     revision text DEFAULT NULL, branch_labels text[] DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_merge'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION mig_upgrade(target text DEFAULT 'head')
RETURNS TABLE (revision text, direction text, message text)
AS 'MODULE_PATHNAME', 'mig_upgrade'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION mig_downgrade(target text)
RETURNS TABLE (revision text, direction text, message text)
AS 'MODULE_PATHNAME', 'mig_downgrade'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION mig_stamp(target text, purge boolean DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'mig_stamp'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION mig_current()
RETURNS TABLE (revision text, is_head boolean, message text, branch_labels text[],
               is_effective_head boolean, is_branch_point boolean, is_merge_point boolean)
AS 'MODULE_PATHNAME', 'mig_current'
LANGUAGE C STABLE;

CREATE OR REPLACE FUNCTION mig_heads()
RETURNS TABLE (revision text, message text, branch_labels text[],
               is_effective_head boolean, is_current boolean)
AS 'MODULE_PATHNAME', 'mig_heads'
LANGUAGE C STABLE;

CREATE OR REPLACE FUNCTION mig_branches()
RETURNS TABLE (revision text, message text, branch_labels text[], children text[])
AS 'MODULE_PATHNAME', 'mig_branches'
LANGUAGE C STABLE;

CREATE OR REPLACE FUNCTION mig_history(range text DEFAULT NULL)
RETURNS TABLE (revision text, down_revisions text[], message text, branch_labels text[],
               depends_on text[], is_head boolean, is_effective_head boolean, is_base boolean,
               is_branch_point boolean, is_merge_point boolean, is_current boolean,
               applied_at timestamptz, transactional boolean, repeatable boolean)
AS 'MODULE_PATHNAME', 'mig_history'
LANGUAGE C STABLE;

CREATE OR REPLACE FUNCTION mig_show(revision text)
RETURNS TABLE (revision text, down_revisions text[], message text, branch_labels text[],
               depends_on text[], is_head boolean, is_effective_head boolean, is_base boolean,
               is_branch_point boolean, is_merge_point boolean, is_current boolean,
               upgrade text, downgrade text, transactional boolean)
AS 'MODULE_PATHNAME', 'mig_show'
LANGUAGE C STABLE;

CREATE OR REPLACE FUNCTION mig_plan(target text DEFAULT 'head')
RETURNS TABLE (step int, direction text, revision text, message text,
               version_rows_before text[], version_rows_after text[],
               transactional boolean)
AS 'MODULE_PATHNAME', 'mig_plan'
LANGUAGE C STABLE;

CREATE OR REPLACE FUNCTION mig_upgrade_sql(target text DEFAULT 'head')
RETURNS text
AS 'MODULE_PATHNAME', 'mig_upgrade_sql'
LANGUAGE C STABLE;

CREATE OR REPLACE FUNCTION mig_downgrade_sql(target text)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_downgrade_sql'
LANGUAGE C STABLE;

CREATE OR REPLACE FUNCTION mig_graph()
RETURNS text
AS 'MODULE_PATHNAME', 'mig_graph'
LANGUAGE C STABLE;

CREATE OR REPLACE FUNCTION mig_validate()
RETURNS TABLE (revision text, problem text, detail text)
AS 'MODULE_PATHNAME', 'mig_validate'
LANGUAGE C STABLE;
