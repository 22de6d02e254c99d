CREATE TABLE doc (id int PRIMARY KEY, owner name NOT NULL DEFAULT current_user);
ALTER TABLE doc ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY doc_own ON doc AS RESTRICTIVE FOR SELECT TO pg_read_all_data USING (owner = current_user);
CREATE POLICY doc_add ON doc FOR INSERT WITH CHECK (id > 0);
COMMENT ON POLICY doc_add ON doc IS 'positive ids';
GRANT SELECT ON doc TO pg_read_all_data WITH GRANT OPTION;
CREATE FUNCTION doc_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM doc';
GRANT EXECUTE ON FUNCTION doc_count() TO pg_monitor;
