#!/usr/bin/env bash
# bench_drift: the cost of mig_ext's drift recording on ordinary DDL.  On a
# throwaway cluster, psql -f of a script of BENCH_DRIFT_N CREATE TABLE
# statements (a primary key and a text column each, one statement per
# round trip), then of their DROP TABLE statements, in a database with
# mig_ext: (a) its event triggers disabled, (b) enabled (one mig_drift_log
# row per command).  Prints the median of BENCH_DRIFT_RUNS runs of each.
# Run: MIG_PG_ROOT=... MIG_TEST_PORT=... bash tests/bench_drift.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

N=${BENCH_DRIFT_N:-1000}
RUNS=${BENCH_DRIFT_RUNS:-5}
build_and_install
start_cluster
work=$(mktemp -d)
trap 'stop_cluster; rm -rf "$work"' EXIT
PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d mig_drift_bench)
as_pg "$PGBIN/createdb" -h "$PGHOST" -p "$PGPORT" mig_drift_bench
"${PSQL[@]}" -c "CREATE EXTENSION mig_ext"
for i in $(seq 1 "$N"); do echo "CREATE TABLE bench_$i (id int PRIMARY KEY, v text);"; done >"$work/create.sql"
for i in $(seq 1 "$N"); do echo "DROP TABLE bench_$i;"; done >"$work/drop.sql"

# ms FILE: the wall-clock milliseconds of psql -f FILE.
ms() {
    local t0 t1
    t0=$(date +%s%N)
    "${PSQL[@]}" -f "$1" >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

# median: the median of the numbers on stdin.
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

for mode in disabled enabled; do
    if [ "$mode" = disabled ]; then
        "${PSQL[@]}" -c "ALTER EVENT TRIGGER mig_drift_ddl DISABLE; ALTER EVENT TRIGGER mig_drift_drop DISABLE"
    else
        "${PSQL[@]}" -c "ALTER EVENT TRIGGER mig_drift_ddl ENABLE; ALTER EVENT TRIGGER mig_drift_drop ENABLE"
    fi
    : >"$work/c" ; : >"$work/d"
    for _ in $(seq 1 "$RUNS"); do
        ms "$work/create.sql" >>"$work/c"
        ms "$work/drop.sql" >>"$work/d"
    done
    c=$(median <"$work/c")
    d=$(median <"$work/d")
    rows=$("${PSQL[@]}" -At -c "SELECT count(*) FROM mig_drift_log")
    printf '%-9s event triggers: %d CREATE TABLE %6d ms, %d DROP TABLE %6d ms (mig_drift_log rows so far: %s)\n' \
        "$mode" "$N" "$c" "$N" "$d" "$rows"
done
