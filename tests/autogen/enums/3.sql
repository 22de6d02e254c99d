CREATE TYPE status AS ENUM ('todo', 'done');
CREATE TYPE colour AS ENUM ('blue', 'red');
CREATE TABLE card (id integer, st status NOT NULL DEFAULT 'todo', c colour);
