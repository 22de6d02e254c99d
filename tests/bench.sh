#!/usr/bin/env bash
# make bench: time mig_ext against the raw SQL it runs, on a throwaway cluster.
#
#  1. DDL set: BENCH_N migrations (a table with an identity key, an index and
#     10 rows each): (a) psql -1 -f of the statements, (b) registering them,
#     (c) mig_upgrade('head'), (d) mig_downgrade('base'), (e) registering the
#     same file again (all no-ops), (f) the same calls to a plpgsql function
#     that does nothing (the floor of (e)), (g) and (h): (e) and (f) as one
#     statement each (no psql round trip per call).
#  2. No-op set: the same with bodies "SELECT 1".
#  3. Scale: BENCH_SCALE no-op revisions loaded directly into mig_revisions,
#     in three shapes: one chain; "graph", a chain of diamonds (a branch
#     point, 4 branches of 2 revisions, a merge); "lanes", two such chains
#     from one root, merged at the top (long-lived branches: several version
#     rows during the upgrade).  mig_upgrade('head'), mig_plan('head') if it
#     exists, mig_history(), mig_heads(), and registering 20 more revisions
#     with mig_revision.  mig_version is vacuumed before each upgrade, as in
#     a long-lived database.
#  4. Memory: the backend's peak RSS (VmHWM) around the upgrades of step 3,
#     and its memory contexts' total after the call compared with before.
#  5. Alembic (if /usr/bin/python3 has it): alembic upgrade head of sets 1, 2.
#  6. Files: the no-op set as BENCH_N revision files, deployed by the mig
#     command (mig load DIR && mig upgrade, and mig deploy) against
#     alembic upgrade head of the same revisions as .py files, on a fresh
#     database and again with nothing new (the deploy of every release).
#  7. Instructions (unless BENCH_CALLGRIND=0): what the no-op upgrade of
#     step 2 executes per step, counted by callgrind; the same at every
#     run, where wall-clock times on a shared machine move by tens of
#     percent.  Last, as it stops the cluster.
#
# Every figure is the median of BENCH_RUNS runs (BENCH_BIG_RUNS for step 3),
# with client_min_messages = warning.  Ends with the figures and the targets.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

N=${BENCH_N:-2000}
SCALE=${BENCH_SCALE:-"10000 100000"}
RUNS=${BENCH_RUNS:-5}
BIG_RUNS=${BENCH_BIG_RUNS:-3}
ALEMBIC_RUNS=${BENCH_ALEMBIC_RUNS:-3}
CALLGRIND=${BENCH_CALLGRIND:-1}

need_postgresql make gcc \
    python3-alembic python3-psycopg2
[ "$CALLGRIND" = 0 ] || need_packages valgrind
build_and_install
start_cluster
work=$(mktemp -d /tmp/mig_ext_bench.XXXXXX)
chmod 755 "$work"
trap 'stop_cluster; rm -rf "$work"' EXIT
# a migration set creates N tables (4 relations each) in one transaction
as_pg "$PGBIN/psql" -X -q -c "ALTER SYSTEM SET max_locks_per_transaction = 256" >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$MIG_CLUSTER_DIR/data" -w restart >/dev/null

PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1)
/usr/bin/python3 tests/bench/gen.py "$work" "$N"

# q SQL: run SQL, print the unaligned result.
q() {
    "${PSQL[@]}" -At -c "SET client_min_messages = warning" -c "$1"
}

# wall_ms CMD...: run CMD (output discarded), print its wall time in ms.
wall_ms() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f\n", d / 1e6 }'
}

# call_ms SQL: run SQL (one statement) in a session, print the server round
# trip in ms as psql's \timing measures it (no connection set-up).
call_ms() {
    "${PSQL[@]}" -c "SET client_min_messages = warning" -c '\timing on' -c "$1" |
        awk '/^Time:/ { t = $2 } END { print t }'
}

# file_ms FILE: run the one statement in FILE in a session, print the server
# round trip in ms as psql's \timing measures it.
file_ms() {
    "${PSQL[@]}" -c "SET client_min_messages = warning" -c '\timing on' -f "$1" |
        awk '/^Time:/ { t = $2 } END { print t }'
}

# median V...: the median of the values.
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.1f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A FIG=()
ORDER=()
# record KEY VALUE: keep a figure for the final table.
record() {
    FIG[$1]=$2
    ORDER+=("$1")
    printf '  %-44s %12s\n' "$1" "$2"
}

