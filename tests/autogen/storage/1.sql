-- UNLOGGED and storage parameters
CREATE UNLOGGED TABLE cache (k text PRIMARY KEY, v text) WITH (fillfactor = 70);
CREATE TABLE log (id bigint, line text) WITH (autovacuum_enabled = false, fillfactor = 50);
