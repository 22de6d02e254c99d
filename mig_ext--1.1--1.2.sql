/* mig_ext--1.1--1.2.sql: objects of mig_ext 1.2 */

\echo Use "ALTER EXTENSION mig_ext UPDATE TO '1.2'" to load this file. \quit

-- fleet (issue 18)
--
-- A registry database publishes mig_revisions; each member database
-- subscribes to it, registers what arrives through mig_revision, applies it
-- from a pg_cron job and publishes a one-row report that the registry
-- subscribes to.  The registry and its members must have mig_ext in the same
-- schema: logical replication matches tables by qualified name.  Design
-- notes: doc/fleet.md.

-- On a member, its own report (one row); on the registry, one row per member,
-- each received from that member's publication.
CREATE TABLE mig_fleet_report (
    member          text PRIMARY KEY,
    heads           text[] NOT NULL DEFAULT '{}',
    pending         bigint NOT NULL DEFAULT 0,
    received_seq    bigint NOT NULL DEFAULT 0,
    stuck_before    text,
    last_error      text,
    refused         jsonb NOT NULL DEFAULT '{}',
    last_applied    text,
    last_applied_at timestamptz,
    last_run_at     timestamptz
);
COMMENT ON TABLE mig_fleet_report IS 'mig_ext: fleet status, one row per member (read it with mig_fleet_status on the registry)';

