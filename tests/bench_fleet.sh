#!/usr/bin/env bash
# Fleet benchmark (README "Fleet", figures): a registry and N member
# databases spread over two clusters; for each N, one revision is registered
# and two times are measured:
#   fan-out  registration -> the revision received by every member
#            (mig_fleet_incoming.received_at - mig_revisions.registered_at)
#   apply    every member's job started at once, as a pg_cron tick does
#            -> the registry's mig_fleet_status() shows every member at head
# Usage: bash tests/bench_fleet.sh [N...]   (default: 2 5 10 20)
# Ports MIG_TEST_PORT+1 and +2; run it after `make test` has installed.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
. tests/fleet_lib.sh

fleet_init
A=$((PGPORT + 1))
B=$((PGPORT + 2))
fleet_cluster a "$A" postgres
fleet_cluster b "$B" postgres
fsql "$A" postgres "CREATE DATABASE reg" >/dev/null
fsql "$A" reg "CREATE EXTENSION mig_ext; SELECT mig_fleet_publish()" >/dev/null
for p in "$A" "$B"; do
    fsql "$p" postgres "CREATE EXTENSION pg_cron" >/dev/null
done

joined=0
rev=0
echo "members  fan-out (s)  apply (s)"
for n in "${@:-2 5 10 20}"; do
    # members m1..mn, odd ones on cluster a, even ones on cluster b
    while [ "$joined" -lt "$n" ]; do
        joined=$((joined + 1))
        p=$A
        [ $((joined % 2)) -eq 0 ] && p=$B
        fsql "$p" postgres "CREATE DATABASE m$joined" >/dev/null
        fsql "$p" "m$joined" "CREATE EXTENSION mig_ext; CREATE EXTENSION dblink;
            SELECT mig_fleet_join('m$joined', 'host=$FLEET_DIR port=$A dbname=reg user=postgres',
                                  'host=$FLEET_DIR port=$p dbname=m$joined user=postgres')" >/dev/null
    done
    until [ "$(fsql "$A" reg "SELECT count(*) FROM mig_fleet_status()")" = "$n" ]; do sleep 0.2; done

    rev=$((rev + 1))
    fsql "$A" reg "SELECT mig_revision('bench', 'CREATE TABLE b$rev (id int)', revision => 'b$rev',
                                       down_revision => CASE WHEN $rev = 1 THEN '{}'::text[] END)" >/dev/null
    registered=$(fsql "$A" reg "SELECT extract(epoch FROM registered_at) FROM mig_revisions WHERE revision = 'b$rev'")
    last=0
    for i in $(seq 1 "$n"); do
        p=$A
        [ $((i % 2)) -eq 0 ] && p=$B
        until t=$(fsql "$p" "m$i" "SELECT extract(epoch FROM received_at) FROM mig_fleet_incoming WHERE (rev).revision = 'b$rev'") &&
              [ -n "$t" ]; do sleep 0.05; done
        last=$(echo "$t $last" | awk '{print ($1 > $2) ? $1 : $2}')
    done
    fanout=$(echo "$last $registered" | awk '{printf "%.3f", $1 - $2}')

    start=$(date +%s.%N)
    for i in $(seq 1 "$n"); do
        p=$A
        [ $((i % 2)) -eq 0 ] && p=$B
        fsql "$p" "m$i" "SELECT mig_fleet_apply()" >/dev/null &
    done
    wait
    until [ "$(fsql "$A" reg "SELECT count(*) FILTER (WHERE at_head AND heads = '{b$rev}') FROM mig_fleet_status()")" = "$n" ]; do
        sleep 0.02
    done
    apply=$(echo "$(date +%s.%N) $start" | awk '{printf "%.3f", $1 - $2}')
    printf '%7d  %11s  %9s\n' "$n" "$fanout" "$apply"
done
