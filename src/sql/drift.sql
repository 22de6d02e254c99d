-- drift.sql: schema drift.  Every DDL command run outside mig_ext is
-- recorded by two event triggers (mig_ext.record_drift = off stops them,
-- superusers only); mig_validate reports what ran since the last step,
-- mig_drift lists it, and an upgrade warns about it (mig_ext.on_drift =
-- warn), refuses (refuse) or says nothing (ignore).  The comments are in
-- comments.sql, the log's rights in privileges.sql.

CREATE TABLE mig_drift_log (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    role_name           name NOT NULL,
    session_user_name   name NOT NULL,
    command_tag         text NOT NULL,
    object_type         text,
    object_identity     text,
    statement           text
);
SELECT pg_catalog.pg_extension_config_dump('mig_drift_log', '');
SELECT pg_catalog.pg_extension_config_dump('mig_drift_log_id_seq', '');

CREATE OR REPLACE FUNCTION mig_drift_record()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'mig_drift_record'
LANGUAGE C;
CREATE EVENT TRIGGER mig_drift_ddl ON ddl_command_end EXECUTE FUNCTION mig_drift_record();
CREATE EVENT TRIGGER mig_drift_drop ON sql_drop EXECUTE FUNCTION mig_drift_record();

CREATE OR REPLACE FUNCTION mig_drift(since_last_step boolean DEFAULT false)
RETURNS TABLE (at timestamptz, role_name name, session_user_name name, command_tag text,
               object_type text, object_identity text, statement text)
AS 'MODULE_PATHNAME', 'mig_drift'
LANGUAGE C STABLE;
