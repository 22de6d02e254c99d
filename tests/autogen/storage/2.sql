CREATE TABLE cache (k text PRIMARY KEY, v text) WITH (fillfactor = 90);
CREATE TABLE log (id bigint, line text);
CREATE UNLOGGED TABLE scratch (n int);
