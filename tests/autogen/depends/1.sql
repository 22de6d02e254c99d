-- creation order from pg_depend, not from the kinds: a domain checked by a
-- function, a function returning a view's rows, a view over that function
CREATE FUNCTION is_positive(i int) RETURNS boolean LANGUAGE sql IMMUTABLE RETURN i > 0;
CREATE DOMAIN positive AS int CHECK (is_positive(VALUE));
CREATE TABLE item (id positive PRIMARY KEY, name text);
CREATE VIEW item_names AS SELECT id, name FROM item;
CREATE FUNCTION named(p text) RETURNS SETOF item_names LANGUAGE sql STABLE
    BEGIN ATOMIC SELECT * FROM item_names WHERE name = p; END;
CREATE VIEW first_named AS SELECT * FROM named('first');
