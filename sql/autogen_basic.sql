-- Autogenerate: mig_diff, mig_autogenerate and mig_check on schema public.
CREATE EXTENSION mig_ext;
\set VERBOSITY default

-- The extension's own objects are ignored: an empty desired schema matches.
SELECT count(*) FROM mig_diff('');
SELECT mig_check('');
SELECT mig_autogenerate('', 'nothing to do') IS NULL AS registered_nothing;
SELECT count(*) FROM mig_revisions;

-- The desired schema, as plain DDL with unqualified names.
\set v1 'CREATE TABLE users (id serial PRIMARY KEY, email varchar(100) NOT NULL, nick text); CREATE UNIQUE INDEX users_email ON users (email); CREATE TABLE tasks (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id integer NOT NULL REFERENCES users ON DELETE CASCADE, title text NOT NULL, done boolean NOT NULL DEFAULT false);'
SELECT change, object, loses_data FROM mig_diff(:'v1');
SELECT upgrade, downgrade FROM mig_diff(:'v1') WHERE object = 'table public.users';
SELECT mig_autogenerate(:'v1', 'users and tasks', revision => 'a1');
SELECT upgrade FROM mig_show('a1');
SELECT downgrade FROM mig_show('a1');
-- nothing was created by the comparison itself
SELECT count(*) FROM pg_class WHERE relname IN ('users', 'tasks');
SELECT count(*) FROM pg_namespace WHERE nspname = 'mig_desired';
SELECT revision, direction FROM mig_upgrade();
SELECT mig_check(:'v1');
SELECT count(*) FROM mig_diff(:'v1');
SELECT mig_autogenerate(:'v1', 'again') IS NULL AS registered_nothing;
SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, is_identity
FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('users', 'tasks')
ORDER BY table_name, ordinal_position;

-- Data in kept columns survives an upgrade; the rename of nick is a drop
-- and an add, flagged as losing data.
INSERT INTO users (email, nick) VALUES ('ann@example.com', 'ann'), ('bob@example.com', 'bob');
INSERT INTO tasks (user_id, title) VALUES (1, 'write docs'), (2, 'review'), (2, 'ship');
\set v2 'CREATE TABLE users (id serial PRIMARY KEY, email varchar(320) NOT NULL, display_name text, created_at timestamptz NOT NULL DEFAULT now()); CREATE UNIQUE INDEX users_email ON users (lower(email)); CREATE TABLE tasks (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id integer NOT NULL REFERENCES users ON DELETE CASCADE, title text NOT NULL, done boolean NOT NULL DEFAULT true, CHECK (title <> '''')); CREATE INDEX tasks_open ON tasks (user_id) WHERE NOT done;'
SELECT change, object, loses_data, upgrade FROM mig_diff(:'v2');
-- mig_check fails while the schema differs, listing the pending operations
SELECT mig_check(:'v2');
\echo :LAST_ERROR_SQLSTATE
SELECT mig_autogenerate(:'v2', 'widen email, rename nick', revision => 'a2');
SELECT upgrade FROM mig_show('a2');
SELECT revision, direction FROM mig_upgrade();
SELECT mig_check(:'v2');
SELECT u.id, u.email, u.display_name, t.title, t.done
FROM users u JOIN tasks t ON t.user_id = u.id ORDER BY t.id;
SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname;

-- Downgrading restores the previous schema (the renamed column comes back
-- empty) and the kept data.
SELECT revision, direction FROM mig_downgrade('-1');
SELECT mig_check(:'v1');
SELECT u.id, u.email, u.nick, t.title, t.done
FROM users u JOIN tasks t ON t.user_id = u.id ORDER BY t.id;
SELECT revision, direction FROM mig_downgrade('base');
SELECT mig_check('');

-- The comparison leaves the caller's search_path and transaction as they were.
BEGIN;
SET LOCAL search_path = public, pg_temp;
SELECT count(*) FROM mig_diff(:'v1');
SHOW search_path;
COMMIT;

DROP EXTENSION mig_ext CASCADE;
