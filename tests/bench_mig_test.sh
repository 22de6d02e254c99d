#!/usr/bin/env bash
# tests/bench_mig_test.sh: time mig_test() on a throwaway cluster.
#  1. 200 no-op revisions (bodies "SELECT 1"), in an empty database: the
#     whole call (target: 2 s).
#  2. 20 revisions each adding a table (and dropping it in the downgrade)
#     in a database of 2,000 tables: the call divided by the revisions
#     (target: 0.2 s per revision).
# Prints the median of BENCH_RUNS runs of each, in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

RUNS=${BENCH_RUNS:-3}
build_and_install
start_cluster
trap stop_cluster EXIT

psql_q() { PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# median_ms DB: the median time of mig_test() in DB, in ms, with the
# number of checks that failed (expected: 0).
median_ms() {
    psql_q -d "$1" -v runs="$RUNS" <<'SQL'
CREATE FUNCTION pg_temp.time_test(runs int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz;
    ms float8[] := '{}';
    failed bigint;
BEGIN
    FOR i IN 1 .. runs LOOP
        t := clock_timestamp();
        SELECT count(*) FILTER (WHERE NOT ok) INTO failed FROM mig_test();
        ms := ms || extract(epoch FROM clock_timestamp() - t) * 1000;
    END LOOP;
    RETURN (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY m))::bigint FROM unnest(ms) m)
           || ' ' || failed;
END
$$;
SELECT pg_temp.time_test(:runs);
SQL
}

"$PGBIN/createdb" noop
psql_q -d noop -c "CREATE EXTENSION mig_ext" \
    -c "SELECT count(mig_revision('r' || g, 'SELECT 1', 'SELECT 1')) FROM generate_series(1, 200) g" >/dev/null
read -r noop_ms noop_failed < <(median_ms noop)

"$PGBIN/createdb" wide
psql_q -d wide -c "CREATE EXTENSION mig_ext" >/dev/null
for i in $(seq 1 2000); do
    echo "CREATE TABLE w$i (id int PRIMARY KEY, name text);"
done | psql_q -d wide
psql_q -d wide -c "SELECT count(mig_revision('r' || g, format('CREATE TABLE n%s (id int PRIMARY KEY, v text)', g),
                                             format('DROP TABLE n%s', g))) FROM generate_series(1, 20) g" >/dev/null
read -r wide_ms wide_failed < <(median_ms wide)

echo "mig_test, 200 no-op revisions: ${noop_ms} ms (target 2000; checks failed: $noop_failed)"
echo "mig_test, 2,000 tables: $((wide_ms / 20)) ms per revision (20 revisions: ${wide_ms} ms; target 200; checks failed: $wide_failed)"
