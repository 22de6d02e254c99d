-- files.sql: revision files and Alembic: mig_import registers the revision
-- a revision file describes (or a batch of them, in any order),
-- mig_adopt_alembic stamps the revisions an Alembic version table holds.
-- Their comments are in comments.sql, their rights in privileges.sql.

CREATE OR REPLACE FUNCTION mig_import(script text, filename text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'mig_import'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION mig_import(scripts text[], filenames text[] DEFAULT NULL)
RETURNS text[]
AS 'MODULE_PATHNAME', 'mig_import_batch'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION mig_adopt_alembic(version_table regclass DEFAULT NULL)
RETURNS text[]
AS 'MODULE_PATHNAME', 'mig_adopt_alembic'
LANGUAGE C VOLATILE;
