CREATE TABLE doc (id integer, title text, tags text[], body text, done boolean);
CREATE INDEX doc_title ON doc (title);
CREATE INDEX doc_tags ON doc USING gin (tags);
CREATE INDEX doc_lower ON doc (lower(title));
