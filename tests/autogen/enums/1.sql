CREATE TYPE status AS ENUM ('todo', 'done');
CREATE TYPE colour AS ENUM ('red', 'green');
CREATE TABLE card (id integer, st status NOT NULL DEFAULT 'todo', c colour);
