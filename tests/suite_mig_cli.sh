#!/usr/bin/env bash
# suite_mig_cli: the mig command: verbs, output, exit codes, and the file
# round trip (mig revision writes files, mig load registers them, mig
# upgrade runs them).  Uses the installed mig next to psql in $PGBIN, or
# the repository's bin/mig when none is installed.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${PGHOST:?run from make test (needs the PG* variables of its cluster)}"
need_packages graphviz

if [ -x "$PGBIN/mig" ]; then MIG=$PGBIN/mig; else MIG=$PWD/bin/mig; fi
export PATH=$PGBIN:$PATH
echo "using $MIG"
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
expect "mig --help" 0 "$("$MIG" --help)" "$MIG" help
expect_err "no command: usage error" 2 "no command given" "$MIG"
expect_err "unknown verb: usage error" 2 'unknown command "frobnicate"' "$MIG" frobnicate
expect_err "downgrade without target: usage error" 2 "downgrade needs a target" "$MIG" downgrade
expect_err "no extension: error" 1 "extension mig_ext is not installed" "$MIG" current
expect_err "bad connection: error" 1 "nosuchdb" "$MIG" -d "dbname=nosuchdb" current
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
expect "load one file" 0 "Loaded 1 revision file(s) from $dir" "$MIG" load "$dir"
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
expect "upgrade" 0 "Running upgrade  -> $id1, Create todo!
Running upgrade $id1 -> 002, add priority" "$MIG" upgrade
expect "upgrade ran the bodies" 0 "priority" \
    sql mig_cli "SELECT column_name FROM information_schema.columns WHERE table_name = 'todo' AND column_name = 'priority'"
expect "current" 0 "002 (head)" "$MIG" current
expect "history" 0 "$id1 -> 002 (head), add priority
<base> -> $id1, Create todo!" "$MIG" history
expect "downgrade -1" 0 "Running downgrade 002 -> $id1, add priority" "$MIG" downgrade -1
expect "history -i" 0 "$id1 -> 002 (head), add priority
<base> -> $id1 (current), Create todo!" "$MIG" history -i
expect_err "downgrade to an unknown revision: server error" 1 'no such revision or branch "nope"' "$MIG" downgrade nope
expect_err "a failing body: server error, nothing run" 1 'relation "nosuchtable" does not exist' \
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
expect "merge writes and registers a file" 0 "Generating $dir/m1_merge_tags.sql ... done" \
    "$MIG" merge -m "merge tags" --dir "$dir" --rev-id m1
expect "merge file parents" 0 "-- mig:down_revisions: 002, t1" grep -- down_revisions "$dir/m1_merge_tags.sql"
expect "heads after merge" 0 "m1 (head)" "$MIG" heads
expect "upgrade heads" 0 "Running upgrade $id1 -> t1, tags
Running upgrade $id1 -> 002, add priority
Running upgrade 002, t1 -> m1, merge tags" "$MIG" upgrade heads
expect "current after merge" 0 "m1 (head) (mergepoint)" "$MIG" current
expect "show" 0 "Rev: t1
Parent: $id1
Branch names: tags

    tags

-- mig:upgrade
CREATE TABLE tag (name text PRIMARY KEY);

-- mig:downgrade
DROP TABLE tag;" "$MIG" show t1
expect "stamp" 0 "Running stamp_revision m1 -> 002" "$MIG" stamp 002
expect "stamp --purge" 0 "Running stamp_revision 002 -> m1" "$MIG" stamp --purge m1
expect "downgrade --sql runs nothing" 0 "m1 (head) (mergepoint)" bash -c "'$MIG' downgrade base --sql >/dev/null && '$MIG' current"

# The files load into another database in dependency order (names out of order).
mv "$dir/${id1}_create_todo.sql" "$dir/zz_${id1}.sql"
expect "load into a fresh database" 0 "Loaded 4 revision file(s) from $dir" "$MIG" -d dbname=mig_cli2 load "$dir"
expect "same history there" 0 "$("$MIG" history)" "$MIG" -d dbname=mig_cli2 history
expect "upgrade there" 0 "m1 (head) (mergepoint)" bash -c "'$MIG' -d dbname=mig_cli2 upgrade >/dev/null && '$MIG' -d dbname=mig_cli2 current"
printf -- '-- mig:revision: broken\n-- mig:down_revisions: m1\nSELECT 1;\n-- mig:upgrade\n' >"$dir/broken.sql"
expect_err "load a broken file: error naming file and line" 1 "at line 3 of file \"$dir/broken.sql\"" "$MIG" load "$dir"
rm "$dir/broken.sql"

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
expect "example: upgrade" 0 "Running upgrade  -> 1a2b3c4d5e6f, create todo
Running upgrade 1a2b3c4d5e6f -> 3c4d5e6f7081, tags
Running upgrade 1a2b3c4d5e6f -> 2b3c4d5e6f70, add priority
Running upgrade 2b3c4d5e6f70, 3c4d5e6f7081 -> 4d5e6f708192, merge priority and tags
Running upgrade 4d5e6f708192 -> 5e6f708192a3, todo list view" "$MIG" upgrade
expect "example: the schema works" 0 "1|write docs|2|{docs}" \
    sql mig_cli3 "INSERT INTO todo (title, priority) VALUES ('write docs', 2);
                  INSERT INTO tag VALUES ('docs'); INSERT INTO todo_tag VALUES (1, 'docs');
                  SELECT id, title, priority, tags FROM todo_list"
expect "example: current" 0 "5e6f708192a3 (head)" "$MIG" current
"$MIG" downgrade base >/dev/null
expect "example: downgrade base" 0 "0" \
    sql mig_cli3 "SELECT count(*) FROM pg_class WHERE relname IN ('todo', 'tag', 'todo_tag', 'todo_list')"

for db in mig_cli mig_cli2 mig_cli3; do
    sql postgres "DROP DATABASE $db" >/dev/null
done
echo "$passed passed, $failed failed"
