/* mig_fleet--1.0.sql: a registry database publishes mig_revisions; member databases apply it */

\echo Use "CREATE EXTENSION mig_fleet" to load this file. \quit

-- A registry database publishes mig_revisions (inserts and updates only);
-- each member database subscribes to it, registers what arrives through
-- mig_revision, applies it from a pg_cron job with CALL mig_deploy and
-- publishes a one-row report that the registry subscribes to.  Logical
-- replication matches tables by qualified name, so mig_ext and mig_fleet
-- are in one schema, the same on the registry and every member.  Design
-- notes: doc/fleet.md.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e
                   WHERE e.extname OPERATOR(pg_catalog.=) 'mig_ext'
                     AND e.extnamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace) THEN
        RAISE EXCEPTION 'mig_fleet must be created in the schema of mig_ext'
            USING ERRCODE = '0A000',
                  DETAIL = 'Logical replication matches the fleet''s tables by their qualified names.',
                  HINT = 'Name that schema in CREATE EXTENSION mig_fleet SCHEMA.';
    END IF;
END
$$;

-- On a member, its own report (one row); on the registry, one row per member,
-- each received from that member's publication.
CREATE TABLE mig_fleet_report (
    member          text PRIMARY KEY,
    cron_database   text NOT NULL,
    heads           text[] NOT NULL DEFAULT '{}',
    pending         bigint NOT NULL DEFAULT 0,
    received_seq    bigint NOT NULL DEFAULT 0,
    stuck_before    text,
    last_error      text,
    refused         jsonb NOT NULL DEFAULT '{}',
    last_applied    text,
    last_applied_at timestamptz,
    run_started_at  timestamptz,
    last_run_at     timestamptz
);
COMMENT ON TABLE mig_fleet_report IS 'mig_fleet: fleet status, one row per member (read it with mig_fleet_status on the registry)';