# fresh_extension: an empty catalog, and bench_noop_call, a function with
# mig_revision's signature that does nothing (the floor of re-registering).
fresh_extension() {
    q "DROP EXTENSION IF EXISTS mig_ext CASCADE; CREATE EXTENSION mig_ext;
       CREATE OR REPLACE FUNCTION bench_noop_call(message text, upgrade text, downgrade text DEFAULT NULL,
           revision text DEFAULT NULL, down_revision text[] DEFAULT NULL)
       RETURNS text LANGUAGE plpgsql AS 'BEGIN RETURN revision; END'" >/dev/null
}

# bench_set KIND: the timings of one migration set.
bench_set() {
    local kind=$1 a=() b=() c=() d=() e=() f=() g=() h=() r
    echo "== $kind set: $N migrations, $RUNS runs"
    for ((r = 0; r < RUNS; r++)); do
        fresh_extension
        a+=("$(wall_ms "${PSQL[@]}" -1 -f "$work/${kind}_raw.sql")")
        if [ "$kind" = ddl ]; then
            # drop the raw run's tables (not timed)
            q "DO \$\$ BEGIN FOR i IN 1..$N LOOP EXECUTE format('DROP TABLE bench_t%s', i); END LOOP; END \$\$" >/dev/null
        fi
        b+=("$(wall_ms "${PSQL[@]}" -1 -f "$work/${kind}_reg.sql")")
        c+=("$(call_ms "SELECT count(*) FROM mig_upgrade('head')")")
        d+=("$(call_ms "SELECT count(*) FROM mig_downgrade('base')")")
        e+=("$(wall_ms "${PSQL[@]}" -1 -f "$work/${kind}_reg.sql")")
        f+=("$(wall_ms "${PSQL[@]}" -1 -f "$work/${kind}_call.sql")")
        g+=("$(file_ms "$work/${kind}_reg1.sql")")
        h+=("$(file_ms "$work/${kind}_call1.sql")")
    done
    record "$kind: (a) raw psql -1 -f (ms)" "$(median "${a[@]}")"
    record "$kind: (b) register $N (ms)" "$(median "${b[@]}")"
    record "$kind: (c) mig_upgrade head (ms)" "$(median "${c[@]}")"
    record "$kind: (d) mig_downgrade base (ms)" "$(median "${d[@]}")"
    record "$kind: (e) re-register $N known (ms)" "$(median "${e[@]}")"
    record "$kind: (f) same calls, do-nothing function (ms)" "$(median "${f[@]}")"
    record "$kind: (g) re-register $N known, one statement (ms)" "$(median "${g[@]}")"
    record "$kind: (h) same, do-nothing function (ms)" "$(median "${h[@]}")"
}

# load_scale SHAPE N: fill mig_revisions with N no-op revisions directly
# (as superuser), with the checksum src/body.c body_revision_checksum computes.
load_scale() {
    local shape=$1 n=$2 blocks=$((($2 - 1) / 9))
    local rows
    if [ "$shape" = chain ]; then
        rows="SELECT i AS ord, 'c' || i AS id,
                     CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY['c' || (i - 1)] END AS down
              FROM generate_series(1, $n) i"
    else
        # a root, then diamonds in each lane: 4 branches of 2 revisions from
        # the lane's last merge, merged; lanes: two lanes and a final merge
        local lanes=1
        if [ "$shape" = lanes ]; then
            lanes=2
            blocks=$((($2 - 2) / 18))
        fi
        rows="SELECT 0 AS ord, 'groot' AS id, '{}'::text[] AS down
              UNION ALL
              SELECT l * 1000000000 + b * 10 + (k - 1) * 2 + j - 1, format('l%sg%s_%s_%s', l, b, k, j),
                     ARRAY[CASE WHEN j > 1 THEN format('l%sg%s_%s_%s', l, b, k, j - 1)
                                WHEN b = 1 THEN 'groot' ELSE format('l%sg%sm', l, b - 1) END]
              FROM generate_series(1, $lanes) l, generate_series(1, $blocks) b,
                   generate_series(1, 4) k, generate_series(1, 2) j
              UNION ALL
              SELECT l * 1000000000 + b * 10 + 9, format('l%sg%sm', l, b),
                     ARRAY(SELECT format('l%sg%s_%s_2', l, b, k) FROM generate_series(1, 4) k)
              FROM generate_series(1, $lanes) l, generate_series(1, $blocks) b"
        if [ "$lanes" = 2 ]; then
            rows="$rows UNION ALL SELECT 3000000000, 'gtop',
                         ARRAY[format('l1g%sm', $blocks), format('l2g%sm', $blocks)]"
        fi
    fi
    q "INSERT INTO mig_revisions (revision, down_revisions, message, upgrade, downgrade,
                                  checksum, registered_by)
       SELECT id, down, 'no-op ' || id, 'SELECT 1', 'SELECT 1',
              encode(sha256(convert_to('8:SELECT 18:SELECT 1', 'UTF8')), 'hex'), current_user
       FROM ($rows) s ORDER BY ord" >/dev/null
}

