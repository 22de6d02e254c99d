-- a column of a domain type
CREATE DOMAIN year AS integer CHECK (VALUE BETWEEN 1901 AND 2155);
CREATE DOMAIN title AS text NOT NULL;
CREATE TABLE film (id int PRIMARY KEY, release_year year, name title);
COMMENT ON DOMAIN year IS 'a calendar year';
