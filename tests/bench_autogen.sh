#!/usr/bin/env bash
# tests/bench_autogen.sh: time mig_diff on a 60-table schema, on a
# throwaway cluster.  The schema is tests/autogen_dump.sql (partitions,
# domains, views over views, functions, triggers, a materialized view, an
# aggregate) and 55 more tables, each with a serial key, a foreign key, an
# index, a comment and a view; its pg_dump --schema-only -n public is the
# desired DDL, compared with an empty public schema (everything to create)
# and with the same schema (nothing to do).  Prints the median of
# BENCH_RUNS runs of each, in milliseconds; the target is under 1000.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

RUNS=${BENCH_RUNS:-5}
build_and_install
start_cluster
trap stop_cluster EXIT

psql_q() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }

"$PGBIN/createdb" src
"$PGBIN/createdb" empty
psql_q -d src -f tests/autogen_dump.sql
for i in $(seq 1 55); do
    echo "CREATE TABLE t$i (id serial PRIMARY KEY, film_id integer REFERENCES film,"
    echo "    name text NOT NULL, amount numeric(10,2) DEFAULT 0, at timestamp DEFAULT now());"
    echo "CREATE INDEX t${i}_name ON t$i (name);"
    echo "COMMENT ON TABLE t$i IS 'table $i';"
    echo "CREATE VIEW v$i AS SELECT t.id, t.name, f.title FROM t$i t JOIN film f USING (film_id);"
done | psql_q -d src
tables=$(psql_q -d src -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')")
desired=$("$PGBIN/pg_dump" -d src --schema-only -n public)

# median_ms DB: the median time of mig_diff(desired) in DB, and its row count.
median_ms() {
    psql_q -d "$1" -v d="$desired" -v runs="$RUNS" <<'SQL'
CREATE EXTENSION IF NOT EXISTS mig_ext SCHEMA mig;
CREATE FUNCTION pg_temp.time_diff(d text, runs int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz;
    ms numeric[] := '{}';
    n bigint;
BEGIN
    FOR i IN 1..runs LOOP
        t := clock_timestamp();
        SELECT count(*) INTO n FROM mig.mig_diff(d);
        ms := ms || (extract(epoch FROM clock_timestamp() - t) * 1000)::numeric;
    END LOOP;
    RETURN (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 1)
            FROM unnest(ms) x) || ' ms (' || n || ' changes)';
END $$;
SELECT pg_temp.time_diff(:'d', :runs);
SQL
}
psql_q -d empty -c "CREATE SCHEMA mig"
psql_q -d src -c "CREATE SCHEMA mig"
echo "mig_diff of a $tables-table schema (pg_dump -n public, $(echo "$desired" | wc -l) lines), median of $RUNS:"
echo "  against an empty schema: $(median_ms empty)"
echo "  against the same schema: $(median_ms src)"
