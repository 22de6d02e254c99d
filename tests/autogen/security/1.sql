-- row-level security, policies and grants on the schema's objects
CREATE TABLE doc (id int PRIMARY KEY, owner name NOT NULL DEFAULT current_user);
ALTER TABLE doc ENABLE ROW LEVEL SECURITY;
CREATE POLICY doc_own ON doc USING (owner = current_user);
GRANT SELECT, INSERT ON doc TO pg_read_all_data;
CREATE FUNCTION doc_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM doc';
REVOKE EXECUTE ON FUNCTION doc_count() FROM PUBLIC;
