-- privileges.sql: who may use what, for a fresh install (an update states
-- the rights it changes in update-after.sql: a GRANT or REVOKE run again by
-- an update would make every grant the object holds, a DBA's too, one of
-- its initial privileges, which pg_dump leaves out).
--
-- The catalog tables are the owner's: SELECT on mig_revisions is what lets
-- a role read migration bodies through mig_ext.  Functions that change
-- anything are for roles granted EXECUTE.  The reports that show no body
-- stay open to PUBLIC; the library lets a body out (mig_show,
-- mig_upgrade_sql, mig_downgrade_sql, and the functions that run or
-- register bodies, whose errors may quote them) only to a role that may
-- SELECT from mig_revisions (src/privilege.c).  The internal mig_autogen_*
-- functions are for mig_ext's own code, which calls them as the catalog
-- owner (src/diff.c).

REVOKE ALL ON mig_revisions, mig_version, mig_log, mig_drift_log FROM PUBLIC;

-- revisions.sql
REVOKE EXECUTE ON FUNCTION mig_revision(text, text, text, text, text[], text[], text[], boolean, text[], text, boolean),
                           mig_merge(text, text[], text, text[]),
                           mig_upgrade(text), mig_downgrade(text), mig_stamp(text, boolean)
    FROM PUBLIC;

-- files.sql
REVOKE EXECUTE ON FUNCTION mig_import(text, text), mig_import(text[], text[]),
                           mig_adopt_alembic(regclass)
    FROM PUBLIC;

-- autogenerate.sql: mig_autogenerate registers a revision, as mig_revision does.
REVOKE EXECUTE ON FUNCTION mig_autogen_map(text, name, name),
                           mig_autogen_objects(oid, name, oid[]),
                           mig_autogen_alter_column(text, text, text, text, boolean,
                                                    text, text, boolean),
                           mig_autogen_change_column(text, text, text, text, boolean, text,
                                                     text, text, boolean, text),
                           mig_autogen_alter_domain(text, text, boolean, text, boolean),
                           mig_autogen_recreate_enum(name, name, text, text[], text[]),
                           mig_autogen_diff(oid, oid),
                           mig_autogenerate(text, text, name, text)
    FROM PUBLIC;

-- deploy.sql
REVOKE EXECUTE ON PROCEDURE mig_deploy(text, interval, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION mig_test(text), mig_rehearse(text), mig_verify(text) FROM PUBLIC;

-- expand.sql
REVOKE ALL ON mig_expand_ops, mig_expand_state FROM PUBLIC;

REVOKE EXECUTE ON PROCEDURE mig_start(text, integer, interval, integer), mig_complete(interval, integer),
    mig_rollback(interval, integer) FROM PUBLIC;
