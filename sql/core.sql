-- core: the everyday Alembic workflow on the todo app of the Alembic guides
-- (the revisions of tests/demo/todo_migrations.sql, read with \i), walking the
-- guides' testing checklist and checking the schema through the catalogs
-- after every step.
CREATE EXTENSION mig_ext;
\set VERBOSITY default
-- the app's tables, columns, indexes and foreign keys, from the catalogs
CREATE VIEW app_columns AS
SELECT c.relname AS tbl, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, a.attidentity AS ident, pg_get_expr(d.adbin, d.adrelid) AS dflt
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname NOT LIKE 'mig\_%'
 ORDER BY c.relname, a.attnum;
CREATE VIEW app_indexes AS
SELECT c.relname AS tbl, i.relname AS idx, x.indisunique AS is_unique, x.indisprimary AS is_primary,
       pg_get_indexdef(x.indexrelid, 1, true) AS col
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
 WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE 'mig\_%'
 ORDER BY c.relname, i.relname;
CREATE VIEW app_constraints AS
SELECT conrelid::regclass::text AS tbl, conname, contype, confrelid::regclass::text AS ref,
       confdeltype AS on_delete, pg_get_constraintdef(oid) AS def
  FROM pg_constraint
 WHERE connamespace = 'public'::regnamespace AND contype IN ('f', 'u')
   AND conrelid::regclass::text NOT LIKE 'mig\_%'
 ORDER BY 1, 2;
CREATE VIEW app_tables AS
SELECT string_agg(relname, ', ' ORDER BY relname) AS tables
  FROM pg_class
 WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname NOT LIKE 'mig\_%';
CREATE VIEW versions AS
SELECT coalesce(string_agg(revision, ', ' ORDER BY revision), '(none)') AS version_rows FROM mig_version;

-- register 001, 002, 003 (the file's path from pg_regress's input directory)
\getenv abs_srcdir PG_ABS_SRCDIR
\set todo_migrations :abs_srcdir '/tests/demo/todo_migrations.sql'
\i :todo_migrations

-- replaying the same registrations changes nothing
\i :todo_migrations

SELECT revision, down_revisions, message, registered_by = current_user AS registered_by_me
  FROM mig_revisions ORDER BY seq;

-- before anything runs: history, heads, current
SELECT revision, down_revisions, message, is_head, is_base, is_current, applied_at
  FROM mig_history();
SELECT * FROM mig_heads();
SELECT * FROM mig_current();
SELECT * FROM app_tables;
SELECT * FROM versions;

-- alembic upgrade head
SELECT * FROM mig_upgrade('head');
SELECT * FROM versions;
SELECT * FROM app_tables;
SELECT * FROM app_columns;
SELECT * FROM app_indexes;
SELECT * FROM app_constraints;

-- alembic current, history, heads, show
SELECT * FROM mig_current();
SELECT revision, down_revisions, message, branch_labels, depends_on, is_head,
       is_effective_head, is_base, is_branch_point, is_merge_point, is_current,
       applied_at IS NOT NULL AS applied
  FROM mig_history();
SELECT * FROM mig_heads();
SELECT * FROM mig_show('003');
SELECT revision, is_base, is_current, upgrade LIKE '%CREATE TABLE messages%' AS creates_messages,
       downgrade FROM mig_show('002');

-- data goes in, and the foreign keys cascade
INSERT INTO users (email, hashed_password) VALUES ('ada@example.com', 'h1'), ('bob@example.com', 'h2');
INSERT INTO tasks (description, user_id, priority) VALUES ('one', 1, 2), ('two', 1, NULL), ('three', 2, 1);
INSERT INTO conversations (user_id, title) VALUES (2, 'hello');
INSERT INTO messages (conversation_id, role, content) SELECT id, 'user', 'hi' FROM conversations;
INSERT INTO users (email, hashed_password) VALUES ('ada@example.com', 'h3');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM users WHERE email = 'bob@example.com';
SELECT (SELECT count(*) FROM tasks) AS tasks, (SELECT count(*) FROM conversations) AS conversations,
       (SELECT count(*) FROM messages) AS messages;

-- alembic downgrade -1: priority goes, the data stays
SELECT * FROM mig_downgrade('-1');
SELECT * FROM versions;
SELECT * FROM mig_current();
SELECT col, type FROM app_columns WHERE tbl = 'tasks';
SELECT u.email, t.description, t.is_complete FROM users u JOIN tasks t ON t.user_id = u.id ORDER BY t.id;

-- re-upgrade after downgrade
SELECT * FROM mig_upgrade('head');
SELECT * FROM versions;
SELECT col, type, not_null, dflt FROM app_columns WHERE tbl = 'tasks' AND col = 'priority';
SELECT description, priority FROM tasks ORDER BY id;

-- alembic downgrade base: no app table is left
SELECT * FROM mig_downgrade('base');
SELECT * FROM versions;
SELECT * FROM app_tables;
SELECT count(*) AS app_indexes FROM app_indexes;
SELECT count(*) AS app_constraints FROM app_constraints;
SELECT * FROM mig_current();
SELECT revision, is_current FROM mig_history();

-- alembic upgrade head from base, then again (nothing to do)
SELECT * FROM mig_upgrade('head');
SELECT * FROM versions;
SELECT * FROM app_tables;
SELECT count(*) AS columns FROM app_columns;
SELECT idx, is_unique FROM app_indexes WHERE idx LIKE 'ix\_%';
SELECT tbl, conname, contype, ref, on_delete FROM app_constraints;
SELECT * FROM mig_upgrade('head');
SELECT * FROM mig_current();

-- the audit trail: one row per step, with the checksum of the body that ran
SELECT l.id, l.revision, l.direction, l.from_revisions, l.to_revisions,
       l.applied_by = current_user AS by_me, l.session_user_name = session_user AS session_me,
       dense_rank() OVER (ORDER BY l.xid::text::bigint) AS xact, l.duration >= '0' AS timed,
       l.checksum = encode(sha256(convert_to(CASE l.direction WHEN 'upgrade' THEN r.upgrade ELSE r.downgrade END, 'UTF8')), 'hex') AS checksum_ok
  FROM mig_log l JOIN mig_revisions r USING (revision)
 ORDER BY l.id;

-- clean up
DROP VIEW app_columns, app_indexes, app_constraints, app_tables, versions;
DROP EXTENSION mig_ext CASCADE;
DROP TABLE messages, conversations, tasks, users;
