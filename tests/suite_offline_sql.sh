#!/usr/bin/env bash
# suite_offline_sql: mig_upgrade_sql / mig_downgrade_sql scripts leave a
# database exactly as mig_upgrade / mig_downgrade leave another one: same
# schema (pg_dump --schema-only), same application data, same version rows,
# same log rows (but for times and users).  On a branched graph with a
# dependency and a merge, through upgrades and downgrades.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${PGHOST:?run from make test (needs the PG* variables of its cluster)}"

PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1)
suite_start

# state DB: what must be equal between the two databases.
# (pg_dump's \restrict lines carry a random key: left out.)
state() {
    "$PGBIN/pg_dump" --schema-only --no-owner "$1" | grep -v -e '^--' -e '^$' -e '^\\\(un\)\?restrict '
    "$PGBIN/pg_dump" --data-only --no-owner --exclude-table-data='public.mig_*' "$1" |
        grep -v -e '^--' -e '^$' -e '^\\\(un\)\?restrict '
    "${PSQL[@]}" -At -d "$1" -c "SELECT 'version', revision FROM mig_version ORDER BY 2" \
        -c "SELECT 'log', revision, direction, from_revisions, to_revisions, checksum,
                   applied_by = current_user, duration >= '0', xid IS NOT NULL FROM mig_log ORDER BY id"
}

# same_state: the two databases hold the same state.
same_state() {
    state mig_call >"$work/call.txt" && state mig_script >"$work/script.txt" &&
        diff -u "$work/call.txt" "$work/script.txt"
}

# both VERB TARGET: mig_VERB in mig_call, the mig_VERB_sql script in mig_script.
both() {
    "${PSQL[@]}" -d mig_call -c "SELECT * FROM mig_$1('$2')" >/dev/null &&
        "${PSQL[@]}" -At -d mig_script -c "SELECT mig_$1_sql('$2')" >"$work/step.sql" &&
        "${PSQL[@]}" -d mig_script -f "$work/step.sql" >/dev/null &&
        same_state
}

for db in mig_call mig_script; do
    "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    "${PSQL[@]}" -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION mig_ext;
SELECT mig_revision('create todo', $up$
CREATE TABLE todo (id int PRIMARY KEY, title text NOT NULL);
CREATE FUNCTION todo_count() RETURNS bigint LANGUAGE plpgsql AS $f$
BEGIN
    RETURN (SELECT count(*) FROM todo);  -- a semicolon; inside
END $f$;
INSERT INTO todo VALUES (1, E'back\\slash and ''quote''')
$up$, 'DROP FUNCTION todo_count(); DROP TABLE todo;', '001', '{}');
SELECT mig_revision('add done', 'ALTER TABLE todo ADD done boolean NOT NULL DEFAULT false -- last line comment',
                    'ALTER TABLE todo DROP done;', '002', '{001}');
SELECT mig_revision('tags', 'CREATE TABLE tag (name text PRIMARY KEY); /* block */',
                    'DROP TABLE tag;', 'b1', '{001}', '{tags}');
SELECT mig_revision('tag index', 'CREATE INDEX tag_lower ON tag (lower(name));',
                    'DROP INDEX tag_lower;', 'b2', '{b1}');
SELECT mig_revision('todo tags', 'CREATE TABLE todo_tag (todo int REFERENCES todo, tag text REFERENCES tag);',
                    'DROP TABLE todo_tag;', 'd1', '{002}', NULL, '{b1}');
SELECT mig_merge('merge tags', '{d1,b2}', '003');
SQL
done

check_cmd "same start" same_state
check_cmd "upgrade 002" both upgrade 002
check_cmd "upgrade b2 (new branch)" both upgrade b2
check_cmd "upgrade heads (dependency, merge)" both upgrade heads
check_cmd "downgrade d1 (unmerge)" both downgrade d1
check_cmd "downgrade 001" both downgrade 001
check_cmd "upgrade head again" both upgrade head
check_cmd "downgrade base" both downgrade base

# A script applied where the version rows moved on refuses and changes nothing.
"${PSQL[@]}" -At -d mig_script -c "SELECT mig_upgrade_sql('002')" >"$work/stale.sql"
"${PSQL[@]}" -d mig_script -c "SELECT * FROM mig_upgrade('001')" >/dev/null
refused() {
    ! "${PSQL[@]}" -d mig_script -f "$work/stale.sql" 2>"$work/err" >/dev/null &&
        grep -q "version rows differ from those this script was made for" "$work/err" &&
        [ "$("${PSQL[@]}" -At -d mig_script -c "SELECT string_agg(revision, ',') FROM mig_version")" = 001 ] &&
        [ "$("${PSQL[@]}" -At -d mig_script -c "SELECT count(*) FROM information_schema.columns WHERE column_name = 'done'")" = 0 ]
}
check_cmd "stale script refused, nothing changed" refused

# Only the owner of the catalog tables (or a superuser) can apply a script.
"${PSQL[@]}" -d mig_script -c "SELECT * FROM mig_downgrade('base')" >/dev/null
"${PSQL[@]}" -At -d mig_script -c "SELECT mig_upgrade_sql('001')" >"$work/owner.sql"
"${PSQL[@]}" -d mig_script -c "DROP ROLE IF EXISTS mig_offline_app" -c "CREATE ROLE mig_offline_app LOGIN" \
    -c "GRANT CREATE ON SCHEMA public TO mig_offline_app" >/dev/null
not_owner() {
    ! PGUSER=mig_offline_app "${PSQL[@]}" -d mig_script -f "$work/owner.sql" 2>"$work/err" >/dev/null &&
        grep -q "permission denied for table mig_version" "$work/err" &&
        [ -z "$("${PSQL[@]}" -At -d mig_script -c "SELECT to_regclass('todo')")" ]
}
check_cmd "a role that does not own the catalog cannot apply it" not_owner
"${PSQL[@]}" -d mig_script -c "REVOKE CREATE ON SCHEMA public FROM mig_offline_app" -c "DROP ROLE mig_offline_app" >/dev/null
"${PSQL[@]}" -d mig_script -f "$work/owner.sql" >/dev/null

# The script also works through psql -1 -f, and as a plain client's input.
"${PSQL[@]}" -At -d mig_script -c "SELECT mig_upgrade_sql('002')" >"$work/fresh.sql"
single() {
    "${PSQL[@]}" -1 -d mig_script -f "$work/fresh.sql" >/dev/null 2>&1 &&
        [ "$("${PSQL[@]}" -At -d mig_script -c "SELECT string_agg(revision, ',') FROM mig_version")" = 002 ]
}
check_cmd "psql -1 -f applies it" single

# mig_graph's DOT, with a dependency, a merge and a message to escape, parses.
need_packages graphviz
"${PSQL[@]}" -d mig_call -c "SELECT mig_revision(E'say \"hi\" \\\\ back\nslash', 'SELECT 1;', NULL, 'q1', '{003}')" >/dev/null
"${PSQL[@]}" -At -d mig_call -c "SELECT mig_graph()" >"$work/graph.dot"
check_cmd "mig_graph output parses with dot -Tsvg" bash -c "dot -Tsvg '$work/graph.dot' | grep -q '<svg' && grep -q 'say \\\\\"hi' '$work/graph.dot'"

for db in mig_call mig_script; do
    "${PSQL[@]}" -d postgres -c "DROP DATABASE $db"
done
echo "$passed passed, $failed failed"
