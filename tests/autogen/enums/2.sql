CREATE TYPE status AS ENUM ('new', 'todo', 'doing', 'done', 'archived');
CREATE TYPE colour AS ENUM ('red', 'green');
CREATE TYPE size AS ENUM ('s', 'm', 'l');
CREATE TABLE card (id integer, st status NOT NULL DEFAULT 'todo', c colour, sz size);