# check_checksum: the formula load_scale uses matches mig_revision's.
check_checksum() {
    fresh_extension
    local got
    got=$(q "SELECT mig_revision('x', 'SELECT 1', 'SELECT 1', revision => 'x1');
             SELECT checksum = encode(sha256(convert_to('8:SELECT 18:SELECT 1', 'UTF8')), 'hex')
             FROM mig_revisions" | tail -n 1)
    if [ "$got" != t ]; then
        echo "the scale set's checksum formula does not match body_revision_checksum" >&2
        exit 1
    fi
}

# memory SQL: run SQL in a session and print "hwm_kb anon_kb ctx_kb": the
# growth during the call of the backend's VmHWM (peak RSS, which counts the
# shared buffers it touches) and of its peak RssAnon (private memory,
# sampled every 20 ms), and the growth of its memory contexts' total after
# the call over before.
memory() {
    local i
    rm -f "$work/stop" "$work/anon_peak"
    "${PSQL[@]}" -At >/dev/null <<EOF
SET client_min_messages = warning;
SELECT pg_backend_pid() AS pid \gset
\setenv BENCH_PID :pid
SELECT sum(total_bytes) FROM pg_backend_memory_contexts \g $work/ctx_before
\! grep VmHWM /proc/\$BENCH_PID/status > $work/hwm_before
\! awk '/^RssAnon/ { print \$2 }' /proc/\$BENCH_PID/status > $work/anon_before
\! bash tests/bench/sample_rss.sh \$BENCH_PID $work/anon_peak $work/stop &
$1;
\! grep VmHWM /proc/\$BENCH_PID/status > $work/hwm_after
\! touch $work/stop
SELECT sum(total_bytes) FROM pg_backend_memory_contexts \g $work/ctx_after
EOF
    for ((i = 0; i < 100; i++)); do
        [ -s "$work/anon_peak" ] && break
        sleep 0.05
    done
    echo "$(($(awk '{print $2}' "$work/hwm_after") - $(awk '{print $2}' "$work/hwm_before")))" \
        "$(($(cat "$work/anon_peak") - $(cat "$work/anon_before")))" \
        "$((($(cat "$work/ctx_after") - $(cat "$work/ctx_before")) / 1024))"
}

# reset_versions: forget every applied step, and vacuum mig_version as
# autovacuum would (not timed).
reset_versions() {
    q "TRUNCATE mig_version, mig_log" >/dev/null
    q "VACUUM ANALYZE mig_version" >/dev/null
}

# bench_scale SHAPE N: the scale figures of one graph.
bench_scale() {
    local shape=$1 n=$2 up=() plan=() hist=() heads=() reg=() r mem has_plan hwm anon ctx head
    echo "== scale: $shape of $n revisions, $BIG_RUNS runs"
    fresh_extension
    record "$shape $n: direct load (ms)" "$(wall_ms load_scale "$shape" "$n")"
    q "ANALYZE mig_revisions" >/dev/null
    reset_versions
    has_plan=$(q "SELECT count(*) FROM pg_proc WHERE proname = 'mig_plan'")
    for ((r = 0; r < BIG_RUNS; r++)); do
        up+=("$(call_ms "SELECT count(*) FROM mig_upgrade('head')")")
        hist+=("$(call_ms "SELECT count(*) FROM mig_history()")")
        heads+=("$(call_ms "SELECT count(*) FROM mig_heads()")")
        reset_versions
        if [ "$has_plan" != 0 ]; then
            plan+=("$(call_ms "SELECT count(*) FROM mig_plan('head')")")
        fi
    done
    record "$shape $n: mig_upgrade head (ms)" "$(median "${up[@]}")"
    if [ "$has_plan" != 0 ]; then
        record "$shape $n: mig_plan head (ms)" "$(median "${plan[@]}")"
    else
        echo "  mig_plan does not exist yet: dry plan skipped"
    fi
    record "$shape $n: mig_history (ms)" "$(median "${hist[@]}")"
    record "$shape $n: mig_heads (ms)" "$(median "${heads[@]}")"
    reset_versions
    mem=$(memory "SELECT count(*) FROM mig_upgrade('head')")
    read -r hwm anon ctx <<<"$mem"
    record "$shape $n: upgrade peak RSS growth (kB)" "$hwm"
    record "$shape $n: upgrade peak private RSS growth (kB)" "$anon"
    record "$shape $n: memory kept after upgrade (kB)" "$ctx"
    # registering new revisions on top of the graph, through mig_revision
    # (the head they start from is looked up before the clock starts)
    for ((r = 0; r < BIG_RUNS; r++)); do
        head=$(q "SELECT revision FROM mig_heads()")
        reg+=("$(call_ms "SELECT count(mig_revision('more', 'SELECT 1', revision => 'more$r' || '_' || i,
                                             down_revision => ARRAY[CASE WHEN i = 1 THEN
                                                 '$head' ELSE 'more$r' || '_' || (i - 1) END]))
                            FROM generate_series(1, 20) i")")
    done
    record "$shape $n: register 20 more (ms)" "$(median "${reg[@]}")"
}

# bench_alembic KIND: alembic upgrade head of a set (then downgrade base, not timed).
bench_alembic() {
    local kind=$1 t=() r
    export BENCH_DB_URL="postgresql+psycopg2://postgres@/postgres?host=$PGHOST&port=$PGPORT"
    for ((r = 0; r < ALEMBIC_RUNS; r++)); do
        t+=("$(wall_ms /usr/bin/python3 -m alembic -c "$work/${kind}_alembic/alembic.ini" upgrade head)")
        /usr/bin/python3 -m alembic -c "$work/${kind}_alembic/alembic.ini" downgrade base >/dev/null
    done
    record "$kind: alembic upgrade head (ms)" "$(median "${t[@]}")"
}

echo "mig_ext benchmark: N=$N, scale $SCALE, PostgreSQL $(q 'SHOW server_version')"
bench_set ddl
bench_set noop
check_checksum
scales=($SCALE)
for shape in chain graph lanes; do
    for n in "${scales[@]}"; do
        bench_scale "$shape" "$n"
    done
done
fresh_extension
if /usr/bin/python3 -c 'import alembic, sqlalchemy, psycopg2' 2>/dev/null; then
    echo "== alembic, $ALEMBIC_RUNS runs"
    bench_alembic ddl
    bench_alembic noop
else
    echo "== alembic (python3-alembic, python3-psycopg2) is not installed: skipped"
fi

# bench_files: step 6: deploying BENCH_N no-op revision files with the mig
# command and with Alembic, each from a fresh catalog and again with
# nothing new.  Each run is a new process and connection, as a deploy is.
bench_files() {
    local mf=() mr=() df=() dr=() af=() ar=() r files=$work/noop_files
    local alembic=(/usr/bin/python3 -m alembic -c "$work/noop_alembic/alembic.ini")
    export BENCH_DB_URL="postgresql+psycopg2://postgres@/postgres?host=$PGHOST&port=$PGPORT"
    echo "== files: $N no-op revision files, $ALEMBIC_RUNS runs"
    for ((r = 0; r < ALEMBIC_RUNS; r++)); do
        fresh_extension
        mf+=("$(wall_ms bash -c "'$PGBIN/mig' load '$files' && '$PGBIN/mig' upgrade")")
        mr+=("$(wall_ms bash -c "'$PGBIN/mig' load '$files' && '$PGBIN/mig' upgrade")")
        fresh_extension
        df+=("$(wall_ms "$PGBIN/mig" deploy --dir "$files")")
        dr+=("$(wall_ms "$PGBIN/mig" deploy --dir "$files")")
        q "DROP TABLE IF EXISTS alembic_version" >/dev/null
        af+=("$(wall_ms "${alembic[@]}" upgrade head)")
        ar+=("$(wall_ms "${alembic[@]}" upgrade head)")
    done
    record "files: mig load && mig upgrade, fresh (ms)" "$(median "${mf[@]}")"
    record "files: mig load && mig upgrade, nothing new (ms)" "$(median "${mr[@]}")"
    record "files: mig deploy, fresh (ms)" "$(median "${df[@]}")"
    record "files: mig deploy, nothing new (ms)" "$(median "${dr[@]}")"
    record "files: alembic upgrade head, fresh (ms)" "$(median "${af[@]}")"
    record "files: alembic upgrade head, nothing new (ms)" "$(median "${ar[@]}")"
}

bench_files

# bench_instructions: the instructions a no-op mig_upgrade('head') of N
# executes inside runner_migrate (everything but the call's SQL
# around it), per step, counted by callgrind in a single-user backend on
# fresh tables.  Stops the cluster.
bench_instructions() {
    local out=$work/callgrind
    fresh_extension
    "${PSQL[@]}" -1 -f "$work/noop_reg.sql" >/dev/null
    as_pg "$PGBIN/pg_ctl" -D "$MIG_CLUSTER_DIR/data" -m fast -w stop >/dev/null
    mkdir "$out"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$out"
    printf "SET client_min_messages = warning;\nSELECT count(*) FROM mig_upgrade('head');\n" |
        as_pg valgrind --tool=callgrind --callgrind-out-file="$out/out" --collect-atstart=no \
            --toggle-collect=runner_migrate "$PGBIN/postgres" --single -D "$MIG_CLUSTER_DIR/data" \
            -c fsync=off postgres >/dev/null 2>&1
    record "noop: instructions per step (callgrind)" \
        "$(awk -v n="$N" '/^summary:/ { printf "%d\n", $2 / n }' "$out/out")"
}

if [ "$CALLGRIND" != 0 ]; then
    echo "== instructions (callgrind)"
    bench_instructions
fi

# target NAME VALUE LIMIT: one line of the verdict table.
pass=0
miss=0
target() {
    local verdict
    verdict=$(awk -v v="$2" -v l="$3" 'BEGIN { print (v <= l) ? "PASS" : "MISS" }')
    [ "$verdict" = PASS ] && pass=$((pass + 1)) || miss=$((miss + 1))
    printf '  %-52s %10s <= %-10s %s\n' "$1" "$2" "$3" "$verdict"
}
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", (b > 0) ? a / b : 0 }'
}

