#!/usr/bin/env bash
# suite_mig_cli: the mig command (client/, a libpq program): commands,
# options, output, exit codes, the connection given each way, the file
# round trip (mig revision writes files, mig load registers them, mig
# upgrade runs them), and all-or-nothing loads and deploys.  Uses the mig
# installed next to psql in $PGBIN.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${PGHOST:?run from make test (needs the PG* variables of its cluster)}"
need_packages graphviz bsdutils

MIG=$PGBIN/mig
export PATH=$PGBIN:$PATH
PSQL=("$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1)
passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dir=$work/migrations
mkdir "$dir"

# ok NAME: count a pass.  bad NAME WHY: count a failure and say why.
ok() { passed=$((passed + 1)); echo "ok - $1"; }
bad() {
    failed=$((failed + 1)); echo "not ok - $1"
    printf '%s\n' "$2" | sed 's/^/    /'
}

# expect NAME RC STDOUT CMD...: CMD exits with RC and prints exactly STDOUT.
expect() {
    local name=$1 rc=$2 want=$3 got status
    shift 3
    got=$("$@" 2>"$work/err")
    status=$?
    if [ "$status" -eq "$rc" ] && [ "$got" = "$want" ]; then
        ok "$name"
    else
        bad "$name" "exit $status (want $rc); stdout:
$got
want:
$want
stderr:
$(cat "$work/err")"
    fi
}

# expect_err NAME RC TEXT CMD...: CMD exits with RC and says TEXT on stderr.
expect_err() {
    local name=$1 rc=$2 text=$3 status
    shift 3
    "$@" >"$work/out" 2>"$work/err"
    status=$?
    if [ "$status" -eq "$rc" ] && grep -qF -- "$text" "$work/err"; then
        ok "$name"
    else
        bad "$name" "exit $status (want $rc); stderr:
$(cat "$work/err")
(want it to contain: $text)"
    fi
}

# sql DB QUERY: one value from database DB.
sql() { "${PSQL[@]}" -d "$1" -c "$2"; }

# fill FILE UPGRADE DOWNGRADE: put bodies into a file mig revision wrote.
fill() {
    awk -v up="$2" -v down="$3" '
        { print }
        /^-- mig:upgrade$/ { print up }
        /^-- mig:downgrade$/ { print down }' "$1" >"$1.new" && mv "$1.new" "$1"
}

# Usage errors and a database without the extension.
for db in mig_cli mig_cli2; do
    sql postgres "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
    sql postgres "CREATE DATABASE $db" >/dev/null
done
export PGDATABASE=mig_cli
if [ -x "$MIG" ]; then ok "mig is installed next to psql"; else bad "mig is installed next to psql" "no $MIG"; fi
expect "mig help" 0 "$("$MIG" --help)" "$MIG" help
expect "mig -? is --help" 0 "$("$MIG" --help)" "$MIG" -?
expect "--help: synopsis" 0 "  mig [OPTION]... COMMAND [ARG]..." bash -c "'$MIG' --help | grep -F 'COMMAND [ARG]'"
version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" mig_ext.control)
expect "--version" 0 "mig (mig_ext) $version" "$MIG" --version
expect "-V" 0 "mig (mig_ext) $version" "$MIG" -V
expect_err "no command: usage error" 2 "mig: error: no command given" "$MIG"
expect_err "unknown command: usage error" 2 'mig: error: unknown command "frobnicate"' "$MIG" frobnicate
expect_err "unknown option: usage error" 2 'Try "mig --help" for more information.' "$MIG" --frobnicate current
expect_err "option of another command: usage error" 2 'option --sql is not valid for command "current"' "$MIG" current --sql
expect_err "downgrade without target: usage error" 2 'too few arguments for command "downgrade"' "$MIG" downgrade
expect_err "two targets: usage error" 2 'too many arguments for command "upgrade"' "$MIG" upgrade a b
expect_err "revision without -m: usage error" 2 'command "revision" needs -m MESSAGE' "$MIG" revision
expect_err "no extension: error" 1 'mig: error: extension mig_ext is not installed in database "mig_cli"' "$MIG" current
expect_err "bad connection: error" 1 'database "nosuchdb" does not exist' "$MIG" -d "dbname=nosuchdb" current
expect_err "-w: no password prompt, error" 1 'mig: error: ' "$MIG" -w -h /nonexistent current
sql mig_cli "CREATE EXTENSION mig_ext" >/dev/null
sql mig_cli2 "CREATE EXTENSION mig_ext" >/dev/null

# mig revision writes files; mig load registers them; mig upgrade runs them.
out=$("$MIG" revision -m "Create todo!" "$dir")
f1=$(ls "$dir"/*.sql)
id1=$(sed -n 's/^-- mig:revision: //p' "$f1")
if [[ $id1 =~ ^[0-9a-f]{12}$ ]] && [ "$f1" = "$dir/${id1}_create_todo.sql" ] &&
    [ "$out" = "Generating $f1 ... done" ] && grep -qx -- '-- mig:down_revisions:' "$f1"; then
    ok "revision: new base file with a random 12-hex id"
else
    bad "revision: new base file with a random 12-hex id" "$out / $f1 / $id1"
fi
fill "$f1" "CREATE TABLE todo (id int PRIMARY KEY, title text NOT NULL);" "DROP TABLE todo;"
expect "load one file" 0 "Loaded 1 revision file(s) from $dir" "$MIG" load --dir "$dir"
expect "load again: idempotent" 0 "Loaded 1 revision file(s) from $dir" "$MIG" load "$dir"
expect "revision on top of the head" 0 "Generating $dir/002_add_priority.sql ... done" \
    "$MIG" revision -m "add priority" --rev-id 002 "$dir"
expect "its down revision is the head" 0 "-- mig:down_revisions: $id1" \
    grep -- "down_revisions" "$dir/002_add_priority.sql"
fill "$dir/002_add_priority.sql" "ALTER TABLE todo ADD priority int NOT NULL DEFAULT 0;" "ALTER TABLE todo DROP priority;"
expect "load two" 0 "Loaded 2 revision file(s) from $dir" "$MIG" load "$dir"
expect "upgrade --sql prints the script, runs nothing" 0 "-- mig_ext offline script: upgrade to \"head\", 2 step(s)." \
    bash -c "'$MIG' upgrade --sql | head -n 1"
expect "current: nothing yet" 0 "" "$MIG" current
expect "plan" 0 "1. upgrade  -> $id1, Create todo! (version rows:  -> $id1)
2. upgrade $id1 -> 002, add priority (version rows: $id1 -> 002)" "$MIG" plan
expect "upgrade: the server's step notices as they come" 0 "running upgrade  -> $id1, Create todo!
running upgrade $id1 -> 002, add priority" "$MIG" upgrade
expect "upgrade ran the bodies" 0 "priority" \
    sql mig_cli "SELECT column_name FROM information_schema.columns WHERE table_name = 'todo' AND column_name = 'priority'"
expect "current" 0 "002 (head)" "$MIG" current
expect "history" 0 "$id1 -> 002 (head), add priority
<base> -> $id1, Create todo!" "$MIG" history
expect "downgrade -1: a relative target, not an option" 0 "running downgrade 002 -> $id1, add priority" "$MIG" downgrade -1
expect "history -i" 0 "$id1 -> 002 (head), add priority
<base> -> $id1 (current), Create todo!" "$MIG" history -i
expect_err "downgrade to an unknown revision: server error" 1 'mig: error: no such revision or branch "nope"' "$MIG" downgrade nope
expect_err "-v: the SQLSTATE too" 1 'mig: error: 42704: no such revision or branch "nope"' "$MIG" -v downgrade nope
expect_err "a failing body: server error naming revision and statement" 1 'statement 1 of 1 in the upgrade of revision bad' \
    bash -c "printf -- '-- mig:revision: bad\n-- mig:down_revisions: 002\n-- mig:upgrade\nSELECT * FROM nosuchtable;\n' >'$work/bad.sql' &&
             '$MIG' load '$work' >/dev/null && '$MIG' upgrade bad"
expect "failed upgrade left the rows" 0 "$id1" "$MIG" current

# Branches, merges, labels, dependencies.
expect "revision --head --branch-label" 0 "Generating $dir/t1_tags.sql ... done" \
    "$MIG" revision -m tags --head "$id1" --branch-label tags --rev-id t1 "$dir"
fill "$dir/t1_tags.sql" "CREATE TABLE tag (name text PRIMARY KEY);" "DROP TABLE tag;"
rm "$work/bad.sql"
sql mig_cli "DELETE FROM mig_revisions WHERE revision = 'bad'" >/dev/null
"$MIG" load "$dir" >/dev/null
expect "heads" 0 "002 (head)
t1 (tags) (head)" "$MIG" heads
expect "branches" 0 "$id1 (branchpoint)
             -> 002 (head)
             -> t1 (tags) (head)" "$MIG" branches
expect_err "revision with several heads: error" 1 "multiple heads are present" "$MIG" revision -m oops "$dir"
expect "merge writes a file from the directory alone (no server)" 0 "Generating $dir/m1_merge_tags.sql ... done" \
    env PGHOST=/nonexistent "$MIG" merge -m "merge tags" --dir "$dir" --rev-id m1
expect "merge file parents" 0 "-- mig:down_revisions: 002, t1" grep -- down_revisions "$dir/m1_merge_tags.sql"
expect "merge registers nothing" 0 "002 (head)
t1 (tags) (head)" "$MIG" heads
"$MIG" load "$dir" >/dev/null
expect "heads after merge" 0 "m1 (head)" "$MIG" heads
expect "upgrade heads" 0 "running upgrade $id1 -> t1, tags
running upgrade $id1 -> 002, add priority
running upgrade 002, t1 -> m1, merge tags" "$MIG" upgrade heads
expect "current after merge" 0 "m1 (head) (mergepoint)" "$MIG" current

# mig revision and mig merge read the directory alone, as Alembic's read
# its script directory: no server (PGHOST leads nowhere), parents from the
# files' headers; --from-db reads (and, for merge, registers in) the database.
nodb=(env PGHOST=/nonexistent PGPORT=1)
dir2=$work/offline
mkdir "$dir2"
expect "revision without a database: a new base" 0 "Generating $dir2/a1_first.sql ... done" \
    "${nodb[@]}" "$MIG" revision -m first --rev-id a1 --branch-label trunk "$dir2"
expect "revision without a database: on the files' head" 0 "-- mig:down_revisions: a1" \
    bash -c "PGHOST=/nonexistent '$MIG' revision -m second --rev-id a2 '$dir2' >/dev/null && grep -- down_revisions '$dir2/a2_second.sql'"
printf -- '-- mig:revision: R_views\n-- mig:repeatable: true\n-- mig:upgrade\nSELECT 1;\n' >"$dir2/R_views.sql"
expect "--head LABEL@head and an id prefix (a repeatable file is no head)" 0 "-- mig:down_revisions: a2
-- mig:down_revisions: a2" \
    bash -c "export PGHOST=/nonexistent; '$MIG' revision -m b --rev-id b1 --head trunk@head '$dir2' >/dev/null &&
             '$MIG' revision -m c --rev-id c1 --head a2 '$dir2' >/dev/null &&
             grep -h -- down_revisions '$dir2/b1_b.sql' '$dir2/c1_c.sql'"
expect_err "several heads among the files: error" 1 "multiple heads are present: b1, c1" \
    "${nodb[@]}" "$MIG" revision -m oops "$dir2"
expect_err "an unknown --head: error" 1 'no revision file in' "${nodb[@]}" "$MIG" revision -m oops --head zz "$dir2"
expect "merge of the files' heads without a database" 0 "-- mig:down_revisions: b1, c1" \
    bash -c "'$MIG' -h /nonexistent merge -m m --rev-id d1 --dir '$dir2' >/dev/null && grep -- down_revisions '$dir2/d1_m.sql'"
expect_err "--from-db reads the database" 1 'no such revision or branch "zz"' \
    "$MIG" revision -m oops --head zz --from-db "$dir2"
expect_err "--from-db needs the server" 1 'mig: error: ' "${nodb[@]}" "$MIG" revision -m oops --from-db "$dir2"
expect_err "--from-db is for revision and merge only" 2 'option --from-db is not valid for command "heads"' \
    "$MIG" heads --from-db
expect "show" 0 "Rev: t1
Parent: $id1
Branch names: tags

    tags

-- mig:upgrade
CREATE TABLE tag (name text PRIMARY KEY);

-- mig:downgrade
DROP TABLE tag;" "$MIG" show t1
expect "stamp" 0 "running stamp_revision m1 -> 002" "$MIG" stamp 002
expect "stamp --purge" 0 "running stamp_revision 002 -> m1" "$MIG" stamp --purge m1
expect "downgrade --sql runs nothing" 0 "m1 (head) (mergepoint)" bash -c "'$MIG' downgrade base --sql >/dev/null && '$MIG' current"

# The files load into another database in dependency order (names out of order).
mv "$dir/${id1}_create_todo.sql" "$dir/zz_${id1}.sql"
expect "load into a fresh database" 0 "Loaded 4 revision file(s) from $dir" "$MIG" -d dbname=mig_cli2 load "$dir"
expect "same history there" 0 "$("$MIG" history)" "$MIG" -d dbname=mig_cli2 history
expect "upgrade there" 0 "m1 (head) (mergepoint)" bash -c "'$MIG' -d dbname=mig_cli2 upgrade >/dev/null && '$MIG' -d dbname=mig_cli2 current"

# The connection given each way: options, a connection string, a URI, the PG* variables.
noenv=(env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE)
expect "connection: -h -p -U -d" 0 "m1 (head) (mergepoint)" \
    "${noenv[@]}" "$MIG" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d mig_cli2 current
expect "connection: --host --port --username --dbname" 0 "m1 (head) (mergepoint)" \
    "${noenv[@]}" "$MIG" --host="$PGHOST" --port="$PGPORT" --username="$PGUSER" --dbname=mig_cli2 current
expect "connection: a connection string" 0 "m1 (head) (mergepoint)" \
    "${noenv[@]}" "$MIG" -d "host=$PGHOST port=$PGPORT user=$PGUSER dbname=mig_cli2" current
expect "connection: a URI" 0 "m1 (head) (mergepoint)" \
    "${noenv[@]}" "$MIG" -d "postgresql://$PGUSER@/mig_cli2?host=$PGHOST&port=$PGPORT" current
expect "connection: the PG* variables" 0 "m1 (head) (mergepoint)" env PGDATABASE=mig_cli2 "$MIG" current
expect_err "connection: a wrong port" 1 "mig: error: " "$MIG" -p 1 current
printf -- '-- mig:revision: broken\n-- mig:down_revisions: m1\nSELECT 1;\n-- mig:upgrade\n' >"$dir/broken.sql"
expect_err "load a broken file: error naming file and line" 1 "revision file \"$dir/broken.sql\", line 3: SELECT 1;" "$MIG" load "$dir"
rm "$dir/broken.sql"

# All or nothing: a directory whose last file is broken changes nothing.
# The files are named in the reverse of their order, so the load also has
# to find the order.
sql postgres "DROP DATABASE IF EXISTS mig_cli4" >/dev/null 2>&1
sql postgres "CREATE DATABASE mig_cli4" >/dev/null
sql mig_cli4 "CREATE EXTENSION mig_ext" >/dev/null
many=$work/many
mkdir "$many"
for i in $(seq 1 200); do
    parent=""
    [ "$i" -gt 1 ] && parent="c$((i - 1))"
    printf -- '-- mig:revision: c%d\n-- mig:down_revisions: %s\n-- mig:message: step %d\n-- mig:upgrade\nCREATE TABLE c%d ();\n-- mig:downgrade\nDROP TABLE c%d;\n' \
        "$i" "$parent" "$i" "$i" "$i" >"$many/$(printf '%03d' $((201 - i)))_c$i.sql"
done
"$MIG" -d mig_cli4 load "$many" >/dev/null
catalog="SELECT count(*) || ' ' || md5(string_agg(revision || checksum, ',' ORDER BY revision)) FROM mig_revisions"
before=$(sql mig_cli4 "$catalog")
expect "200 files named against their order: all loaded" 0 "200" sql mig_cli4 "SELECT count(*) FROM mig_revisions"
for i in $(seq 201 260); do
    printf -- '-- mig:revision: c%d\n-- mig:down_revisions: c%d\n-- mig:upgrade\nCREATE TABLE c%d ();\n' \
        "$i" $((i - 1)) "$i" >"$many/n$i.sql"
done
printf -- '-- mig:revision: c261\n-- mig:down_revisions: c260\n-- mig:upgrade\nSELECT 1;\n-- mig:message: late\n' >"$many/zz_last.sql"
expect_err "load: the last file broken: exit 1, file and line named" 1 \
    "mig: detail: revision file \"$many/zz_last.sql\", line 5: -- mig:message: late" \
    "$MIG" -d mig_cli4 load "$many"
expect "load: the last file broken: mig_revisions exactly as before" 0 "$before" sql mig_cli4 "$catalog"
printf -- '-- mig:revision: c261\n-- mig:down_revisions: nosuch\n-- mig:upgrade\n' >"$many/zz_last.sql"
expect_err "load: a parent nowhere: exit 1, the error" 1 \
    "mig: error: no such revision or branch \"nosuch\"" "$MIG" -d mig_cli4 load "$many"
expect_err "load: a parent nowhere: the file named" 1 \
    "mig: detail: revision file \"$many/zz_last.sql\"" "$MIG" -d mig_cli4 load "$many"
expect "load: a parent nowhere: mig_revisions exactly as before" 0 "$before" sql mig_cli4 "$catalog"

# mig deploy: load and upgrade in one transaction.
rm "$many/zz_last.sql"
expect "deploy: loads and upgrades" 0 "Loaded 260 revision file(s) from $many
c260 (head)" bash -c "'$MIG' -d mig_cli4 deploy --dir '$many' | sed -n '1p;\$d'; '$MIG' -d mig_cli4 current"
expect "deploy: the steps ran" 0 "260" sql mig_cli4 "SELECT count(*) FROM pg_class WHERE relname ~ '^c[0-9]+$'"
printf -- '-- mig:revision: c261\n-- mig:down_revisions: c260\n-- mig:upgrade\nCREATE TABLE c261 ();\n' >"$many/n261.sql"
printf -- '-- mig:revision: c262\n-- mig:down_revisions: c261\n-- mig:message: fails\n-- mig:upgrade\nSELECT 1;\nSELECT * FROM nosuchtable;\n' >"$many/n262.sql"
before=$(sql mig_cli4 "$catalog")
expect_err "deploy: a failing body: exit 1, revision and statement named" 1 \
    'mig: detail: statement 2 of 2 in the upgrade of revision c262 ("fails")' "$MIG" -d mig_cli4 deploy --dir "$many"
expect "deploy: a failing body: nothing registered" 0 "$before" sql mig_cli4 "$catalog"
expect "deploy: a failing body: nothing run" 0 "c260 (head)|0" \
    bash -c "'$MIG' -d mig_cli4 current | tr '\n' '|'; ${PSQL[*]} -d mig_cli4 -c \"SELECT count(*) FROM pg_class WHERE relname = 'c261'\""
expect "deploy TARGET" 0 "running upgrade c260 -> c261" \
    bash -c "rm '$many/n262.sql'; '$MIG' -d mig_cli4 deploy --dir '$many' c261 | tail -n 1"

# A parent named by its branch label, in a file named before the labelled one.
lab=$work/labelled
mkdir "$lab"
printf -- '-- mig:revision: l2\n-- mig:down_revisions: lanes\n-- mig:upgrade\n' >"$lab/a.sql"
printf -- '-- mig:revision: l1\n-- mig:down_revisions: c261\n-- mig:branch_labels: lanes\n-- mig:upgrade\n' >"$lab/b.sql"
expect "load: a parent named by a label, in a later file" 0 "Loaded 2 revision file(s) from $lab
l1 -> l2 (head), " bash -c "'$MIG' -d mig_cli4 load '$lab' && '$MIG' -d mig_cli4 history -r l1:l2 | head -n 1"

# A role without TEMP on the database loads: the load creates nothing.
sql mig_cli4 "CREATE ROLE regress_mig_notemp LOGIN;
              REVOKE TEMP ON DATABASE mig_cli4 FROM PUBLIC;
              GRANT EXECUTE ON FUNCTION mig_import(text[], text[]) TO regress_mig_notemp;
              GRANT SELECT ON mig_revisions TO regress_mig_notemp" >/dev/null
notemp=$work/notemp
mkdir "$notemp"
printf -- '-- mig:revision: nt1\n-- mig:down_revisions: l2\n-- mig:upgrade\n' >"$notemp/nt1.sql"
expect "load: no TEMP privilege needed" 0 "Loaded 1 revision file(s) from $notemp|nt1" \
    bash -c "'$MIG' -U regress_mig_notemp -d mig_cli4 load '$notemp' | tr '\n' '|';
             ${PSQL[*]} -d mig_cli4 -c \"SELECT revision FROM mig_revisions WHERE revision = 'nt1'\""
sql mig_cli4 "DELETE FROM mig_revisions WHERE revision = 'nt1'" >/dev/null

# On a terminal, an upgrade over a second gets a progress line; elsewhere
# (every test above) the output has none.
slow=$work/slow
mkdir "$slow"
for i in 1 2 3; do
    printf -- '-- mig:revision: s%d\n-- mig:down_revisions: %s\n-- mig:upgrade\nSELECT pg_sleep(0.6);\n' \
        "$i" "$([ "$i" = 1 ] && echo l2 || echo "s$((i - 1))")" >"$slow/s$i.sql"
done
"$MIG" -d mig_cli4 load "$slow" >/dev/null
script -qec "'$MIG' -d mig_cli4 upgrade s3" /dev/null >"$work/tty" 2>&1
if grep -q "upgrade 5/5 running upgrade s2 -> s3" "$work/tty" && grep -q "running upgrade l2 -> s1" "$work/tty"; then
    ok "progress line on a terminal"
else
    bad "progress line on a terminal" "$(cat -v "$work/tty")"
fi

# A revision file of 10 MB loads (its text is a parameter, not an argument).
big=$work/big
mkdir "$big"
{
    printf -- '-- mig:revision: big\n-- mig:down_revisions: s3\n-- mig:upgrade\nCREATE TABLE big AS SELECT length(\x27'
    head -c 10485760 /dev/zero | tr '\0' 'x'
    printf '\x27) AS n;\n'
} >"$big/big.sql"
expect "a 10 MB revision file loads and runs" 0 "10485760" \
    bash -c "'$MIG' -d mig_cli4 deploy --dir '$big' >/dev/null && ${PSQL[*]} -d mig_cli4 -c 'SELECT n FROM big'"

# A non-transactional revision: mig upgrade and mig downgrade run the plan
# through CALL mig_deploy, and so does mig deploy after committing the
# load, a step per transaction.
ntx=$work/nontx
mkdir "$ntx"
printf -- '-- mig:revision: x1\n-- mig:down_revisions: big\n-- mig:transactional: false\n-- mig:upgrade\nCREATE INDEX CONCURRENTLY big_n ON big (n);\n-- mig:downgrade\nDROP INDEX CONCURRENTLY big_n;\n' >"$ntx/x1.sql"
printf -- '-- mig:revision: x2\n-- mig:down_revisions: x1\n-- mig:upgrade\nCREATE TABLE x2 ();\n' >"$ntx/x2.sql"
"$MIG" -d mig_cli4 load "$ntx" >/dev/null
expect "upgrade: a non-transactional step runs through CALL mig_deploy" 0 "x1|t" \
    bash -c "'$MIG' -d mig_cli4 upgrade x1 >/dev/null && ${PSQL[*]} -d mig_cli4 -c \"SELECT (SELECT string_agg(revision, ',') FROM mig_version), (SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_n'::regclass)\""
expect "downgrade: a non-transactional step runs through CALL mig_deploy" 0 "big|t" \
    bash -c "'$MIG' -d mig_cli4 downgrade big >/dev/null && ${PSQL[*]} -d mig_cli4 -c \"SELECT (SELECT string_agg(revision, ',') FROM mig_version), to_regclass('big_n') IS NULL\""
expect "deploy: a non-transactional step, a transaction per step" 0 "x2|t|2" \
    bash -c "'$MIG' -d mig_cli4 deploy --dir '$ntx' >/dev/null && ${PSQL[*]} -d mig_cli4 -c \"SELECT (SELECT string_agg(revision, ',') FROM mig_version), (SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_n'::regclass), (SELECT count(DISTINCT xid) FROM (SELECT xid FROM mig_log WHERE revision IN ('x1', 'x2') ORDER BY id DESC LIMIT 2) l)\""

# --schema: the extension outside the search path.
sql postgres "DROP DATABASE IF EXISTS mig_cli5" >/dev/null 2>&1
sql postgres "CREATE DATABASE mig_cli5" >/dev/null
sql mig_cli5 "CREATE SCHEMA migx; CREATE EXTENSION mig_ext SCHEMA migx" >/dev/null
expect "the extension's schema found in the catalog" 0 "Loaded 5 revision file(s) from examples/todo" \
    "$MIG" -d mig_cli5 load examples/todo
expect "--schema" 0 "5e6f708192a3 (head)" "$MIG" -d mig_cli5 --schema migx heads
expect_err "--schema of another schema: the server's error" 1 'function public.mig_heads() does not exist' \
    "$MIG" -d mig_cli5 --schema public heads

# Graph, adoption.
"$MIG" graph -o "$work/g.svg"
if [ $? -eq 0 ] && grep -q "<svg" "$work/g.svg" && grep -q "merge tags" "$work/g.svg"; then
    ok "graph -o g.svg draws with dot"
else
    bad "graph -o g.svg draws with dot" "$(ls -l "$work")"
fi
expect "graph | dot -Tsvg parses" 0 "0" bash -c "'$MIG' graph | dot -Tsvg >/dev/null; echo \$?"
sql mig_cli2 "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('002'), ('t1')" >/dev/null
expect_err "adopt-alembic over other rows: error" 1 "version rows are already set" "$MIG" -d dbname=mig_cli2 adopt-alembic
"$MIG" -d dbname=mig_cli2 stamp --purge base >/dev/null
expect "adopt-alembic" 0 "Adopted Alembic version rows: 002, t1" "$MIG" -d dbname=mig_cli2 adopt-alembic
expect "current after adoption" 0 "002
t1" bash -c "'$MIG' -d dbname=mig_cli2 current | sort"

# The todo example of the manual (examples/todo), from files to a database and back.
sql postgres "DROP DATABASE IF EXISTS mig_cli3" >/dev/null 2>&1
sql postgres "CREATE DATABASE mig_cli3" >/dev/null
sql mig_cli3 "CREATE EXTENSION mig_ext" >/dev/null
export PGDATABASE=mig_cli3
expect "example: load" 0 "Loaded 5 revision file(s) from examples/todo" "$MIG" load examples/todo
expect "example: history" 0 "4d5e6f708192 -> 5e6f708192a3 (head), todo list view
2b3c4d5e6f70, 3c4d5e6f7081 -> 4d5e6f708192 (mergepoint), merge priority and tags
1a2b3c4d5e6f -> 2b3c4d5e6f70, add priority
1a2b3c4d5e6f -> 3c4d5e6f7081 (tags), tags
<base> -> 1a2b3c4d5e6f (branchpoint), create todo" "$MIG" history
expect "example: upgrade" 0 "running upgrade  -> 1a2b3c4d5e6f, create todo
running upgrade 1a2b3c4d5e6f -> 3c4d5e6f7081, tags
running upgrade 1a2b3c4d5e6f -> 2b3c4d5e6f70, add priority
running upgrade 2b3c4d5e6f70, 3c4d5e6f7081 -> 4d5e6f708192, merge priority and tags
running upgrade 4d5e6f708192 -> 5e6f708192a3, todo list view" "$MIG" upgrade
expect "example: the schema works" 0 "1|write docs|2|{docs}" \
    sql mig_cli3 "INSERT INTO todo (title, priority) VALUES ('write docs', 2);
                  INSERT INTO tag VALUES ('docs'); INSERT INTO todo_tag VALUES (1, 'docs');
                  SELECT id, title, priority, tags FROM todo_list"
expect "example: current" 0 "5e6f708192a3 (head)" "$MIG" current
"$MIG" downgrade base >/dev/null
expect "example: downgrade base" 0 "0" \
    sql mig_cli3 "SELECT count(*) FROM pg_class WHERE relname IN ('todo', 'tag', 'todo_tag', 'todo_list')"

for db in mig_cli mig_cli2 mig_cli3 mig_cli4 mig_cli5; do
    sql postgres "DROP DATABASE $db" >/dev/null
done
sql postgres "DROP ROLE regress_mig_notemp" >/dev/null
echo "$passed passed, $failed failed"
