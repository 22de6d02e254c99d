-- seeds/000: users and tasks
CREATE TABLE users (
    id serial PRIMARY KEY,
    email varchar(255) NOT NULL,
    hashed_password varchar(255) NOT NULL,
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ix_users_email ON users (email);
CREATE TABLE tasks (
    id serial PRIMARY KEY,
    description varchar(500) NOT NULL,
    is_complete boolean NOT NULL DEFAULT false,
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp NOT NULL DEFAULT now()
);
CREATE INDEX ix_tasks_user_id ON tasks (user_id);