-- On a member: the fleet it joined (at most one row).
CREATE TABLE mig_fleet_membership (
    member              text PRIMARY KEY,
    registry_conninfo   text NOT NULL,
    member_conninfo     text NOT NULL,
    joined_at           timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE mig_fleet_membership IS 'mig_ext: the fleet this database is a member of (written by mig_fleet_join)';

-- On a member: revisions received from the registry that mig_revision has not
-- accepted yet; error is set when it refused them.
CREATE TABLE mig_fleet_incoming (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    rev         mig_revisions NOT NULL,
    error       text
);
COMMENT ON TABLE mig_fleet_incoming IS 'mig_ext: revisions received from the fleet registry, waiting for mig_fleet_apply or refused by mig_revision';

SELECT pg_catalog.pg_extension_config_dump('mig_fleet_report', '');
SELECT pg_catalog.pg_extension_config_dump('mig_fleet_membership', '');
SELECT pg_catalog.pg_extension_config_dump('mig_fleet_incoming', '');
SELECT pg_catalog.pg_extension_config_dump('mig_fleet_incoming_id_seq', '');

-- conninfo columns may hold passwords, as pg_subscription.subconninfo does
REVOKE ALL ON mig_fleet_report, mig_fleet_membership, mig_fleet_incoming FROM PUBLIC;

-- mig_fleet_receive: a row that logical replication writes into mig_revisions
-- is kept aside in mig_fleet_incoming instead, for mig_fleet_apply to register
-- through mig_revision.  A delete on the registry is not replayed: a member
-- never unregisters a revision.
CREATE FUNCTION mig_fleet_receive()
RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog
AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
        INSERT INTO @extschema@.mig_fleet_incoming (rev) VALUES (NEW);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER mig_fleet_receive BEFORE INSERT OR UPDATE OR DELETE ON mig_revisions
    FOR EACH ROW EXECUTE FUNCTION mig_fleet_receive();
-- fires only in replication workers (session_replication_role = replica)
ALTER TABLE mig_revisions ENABLE REPLICA TRIGGER mig_fleet_receive;

-- mig_fleet_remote: run one statement through a new dblink connection and
-- return the first column of its first row (a command's status for a
-- command).  Used for what cannot run inside the caller's transaction.
CREATE FUNCTION mig_fleet_remote(conninfo text, statement text)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog
AS $$
DECLARE
    nsp name;
    result text;
BEGIN
    SELECT n.nspname INTO nsp
    FROM pg_catalog.pg_extension e
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
    WHERE e.extname OPERATOR(pg_catalog.=) 'dblink';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'extension "dblink" is not installed'
            USING ERRCODE = '55000',
                  DETAIL = 'The fleet functions create replication slots, subscriptions and pg_cron jobs through their own connections.',
                  HINT = 'Run CREATE EXTENSION dblink in this database.';
    END IF;
    EXECUTE pg_catalog.format('SELECT t.r FROM %I.dblink($1, $2) AS t(r text)', nsp)
        INTO result USING conninfo, statement;
    RETURN result;
END
$$;

-- mig_fleet_names: the names of a member's replication objects: the
-- subscription (and slot) on the member to the registry's revisions, the one
-- on the registry to the member's report, the member's publication and its
-- pg_cron job.
CREATE FUNCTION mig_fleet_names(member text,
                                OUT revisions_sub text, OUT report_sub text,
                                OUT report_pub text, OUT job text)
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog
AS $$
SELECT 'mig_fleet_rev_' OPERATOR(pg_catalog.||) member,
       'mig_fleet_rep_' OPERATOR(pg_catalog.||) member,
       'mig_fleet_report',
       'mig_fleet_' OPERATOR(pg_catalog.||) member
$$;

-- mig_fleet_cron: a conninfo for the pg_cron database of the server that
-- member_conninfo leads to.
CREATE FUNCTION mig_fleet_cron(member_conninfo text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog
AS $$
DECLARE
    db text := pg_catalog.current_setting('cron.database_name', true);
BEGIN
    IF db IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not loaded on this server'
            USING ERRCODE = '55000',
                  HINT = 'Add pg_cron to shared_preload_libraries, set cron.database_name and restart the server.';
    END IF;
    -- a later keyword overrides an earlier one in a conninfo string
    RETURN member_conninfo OPERATOR(pg_catalog.||) ' dbname='''
        OPERATOR(pg_catalog.||) pg_catalog.replace(pg_catalog.replace(db, '\', '\\'), '''', '\''')
        OPERATOR(pg_catalog.||) '''';
END
$$;

-- mig_fleet_unlink: drop, where they exist, the replication objects, slots and
-- pg_cron job of member; the registry's copy of its report goes too.
CREATE FUNCTION mig_fleet_unlink(member text, registry_conninfo text, member_conninfo text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog
AS $$
DECLARE
    n record := @extschema@.mig_fleet_names(member);
    drop_slot constant text := 'SELECT pg_catalog.count(pg_catalog.pg_drop_replication_slot(slot_name))::text '
                               'FROM pg_catalog.pg_replication_slots WHERE slot_name OPERATOR(pg_catalog.=) %L';
BEGIN
    PERFORM @extschema@.mig_fleet_remote(@extschema@.mig_fleet_cron(member_conninfo), pg_catalog.format(
        'SELECT pg_catalog.count(cron.unschedule(jobid))::text FROM cron.job '
        'WHERE jobname OPERATOR(pg_catalog.=) %L AND database OPERATOR(pg_catalog.=) %L',
        n.job, pg_catalog.current_database()));
    -- DROP SUBSCRIPTION drops the slot through its connection: top level only
    PERFORM @extschema@.mig_fleet_remote(registry_conninfo,
        pg_catalog.format('DROP SUBSCRIPTION IF EXISTS %I', n.report_sub));
    PERFORM @extschema@.mig_fleet_remote(registry_conninfo,
        pg_catalog.format('DELETE FROM %s WHERE member OPERATOR(pg_catalog.=) %L',
                          '@extschema@.mig_fleet_report'::pg_catalog.regclass, member));
    PERFORM @extschema@.mig_fleet_remote(member_conninfo,
        pg_catalog.format('DROP SUBSCRIPTION IF EXISTS %I', n.revisions_sub));
    PERFORM @extschema@.mig_fleet_remote(member_conninfo,
        pg_catalog.format('DROP PUBLICATION IF EXISTS %I', n.report_pub));
    -- slots a failed join made before their subscription existed
    PERFORM @extschema@.mig_fleet_remote(registry_conninfo, pg_catalog.format(drop_slot, n.revisions_sub));
    PERFORM @extschema@.mig_fleet_remote(member_conninfo, pg_catalog.format(drop_slot, n.report_sub));
END
$$;

-- mig_fleet_publish: make this database a fleet registry.
CREATE FUNCTION mig_fleet_publish()
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog
AS $$
BEGIN
    EXECUTE pg_catalog.format('CREATE PUBLICATION mig_fleet_revisions FOR TABLE %s',
                              '@extschema@.mig_revisions'::pg_catalog.regclass);
END
$$;

-- mig_fleet_join: make this database member "member" of the fleet whose
-- registry registry_conninfo leads to.  member_conninfo leads the registry
-- (and this function) back to this database; schedule is pg_cron's.
CREATE FUNCTION mig_fleet_join(member text, registry_conninfo text, member_conninfo text,
                               schedule text DEFAULT '* * * * *')
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog
AS $$
DECLARE
    n record := @extschema@.mig_fleet_names(member);
    report constant pg_catalog.regclass := '@extschema@.mig_fleet_report'::pg_catalog.regclass;
    create_slot constant text := 'SELECT slot_name::text FROM pg_catalog.pg_create_logical_replication_slot(%L, ''pgoutput'')';
    here text;
BEGIN
    IF member IS NULL OR member OPERATOR(pg_catalog.!~) '^[a-z0-9_]{1,40}$' THEN
        RAISE EXCEPTION 'invalid fleet member name "%"', member
            USING ERRCODE = '22023',
                  DETAIL = 'A member name is 1 to 40 lowercase letters, digits and underscores; it becomes part of replication slot names.';
    END IF;
    IF registry_conninfo IS NULL OR member_conninfo IS NULL OR schedule IS NULL THEN
        RAISE EXCEPTION 'connection strings and schedule must not be null' USING ERRCODE = '22004';
    END IF;
    IF pg_catalog.txid_current_if_assigned() IS NOT NULL THEN
        RAISE EXCEPTION 'mig_fleet_join must run in a transaction that has written nothing'
            USING ERRCODE = '25001',
                  DETAIL = 'Creating a replication slot waits for every transaction that has written, this one included.',
                  HINT = 'Call mig_fleet_join() in a transaction of its own.';
    END IF;
    -- one join at a time; taking the lock gives this transaction no xid
    LOCK TABLE @extschema@.mig_fleet_membership IN SHARE ROW EXCLUSIVE MODE;
    IF EXISTS (SELECT FROM @extschema@.mig_fleet_membership) THEN
        RAISE EXCEPTION 'this database is already a fleet member'
            USING ERRCODE = '55000', HINT = 'Call mig_fleet_leave() first.';
    END IF;
    here := (SELECT pg_catalog.current_database() OPERATOR(pg_catalog.||) ' '
                    OPERATOR(pg_catalog.||) c.system_identifier FROM pg_catalog.pg_control_system() c);
    IF @extschema@.mig_fleet_remote(member_conninfo,
           'SELECT pg_catalog.current_database() OPERATOR(pg_catalog.||) '' '' OPERATOR(pg_catalog.||) '
           'system_identifier FROM pg_catalog.pg_control_system()') OPERATOR(pg_catalog.<>) here THEN
        RAISE EXCEPTION 'member connection string does not lead to this database'
            USING ERRCODE = '22023',
                  DETAIL = 'The registry reaches the member through it, and mig_fleet_join uses it to create the member''s publication.';
    END IF;
    IF @extschema@.mig_fleet_remote(registry_conninfo,
           'SELECT pubname::text FROM pg_catalog.pg_publication WHERE pubname OPERATOR(pg_catalog.=) ''mig_fleet_revisions''')
       IS NULL THEN
        RAISE EXCEPTION 'the registry does not publish its revisions'
            USING ERRCODE = '55000', HINT = 'Call mig_fleet_publish() in the registry database.';
    END IF;

    BEGIN
        -- slots first, while this transaction has written nothing: creating
        -- one waits for the transactions running on its server
        PERFORM @extschema@.mig_fleet_remote(registry_conninfo, pg_catalog.format(create_slot, n.revisions_sub));
        PERFORM @extschema@.mig_fleet_remote(member_conninfo, pg_catalog.format(create_slot, n.report_sub));
        PERFORM @extschema@.mig_fleet_remote(member_conninfo,
            pg_catalog.format('CREATE PUBLICATION %I FOR TABLE %s', n.report_pub, report));
        PERFORM @extschema@.mig_fleet_remote(registry_conninfo,
            pg_catalog.format('DELETE FROM %s WHERE member OPERATOR(pg_catalog.=) %L', report, member));
        PERFORM @extschema@.mig_fleet_remote(registry_conninfo, pg_catalog.format(
            'CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %I WITH (create_slot = false, slot_name = %L)',
            n.report_sub, member_conninfo, n.report_pub, n.report_sub));

        INSERT INTO @extschema@.mig_fleet_membership (member, registry_conninfo, member_conninfo)
        VALUES (mig_fleet_join.member, registry_conninfo, member_conninfo);
        DELETE FROM @extschema@.mig_fleet_report;
        INSERT INTO @extschema@.mig_fleet_report (member) VALUES (mig_fleet_join.member);
        EXECUTE pg_catalog.format(
            'CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION mig_fleet_revisions WITH (create_slot = false, slot_name = %L)',
            n.revisions_sub, registry_conninfo, n.revisions_sub);
        PERFORM @extschema@.mig_fleet_remote(@extschema@.mig_fleet_cron(member_conninfo), pg_catalog.format(
            'SELECT cron.schedule_in_database(%L, %L, %L, %L, %L)::text',
            n.job, schedule,
            pg_catalog.format('SELECT %s()', '@extschema@.mig_fleet_apply'::pg_catalog.regproc),
            pg_catalog.current_database(), current_user));
    EXCEPTION WHEN OTHERS THEN
        BEGIN
            PERFORM @extschema@.mig_fleet_unlink(member, registry_conninfo, member_conninfo);
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'could not remove what the failed join created: %', SQLERRM;
        END;
        RAISE;
    END;
END
$$;

-- mig_fleet_leave: undo mig_fleet_join; revisions and version rows stay.
CREATE FUNCTION mig_fleet_leave()
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog
AS $$
DECLARE
    m record;
BEGIN
    SELECT * INTO m FROM @extschema@.mig_fleet_membership;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this database is not a fleet member' USING ERRCODE = '55000';
    END IF;
    PERFORM @extschema@.mig_fleet_unlink(m.member, m.registry_conninfo, m.member_conninfo);
    DELETE FROM @extschema@.mig_fleet_membership;
    DELETE FROM @extschema@.mig_fleet_report;
    DELETE FROM @extschema@.mig_fleet_incoming;
END
$$;

-- mig_fleet_apply: the member's pg_cron job.  Registers what arrived through
-- mig_revision (keeping what it refuses, with its error), upgrades to the
-- heads one step at a time (a failing step stops the run; the steps before it
-- stay), and writes the report the registry receives.  Returns the number of
-- steps applied.  The bodies run with the caller's search_path, so this
-- function does not set one and qualifies every name it uses.
CREATE FUNCTION mig_fleet_apply()
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    me text;
    r record;
    seen bigint := 0;
    plan text[];
    applied integer := 0;
    step text;
    err text;
    stuck text;
BEGIN
    SELECT member INTO me FROM @extschema@.mig_fleet_membership;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this database is not a fleet member'
            USING ERRCODE = '55000', HINT = 'Call mig_fleet_join() first.';
    END IF;
    -- the lock every mig_ext command takes: one run at a time, after any
    -- other deployer
    PERFORM pg_catalog.pg_advisory_xact_lock(1835624293,
        '@extschema@'::pg_catalog.regnamespace::pg_catalog.oid::pg_catalog.int4);

    FOR r IN SELECT i.id, (i.rev).* FROM @extschema@.mig_fleet_incoming i
             ORDER BY (i.rev).seq, i.id LOOP
        seen := GREATEST(seen, r.seq);
        BEGIN
            PERFORM @extschema@.mig_revision(r.message, r.upgrade, r.downgrade, r.revision,
                                             r.down_revisions, r.branch_labels, r.depends_on);
            DELETE FROM @extschema@.mig_fleet_incoming WHERE id OPERATOR(pg_catalog.=) r.id;
        EXCEPTION WHEN OTHERS THEN
            UPDATE @extschema@.mig_fleet_incoming SET error = SQLERRM WHERE id OPERATOR(pg_catalog.=) r.id;
        END;
    END LOOP;

    BEGIN
        plan := ARRAY(SELECT p.revision FROM @extschema@.mig_plan('heads') p ORDER BY p.step);
    EXCEPTION WHEN OTHERS THEN
        err := SQLERRM;
        plan := '{}';
    END;
    -- one subtransaction per step: a failing step leaves the steps before it
    FOREACH step IN ARRAY plan LOOP
        BEGIN
            PERFORM @extschema@.mig_upgrade(step);
        EXCEPTION WHEN OTHERS THEN
            err := SQLERRM;
            stuck := step;
            EXIT;
        END;
        applied := applied OPERATOR(pg_catalog.+) 1;
    END LOOP;

    UPDATE @extschema@.mig_fleet_report f SET
        heads = ARRAY(SELECT c.revision FROM @extschema@.mig_current() c ORDER BY c.revision),
        -- received and not registered, or registered and not applied
        pending = (SELECT pg_catalog.count(DISTINCT (i.rev).revision) FROM @extschema@.mig_fleet_incoming i
                   WHERE NOT EXISTS (SELECT FROM @extschema@.mig_revisions v
                                     WHERE v.revision OPERATOR(pg_catalog.=) (i.rev).revision))
                  OPERATOR(pg_catalog.+) pg_catalog.cardinality(plan) OPERATOR(pg_catalog.-) applied,
        received_seq = GREATEST(f.received_seq, seen),
        stuck_before = stuck,
        last_error = err,
        refused = (SELECT COALESCE(pg_catalog.jsonb_object_agg((i.rev).revision, i.error), '{}')
                   FROM @extschema@.mig_fleet_incoming i WHERE i.error IS NOT NULL),
        last_applied = CASE WHEN applied OPERATOR(pg_catalog.>) 0 THEN plan[applied] ELSE f.last_applied END,
        last_applied_at = CASE WHEN applied OPERATOR(pg_catalog.>) 0 THEN pg_catalog.now() ELSE f.last_applied_at END,
        last_run_at = pg_catalog.now()
    WHERE f.member OPERATOR(pg_catalog.=) me;
    RETURN applied;
END
$$;

-- mig_fleet_status: on the registry, one row per member.  behind counts the
-- revisions the member has not applied: those it reported as received and
-- not applied, and those registered here after the newest it received.
CREATE FUNCTION mig_fleet_status()
RETURNS TABLE (member text, heads text[], behind bigint, at_head boolean, stuck_before text,
               last_error text, refused jsonb, last_applied text, last_applied_at timestamptz,
               last_run_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
AS $$
SELECT f.member, f.heads, b.behind,
       b.behind OPERATOR(pg_catalog.=) 0 AND f.last_error IS NULL,
       f.stuck_before, f.last_error, f.refused, f.last_applied, f.last_applied_at, f.last_run_at
FROM @extschema@.mig_fleet_report f
CROSS JOIN LATERAL (
    SELECT f.pending OPERATOR(pg_catalog.+) pg_catalog.count(*) AS behind
    FROM @extschema@.mig_revisions r WHERE r.seq OPERATOR(pg_catalog.>) f.received_seq) b
ORDER BY f.member
$$;

-- Setting a fleet up creates subscriptions and pg_cron jobs: superusers only.
REVOKE EXECUTE ON FUNCTION mig_fleet_publish(), mig_fleet_join(text, text, text, text),
                           mig_fleet_leave(), mig_fleet_apply(),
                           mig_fleet_remote(text, text), mig_fleet_unlink(text, text, text),
                           mig_fleet_cron(text)
    FROM PUBLIC;
