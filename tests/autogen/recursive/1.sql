-- mutually referring functions, an aggregate
CREATE FUNCTION film_in_stock(i int) RETURNS boolean LANGUAGE sql AS 'SELECT inventory_in_stock(i)';
CREATE FUNCTION inventory_in_stock(i int) RETURNS boolean LANGUAGE sql AS 'SELECT i > 0 OR film_in_stock(i + 1)';
CREATE FUNCTION _cat(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT $1 || $2';
CREATE AGGREGATE group_concat(text) (SFUNC = _cat, STYPE = text, INITCOND = '');
