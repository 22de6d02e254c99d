#!/usr/bin/env bash
# Fleet benchmark (doc/fleet.md, figures): a registry and N member
# databases spread over two clusters; for each N, one revision is registered
# and two times are measured:
#   fan-out  registration -> the revision received by every member
#            (mig_fleet_incoming.received_at - mig_revisions.registered_at)
#   apply    every member's job (CALL mig_fleet_apply()) started at once, as
#            a pg_cron tick does -> the registry's copy of every member's
#            report shows it at head
# Usage: bash tests/bench_fleet.sh [N...]   (default: 2 5 10 20)
# Ports MIG_FLEET_PORT (or MIG_TEST_PORT+1) and the next; run it after
# `make test` has installed.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
. tests/fleet_lib.sh

fleet_init
export PGOPTIONS="-c client_min_messages=warning"
A=$FLEET_PORT
B=$((FLEET_PORT + 1))
fleet_cluster a "$A" postgres
fleet_cluster b "$B" postgres
fsql "$A" postgres "CREATE DATABASE reg" >/dev/null
fsql "$A" reg "CREATE EXTENSION mig_fleet CASCADE; SELECT mig_fleet_publish()" >/dev/null
for p in "$A" "$B"; do
    fsql "$p" postgres "CREATE EXTENSION pg_cron" >/dev/null
done

# eventually DESCRIPTION COMMAND...: run COMMAND until it succeeds, for 120 s at most.
eventually() {
    local what=$1 end=$((SECONDS + 120))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$end" ] || { echo "bench_fleet: error: timed out waiting for $what" >&2; exit 1; }
        sleep 0.02
    done
}

# member_port I: the port of member mI (odd ones on cluster a, even ones on b).
member_port() { if [ $(($1 % 2)) -eq 0 ]; then echo "$B"; else echo "$A"; fi; }

# registry_count SQL N: whether SQL on the registry returns N.
registry_count() { [ "$(fsql "$A" reg "$1")" = "$2" ]; }

# received I REV: whether member mI received revision REV; sets t to when.
received() {
    t=$(fsql "$(member_port "$1")" "m$1" \
        "SELECT extract(epoch FROM received_at) FROM mig_fleet_incoming WHERE (rev).revision = '$2'") && [ -n "$t" ]
}

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2 5 10 20)
joined=0
rev=0
echo "members  fan-out (s)  apply (s)"
for n in "${sizes[@]}"; do
    # members m1..mn, odd ones on cluster a, even ones on cluster b
    while [ "$joined" -lt "$n" ]; do
        joined=$((joined + 1))
        p=$(member_port "$joined")
        fsql "$p" postgres "CREATE DATABASE m$joined" >/dev/null
        fsql "$p" "m$joined" "CREATE EXTENSION mig_fleet CASCADE" >/dev/null
        fsql "$p" "m$joined" "SELECT mig_fleet_join('m$joined', 'host=$FLEET_DIR port=$A dbname=reg user=postgres',
                                  'host=$FLEET_DIR port=$p dbname=m$joined user=postgres',
                                  '0 0 1 1 *')" >/dev/null
    done
    # the bench starts the jobs itself; new members catch up first
    eventually "$n reports" registry_count "SELECT count(*) FROM mig_fleet_report" "$n"
    for i in $(seq 1 "$n"); do
        fsql "$(member_port "$i")" "m$i" "CALL mig_fleet_apply()" >/dev/null
    done
    eventually "$n members at head" registry_count "SELECT count(*) FROM mig_fleet_report WHERE last_run_at >= run_started_at AND heads = (SELECT coalesce(array_agg(revision ORDER BY revision), '{}') FROM mig_heads())" "$n"

    rev=$((rev + 1))
    fsql "$A" reg "SELECT mig_revision('bench', 'CREATE TABLE b$rev (id int)', revision => 'b$rev',
                                       down_revision => CASE WHEN $rev = 1 THEN '{}'::text[] END)" >/dev/null
    registered=$(fsql "$A" reg "SELECT extract(epoch FROM registered_at) FROM mig_revisions WHERE revision = 'b$rev'")
    last=0
    for i in $(seq 1 "$n"); do
        eventually "m$i to receive b$rev" received "$i" "b$rev"
        last=$(echo "$t $last" | awk '{print ($1 > $2) ? $1 : $2}')
    done
    fanout=$(echo "$last $registered" | awk '{printf "%.3f", $1 - $2}')

    start=$(date +%s.%N)
    for i in $(seq 1 "$n"); do
        fsql "$(member_port "$i")" "m$i" "CALL mig_fleet_apply()" >/dev/null &
    done
    wait
    eventually "every member at b$rev" registry_count \
        "SELECT count(*) FROM mig_fleet_report WHERE last_run_at >= run_started_at AND heads = '{b$rev}'" "$n"
    apply=$(echo "$(date +%s.%N) $start" | awk '{printf "%.3f", $1 - $2}')
    printf '%7d  %11s  %9s\n' "$n" "$fanout" "$apply"
done