-- On a member: the fleet it joined (at most one row).
CREATE TABLE mig_fleet_membership (
    member              text PRIMARY KEY,
    registry_conninfo   text NOT NULL,
    member_conninfo     text NOT NULL,
    job_role            name NOT NULL,
    joined_at           timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE mig_fleet_membership IS 'mig_fleet: the fleet this database is a member of (written by mig_fleet_join)';

-- On a member: revisions received from the registry that mig_revision has not
-- accepted yet; error is set when it refused them.
CREATE TABLE mig_fleet_incoming (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    rev         mig_revisions NOT NULL,
    error       text
);
COMMENT ON TABLE mig_fleet_incoming IS 'mig_fleet: revisions received from the registry, waiting for the job or refused by mig_revision';

-- On a member: the revisions registered from the registry, with the checksum
-- they were registered with; the job applies these and no other.
CREATE TABLE mig_fleet_received (
    revision    text PRIMARY KEY,
    checksum    text NOT NULL
);
COMMENT ON TABLE mig_fleet_received IS 'mig_fleet: revisions registered from the registry, the only ones the job applies';

SELECT pg_catalog.pg_extension_config_dump('mig_fleet_report', '');
SELECT pg_catalog.pg_extension_config_dump('mig_fleet_membership', '');
SELECT pg_catalog.pg_extension_config_dump('mig_fleet_incoming', '');
SELECT pg_catalog.pg_extension_config_dump('mig_fleet_incoming_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('mig_fleet_received', '');

-- conninfo columns may hold passwords, as pg_subscription.subconninfo does
REVOKE ALL ON mig_fleet_report, mig_fleet_membership, mig_fleet_incoming, mig_fleet_received FROM PUBLIC;

-- mig_fleet_receive: a row that logical replication writes into mig_revisions
-- is kept aside in mig_fleet_incoming instead, for the job to register
-- through mig_revision.  The registry publishes no delete or truncate; a
-- delete is dropped here all the same: a member never unregisters.
CREATE FUNCTION mig_fleet_receive()
RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
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

-- mig_fleet_remote: run statements in order through a new dblink connection
-- to conninfo and return the first column of the last one's first row (a
-- command's status for a command).  Used for what cannot run, or must commit,
-- outside the caller's transaction.  The connection is made within 10
-- seconds and the statements finish within 30, or the remote statement is
-- cancelled and an error names place (the side it ran on).
CREATE FUNCTION mig_fleet_remote(place text, conninfo text, VARIADIC statements text[])
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    conn constant text := 'mig_fleet_remote';
    timeout constant interval := '30 seconds';
    deadline timestamptz;
    nsp name;
    statement text;
    result text;
BEGIN
    SELECT n.nspname INTO STRICT nsp
    FROM pg_catalog.pg_extension e
    JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
    WHERE e.extname OPERATOR(pg_catalog.=) 'dblink';
    -- one left open by a cancelled call
    EXECUTE pg_catalog.format('SELECT %I.dblink_disconnect($1) FROM pg_catalog.unnest(%I.dblink_get_connections()) c '
                              'WHERE c OPERATOR(pg_catalog.=) $1', nsp, nsp) USING conn;
    -- a later keyword overrides an earlier one in a conninfo string
    EXECUTE pg_catalog.format('SELECT %I.dblink_connect($1, $2)', nsp)
        USING conn, conninfo OPERATOR(pg_catalog.||) ' connect_timeout=10';
    deadline := pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+) timeout;
    BEGIN
        FOREACH statement IN ARRAY statements LOOP
            EXECUTE pg_catalog.format('SELECT %I.dblink_send_query($1, $2)', nsp) USING conn, statement;
            -- dblink() would wait in libpq, deaf to cancels and timeouts
            LOOP
                EXECUTE pg_catalog.format('SELECT %I.dblink_is_busy($1) OPERATOR(pg_catalog.=) 0', nsp)
                    INTO STRICT result USING conn;
                EXIT WHEN result::boolean;
                IF pg_catalog.clock_timestamp() OPERATOR(pg_catalog.>) deadline THEN
                    EXECUTE pg_catalog.format('SELECT %I.dblink_cancel_query($1)', nsp) USING conn;
                    RAISE EXCEPTION 'a statement on % did not finish within %', place, timeout
                        USING ERRCODE = '57014',
                              DETAIL = 'It was cancelled; what it had done is rolled back.';
                END IF;
                PERFORM pg_catalog.pg_sleep(0.01);
            END LOOP;
            EXECUTE pg_catalog.format('SELECT t.r FROM %I.dblink_get_result($1) AS t(r text) LIMIT 1', nsp)
                INTO result USING conn;
            -- the empty result that ends each statement's results
            EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %I.dblink_get_result($1, false) AS t(r text)', nsp)
                USING conn;
        END LOOP;
    EXCEPTION WHEN OTHERS OR QUERY_CANCELED THEN
        EXECUTE pg_catalog.format('SELECT %I.dblink_disconnect($1)', nsp) USING conn;
        RAISE;
    END;
    EXECUTE pg_catalog.format('SELECT %I.dblink_disconnect($1)', nsp) USING conn;
    RETURN result;
END
$$;

-- mig_fleet_in_db: conninfo with its database replaced by db.
CREATE FUNCTION mig_fleet_in_db(conninfo text, db text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$
SELECT conninfo OPERATOR(pg_catalog.||) ' dbname='''
       OPERATOR(pg_catalog.||) pg_catalog.replace(pg_catalog.replace(db, '\', '\\'), '''', '\''')
       OPERATOR(pg_catalog.||) ''''
$$;

-- mig_fleet_publish: make this database a fleet registry.  Truncates and
-- deletes are not published: a member never loses a revision it has.
CREATE FUNCTION mig_fleet_publish()
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE pg_catalog.format('CREATE PUBLICATION mig_fleet_revisions FOR TABLE %s WITH (publish = ''insert, update'')',
                              '@extschema@.mig_revisions'::pg_catalog.regclass);
END
$$;

-- mig_fleet_undo: undo each of the steps of a join (or a whole membership),
-- newest first, each whatever became of the others; return the errors, one
-- line each.  A step named was started, not necessarily finished: each undo
-- drops only what exists under the member's names.
CREATE FUNCTION mig_fleet_undo(steps text[], member text, registry_conninfo text,
                               member_conninfo text, job_role name)
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    report constant pg_catalog.regclass := '@extschema@.mig_fleet_report'::pg_catalog.regclass;
    drop_slot constant text := 'SELECT pg_catalog.count(pg_catalog.pg_drop_replication_slot(slot_name))::text '
                               'FROM pg_catalog.pg_replication_slots WHERE slot_name OPERATOR(pg_catalog.=) %L';
    cron_conninfo text;
    step text;
    errors text;
BEGIN
    FOR step IN SELECT s FROM pg_catalog.unnest(steps) WITH ORDINALITY AS u(s, i) ORDER BY i DESC LOOP
        BEGIN
            CASE step
            WHEN 'job' THEN
                cron_conninfo := @extschema@.mig_fleet_in_db(member_conninfo,
                                     pg_catalog.current_setting('cron.database_name'));
                PERFORM @extschema@.mig_fleet_remote('the pg_cron database', cron_conninfo, pg_catalog.format(
                    'SELECT pg_catalog.count(cron.unschedule(jobid))::text FROM cron.job '
                    'WHERE jobname OPERATOR(pg_catalog.=) %L AND database OPERATOR(pg_catalog.=) %L',
                    'mig_fleet_' OPERATOR(pg_catalog.||) member, pg_catalog.current_database()));
            WHEN 'grant' THEN
                PERFORM @extschema@.mig_fleet_remote('this member', member_conninfo, pg_catalog.format(
                    'REVOKE EXECUTE ON FUNCTION %s FROM %I',
                    '@extschema@.mig_fleet_step(text)'::pg_catalog.regprocedure, job_role));
            WHEN 'subscription' THEN
                -- and its slot on the registry, made first
                PERFORM @extschema@.mig_fleet_remote('this member', member_conninfo,
                    pg_catalog.format('DROP SUBSCRIPTION IF EXISTS %I', 'mig_fleet_rev_' OPERATOR(pg_catalog.||) member));
                PERFORM @extschema@.mig_fleet_remote('the registry', registry_conninfo,
                    pg_catalog.format(drop_slot, 'mig_fleet_rev_' OPERATOR(pg_catalog.||) member));
            WHEN 'registry subscription' THEN
                PERFORM @extschema@.mig_fleet_remote('the registry', registry_conninfo,
                    pg_catalog.format('DROP SUBSCRIPTION IF EXISTS %I', 'mig_fleet_rep_' OPERATOR(pg_catalog.||) member),
                    pg_catalog.format('DELETE FROM %s WHERE member OPERATOR(pg_catalog.=) %L', report, member));
                PERFORM @extschema@.mig_fleet_remote('this member', member_conninfo,
                    pg_catalog.format(drop_slot, 'mig_fleet_rep_' OPERATOR(pg_catalog.||) member));
            WHEN 'rows' THEN
                PERFORM @extschema@.mig_fleet_remote('this member', member_conninfo,
                    pg_catalog.format('WITH m AS (DELETE FROM %s) DELETE FROM %s',
                                      '@extschema@.mig_fleet_membership'::pg_catalog.regclass, report));
            WHEN 'publication' THEN
                PERFORM @extschema@.mig_fleet_remote('this member', member_conninfo,
                    'DROP PUBLICATION IF EXISTS mig_fleet_report');
            END CASE;
        EXCEPTION WHEN OTHERS OR QUERY_CANCELED THEN
            errors := pg_catalog.concat_ws(E'\n', errors, step OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) SQLERRM);
        END;
    END LOOP;
    RETURN errors;
END
$$;

-- mig_fleet_join: make this database member "member" of the fleet whose
-- registry registry_conninfo leads to.  member_conninfo leads the registry
-- (and this function) back to this database; pg_cron runs the job on
-- schedule as job_role.  Everything is checked first, then created through
-- connections of its own (each committed at once, this transaction writes
-- nothing); if a step fails, the steps taken are undone.
CREATE FUNCTION mig_fleet_join(member text, registry_conninfo text, member_conninfo text,
                               schedule text DEFAULT '* * * * *', job_role name DEFAULT current_user)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    report constant pg_catalog.regclass := '@extschema@.mig_fleet_report'::pg_catalog.regclass;
    create_slot constant text := 'SELECT slot_name::text FROM pg_catalog.pg_create_logical_replication_slot(%L, ''pgoutput'')';
    job constant text := 'mig_fleet_' OPERATOR(pg_catalog.||) member;
    rev_sub constant text := 'mig_fleet_rev_' OPERATOR(pg_catalog.||) member;
    rep_sub constant text := 'mig_fleet_rep_' OPERATOR(pg_catalog.||) member;
    cron_db constant text := pg_catalog.current_setting('cron.database_name', true);
    cron_conninfo text;
    schedule_job text;
    here text;
    taken text;
    steps text[] := '{}';
    undo_errors text;
BEGIN
    IF member IS NULL OR member OPERATOR(pg_catalog.!~) '^[a-z0-9_]{1,40}$' THEN
        RAISE EXCEPTION 'invalid fleet member name "%"', member
            USING ERRCODE = '22023',
                  DETAIL = 'A member name is 1 to 40 lowercase letters, digits and underscores; it becomes part of replication slot names.';
    END IF;
    IF registry_conninfo IS NULL OR member_conninfo IS NULL OR schedule IS NULL OR job_role IS NULL THEN
        RAISE EXCEPTION 'connection strings, schedule and job role must not be null' USING ERRCODE = '22004';
    END IF;
    IF pg_catalog.txid_current_if_assigned() IS NOT NULL THEN
        RAISE EXCEPTION 'mig_fleet_join must run in a transaction that has written nothing'
            USING ERRCODE = '25001',
                  DETAIL = 'Creating a replication slot waits for every transaction that has written, this one included.',
                  HINT = 'Call mig_fleet_join() in a transaction of its own.';
    END IF;
    -- one join at a time (an advisory lock gives this transaction no xid)
    PERFORM pg_catalog.pg_advisory_xact_lock(1835624294,
        '@extschema@'::pg_catalog.regnamespace::pg_catalog.oid::pg_catalog.int4);
    IF EXISTS (SELECT FROM @extschema@.mig_fleet_membership) THEN
        RAISE EXCEPTION 'this database is already a fleet member'
            USING ERRCODE = '55000', HINT = 'Call mig_fleet_leave() first.';
    END IF;

    -- this server
    IF pg_catalog.current_setting('wal_level') OPERATOR(pg_catalog.<>) 'logical' THEN
        RAISE EXCEPTION 'wal_level is not logical on this server'
            USING ERRCODE = '55000', HINT = 'Set wal_level = logical and restart the server.';
    END IF;
    IF cron_db IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not loaded on this server'
            USING ERRCODE = '55000',
                  HINT = 'Add pg_cron to shared_preload_libraries, set cron.database_name and restart the server.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles r
                   WHERE r.rolname OPERATOR(pg_catalog.=) job_role AND r.rolcanlogin) THEN
        RAISE EXCEPTION 'role "%" does not exist or cannot log in', job_role
            USING ERRCODE = '42704', DETAIL = 'pg_cron runs the job as that role.';
    END IF;
    IF NOT (pg_catalog.has_function_privilege(job_role, '@extschema@.mig_fleet_apply()', 'EXECUTE')
            AND pg_catalog.has_function_privilege(job_role, '@extschema@.mig_deploy(text, interval, integer)', 'EXECUTE')
            AND pg_catalog.has_table_privilege(job_role, '@extschema@.mig_revisions', 'SELECT')) THEN
        RAISE EXCEPTION 'role "%" may not run the fleet''s job', job_role
            USING ERRCODE = '42501',
                  HINT = 'Grant it EXECUTE on the procedures mig_fleet_apply and mig_deploy, and SELECT on mig_revisions.';
    END IF;
    here := (SELECT pg_catalog.current_database() OPERATOR(pg_catalog.||) ' '
                    OPERATOR(pg_catalog.||) c.system_identifier FROM pg_catalog.pg_control_system() c);
    IF @extschema@.mig_fleet_remote('this member', member_conninfo,
           'SELECT pg_catalog.current_database() OPERATOR(pg_catalog.||) '' '' OPERATOR(pg_catalog.||) '
           'system_identifier FROM pg_catalog.pg_control_system()') OPERATOR(pg_catalog.<>) here THEN
        RAISE EXCEPTION 'member connection string does not lead to this database'
            USING ERRCODE = '22023',
                  DETAIL = 'The registry reaches the member through it, and mig_fleet_join uses it to create the member''s publication.';
    END IF;
    cron_conninfo := @extschema@.mig_fleet_in_db(member_conninfo, cron_db);
    IF @extschema@.mig_fleet_remote('the pg_cron database', cron_conninfo,
           'SELECT extname::text FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) ''pg_cron''') IS NULL THEN
        RAISE EXCEPTION 'extension "pg_cron" is not created in database "%"', cron_db
            USING ERRCODE = '55000',
                  DETAIL = 'pg_cron runs its jobs from the database that cron.database_name names.',
                  HINT = pg_catalog.format('Run CREATE EXTENSION pg_cron in database "%s".', cron_db);
    END IF;

    -- the registry
    IF @extschema@.mig_fleet_remote('the registry', registry_conninfo,
           'SELECT pg_catalog.current_setting(''wal_level'')') OPERATOR(pg_catalog.<>) 'logical' THEN
        RAISE EXCEPTION 'wal_level is not logical on the registry''s server'
            USING ERRCODE = '55000', HINT = 'Set wal_level = logical there and restart that server.';
    END IF;
    IF @extschema@.mig_fleet_remote('the registry', registry_conninfo,
           'SELECT pubname::text FROM pg_catalog.pg_publication WHERE pubname OPERATOR(pg_catalog.=) ''mig_fleet_revisions''')
       IS NULL THEN
        RAISE EXCEPTION 'the registry does not publish its revisions'
            USING ERRCODE = '55000', HINT = 'Call mig_fleet_publish() in the registry database.';
    END IF;

    -- the member name: free on the registry, on this server and in pg_cron
    taken := @extschema@.mig_fleet_remote('the registry', registry_conninfo, pg_catalog.format(
        'SELECT pg_catalog.concat_ws('', '', '
        '  (SELECT ''subscription '' OPERATOR(pg_catalog.||) subname FROM pg_catalog.pg_subscription WHERE subname OPERATOR(pg_catalog.=) %L LIMIT 1), '
        '  (SELECT ''replication slot '' OPERATOR(pg_catalog.||) slot_name FROM pg_catalog.pg_replication_slots WHERE slot_name OPERATOR(pg_catalog.=) %L), '
        '  (SELECT ''report of member '' OPERATOR(pg_catalog.||) member FROM %s WHERE member OPERATOR(pg_catalog.=) %L))',
        rep_sub, rev_sub, report, member));
    taken := pg_catalog.concat_ws(', ', NULLIF(taken, ''), (
        SELECT pg_catalog.string_agg(o, ', ') FROM (
            SELECT 'replication slot ' OPERATOR(pg_catalog.||) s.slot_name FROM pg_catalog.pg_replication_slots s
            WHERE s.slot_name OPERATOR(pg_catalog.=) rep_sub
            UNION ALL
            SELECT 'subscription ' OPERATOR(pg_catalog.||) s.subname FROM pg_catalog.pg_subscription s
            WHERE s.subname OPERATOR(pg_catalog.=) rev_sub) AS x(o)));
    taken := pg_catalog.concat_ws(', ', NULLIF(taken, ''), @extschema@.mig_fleet_remote('the pg_cron database', cron_conninfo,
        pg_catalog.format('SELECT ''pg_cron job '' OPERATOR(pg_catalog.||) jobname FROM cron.job WHERE jobname OPERATOR(pg_catalog.=) %L LIMIT 1', job)));
    IF taken OPERATOR(pg_catalog.<>) '' THEN
        RAISE EXCEPTION 'fleet member name "%" is already taken', member
            USING ERRCODE = '42710',
                  DETAIL = pg_catalog.format('These exist under that name: %s.', taken),
                  HINT = 'Choose another name, or call mig_fleet_leave() in the database that has it.';
    END IF;

    -- the schedule, tried in a transaction rolled back at once
    schedule_job := pg_catalog.format('SELECT cron.schedule_in_database(%L, %L, %L, %L, %L)::text',
        job, schedule, pg_catalog.format('CALL %s()', '@extschema@.mig_fleet_apply'::pg_catalog.regproc),
        pg_catalog.current_database(), job_role);
    PERFORM @extschema@.mig_fleet_remote('the pg_cron database', cron_conninfo, 'BEGIN', schedule_job, 'ROLLBACK');

    BEGIN
        steps := steps OPERATOR(pg_catalog.||) 'publication'::text;
        PERFORM @extschema@.mig_fleet_remote('this member', member_conninfo, pg_catalog.format(
            'CREATE PUBLICATION mig_fleet_report FOR TABLE %s WITH (publish = ''insert, update'')', report));
        steps := steps OPERATOR(pg_catalog.||) 'rows'::text;
        PERFORM @extschema@.mig_fleet_remote('this member', member_conninfo, pg_catalog.format(
            'WITH m AS (INSERT INTO %s (member, registry_conninfo, member_conninfo, job_role) VALUES (%L, %L, %L, %L)) '
            'INSERT INTO %s (member, cron_database) VALUES (%L, %L)',
            '@extschema@.mig_fleet_membership'::pg_catalog.regclass, member, registry_conninfo, member_conninfo, job_role,
            report, member, cron_db));
        -- each slot made before its subscription: CREATE SUBSCRIPTION making
        -- one on its own server would wait for its own transaction
        steps := steps OPERATOR(pg_catalog.||) 'registry subscription'::text;
        PERFORM @extschema@.mig_fleet_remote('this member', member_conninfo, pg_catalog.format(create_slot, rep_sub));
        PERFORM @extschema@.mig_fleet_remote('the registry', registry_conninfo, pg_catalog.format(
            'CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION mig_fleet_report WITH (create_slot = false, slot_name = %L)',
            rep_sub, member_conninfo, rep_sub));
        steps := steps OPERATOR(pg_catalog.||) 'subscription'::text;
        PERFORM @extschema@.mig_fleet_remote('the registry', registry_conninfo, pg_catalog.format(create_slot, rev_sub));
        PERFORM @extschema@.mig_fleet_remote('this member', member_conninfo, pg_catalog.format(
            'CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION mig_fleet_revisions WITH (create_slot = false, slot_name = %L)',
            rev_sub, registry_conninfo, rev_sub));
        steps := steps OPERATOR(pg_catalog.||) 'grant'::text;
        PERFORM @extschema@.mig_fleet_remote('this member', member_conninfo, pg_catalog.format(
            'GRANT EXECUTE ON FUNCTION %s TO %I',
            '@extschema@.mig_fleet_step(text)'::pg_catalog.regprocedure, job_role));
        steps := steps OPERATOR(pg_catalog.||) 'job'::text;
        PERFORM @extschema@.mig_fleet_remote('the pg_cron database', cron_conninfo, schedule_job);
    EXCEPTION WHEN OTHERS OR QUERY_CANCELED THEN
        undo_errors := @extschema@.mig_fleet_undo(steps, member, registry_conninfo, member_conninfo, job_role);
        IF undo_errors IS NOT NULL THEN
            RAISE WARNING 'could not undo every step of the failed join'
                USING DETAIL = undo_errors;
        END IF;
        RAISE;
    END;
END
$$;

-- mig_fleet_leave: undo mig_fleet_join; revisions and version rows stay.
-- Every step is tried; if one fails, the membership stays and leaving can be
-- tried again.
CREATE FUNCTION mig_fleet_leave()
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m record;
    errors text;
BEGIN
    SELECT * INTO m FROM @extschema@.mig_fleet_membership;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this database is not a fleet member' USING ERRCODE = '55000';
    END IF;
    errors := @extschema@.mig_fleet_undo('{publication, registry subscription, subscription, grant, job}',
                                         m.member, m.registry_conninfo, m.member_conninfo, m.job_role);
    IF errors IS NOT NULL THEN
        RAISE EXCEPTION 'could not leave the fleet' USING ERRCODE = '55000', DETAIL = errors,
            HINT = 'Call mig_fleet_leave() again once the cause is gone.';
    END IF;
    DELETE FROM @extschema@.mig_fleet_membership;
    DELETE FROM @extschema@.mig_fleet_report;
    DELETE FROM @extschema@.mig_fleet_incoming;
    DELETE FROM @extschema@.mig_fleet_received;
END
$$;

-- mig_fleet_step: one step of the job's bookkeeping, run with the rights of
-- the extension's owner.  With previous null (the run starts): registers
-- what arrived through mig_revision, keeping what it refuses with its
-- error, and remembers what it registered as received.  Then: the next
-- step of the upgrade to heads among the received revisions (null when there
-- is none), and the report written: heads, what is pending, the revisions
-- registered on this member (reported, never applied by the job), and the
-- revision the run applies next or, at the end, the run's end.
CREATE FUNCTION mig_fleet_step(previous text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me text;
    r record;
    seen bigint := 0;
    next_step text;
    left_to_apply bigint := 0;
    local jsonb := '{}';
    err text;
BEGIN
    SELECT member INTO me FROM @extschema@.mig_fleet_membership;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this database is not a fleet member'
            USING ERRCODE = '55000', HINT = 'Call mig_fleet_join() first.';
    END IF;
    IF previous IS NULL THEN
        FOR r IN SELECT i.id, (i.rev).* FROM @extschema@.mig_fleet_incoming i
                 ORDER BY (i.rev).seq, i.id LOOP
            seen := GREATEST(seen, r.seq);
            BEGIN
                PERFORM @extschema@.mig_revision(r.message, r.upgrade, r.downgrade, r.revision,
                                                 r.down_revisions, r.branch_labels, r.depends_on,
                                                 r.transactional, r.conflicts, r.verify,
                                                 r.repeatable);
                DELETE FROM @extschema@.mig_fleet_incoming WHERE id OPERATOR(pg_catalog.=) r.id;
                INSERT INTO @extschema@.mig_fleet_received (revision, checksum)
                SELECT v.revision, v.checksum FROM @extschema@.mig_revisions v
                WHERE v.revision OPERATOR(pg_catalog.=) r.revision
                -- (a repeatable revision arrives again with each new body)
                ON CONFLICT (revision) DO UPDATE SET checksum = EXCLUDED.checksum;
            EXCEPTION WHEN OTHERS THEN
                UPDATE @extschema@.mig_fleet_incoming SET error = SQLERRM WHERE id OPERATOR(pg_catalog.=) r.id;
            END;
        END LOOP;
    END IF;

    BEGIN
        FOR r IN SELECT p.revision, v.checksum, x.checksum AS received
                 FROM @extschema@.mig_plan('heads') p
                 JOIN @extschema@.mig_revisions v ON v.revision OPERATOR(pg_catalog.=) p.revision
                 LEFT JOIN @extschema@.mig_fleet_received x ON x.revision OPERATOR(pg_catalog.=) p.revision
                 ORDER BY p.step LOOP
            IF r.received IS NOT DISTINCT FROM r.checksum THEN
                next_step := COALESCE(next_step, r.revision);
                left_to_apply := left_to_apply OPERATOR(pg_catalog.+) 1;
            ELSE
                local := local OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(r.revision,
                    'registered on this member, not received from the registry: the fleet job does not apply it');
            END IF;
        END LOOP;
    EXCEPTION WHEN OTHERS THEN
        err := SQLERRM;
    END;

    UPDATE @extschema@.mig_fleet_report f SET
        heads = ARRAY(SELECT c.revision FROM @extschema@.mig_current() c ORDER BY c.revision),
        -- received and not registered, or received and not applied
        pending = (SELECT pg_catalog.count(DISTINCT (i.rev).revision) FROM @extschema@.mig_fleet_incoming i
                   WHERE NOT EXISTS (SELECT FROM @extschema@.mig_revisions v
                                     WHERE v.revision OPERATOR(pg_catalog.=) (i.rev).revision))
                  OPERATOR(pg_catalog.+) left_to_apply,
        received_seq = GREATEST(f.received_seq, seen),
        stuck_before = next_step,
        last_error = err,
        refused = local OPERATOR(pg_catalog.||)
                  (SELECT COALESCE(pg_catalog.jsonb_object_agg((i.rev).revision, i.error), '{}')
                   FROM @extschema@.mig_fleet_incoming i WHERE i.error IS NOT NULL),
        last_applied = COALESCE(previous, f.last_applied),
        last_applied_at = CASE WHEN previous IS NULL THEN f.last_applied_at ELSE pg_catalog.now() END,
        run_started_at = CASE WHEN previous IS NULL THEN pg_catalog.now() ELSE f.run_started_at END,
        last_run_at = CASE WHEN next_step IS NULL THEN pg_catalog.now() ELSE f.last_run_at END
    WHERE f.member OPERATOR(pg_catalog.=) me;
    RETURN next_step;
END
$$;

-- mig_fleet_apply: the member's pg_cron job (CALL it at top level: it
-- commits).  Registers what arrived, then applies the received revisions up
-- to heads one CALL mig_deploy at a time, as the caller (the job's role),
-- with lock_timeout retries; reports after each.  A failing revision ends
-- the run with its error, which pg_cron keeps in cron.job_run_details; the
-- report names the revision.
CREATE PROCEDURE mig_fleet_apply()
LANGUAGE plpgsql
AS $$
DECLARE
    step text;
BEGIN
    step := @extschema@.mig_fleet_step(NULL);
    COMMIT;
    WHILE step IS NOT NULL LOOP
        CALL @extschema@.mig_deploy(step, lock_timeout => '5 seconds', max_retries => 5);
        step := @extschema@.mig_fleet_step(step);
        COMMIT;
    END LOOP;
END
$$;

-- mig_fleet_status: on the registry, one row per member.  behind counts the
-- revisions the member has not applied: those it reported as received and
-- not applied, and those registered here after the newest it received.
-- For a member behind, or whose job never ran or did not finish its last
-- run, last_error is the error of the job's last run in pg_cron's
-- cron.job_run_details on the member's server (its first line), read
-- through the connection string of the registry's subscription to that
-- member.
CREATE FUNCTION mig_fleet_status()
RETURNS TABLE (member text, heads text[], behind bigint, at_head boolean, stuck_before text,
               last_error text, refused jsonb, last_applied text, last_applied_at timestamptz,
               last_run_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f record;
    unfinished boolean;
    job_error text;
BEGIN
    FOR f IN SELECT r.*, r.pending OPERATOR(pg_catalog.+)
                         (SELECT pg_catalog.count(*) FROM @extschema@.mig_revisions v
                          WHERE v.seq OPERATOR(pg_catalog.>) r.received_seq) AS n_behind,
                    s.subconninfo
             FROM @extschema@.mig_fleet_report r
             LEFT JOIN pg_catalog.pg_subscription s
               ON s.subname OPERATOR(pg_catalog.=) ('mig_fleet_rep_' OPERATOR(pg_catalog.||) r.member)
              AND s.subdbid OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                                    WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
             ORDER BY r.member LOOP
        unfinished := f.last_run_at IS NULL OR f.run_started_at OPERATOR(pg_catalog.>) f.last_run_at;
        job_error := NULL;
        IF (unfinished OR f.n_behind OPERATOR(pg_catalog.>) 0) AND f.subconninfo IS NOT NULL THEN
            BEGIN
                job_error := @extschema@.mig_fleet_remote('the pg_cron database of member ' OPERATOR(pg_catalog.||) f.member,
                    @extschema@.mig_fleet_in_db(f.subconninfo, f.cron_database), pg_catalog.format(
                    'SELECT CASE WHEN d.status OPERATOR(pg_catalog.=) ''failed'' THEN d.return_message END '
                    'FROM cron.job_run_details d JOIN cron.job j USING (jobid) '
                    'WHERE j.jobname OPERATOR(pg_catalog.=) %L ORDER BY d.runid DESC LIMIT 1',
                    'mig_fleet_' OPERATOR(pg_catalog.||) f.member));
            EXCEPTION WHEN OTHERS THEN
                job_error := 'could not read the job''s runs: ' OPERATOR(pg_catalog.||) SQLERRM;
            END;
            -- pg_cron keeps the whole report: its first line, without the severity
            job_error := pg_catalog.regexp_replace(pg_catalog.split_part(job_error, E'\n', 1), '^[A-Z]+:\s+', '');
        END IF;
        member := f.member;
        heads := f.heads;
        behind := f.n_behind;
        last_error := COALESCE(job_error, f.last_error);
        at_head := f.n_behind OPERATOR(pg_catalog.=) 0 AND last_error IS NULL AND NOT unfinished;
        stuck_before := CASE WHEN unfinished THEN f.stuck_before END;
        refused := f.refused;
        last_applied := f.last_applied;
        last_applied_at := f.last_applied_at;
        last_run_at := f.last_run_at;
        RETURN NEXT;
    END LOOP;
END
$$;

-- Setting a fleet up creates subscriptions and pg_cron jobs: superusers only.
REVOKE EXECUTE ON FUNCTION mig_fleet_publish(), mig_fleet_join(text, text, text, text, name),
                           mig_fleet_leave(), mig_fleet_remote(text, text, text[]),
                           mig_fleet_undo(text[], text, text, text, name), mig_fleet_in_db(text, text),
                           mig_fleet_step(text), mig_fleet_receive()
    FROM PUBLIC;
REVOKE EXECUTE ON PROCEDURE mig_fleet_apply() FROM PUBLIC;

COMMENT ON FUNCTION mig_fleet_publish() IS
    'mig_fleet: make this database a registry (publish inserts and updates of mig_revisions)';
COMMENT ON FUNCTION mig_fleet_join(text, text, text, text, name) IS
    'mig_fleet: make this database a member of a registry, applied by a pg_cron job on a schedule as a role';
COMMENT ON FUNCTION mig_fleet_leave() IS
    'mig_fleet: leave the fleet (subscriptions, slots, publication, job)';
COMMENT ON PROCEDURE mig_fleet_apply() IS
    'mig_fleet: register what arrived, CALL mig_deploy for each received revision up to heads, report to the registry (run by the job)';
COMMENT ON FUNCTION mig_fleet_status() IS
    'mig_fleet: on the registry, one row per member: heads, how far behind, last error';
COMMENT ON FUNCTION mig_fleet_remote(text, text, text[]) IS
    'internal to mig_fleet: statements through a connection of their own, with a deadline';
COMMENT ON FUNCTION mig_fleet_undo(text[], text, text, text, name) IS
    'internal to mig_fleet: undo the steps of a join, each on its own';
COMMENT ON FUNCTION mig_fleet_in_db(text, text) IS
    'internal to mig_fleet: a connection string to another database of the same server';
COMMENT ON FUNCTION mig_fleet_step(text) IS
    'internal to mig_fleet: the job''s registration, next step and report';
COMMENT ON FUNCTION mig_fleet_receive() IS
    'internal to mig_fleet: keeps a replicated revision aside for the job';
COMMENT ON SEQUENCE mig_fleet_incoming_id_seq IS 'mig_fleet: ids of received revisions';
