CREATE TABLE item (
    id integer NOT NULL,
    name varchar(50),
    price numeric(8,2) DEFAULT 0,
    qty integer NOT NULL DEFAULT 1,
    note text,
    code text COLLATE "C",
    total numeric GENERATED ALWAYS AS (price * qty) STORED
);
