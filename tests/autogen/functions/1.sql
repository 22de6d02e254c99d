CREATE TABLE acct (id integer PRIMARY KEY, balance numeric NOT NULL DEFAULT 0);
CREATE FUNCTION add_one(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';
CREATE FUNCTION total() RETURNS numeric LANGUAGE sql STABLE AS 'SELECT sum(balance) FROM acct';
CREATE FUNCTION gone(a text, b text) RETURNS text LANGUAGE sql AS 'SELECT a || b';