echo
echo "== targets"
target "ddl: mig_upgrade / raw psql -1" \
    "$(ratio "${FIG["ddl: (c) mig_upgrade head (ms)"]}" "${FIG["ddl: (a) raw psql -1 -f (ms)"]}")" 1.02
target "noop: mig_upgrade of $N (ms)" "${FIG["noop: (c) mig_upgrade head (ms)"]}" 50
target "ddl: re-register $N known (ms)" "${FIG["ddl: (e) re-register $N known (ms)"]}" 200
target "noop: re-register $N known (ms)" "${FIG["noop: (e) re-register $N known (ms)"]}" 200
target "files: mig load && upgrade / alembic, fresh" \
    "$(ratio "${FIG["files: mig load && mig upgrade, fresh (ms)"]}" \
        "${FIG["files: alembic upgrade head, fresh (ms)"]}")" 0.2
target "files: mig load && upgrade / alembic, nothing new" \
    "$(ratio "${FIG["files: mig load && mig upgrade, nothing new (ms)"]}" \
        "${FIG["files: alembic upgrade head, nothing new (ms)"]}")" 0.2
for kind in ddl noop; do
    target "$kind: re-register / same calls to a do-nothing function" \
        "$(ratio "${FIG["$kind: (e) re-register $N known (ms)"]}" \
            "${FIG["$kind: (f) same calls, do-nothing function (ms)"]}")" 1.2
done
if [ ${#scales[@]} -ge 2 ]; then
    lo=${scales[0]}
    hi=${scales[-1]}
    limit=$(awk -v a="$hi" -v b="$lo" 'BEGIN { printf "%.1f\n", 1.2 * a / b }')
    for shape in chain graph lanes; do
        for what in "mig_upgrade head (ms)" "mig_plan head (ms)" "mig_history (ms)" \
            "mig_heads (ms)" "upgrade peak RSS growth (kB)" \
            "upgrade peak private RSS growth (kB)" "register 20 more (ms)"; do
            [ -n "${FIG["$shape $hi: $what"]:-}" ] || continue
            target "$shape: $what $hi/$lo" \
                "$(ratio "${FIG["$shape $hi: $what"]}" "${FIG["$shape $lo: $what"]}")" "$limit"
        done
        target "$shape $hi: mig_history (ms)" "${FIG["$shape $hi: mig_history (ms)"]}" 1000
        target "$shape $hi: memory kept after upgrade (kB)" \
            "${FIG["$shape $hi: memory kept after upgrade (kB)"]}" 1024
    done
fi
echo
echo "$pass passed, $miss missed"
