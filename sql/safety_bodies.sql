-- Who may read migration bodies.  Every function of the extension is called
-- by a role with no grant at all (nobody), by a role that may only build
-- the scratch schema of mig_diff (differ), by a role granted EXECUTE on
-- every function revoked from PUBLIC but no table (runner), and by an
-- auditor that may SELECT mig_revisions; first on a fresh install, then on
-- one updated from 1.1.  The bodies hold a secret, "hunter2": it must reach
-- the auditor and no one else, and neither may the checksums of the bodies
-- (64 hex digits).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS mig_ext CASCADE;
CREATE ROLE regress_mig_nobody;
CREATE ROLE regress_mig_differ;
CREATE ROLE regress_mig_runner;
CREATE ROLE regress_mig_auditor;
CREATE ROLE regress_mig_app;
SELECT format('GRANT CREATE ON DATABASE %I TO regress_mig_differ', current_database()) \gexec
CREATE SCHEMA body_empty;

-- one call of every function of the extension
CREATE TABLE body_calls (func text PRIMARY KEY, sql_call text NOT NULL);
INSERT INTO body_calls VALUES
  ('mig_revision(text,text,text,text,text[],text[],text[],boolean,text[],text,boolean)', $$SELECT mig_revision('probe', 'SELECT 1')$$),
  ('mig_merge(text,text[],text,text[])', $$SELECT mig_merge('probe')$$),
  ('mig_upgrade(text)', $$SELECT * FROM mig_upgrade('head')$$),
  ('mig_deploy(text,interval,integer)', $$CALL mig_deploy('head')$$),
  ('mig_downgrade(text)', $$SELECT * FROM mig_downgrade('base')$$),
  ('mig_stamp(text,boolean)', $$SELECT mig_stamp('head')$$),
  ('mig_current()', $$SELECT * FROM mig_current()$$),
  ('mig_heads()', $$SELECT * FROM mig_heads()$$),
  ('mig_branches()', $$SELECT * FROM mig_branches()$$),
  ('mig_history(text)', $$SELECT * FROM mig_history()$$),
  ('mig_show(text)', $$SELECT * FROM mig_show('heads')$$),
  ('mig_validate()', $$SELECT * FROM mig_validate()$$),
  ('mig_plan(text)', $$SELECT * FROM mig_plan('head')$$),
  ('mig_upgrade_sql(text)', $$SELECT mig_upgrade_sql('head')$$),
  ('mig_downgrade_sql(text)', $$SELECT mig_downgrade_sql('base')$$),
  ('mig_import(text,text)', $$SELECT mig_import(E'-- mig:revision: probe\n-- mig:upgrade\nSELECT 1\n')$$),
  ('mig_import(text[],text[])', $$SELECT mig_import(ARRAY[E'-- mig:revision: probe\n-- mig:down_revisions:\n-- mig:upgrade\nSELECT 1\n'])$$),
  ('mig_adopt_alembic(regclass)', $$SELECT mig_adopt_alembic()$$),
  ('mig_graph()', $$SELECT mig_graph()$$),
  ('mig_diff(text,name)', $$SELECT * FROM mig_diff('CREATE TABLE t (a int)', 'body_empty')$$),
  ('mig_autogenerate(text,text,name,text)', $$SELECT mig_autogenerate('', 'probe', 'body_empty')$$),
  ('mig_check(text,name)', $$SELECT mig_check('', 'body_empty')$$),
  ('mig_test(text)', $$SELECT * FROM mig_test()$$),
  ('mig_rehearse(text)', $$SELECT * FROM mig_rehearse()$$),
  ('mig_verify(text)', $$SELECT * FROM mig_verify()$$),
  ('mig_drift(boolean)', $$SELECT * FROM mig_drift()$$),
  ('mig_drift_record()', $$SELECT mig_drift_record()$$),
  ('mig_autogen_map(text,name,name)', $$SELECT mig_autogen_map('a.b', 'a', 'c')$$),
  ('mig_autogen_objects(oid,name,oid[])', $$SELECT * FROM mig_autogen_objects('body_empty'::regnamespace, 'x')$$),
  ('mig_autogen_alter_column(text,text,text,text,boolean,text,text,boolean)',
   $$SELECT mig_autogen_alter_column('t', 'a', 'int', NULL, false, 'bigint', NULL, false)$$),
  ('mig_autogen_change_column(text,text,text,text,boolean,text,text,text,boolean,text)',
   $$SELECT mig_autogen_change_column('t', 'a', 'int', NULL, true, '', 'int', NULL, true, ' GENERATED ALWAYS AS IDENTITY')$$),
  ('mig_autogen_alter_domain(text,text,boolean,text,boolean)',
   $$SELECT mig_autogen_alter_domain('s.d', NULL, false, '1', true)$$),
  ('mig_autogen_recreate_enum(name,name,text,text[],text[])',
   $$SELECT mig_autogen_recreate_enum('s', 'e', 's.e', '{a}', '{}')$$),
  ('mig_autogen_diff(oid,oid)', $$SELECT * FROM mig_autogen_diff('body_empty'::regnamespace, 'body_empty'::regnamespace)$$),
  ('mig_start(text,integer,interval,integer)', $$CALL mig_start('head')$$),
  ('mig_complete(interval,integer)', $$CALL mig_complete()$$),
  ('mig_rollback(interval,integer)', $$CALL mig_rollback()$$),
  ('mig_op_add_column(regclass,text,text)', $$SELECT mig_op_add_column('pg_class', 'x int')$$),
  ('mig_op_rename_column(regclass,name,name)', $$SELECT mig_op_rename_column('pg_class', 'relname', 'x')$$),
  ('mig_op_alter_column(regclass,name,text,text,text,boolean,text,text,boolean)',
   $$SELECT mig_op_alter_column('pg_class', 'relname', type => 'text')$$),
  ('mig_op_drop_column(regclass,name,text)', $$SELECT mig_op_drop_column('pg_class', 'relname')$$),
  ('mig_op_rename_table(regclass,name)', $$SELECT mig_op_rename_table('pg_class', 'x')$$),
  ('mig_op_drop_table(regclass)', $$SELECT mig_op_drop_table('pg_class')$$),
  ('mig_op_create_index(regclass,name,text)', $$SELECT mig_op_create_index('pg_class', 'x', '(relname)')$$),
  ('mig_op_add_foreign_key(regclass,name,name[],regclass,name[],text)',
   $$SELECT mig_op_add_foreign_key('pg_class', 'x', '{oid}', 'pg_class', '{oid}')$$),
  ('mig_op_add_check(regclass,name,text)', $$SELECT mig_op_add_check('pg_class', 'x', 'true')$$),
  ('mig_op_undo()', $$SELECT mig_op_undo()$$),
  ('mig_op_context(text)', $$SELECT mig_op_context('x')$$),
  ('mig_op_record(mig_expand_ops)', $$SELECT mig_op_record(NULL)$$),
  ('mig_op_forget()', $$SELECT mig_op_forget()$$),
  ('mig_expand_ops_of(text)', $$SELECT * FROM mig_expand_ops_of('b1')$$),
  ('mig_expand_new_op(text,regclass,name)', $$SELECT mig_expand_new_op('add_column', 'pg_class', NULL)$$),
  ('mig_expand_check_unused(regclass,name,text)', $$SELECT mig_expand_check_unused('pg_class', 'relacl', 'x')$$),
  ('mig_expand_qtable(mig_expand_ops)', $$SELECT mig_expand_qtable(NULL)$$),
  ('mig_expand_nn_name(mig_expand_ops)', $$SELECT mig_expand_nn_name(NULL)$$),
  ('mig_expand_index_sql(mig_expand_ops,boolean)', $$SELECT mig_expand_index_sql(NULL, true)$$),
  ('mig_expand_set_sql(mig_expand_ops)', $$SELECT mig_expand_set_sql(NULL)$$),
  ('mig_expand_validate_sql(mig_expand_ops)', $$SELECT mig_expand_validate_sql(NULL)$$),
  ('mig_expand_half(mig_expand_ops,text)', $$SELECT mig_expand_half(NULL, 'expand')$$),
  ('mig_expand_exec(mig_expand_ops,text)', $$SELECT mig_expand_exec(NULL, 'expand')$$),
  ('mig_expand_run(mig_expand_ops,text)', $$SELECT mig_expand_run(NULL, 'start')$$),
  ('mig_expand_shape(text,regclass,boolean,boolean)', $$SELECT mig_expand_shape('b1', 'pg_class', true, false)$$),
  ('mig_expand_finish(text,name,name)', $$SELECT mig_expand_finish('b1', 'body_empty', 'body_version')$$),
  ('mig_expand_backfill_sql(text,integer)', $$SELECT * FROM mig_expand_backfill_sql('b1', 10)$$),
  ('mig_expand_index_list(text)', $$SELECT * FROM mig_expand_index_list('b1')$$),
  ('mig_expand_validate_list(text)', $$SELECT * FROM mig_expand_validate_list('b1')$$),
  ('mig_expand_contract_sql(text,name,name)', $$SELECT * FROM mig_expand_contract_sql('b1', 'body_version', NULL)$$),
  ('mig_expand_contract(text,name,name)', $$SELECT mig_expand_contract('b1', 'body_version', NULL)$$),
  ('mig_expand_sync_drops(name)', $$SELECT * FROM mig_expand_sync_drops('body_version')$$),
  ('mig_expand_undo(text,name)', $$SELECT mig_expand_undo('b1', 'body_version')$$);
