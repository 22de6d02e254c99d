CREATE TABLE parent (id integer, PRIMARY KEY (id) INCLUDE (code), code text, CONSTRAINT parent_code_key UNIQUE (code, id));
CREATE TABLE child (
    id integer,
    parent_id integer REFERENCES parent ON DELETE SET NULL ON UPDATE CASCADE,
    parent_code text,
    qty integer CONSTRAINT qty_positive CHECK (qty >= 0),
    CONSTRAINT child_pkey PRIMARY KEY (id, qty),
    CONSTRAINT child_code_fkey FOREIGN KEY (parent_code, parent_id) REFERENCES parent (code, id)
);
