#!/usr/bin/env bash
# suite_alembic_export: mig-alembic-export on the sample Alembic project of
# tests/alembic_project, checked against Alembic itself on the same cluster.
#
# The exported files, imported with mig_import and run with mig_ext, leave a
# database as `alembic upgrade` leaves another one: same pg_dump (schema and
# data; only the version tables are left out) at heads, at every revision on
# the way up, on the way back down and at base.  A database upgraded by
# Alembic to a middle revision is adopted (mig_adopt_alembic) and upgraded to
# heads by mig_ext, leaving alembic_version as it was.  The files round-trip
# through mig_import unchanged.  A revision that offline mode cannot render,
# or whose SQL leaves the transaction, is reported by name and nothing is
# written, unless placeholders are asked for, which refuse to run.  Another
# dialect and SQL that the file format cannot carry are refused.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${PGHOST:?run from make test (needs the PG* variables of its cluster)}"

need_packages python3-alembic python3-psycopg2

PY=/usr/bin/python3
EXPORT=("$PY" "$PGBIN/mig-alembic-export")
PROJECT=$PWD/tests/alembic_project
PSQL=("$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1)
suite_start

# alembic DB ARGS...: Alembic's own command line on the sample project and DB.
alembic() {
    local db=$1
    shift
    (cd "$PROJECT" && ACCOUNTS_DB_URL="postgresql:///$db" "$PY" -m alembic "$@")
}

# fresh_db DB: an empty database.
fresh_db() {
    "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
}

# header FILE KEY: the value of header KEY of a revision file, commas as spaces.
header() {
    sed -n "s/^-- mig:$2:[[:space:]]*//p" "$1" | tr ',' ' '
}

# load_order DIR: the revision files of DIR, parents and dependencies first.
load_order() {
    local f id p
    declare -A file_of=()
    for f in "$1"/*.sql; do file_of[$(header "$f" revision)]=$f; done
    for f in "$1"/*.sql; do
        id=$(header "$f" revision)
        echo "$id $id"
        for p in $(header "$f" down_revisions) $(header "$f" depends_on); do echo "$p $id"; done
    done | tsort | while read -r id; do echo "${file_of[$id]}"; done
}

# load DB DIR: CREATE EXTENSION (if missing), then mig_import every file of DIR.
load() {
    local f
    "${PSQL[@]}" -d "$1" -c "CREATE EXTENSION IF NOT EXISTS mig_ext" || return 1
    for f in $(load_order "$2"); do
        "${PSQL[@]}" -d "$1" <<EOF || return 1
\\set script \`cat $f\`
SELECT mig_import(:'script', '$(basename "$f")');
EOF
    done >/dev/null
}

# mig DB SQL: run SQL on DB.
mig() {
    "${PSQL[@]}" -d "$1" -c "$2"
}

# state DB: schema and data of DB, without the version tables (Alembic's
# alembic_version; the mig_ext extension, which holds mig_ext's).
state() {
    "$PGBIN/pg_dump" --schema-only --no-owner --exclude-table=alembic_version "$1" &&
        "$PGBIN/pg_dump" --data-only --no-owner --exclude-table=alembic_version \
            --exclude-table-data='public.mig_*' "$1"
}

# dump DB: state DB without pg_dump's comments, blank lines, random keys and
# the mig_ext extension's own lines, into $work/DB.dump.
dump() {
    state "$1" | grep -v -e '^--' -e '^$' -e '^\\\(un\)\?restrict ' \
        -e '^CREATE EXTENSION IF NOT EXISTS mig_ext ' -e '^COMMENT ON EXTENSION mig_ext ' >"$work/$1.dump"
}

# same DB1 DB2: the two databases hold the same schema and data.
same() {
    dump "$1" && dump "$2" && diff -u "$work/$1.dump" "$work/$2.dump"
}

# same_output FILE CMD...: CMD prints what FILE holds.
same_output() {
    diff -u "$1" <("${@:2}")
}

# both VERB TARGET: `alembic VERB TARGET` on exp_alembic, mig_VERB(TARGET) on
# exp_mig, then the same state.
both() {
    alembic exp_alembic "$1" "$2" && mig exp_mig "SELECT count(*) FROM mig_$1('$2')" >/dev/null &&
        same exp_alembic exp_mig
}

# export_fails PROJECT MESSAGE [ARGS...]: exporting PROJECT (with ARGS) exits
# 1, says MESSAGE, writes nothing.
export_fails() {
    (cd "$1" && "${EXPORT[@]}" "${@:3}" -o "$work/failed_out") 2>"$work/failed.stderr"
    test $? -eq 1 && grep -F "mig-alembic-export: error: $2" "$work/failed.stderr" &&
        test ! -e "$work/failed_out"
}

out=$work/out_files

# --- the command line --------------------------------------------------------
check_cmd "--help exits 0" "${EXPORT[@]}" --help
check_cmd "no -o: usage error, exit 2" bash -c '"$@"; [ $? -eq 2 ]' _ "${EXPORT[@]}"
check_cmd "a missing ini file: exit 1, said" export_fails "$PROJECT" \
    'could not find the Alembic configuration file "nowhere.ini"' -c nowhere.ini
check_cmd "an ini section that does not exist: exit 1, said" export_fails "$PROJECT" \
    'the Alembic configuration file "alembic.ini" has no section [nosuchsection]' -n nosuchsection

# --- export ---------------------------------------------------------------------
check_cmd "export the sample project (-c, -n given)" \
    bash -c 'cd "$1/.." && "${@:3}" -c "$1/alembic.ini" -n alembic -o "$2"' _ "$PROJECT" "$out" "${EXPORT[@]}"
check_cmd "one file per Alembic revision" test "$(ls "$out"/*.sql | wc -l)" -eq 9
check_cmd "ids, parents, labels, depends_on, message as in the Alembic scripts" \
    diff -u - <(for f in "$out"/*.sql; do
                    sed -n 's/^-- mig:\(revision\|down_revisions\|branch_labels\|depends_on\|message\):/\1:/p' "$f"
                done) <<'EOF'
revision: 1a0c5e7f3b21
down_revisions:
branch_labels:
depends_on:
message: create account and legacy import
revision: 2b7d9e1a4c03
down_revisions: 1a0c5e7f3b21
branch_labels:
depends_on:
message: account nickname and notes
revision: 3c1f2a8b9d45
down_revisions: 2b7d9e1a4c03
branch_labels:
depends_on:
message: batch: score, email required, no nickname
revision: 4d8e3b6c0f12
down_revisions: 3c1f2a8b9d45
branch_labels:
depends_on:
message: seed accounts, backfill scores
revision: 5e2a7c9d1b36
down_revisions: 1a0c5e7f3b21
branch_labels: audit
depends_on:
message: audit log
revision: 6f4b8d2e3a57
down_revisions: 5e2a7c9d1b36
branch_labels:
depends_on:
message: audit index
revision: 7a9c1e4f5b68
down_revisions: 4d8e3b6c0f12
branch_labels:
depends_on: 5e2a7c9d1b36
message: note audit link
revision: 8b3d5f7a9c70
down_revisions: 7a9c1e4f5b68, 6f4b8d2e3a57
branch_labels:
depends_on:
message: merge audit into main
revision: 9c6e8a0b2d81
down_revisions: 8b3d5f7a9c70
branch_labels:
depends_on:
message: drop legacy import; unique names
EOF
alembic exp_alembic upgrade heads --sql >"$work/offline.sql" 2>"$work/offline.err"
check_cmd "each body is Alembic's own offline SQL, without its version table and BEGIN/COMMIT" \
    "$PY" - "$work/offline.sql" "$out" <<'EOF'
import glob, re, sys
offline = open(sys.argv[1]).read()
for path in sorted(glob.glob(sys.argv[2] + "/*.sql")):
    text = open(path).read()
    up = text.split("-- mig:upgrade\n", 1)[1].split("\n-- mig:downgrade\n", 1)[0].strip("\n")
    rev = re.search(r"^-- mig:revision: (\S+)", text, re.M).group(1)
    # Alembic's script: "-- Running upgrade A -> REV", the body, its version row statement.
    step = re.search(r"-- Running upgrade [^\n]* -> %s\n\n(.*?)(INSERT INTO|UPDATE|DELETE FROM) alembic_version"
                     % rev, offline, re.S)
    assert step, "no step for %s in Alembic's script" % rev
    assert step.group(1).strip("\n") == up, "%s: %r != %r" % (path, up, step.group(1))
    for word in ("alembic_version", "BEGIN;", "COMMIT;"):
        assert word not in text, "%s holds %s" % (path, word)
EOF

# --- heads, base, every revision on the way ------------------------------------
for db in exp_alembic exp_mig exp_heads; do fresh_db "$db" >/dev/null; done
check_cmd "load the files with mig_import" load exp_mig "$out"
check_cmd "alembic upgrade heads = mig_upgrade('heads'), schema and data" both upgrade heads
check_cmd "the schema at heads is there" grep -q '^CREATE TABLE public.audit_log ' "$work/exp_mig.dump"
check_cmd "alembic downgrade base = mig_downgrade('base')" both downgrade base
check_cmd "nothing left at base" bash -c '! grep -q "^CREATE \(TABLE\|TYPE\|VIEW\)" "$1"' _ "$work/exp_mig.dump"
order=$(for f in $(load_order "$out"); do header "$f" revision; done)
for rev in $order; do
    check_cmd "upgrade to $rev: same state" both upgrade "$rev"
done
for rev in $(echo "$order" | tac | tail -n +2) base; do
    check_cmd "downgrade to $rev: same state" both downgrade "$rev"
done

# --- round trip through mig_import ----------------------------------------------
# rebuilt ID: the revision file of ID written back from the catalog.
rebuilt() {
    mig exp_mig "SELECT pg_catalog.concat_ws(E'\\n',
        rtrim('-- mig:revision: ' || revision),
        rtrim('-- mig:down_revisions: ' || array_to_string(down_revisions, ', ')),
        rtrim('-- mig:branch_labels: ' || array_to_string(branch_labels, ', ')),
        rtrim('-- mig:depends_on: ' || array_to_string(depends_on, ', ')),
        rtrim('-- mig:message: ' || message),
        '', '-- mig:upgrade', NULLIF(upgrade, ''), '', '-- mig:downgrade', NULLIF(downgrade, ''))
      FROM mig_show('$1')"
}
roundtrip() {
    local f
    for f in "$out"/*.sql; do
        diff -u "$f" <(rebuilt "$(header "$f" revision)") || return 1
    done
}
check_cmd "mig_show gives back every file as written" roundtrip
registered() {
    mig exp_mig "SELECT count(*), max(registered_at) FROM mig_revisions"
}
registered >"$work/before"
check_cmd "registering the files again is a no-op" load exp_mig "$out"
check_cmd "... nothing added" same_output "$work/before" registered

# --- adopting a database Alembic upgraded half-way --------------------------------
alembic exp_heads upgrade heads
fresh_db exp_adopt >/dev/null
alembic exp_adopt upgrade 4d8e3b6c0f12
alembic exp_adopt upgrade 5e2a7c9d1b36      # a second branch: two rows
alembic_rows() {
    mig exp_adopt "SELECT version_num FROM alembic_version ORDER BY 1"
}
alembic_rows >"$work/alembic_rows"
check_cmd "Alembic's middle state has two version rows" test "$(wc -l <"$work/alembic_rows")" -eq 2
check_cmd "load the files into the Alembic database" load exp_adopt "$out"
check_cmd "mig_adopt_alembic stamps Alembic's rows" same_output "$work/alembic_rows" \
    mig exp_adopt "SELECT unnest(mig_adopt_alembic()) ORDER BY 1"
echo "6f4b8d2e3a57 7a9c1e4f5b68 8b3d5f7a9c70 9c6e8a0b2d81" >"$work/rest"
check_cmd "mig_upgrade('heads') from there runs the rest" same_output "$work/rest" \
    mig exp_adopt "SELECT string_agg(revision, ' ' ORDER BY revision) FROM mig_upgrade('heads')"
check_cmd "same state as Alembic at heads" same exp_heads exp_adopt
check_cmd "alembic_version untouched" same_output "$work/alembic_rows" alembic_rows

# --- a revision that offline mode cannot render ---------------------------------------
broken=$work/broken_project
cp -r "$PROJECT" "$broken"
cat >"$broken/migrations/versions/a0b1c2d3e4f5_backfill_from_query.py" <<'EOF'
"""backfill audit from a query

Revision ID: a0b1c2d3e4f5
Revises: 9c6e8a0b2d81
"""
from alembic import op
import sqlalchemy as sa

revision = "a0b1c2d3e4f5"
down_revision = "9c6e8a0b2d81"
branch_labels = None
depends_on = None


def upgrade():
    ids = op.get_bind().execute(sa.text("SELECT id FROM account")).fetchall()
    for (account_id,) in ids:
        op.execute("INSERT INTO audit_log (account_id, action) VALUES (%d, 'import')" % account_id)


def downgrade():
    op.execute("DELETE FROM audit_log WHERE action = 'import'")
EOF
cat >"$broken/migrations/versions/c2d3e4f5a6b7_concurrent_index.py" <<'EOF'
"""an index built concurrently"""
from alembic import op

revision = "c2d3e4f5a6b7"
down_revision = "a0b1c2d3e4f5"


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_audit_log_action", "audit_log", ["action"], postgresql_concurrently=True)


def downgrade():
    op.drop_index("ix_audit_log_action", table_name="audit_log")
EOF
check_cmd "unrenderable revision: exit 1, reported by name, direction and reason; nothing written" \
    export_fails "$broken" "revision a0b1c2d3e4f5 ($broken/migrations/versions/a0b1c2d3e4f5_backfill_from_query.py): the upgrade cannot be rendered offline: AttributeError: 'NoneType' object has no attribute 'fetchall' (line 16)"
check_cmd "... and so is a revision that leaves the transaction" grep -F \
    "mig-alembic-export: error: revision c2d3e4f5a6b7 ($broken/migrations/versions/c2d3e4f5a6b7_concurrent_index.py): the upgrade cannot be rendered offline: its SQL leaves the transaction (autocommit_block() or COMMIT), which a mig_ext body cannot do" \
    "$work/failed.stderr"
check_cmd "... counted" grep -Fx \
    "mig-alembic-export: error: nothing written: 2 revision steps cannot be rendered offline" "$work/failed.stderr"
(cd "$broken" && "${EXPORT[@]}" -o "$work/broken_out" --placeholders) >"$work/broken.stdout" 2>"$work/broken.stderr"
check_cmd "--placeholders: exit 0, the revision named in a warning" \
    grep -F "mig-alembic-export: warning: revision a0b1c2d3e4f5 (" "$work/broken.stderr"
check_cmd "--placeholders: every revision written" test "$(ls "$work/broken_out"/*.sql | wc -l)" -eq 11
fresh_db exp_placeholder >/dev/null
check_cmd "load the files with the placeholder" load exp_placeholder "$work/broken_out"
placeholder_refuses() {
    ! mig exp_placeholder "SELECT count(*) FROM mig_upgrade('heads')" 2>"$work/refused" &&
        grep -F 'ERROR:  revision a0b1c2d3e4f5: the upgrade was not exported from Alembic' "$work/refused" &&
        test "$(mig exp_placeholder "SELECT count(*) FROM mig_version")" = 0 &&
        test "$(mig exp_placeholder "SELECT downgrade FROM mig_show('a0b1c2d3e4f5')")" = \
            "DELETE FROM audit_log WHERE action = 'import';"
}
check_cmd "the placeholder refuses to run (the rest of its file is exported)" placeholder_refuses

# --- what the file format or mig_ext cannot take ---------------------------------------
# export_sqlite: the sample project exported with a SQLite URL.
export_sqlite() {
    ACCOUNTS_DB_URL=sqlite:// export_fails "$PROJECT" \
        "env.py renders SQL for the sqlite dialect, not for PostgreSQL"
}
check_cmd "another dialect is refused" export_sqlite
directive=$work/directive_project
cp -r "$PROJECT" "$directive"
cat >"$directive/migrations/versions/b1c2d3e4f5a6_directive_in_sql.py" <<'EOF'
"""SQL with a line that reads as a directive"""
from alembic import op

revision = "b1c2d3e4f5a6"
down_revision = "9c6e8a0b2d81"


def upgrade():
    op.execute("SELECT 1\n-- mig:downgrade")


def downgrade():
    pass
EOF
check_cmd "SQL with a \"-- mig:\" line is refused" export_fails "$directive" \
    "revision b1c2d3e4f5a6 ($directive/migrations/versions/b1c2d3e4f5a6_directive_in_sql.py): its upgrade SQL has a line that starts with \"-- mig:\""

for db in exp_alembic exp_mig exp_heads exp_adopt exp_placeholder; do
    "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db"
done
echo "$passed passed, $failed failed"
