-- catalog.sql: the catalog tables of mig_ext (revisions, version rows, log),
-- their index and what pg_dump keeps of them.  Their comments are in
-- comments.sql, their rights in privileges.sql.
--
-- Fresh installs only: an update changes these tables in its own delta
-- (update-before.sql), as a table cannot be created again.

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
    seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    -- Production deploys: false runs each statement of the bodies on its
    -- own, outside a transaction block (CALL mig_deploy).
    transactional   boolean NOT NULL DEFAULT true,
    -- Revisions that must never be applied together with this one (Sqitch's
    -- conflicts): an upgrade that would leave both applied is refused.
    conflicts       text[] NOT NULL DEFAULT '{}',
    -- Verify bodies (Sqitch's verify scripts): statements that fail unless
    -- the upgrade is really there, run after it and by mig_verify.
    verify          text,
    -- Repeatable revisions (Flyway's R__ migrations): outside the graph, run
    -- again after an upgrade reaching the heads whenever their upgrade changed.
    repeatable      boolean NOT NULL DEFAULT false
);

-- mig_revision checks a new revision against the revisions its id, labels,
-- parents and dependencies name, found through the primary key and this
-- index, instead of reading the whole catalog.  Most revisions declare no
-- label, so only those that do are indexed.
CREATE INDEX mig_revisions_branch_labels ON mig_revisions USING gin (branch_labels)
    WHERE branch_labels <> '{}';

-- One row per current head, as alembic_version holds them.
CREATE TABLE mig_version (
    revision        text PRIMARY KEY
);

-- One row per step ever applied (rolled-back attempts leave none).
CREATE TABLE mig_log (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    revision            text NOT NULL,
    direction           text NOT NULL CHECK (direction IN ('upgrade', 'downgrade', 'stamp', 'backfill', 'complete')),
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

SELECT pg_catalog.pg_extension_config_dump('mig_revisions', '');
SELECT pg_catalog.pg_extension_config_dump('mig_version', '');
SELECT pg_catalog.pg_extension_config_dump('mig_log', '');
-- the identity sequences too, or a restored database would reuse their values
SELECT pg_catalog.pg_extension_config_dump('mig_revisions_seq_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mig_log_id_seq', '');
