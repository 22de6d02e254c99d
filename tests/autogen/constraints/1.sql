CREATE TABLE parent (id integer PRIMARY KEY, code text UNIQUE);
CREATE TABLE child (
    id integer,
    parent_id integer REFERENCES parent ON DELETE CASCADE,
    qty integer CONSTRAINT qty_positive CHECK (qty > 0),
    CONSTRAINT child_pkey PRIMARY KEY (id)
);