GRANT SELECT ON body_calls TO PUBLIC;

-- body_survey: every call made by each role, and rolled back: its SQLSTATE
-- (00000 when it succeeded), for 42501 the right that was missing, and
-- whether anything it returned or raised (message, detail, hint, context)
-- held the secret or a checksum
CREATE FUNCTION body_survey()
RETURNS TABLE (who name, func text, state text, missing text,
               body_seen boolean, checksum_seen boolean)
LANGUAGE plpgsql AS $$
DECLARE
    c record;
    seen text;
    msg text;
    det text;
    hnt text;
    ctx text;
BEGIN
    FOREACH who IN ARRAY
        '{regress_mig_nobody,regress_mig_differ,regress_mig_runner,regress_mig_auditor}'::name[]
    LOOP
        EXECUTE format('SET ROLE %I', who);
        FOR c IN SELECT b.func, b.sql_call FROM body_calls b ORDER BY b.func LOOP
            func := c.func;
            missing := NULL;
            BEGIN
                IF c.sql_call LIKE 'CALL %' THEN
                    EXECUTE c.sql_call;
                    seen := '';
                ELSE
                    EXECUTE format('SELECT coalesce(string_agg(r::text, E''\n''), '''') FROM (%s) r',
                                   c.sql_call) INTO seen;
                END IF;
                state := '00000';
                RAISE SQLSTATE 'ZZ000';     -- undo what the call did
            EXCEPTION WHEN SQLSTATE 'ZZ000' THEN
                NULL;
            WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                    det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT, ctx = PG_EXCEPTION_CONTEXT;
                seen := concat_ws(E'\n', msg, det, hnt, ctx);
                missing := CASE
                    WHEN msg LIKE 'permission denied for function %' OR msg LIKE 'permission denied for procedure %' THEN 'EXECUTE'
                    WHEN msg = 'permission denied to read migration bodies' THEN 'SELECT'
                    WHEN msg = 'permission denied to build the desired schema' THEN 'CREATE'
                    END;
            END;
            body_seen := strpos(seen, 'hunter2') > 0;
            checksum_seen := seen ~ '[0-9a-f]{64}';
            RETURN NEXT;
        END LOOP;
        RESET ROLE;
    END LOOP;
END
$$;

-- body_plant: an applied revision and a pending one, bodies with the
-- secret, and the grants of the auditor and the runner
CREATE FUNCTION body_plant() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM mig_revision('first', $b$CREATE TABLE body_t (a int); SELECT 'hunter2'$b$,
                         $b$DROP TABLE body_t; SELECT 'hunter2 down'$b$,
                         revision => 'b1', down_revision => '{}');
    PERFORM mig_upgrade('b1');
    PERFORM mig_revision('second', $b$SELECT 'hunter2 pending'$b$, $b$SELECT 'hunter2 back'$b$,
                         revision => 'b2');
    GRANT SELECT ON mig_revisions TO regress_mig_auditor;
    GRANT EXECUTE ON FUNCTION mig_revision(text, text, text, text, text[], text[], text[], boolean, text[], text, boolean),
                              mig_merge(text, text[], text, text[]),
                              mig_upgrade(text), mig_downgrade(text), mig_stamp(text, boolean),
                              mig_import(text, text), mig_import(text[], text[]),
                              mig_adopt_alembic(regclass),
                              mig_autogenerate(text, text, name, text),
                              mig_test(text), mig_rehearse(text), mig_verify(text)
        TO regress_mig_runner;
    GRANT EXECUTE ON PROCEDURE mig_deploy(text, interval, integer) TO regress_mig_runner;
END
$$;

-- body_edit: edit the applied body by hand, so that mig_validate reports
-- an edited revision and a changed body (with checksums in the detail)
CREATE FUNCTION body_edit() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mig_revisions SET upgrade = upgrade || $b$; SELECT 'hunter2 edited'$b$
    WHERE revision = 'b1';
END
$$;

------------------------------------------------------------------------
-- a fresh install
------------------------------------------------------------------------
CREATE EXTENSION mig_ext;
-- the calls cover every function of the extension
SELECT p.oid::regprocedure AS not_called
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mig_ext')
EXCEPT SELECT func::regprocedure FROM body_calls;
SELECT body_plant();
RESET client_min_messages;

-- an application that may only upgrade: EXECUTE is not enough, it must
-- be able to read what it runs
GRANT EXECUTE ON FUNCTION mig_upgrade(text) TO regress_mig_app;
SET ROLE regress_mig_app;
SELECT * FROM mig_upgrade();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT SELECT ON mig_revisions TO regress_mig_app;
SET ROLE regress_mig_app;
SELECT * FROM mig_upgrade();
SELECT * FROM mig_downgrade('b1');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET client_min_messages = warning;
SELECT revision FROM mig_downgrade('b1');
RESET client_min_messages;
SELECT body_edit();

-- what a role with no grant sees of the bodies: nothing
SET ROLE regress_mig_nobody;
SELECT revision, upgrade FROM mig_show('heads');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_upgrade_sql('head');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, problem, detail FROM mig_validate() ORDER BY problem;
RESET ROLE;
-- the auditor sees them
SET ROLE regress_mig_auditor;
SELECT revision, upgrade FROM mig_show('heads');
SELECT revision, problem, detail ~ '[0-9a-f]{64}' AS checksums_shown
FROM mig_validate() ORDER BY problem;
RESET ROLE;

-- every function, by every role: the outcome (00000, or the SQLSTATE and
-- for 42501 the right missing), "+body" or "+checksum" when the output
-- held one
CREATE TABLE survey_fresh AS SELECT * FROM body_survey();
SELECT func,
       max(cell) FILTER (WHERE who = 'regress_mig_nobody') AS nobody,
       max(cell) FILTER (WHERE who = 'regress_mig_differ') AS differ,
       max(cell) FILTER (WHERE who = 'regress_mig_runner') AS runner,
       max(cell) FILTER (WHERE who = 'regress_mig_auditor') AS auditor
FROM (SELECT who, func, concat_ws(' ', state, missing, CASE WHEN body_seen THEN '+body' END,
                                  CASE WHEN checksum_seen THEN '+checksum' END) AS cell
      FROM survey_fresh) s
GROUP BY func ORDER BY func;
-- no role but the auditor ever saw a body or a checksum
SELECT who, func FROM survey_fresh
WHERE (body_seen OR checksum_seen) AND who <> 'regress_mig_auditor';
-- the survey found nothing changed
SELECT revision FROM mig_current();

------------------------------------------------------------------------
-- the same on an install created at 1.1 and updated
------------------------------------------------------------------------
SET client_min_messages = warning;
DROP EXTENSION mig_ext CASCADE;
DROP TABLE body_t;
CREATE EXTENSION mig_ext VERSION '1.1';
ALTER EXTENSION mig_ext UPDATE;
SELECT body_plant();
RESET client_min_messages;
SELECT extversion FROM pg_extension WHERE extname = 'mig_ext';
SELECT body_edit();
CREATE TABLE survey_updated AS SELECT * FROM body_survey();
-- the same outcomes, call by call and role by role
SELECT count(*) AS calls FROM survey_updated;
(SELECT * FROM survey_fresh EXCEPT SELECT * FROM survey_updated)
UNION ALL
(SELECT * FROM survey_updated EXCEPT SELECT * FROM survey_fresh);

SET client_min_messages = warning;
DROP EXTENSION mig_ext CASCADE;
DROP TABLE body_t, body_calls, survey_fresh, survey_updated;
DROP FUNCTION body_survey(), body_plant(), body_edit();
DROP SCHEMA body_empty;
SELECT format('REVOKE CREATE ON DATABASE %I FROM regress_mig_differ', current_database()) \gexec
DROP ROLE regress_mig_nobody, regress_mig_differ, regress_mig_runner, regress_mig_auditor,
          regress_mig_app;
