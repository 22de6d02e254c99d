CREATE DOMAIN year AS integer DEFAULT 2000 CHECK (VALUE BETWEEN 1901 AND 2155) CONSTRAINT year_even CHECK (VALUE % 2 = 0);
CREATE DOMAIN title AS text;
CREATE TABLE film (id int PRIMARY KEY, release_year year, name title);
COMMENT ON CONSTRAINT year_even ON DOMAIN year IS 'even years only';
