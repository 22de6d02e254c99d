-- step 4: a system role, updated_at triggers, a view, comments; new_field
-- renamed to display_name (a drop and an add)
CREATE TYPE message_role AS ENUM ('system', 'user', 'assistant', 'tool');
CREATE TABLE users (
    id serial PRIMARY KEY,
    email varchar(320) NOT NULL,
    hashed_password varchar(255) NOT NULL,
    display_name varchar(100),
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ix_users_email ON users (lower(email));
CREATE TABLE tasks (
    id serial PRIMARY KEY,
    title varchar(200) NOT NULL DEFAULT '',
    description varchar(1000),
    is_complete boolean NOT NULL DEFAULT false,
    due_date date,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp NOT NULL DEFAULT now(),
    CHECK (due_date IS NULL OR due_date >= '2020-01-01')
);
CREATE INDEX ix_tasks_user_id ON tasks (user_id);
CREATE INDEX ix_tasks_open ON tasks (user_id, due_date) WHERE NOT is_complete;
CREATE TABLE conversations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title text,
    created_at timestamp NOT NULL DEFAULT now()
);
CREATE TABLE messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role message_role NOT NULL DEFAULT 'user',
    content text NOT NULL,
    created_at timestamp NOT NULL DEFAULT now()
);
CREATE INDEX ix_messages_conversation ON messages (conversation_id, created_at);
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER tasks_updated_at BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE VIEW open_tasks AS
    SELECT t.id, t.title, t.due_date, u.email
    FROM tasks t JOIN users u ON u.id = t.user_id
    WHERE NOT t.is_complete;
COMMENT ON TABLE tasks IS 'Todo items';
COMMENT ON COLUMN tasks.due_date IS 'Day the task is due, if any';
