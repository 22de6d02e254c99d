-- seeds/002: "Add new_field to users"; tasks get a title and a due date
CREATE TABLE users (
    id serial PRIMARY KEY,
    email varchar(255) NOT NULL,
    hashed_password varchar(255) NOT NULL,
    new_field varchar,
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ix_users_email ON users (email);
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
