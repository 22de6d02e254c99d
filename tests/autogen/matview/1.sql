-- an index on a materialized view; CLUSTER ON
CREATE TABLE t (id int PRIMARY KEY, grp int);
CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;
CREATE UNIQUE INDEX mv_id ON mv (id);
ALTER TABLE t CLUSTER ON t_pkey;
