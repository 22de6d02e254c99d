CREATE TABLE acct (id integer PRIMARY KEY, balance numeric NOT NULL DEFAULT 0);
CREATE FUNCTION add_one(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x + 2';
CREATE FUNCTION add_one(x bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';
CREATE FUNCTION total() RETURNS numeric LANGUAGE sql STABLE
    BEGIN ATOMIC SELECT COALESCE(sum(balance), 0) FROM acct; END;
CREATE PROCEDURE deposit(acct_id integer, amount numeric) LANGUAGE sql
    AS 'UPDATE acct SET balance = balance + amount WHERE id = acct_id';
CREATE FUNCTION new_code() RETURNS text LANGUAGE sql AS $$SELECT 'c-' || md5(random()::text)$$;
CREATE TABLE codes (code text NOT NULL DEFAULT new_code(), made date DEFAULT CURRENT_DATE);
