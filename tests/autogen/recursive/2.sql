CREATE FUNCTION film_in_stock(i int) RETURNS boolean LANGUAGE sql AS 'SELECT inventory_in_stock(i)';
CREATE FUNCTION inventory_in_stock(i int) RETURNS boolean LANGUAGE plpgsql AS 'BEGIN RETURN true; END';
CREATE FUNCTION _cat(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT $1 || $2';
CREATE AGGREGATE group_concat(text) (SFUNC = _cat, STYPE = text);
COMMENT ON AGGREGATE group_concat(text) IS 'concatenation';
CREATE VIEW stock AS SELECT group_concat(x) AS all_x FROM (VALUES ('a'), ('b')) v(x);
