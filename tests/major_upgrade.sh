#!/usr/bin/env bash
# tests/major_upgrade.sh dump DIR | restore DIR: a database using mig_ext
# moved to another major of PostgreSQL by pg_dump and pg_restore, as
# doc/upgrading.md tells.  tests/matrix.sh runs the dump on this machine (15)
# and the restore in each chroot (17, 18).
#
# dump: on this installation (mig_ext installed, e.g. by make test), the todo
# revisions registered and walked (up, down one, up again) with some data;
# then DIR/todo.dump, made with `pg_dump -Fc -n public -e mig_ext` (without
# `-e mig_ext` a dump of a schema has the catalog's rows but no CREATE
# EXTENSION, checked here too), and DIR/state, the catalog as compared.
# restore: on another major with mig_ext installed, the dump restored into a
# new database; the same versions, revisions, checksums and log (ids and xids
# as they were); no drift; then a revision registered, upgraded to and
# downgraded from, and the whole history down to base and up again.
# Each ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

mode=${1:-}
dir=${2:-}
if [ -z "$dir" ] || { [ "$mode" != dump ] && [ "$mode" != restore ]; }; then
    echo "usage: tests/major_upgrade.sh dump|restore DIR" >&2
    exit 2
fi
dir=$(cd "$dir" && pwd) || exit 2
need_postgresql
locate_installation
export PGOPTIONS="-c client_min_messages=warning"
passed=0
failed=0
work=$(mktemp -d)
start_cluster
trap 'stop_cluster; rm -rf "$work"' EXIT

# check_cmd NAME CMD...: run CMD and count it in passed or failed; print
# "ok - NAME", or "not ok - NAME" and CMD's output.
check_cmd() {
    local name=$1
    shift
    if "$@" >"$work/out" 2>&1; then
        passed=$((passed + 1)); echo "ok - $name"
    else
        failed=$((failed + 1)); echo "not ok - $name"; sed 's/^/    /' "$work/out"
    fi
}
PSQL=("$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d todo)

# state: the catalog of database todo, one line per fact (timestamps in UTC).
state() {
    PGTZ=UTC "${PSQL[@]}" -c "
SELECT 'extension ' || extversion FROM pg_extension WHERE extname = 'mig_ext';
SELECT 'version ' || revision FROM mig_version ORDER BY revision;
SELECT concat_ws(' ', 'revision', seq, revision, down_revisions, message, checksum,
                 md5(upgrade), md5(downgrade), registered_by, registered_at)
  FROM mig_revisions ORDER BY seq;
SELECT concat_ws(' ', 'log', id, revision, direction, from_revisions, to_revisions,
                 applied_by, xid, started_at, duration, checksum)
  FROM mig_log ORDER BY id;
SELECT 'users ' || count(*) FROM users;
SELECT 'tasks ' || count(*) FROM tasks;"
}

# same SQL EXPECTED: fail, saying both, unless SQL prints EXPECTED.
same() {
    local got
    got=$("${PSQL[@]}" -c "$1" 2>&1) || { echo "$got"; return 1; }
    [ "$got" = "$2" ] || { printf 'expected: %s\ngot:      %s\n' "$2" "$got"; return 1; }
}

# make_state: the todo revisions walked, with data.
make_state() {
    "${PSQL[@]}" -c "CREATE EXTENSION mig_ext" &&
    "${PSQL[@]}" -f tests/demo/todo_migrations.sql >/dev/null &&
    "${PSQL[@]}" -c "
SELECT count(*) FROM mig_upgrade('head');
SELECT count(*) FROM mig_downgrade('-1');
SELECT count(*) FROM mig_upgrade('head');
INSERT INTO users (email, hashed_password) VALUES ('ada@example.com', 'x');
INSERT INTO tasks (description, user_id, priority) VALUES ('move to a new major', 1, 1);" >/dev/null
}

# no_create_extension: a dump of schema public without -e mig_ext.
no_create_extension() {
    "$PGBIN/pg_dump" -n public todo >"$work/schema.sql" &&
    ! grep -q 'CREATE EXTENSION' "$work/schema.sql" &&
    grep -q '^COPY public.mig_revisions' "$work/schema.sql"
}

if [ "$mode" = dump ]; then
    "$PGBIN/createdb" todo
    check_cmd "state made on PostgreSQL $PG_MAJOR" make_state
    check_cmd "pg_dump -Fc -n public -e mig_ext" \
        "$PGBIN/pg_dump" -Fc -n public -e mig_ext -f "$dir/todo.dump" todo
    check_cmd "without -e mig_ext: the catalog's rows but no CREATE EXTENSION" no_create_extension
    state >"$dir/state"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi

"$PGBIN/createdb" todo
# (--clean --if-exists: the dump creates schema public, which a new
# database has already)
# (session_replication_role = replica: mig_ext's event triggers would take
# the restore's own DDL for drift, and their rows collide with the dumped
# mig_drift_log)
check_cmd "pg_restore into PostgreSQL $PG_MAJOR" \
    env PGOPTIONS="${PGOPTIONS:-} -c session_replication_role=replica" \
    "$PGBIN/pg_restore" --exit-on-error --clean --if-exists -d todo "$dir/todo.dump"
state >"$work/state"
check_cmd "versions, revisions, checksums and log as they were" diff -u "$dir/state" "$work/state"
check_cmd "no drift" same "SELECT count(*) FROM mig_validate()" 0
check_cmd "register a revision" same "
SELECT mig_revision(revision => '004', down_revision => '{003}', message => 'due dates',
                    upgrade => 'ALTER TABLE tasks ADD COLUMN due_on date',
                    downgrade => 'ALTER TABLE tasks DROP COLUMN due_on')" 004
log_rows=$(grep -c '^log ' "$dir/state")
check_cmd "upgrade to it" same "SELECT string_agg(revision || ' ' || direction, ',') FROM mig_upgrade('head')" \
    "004 upgrade"
check_cmd "its log row follows the restored ones" same \
    "SELECT id FROM mig_log WHERE revision = '004'" $((log_rows + 1))
check_cmd "downgrade from it" same "
SELECT string_agg(revision || ' ' || direction, ',') FROM mig_downgrade('-1');
SELECT revision FROM mig_version;
SELECT count(*) FROM information_schema.columns WHERE column_name = 'due_on'" \
    "$(printf '004 downgrade\n003\n0')"
check_cmd "downgrade to base with the restored bodies" same "
SELECT string_agg(revision, ',') FROM mig_downgrade('base');
SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE 'mig\_%'" \
    "$(printf '003,002,001\n0')"
check_cmd "upgrade from base to the new head" same \
    "SELECT string_agg(revision, ',') FROM mig_upgrade('head'); SELECT revision FROM mig_version" \
    "$(printf '001,002,003,004\n004')"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
