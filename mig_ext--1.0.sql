/* mig_ext--1.0.sql: catalog tables and functions of mig_ext 1.0 */

\echo Use "CREATE EXTENSION mig_ext" to load this file. \quit

-- One row per registered revision.
CREATE TABLE mig_revisions (
    revision        text PRIMARY KEY,
    down_revisions  text[] NOT NULL DEFAULT '{}',
    branch_labels   text[] NOT NULL DEFAULT '{}',
    depends_on      text[] NOT NULL DEFAULT '{}',
    message         text NOT NULL DEFAULT '',
    upgrade         text NOT NULL,
    downgrade       text,
    checksum        text NOT NULL,
    registered_by   name NOT NULL,
    registered_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
COMMENT ON TABLE mig_revisions IS 'mig_ext: registered revisions (write them with mig_revision and mig_merge)';

-- One row per current head, as alembic_version holds them.
CREATE TABLE mig_version (
    revision        text PRIMARY KEY
);
COMMENT ON TABLE mig_version IS 'mig_ext: current version rows (moved by mig_upgrade, mig_downgrade and mig_stamp)';

-- One row per step ever applied (rolled-back attempts leave none).
CREATE TABLE mig_log (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    revision            text NOT NULL,
    direction           text NOT NULL CHECK (direction IN ('upgrade', 'downgrade', 'stamp')),
    from_revisions      text[] NOT NULL,
    to_revisions        text[] NOT NULL,
    applied_by          name NOT NULL,
    session_user_name   name NOT NULL,
    application_name    text NOT NULL,
    xid                 xid8 NOT NULL,
    started_at          timestamptz NOT NULL,
    duration            interval NOT NULL,
    checksum            text
);
COMMENT ON TABLE mig_log IS 'mig_ext: audit trail, one row per step applied';

SELECT pg_catalog.pg_extension_config_dump('mig_revisions', '');
SELECT pg_catalog.pg_extension_config_dump('mig_version', '');
SELECT pg_catalog.pg_extension_config_dump('mig_log', '');
-- the identity sequences too, or a restored database would reuse their values
SELECT pg_catalog.pg_extension_config_dump('mig_revisions_seq_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mig_log_id_seq', '');

REVOKE ALL ON mig_revisions, mig_version, mig_log FROM PUBLIC;

CREATE FUNCTION mig_revision(message text, upgrade text, downgrade text DEFAULT NULL,
                             revision text DEFAULT NULL, down_revision text[] DEFAULT NULL,
                             branch_labels text[] DEFAULT NULL, depends_on text[] DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_revision'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_merge(message text, revisions text[] DEFAULT '{heads}',
                          revision text DEFAULT NULL, branch_labels text[] DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_merge'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_upgrade(target text DEFAULT 'head')
RETURNS TABLE (revision text, direction text, message text)
AS 'MODULE_PATHNAME', 'mig_upgrade'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_downgrade(target text)
RETURNS TABLE (revision text, direction text, message text)
AS 'MODULE_PATHNAME', 'mig_downgrade'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_stamp(target text, purge boolean DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'mig_stamp'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_current()
RETURNS TABLE (revision text, is_head boolean, message text, branch_labels text[],
               is_effective_head boolean, is_branch_point boolean, is_merge_point boolean)
AS 'MODULE_PATHNAME', 'mig_current'
LANGUAGE C STABLE;

CREATE FUNCTION mig_heads()
RETURNS TABLE (revision text, message text, branch_labels text[],
               is_effective_head boolean, is_current boolean)
AS 'MODULE_PATHNAME', 'mig_heads'
LANGUAGE C STABLE;

CREATE FUNCTION mig_branches()
RETURNS TABLE (revision text, message text, branch_labels text[], children text[])
AS 'MODULE_PATHNAME', 'mig_branches'
LANGUAGE C STABLE;

CREATE FUNCTION mig_history(range text DEFAULT NULL)
RETURNS TABLE (revision text, down_revisions text[], message text, branch_labels text[],
               depends_on text[], is_head boolean, is_effective_head boolean, is_base boolean,
               is_branch_point boolean, is_merge_point boolean, is_current boolean,
               applied_at timestamptz)
AS 'MODULE_PATHNAME', 'mig_history'
LANGUAGE C STABLE;

CREATE FUNCTION mig_show(revision text)
RETURNS TABLE (revision text, down_revisions text[], message text, branch_labels text[],
               depends_on text[], is_head boolean, is_effective_head boolean, is_base boolean,
               is_branch_point boolean, is_merge_point boolean, is_current boolean,
               upgrade text, downgrade text)
AS 'MODULE_PATHNAME', 'mig_show'
LANGUAGE C STABLE;

-- Functions that change anything are for roles granted EXECUTE.
REVOKE EXECUTE ON FUNCTION mig_revision(text, text, text, text, text[], text[], text[]),
                           mig_merge(text, text[], text, text[]),
                           mig_upgrade(text), mig_downgrade(text), mig_stamp(text, boolean)
    FROM PUBLIC;

-- Plans, offline scripts, revision files, Alembic adoption, the graph picture.
CREATE FUNCTION mig_plan(target text DEFAULT 'head')
RETURNS TABLE (step int, direction text, revision text, message text,
               version_rows_before text[], version_rows_after text[])
AS 'MODULE_PATHNAME', 'mig_plan'
LANGUAGE C STABLE;

CREATE FUNCTION mig_upgrade_sql(target text DEFAULT 'head')
RETURNS text
AS 'MODULE_PATHNAME', 'mig_upgrade_sql'
LANGUAGE C STABLE;

CREATE FUNCTION mig_downgrade_sql(target text)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_downgrade_sql'
LANGUAGE C STABLE;

CREATE FUNCTION mig_import(script text, filename text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_import'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_adopt_alembic(version_table regclass DEFAULT NULL)
RETURNS text[]
AS 'MODULE_PATHNAME', 'mig_adopt_alembic'
LANGUAGE C VOLATILE;

CREATE FUNCTION mig_graph()
RETURNS text
AS 'MODULE_PATHNAME', 'mig_graph'
LANGUAGE C STABLE;

REVOKE EXECUTE ON FUNCTION mig_import(text, text), mig_adopt_alembic(regclass) FROM PUBLIC;

-- Read-only: anyone may check the catalog for drift.
CREATE FUNCTION mig_validate()
RETURNS TABLE (revision text, problem text, detail text)
AS 'MODULE_PATHNAME', 'mig_validate'
LANGUAGE C STABLE;
