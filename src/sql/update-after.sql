-- update-after.sql: the end of the update from 1.1 to 1.2 (the start is
-- update-before.sql): the rights that 1.2 changes.  privileges.sql is not
-- run again, as a GRANT or REVOKE run by an update makes every grant the
-- object holds then, a DBA's too, one of its initial privileges, which
-- pg_dump leaves out.

-- The entry points created anew get the rights granted or revoked on the
-- old ones (NULL: the default rights, kept).
DO $$
DECLARE
    f record;
    grantee pg_catalog.oid;
BEGIN
    FOR f IN SELECT * FROM pg_temp.mig_update_rights WHERE acl IS NOT NULL
    LOOP
        EXECUTE 'REVOKE ALL ON FUNCTION ' || f.new || ' FROM PUBLIC';
        FOR grantee IN SELECT a.grantee FROM pg_catalog.aclexplode(f.acl) a
                       WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> f.owner
        LOOP
            EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %s', f.new,
                CASE grantee WHEN 0 THEN 'PUBLIC' ELSE grantee::pg_catalog.regrole::pg_catalog.text END);
        END LOOP;
    END LOOP;
END
$$;
DROP TABLE pg_temp.mig_update_rights;

-- The internal functions of autogenerate, open to PUBLIC in 1.1, are for
-- mig_ext's own code; the new functions that change anything, and the new
-- drift log, are not PUBLIC's either.
REVOKE EXECUTE ON FUNCTION mig_autogen_map(text, name, name),
                           mig_autogen_objects(oid, name, oid[]),
                           mig_autogen_alter_column(text, text, text, text, boolean,
                                                    text, text, boolean),
                           mig_autogen_change_column(text, text, text, text, boolean, text,
                                                     text, text, boolean, text),
                           mig_autogen_alter_domain(text, text, boolean, text, boolean),
                           mig_autogen_recreate_enum(name, name, text, text[], text[]),
                           mig_autogen_diff(oid, oid),
                           mig_import(text[], text[]),
                           mig_test(text), mig_rehearse(text), mig_verify(text)
    FROM PUBLIC;
REVOKE EXECUTE ON PROCEDURE mig_deploy(text, interval, integer) FROM PUBLIC;
REVOKE ALL ON mig_drift_log FROM PUBLIC;

-- The zero-downtime lifecycle is new and not PUBLIC's.
REVOKE ALL ON mig_expand_ops, mig_expand_state FROM PUBLIC;

REVOKE EXECUTE ON PROCEDURE mig_start(text, integer, interval, integer), mig_complete(interval, integer),
    mig_rollback(interval, integer) FROM PUBLIC;
