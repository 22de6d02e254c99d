#!/usr/bin/env bash
# suite_rehearse: mig_test and mig_rehearse leave the database byte for byte
# as it was (pg_dump of schema and data, sequences included, before and
# after), on the todo app of make demo, from base and from a revision
# applied with data; and `mig test` / `mig rehearse` print their checks and
# exit 1 when one fails.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${PGHOST:?run from make test (needs the PG* variables of its cluster)}"

MIG=$PGBIN/mig
PSQL=("$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1)
suite_start

# dump DB: the whole database as pg_dump writes it (its \restrict lines
# carry a random key: left out).
dump() {
    "$PGBIN/pg_dump" --no-owner "$1" | grep -v -e '^\\\(un\)\?restrict '
}

# unchanged_by DB SQL: running SQL in DB changes nothing pg_dump shows.
unchanged_by() {
    dump "$1" >"$work/before.sql" &&
        "${PSQL[@]}" -d "$1" -c "$2" >/dev/null &&
        dump "$1" >"$work/after.sql" &&
        diff -u "$work/before.sql" "$work/after.sql"
}

# all_ok DB: mig_test() in DB reports every check ok, and at least one.
all_ok() {
    [ "$("${PSQL[@]}" -d "$1" -c "SELECT count(*) FILTER (WHERE NOT ok), count(*) FROM mig_test()")" = "0|10" ]
}

"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS mig_rehearse" -c "CREATE DATABASE mig_rehearse"
"${PSQL[@]}" -d mig_rehearse -c "CREATE EXTENSION mig_ext" -f tests/demo/todo_migrations.sql >/dev/null

check_cmd "todo app from base: every check ok" all_ok mig_rehearse
check_cmd "todo app from base: mig_test() changes nothing" unchanged_by mig_rehearse "SELECT * FROM mig_test()"
check_cmd "todo app from base: mig_rehearse() changes nothing" unchanged_by mig_rehearse "SELECT * FROM mig_rehearse()"

"${PSQL[@]}" -d mig_rehearse -c "SELECT * FROM mig_upgrade('001')" \
    -c "INSERT INTO users (email, hashed_password) VALUES ('ada@example.com', 'x')" \
    -c "INSERT INTO tasks (description, user_id) VALUES ('write the demo', 1)" >/dev/null
check_cmd "todo app at 001 with data: mig_test('head') changes nothing" \
    unchanged_by mig_rehearse "SELECT * FROM mig_test('head')"
check_cmd "todo app at 001 with data: mig_rehearse() changes nothing" \
    unchanged_by mig_rehearse "SELECT * FROM mig_rehearse()"

# expect RC STDOUT CMD...: CMD exits with RC and prints exactly STDOUT.
expect() {
    local want_rc=$1 want=$2 got rc
    shift 2
    got=$("$@" 2>"$work/err")
    rc=$?
    [ "$rc" -eq "$want_rc" ] && [ "$got" = "$want" ] ||
        { echo "exit $rc (want $want_rc)"; diff <(echo "$want") <(echo "$got"); cat "$work/err"; false; }
}
check_cmd "mig test: one line per check, exit 0" expect 0 "ok - single head
ok - 002 upgrade
ok - 002 downgrade
ok - 002 re-upgrade
ok - 003 upgrade
ok - 003 downgrade
ok - 003 re-upgrade" "$MIG" -d mig_rehearse test
check_cmd "mig rehearse: one line per step, exit 0" expect 0 "1. upgrade 002
    lock: ShareRowExclusiveLock on public.users
2. upgrade 003
    lock: AccessExclusiveLock on public.tasks
    advice: ACCESS EXCLUSIVE on public.tasks blocks every query on it until the step ends, and waits behind every query already running: deploy with CALL mig_deploy(..., lock_timeout => '2s', max_retries => 10), which gives up and retries instead of queueing the traffic." bash -c "'$MIG' -d mig_rehearse rehearse | sed 's/, [0-9.]* ms\$//'"
"${PSQL[@]}" -d mig_rehearse -c "SELECT mig_revision('forgets', 'CREATE INDEX tasks_done ON tasks (is_complete)',
                                                  'SELECT 1', revision => '004')" >/dev/null
check_cmd "mig test: a check not ok, exit 1" expect 1 "ok - 004 upgrade
not ok - 004 downgrade: Compared with the schema before the upgrade: index public.tasks_done is extra." \
    bash -c "'$MIG' -d mig_rehearse test 004 | grep ' 004 '; exit \${PIPESTATUS[0]}"
check_cmd "mig test: says how many failed" grep -qx "mig: error: 1 of 9 checks failed" "$work/err"
"${PSQL[@]}" -d mig_rehearse -c "SELECT mig_revision('fails', 'ALTER TABLE tasks ADD COLUMN priority int',
                                                  'SELECT 1', revision => '005')" >/dev/null
check_cmd "mig rehearse: a failed step, exit 1" expect 1 "1. upgrade 002
    lock: ShareRowExclusiveLock on public.users
2. upgrade 003
    lock: AccessExclusiveLock on public.tasks
    advice: ACCESS EXCLUSIVE on public.tasks blocks every query on it until the step ends, and waits behind every query already running: deploy with CALL mig_deploy(..., lock_timeout => '2s', max_retries => 10), which gives up and retries instead of queueing the traffic.
3. upgrade 004
    advice: Index tasks_done was built while writes to public.tasks were blocked: build it with CREATE INDEX CONCURRENTLY in a non-transactional revision (transactional => false) deployed by CALL mig_deploy.
4. upgrade 005
    error: column \"priority\" of relation \"tasks\" already exists" \
    bash -c "'$MIG' -d mig_rehearse rehearse 005 | sed 's/, [0-9.]* ms\$//'; exit \${PIPESTATUS[0]}"

"${PSQL[@]}" -d postgres -c "DROP DATABASE mig_rehearse"
echo "$passed passed, $failed failed"
