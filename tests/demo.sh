#!/usr/bin/env bash
# make demo: build and install mig_ext, start a throwaway cluster, register the
# todo app of the Alembic guides as three revisions (tests/demo/todo_migrations.sql)
# and walk the guides' testing checklist in SQL: mig_test before the deploy,
# upgrade, current, history, downgrade -1, mig_rehearse, re-upgrade, downgrade
# base, upgrade again, and the audit log.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

need_postgresql make gcc
echo "building and installing mig_ext${MIG_PG_ROOT:+ into $MIG_PG_ROOT}"
build_and_install
trap stop_cluster EXIT
trap 'exit 130' INT TERM
start_cluster
echo "throwaway cluster on port $PGPORT, socket directory $PGHOST"
as_pg "$PGBIN/createdb" -h "$PGHOST" -p "$PGPORT" todo

# step TITLE SQL: print a heading and the SQL as typed at the psql prompt, then
# run it in database todo, showing notices and results in order.
step() {
    printf '\n== %s\n' "$1"
    printf '%s\n' "${2#$'\n'}" | sed '1s/^/todo=# /; 2,$s/^/todo-# /'
    local out
    if ! out=$(psql -X -d todo -v ON_ERROR_STOP=1 -c "$2" 2>&1); then
        printf '%s\n' "$out"
        return 1
    fi
    printf '%s\n' "$out"
}

step "install the extension" "CREATE EXTENSION mig_ext;"

printf '\n== register the three revisions (tests/demo/todo_migrations.sql, run twice: replayable)\n'
for pass in 1 2; do
    psql -X -d todo -v ON_ERROR_STOP=1 -q -A -t -f tests/demo/todo_migrations.sql 2>&1 |
        tr '\n' ' ' | sed "s/^/pass $pass registered: /; s/ *\$/\n/"
done

step "alembic history --verbose" \
    "SELECT revision, down_revisions, message, is_head, is_base FROM mig_history();"

step "before the deploy: upgrade, downgrade, re-upgrade each revision, compare the schemas (all rolled back)" \
    "SELECT * FROM mig_test();"

step "alembic upgrade head" "SELECT * FROM mig_upgrade('head');"

step "alembic current" "SELECT revision, is_head, message FROM mig_current();"

step "alembic history (after the upgrade)" \
    "SELECT revision, down_revisions, message, is_head, is_current, applied_at IS NOT NULL AS applied FROM mig_history();"

step "verify the schema: tables, indexes, foreign keys" "
SELECT c.relname AS table_name, i.relname AS index_name, x.indisunique AS is_unique
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
 WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE 'mig\_%'
 ORDER BY 1, 2;
SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
  FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace
 ORDER BY 1, 2;"

step "alembic downgrade -1" "SELECT * FROM mig_downgrade('-1');"

step "alembic current" "SELECT revision, is_head, message FROM mig_current();"

step "tasks.priority is gone" \
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'tasks' ORDER BY ordinal_position;"

step "before the re-upgrade: what each step will lock and rewrite, on this data (rolled back)" \
    "SELECT step, revision, direction, duration, locks, rewrites, detail FROM mig_rehearse();"

step "re-upgrade: alembic upgrade head" "SELECT * FROM mig_upgrade('head');"

step "some data, to see that downgrade base really drops it" "
INSERT INTO users (email, hashed_password) VALUES ('ada@example.com', 'x');
INSERT INTO tasks (description, user_id, priority) VALUES ('write the demo', 1, 1);
SELECT u.email, t.description, t.is_complete, t.priority FROM users u JOIN tasks t ON t.user_id = u.id;"

step "alembic downgrade base" "SELECT * FROM mig_downgrade('base');"

step "no app tables are left" "
SELECT table_name FROM information_schema.tables
 WHERE table_schema = 'public' AND table_name NOT LIKE 'mig\_%'
 ORDER BY 1;
SELECT count(*) AS version_rows FROM mig_version;"

step "alembic current (nothing applied)" "SELECT revision, is_head, message FROM mig_current();"

step "alembic upgrade head (again, from base)" "SELECT * FROM mig_upgrade('head');"

step "alembic current" "SELECT revision, is_head, message FROM mig_current();"

step "upgrade head again: already there, nothing runs" "SELECT * FROM mig_upgrade('head');"

step "the audit trail (mig_log, without timestamps and transaction ids)" "
SELECT id, revision, direction, from_revisions, to_revisions, applied_by, left(checksum, 12) AS checksum
  FROM mig_log ORDER BY id;"

printf '\ndemo finished: the cluster is stopped and removed on exit\n'
