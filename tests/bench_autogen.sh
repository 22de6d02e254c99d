#!/usr/bin/env bash
# tests/bench_autogen.sh [FILE]: time mig_diff on a throwaway cluster, by
# hand (not by make test).
#
# Without FILE: a 60-table schema.  The schema is tests/autogen_dump.sql
# (partitions, domains, views over views, functions, triggers, a
# materialized view, an aggregate) and 55 more tables, each with a serial
# key, a foreign key, an index, a comment and a view; its pg_dump
# --schema-only -n public is the desired DDL, compared with an empty public
# schema (everything to create) and with the same schema (nothing to do).
# Prints the median of BENCH_RUNS runs of each, in milliseconds.
#
# With FILE: the DDL of one schema with the directives tests/realschemas.sh
# reads (target, prelude, prelude-file), e.g. a file of a folder of real
# schemas; the DDL itself is the desired schema, compared with an empty
# target schema and with the schema the DDL builds.  Each run is a session
# of its own; prints the median (of BENCH_RUNS, 3 by default) of the wall
# time and of the backend's CPU time (user + system, from /proc), and the
# load average before and after, since other work on the machine changes
# both.  The target is under 1000 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

FILE=${1:-}
RUNS=${BENCH_RUNS:-$([ -n "$FILE" ] && echo 3 || echo 5)}
[ -z "$FILE" ] || FILE=$(cd "$(dirname "$FILE")" && pwd)/$(basename "$FILE")
build_and_install
start_cluster
trap stop_cluster EXIT

psql_q() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# directive NAME: the values of FILE's "-- realschema NAME:" lines.
directive() {
    sed -n "s/^-- realschema $1: //p" "$FILE"
}

# median: the median of the numbers on stdin, one a line.
median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# file_runs DB DDL TARGET: "changes wall_ms cpu_ms" of each of RUNS runs of
# mig_diff(the DDL in file DDL, TARGET) in DB, each in a session of its own,
# the CPU time that of its backend process.
file_runs() {
    local tck
    tck=$(getconf CLK_TCK)
    for _ in $(seq 1 "$RUNS"); do
        PGOPTIONS="-c client_min_messages=warning" psql_q -d "$1" -v t="$3" <<SQL
\\set d \`cat '$2'\`
SELECT pg_backend_pid() AS pid \\gset
\\setenv BENCH_PID :pid
\\! awk '{ print \$14 + \$15 }' /proc/\$BENCH_PID/stat >'$work/cpu'
SELECT count(*), round(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)
FROM mig.mig_diff(:'d', :'t') \\gset
\\echo :count :round
\\! awk -v c="\$(cat '$work/cpu')" '{ print (\$14 + \$15 - c) * 1000 / $tck }' /proc/\$BENCH_PID/stat
SQL
    done | paste -d' ' - -
}

# file_case LABEL DB: the line of one comparison in DB.
file_case() {
    local runs
    runs=$(file_runs "$2" "$work/ddl.sql" "$target")
    printf '  %s: %s changes, %s ms wall, %s ms backend CPU (runs: %s)\n' "$1" \
        "$(echo "$runs" | awk '{ print $1 }' | sort -u | tr '\n' ' ' | sed 's/ $//')" \
        "$(echo "$runs" | awk '{ print $2 }' | median)" "$(echo "$runs" | awk '{ print $3 }' | median)" \
        "$(echo "$runs" | awk '{ printf "%s%s/%s", (NR > 1 ? ", " : ""), $2, $3 }')"
}

if [ -n "$FILE" ]; then
    work=$(mktemp -d)
    chmod 755 "$work"
    trap 'rm -rf "$work"; stop_cluster' EXIT
    target=$(directive target | head -n 1)
    target=${target:-public}
    grep -v '^-- realschema ' "$FILE" >"$work/ddl.sql"
    for db in empty same; do
        "$PGBIN/createdb" "$db"
        {
            directive prelude
            for f in $(directive prelude-file); do cat "$(dirname "$FILE")/$f"; echo; done
            echo "CREATE SCHEMA IF NOT EXISTS \"$target\"; CREATE SCHEMA mig; CREATE EXTENSION mig_ext SCHEMA mig;"
        } | psql_q -d "$db" >/dev/null
    done
    PGOPTIONS="-c client_min_messages=warning -c search_path=\"$target\",public" \
        psql_q -d same -f "$work/ddl.sql" >/dev/null
    echo "mig_diff of $(basename "$FILE") (schema $target, $(wc -c <"$work/ddl.sql") bytes), median of $RUNS runs (wall/CPU ms each):"
    echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    file_case "against an empty schema" empty
    file_case "against the same schema" same
    echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    exit 0
fi

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
