#!/usr/bin/env bash
# suite_alembic_compare: mig_ext's planning against the installed Alembic
# (Debian 12: 1.8.1, Debian forky: 1.18.4), by tests/alembic_compare.py: the
# pg_regress files of graph cases replayed through both, then random graphs
# and commands from a fixed seed.  A check passes when nothing diverges;
# documented deliberate differences, among them the Alembic version mig_ext
# follows where Alembic's versions differ, are counted and printed.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${PGHOST:?run from make test (needs the PG* variables of its cluster)}"

need_packages python3-alembic python3-psycopg2

PY=/usr/bin/python3
suite_start

for f in sql/graph_shapes.sql sql/graph_deps.sql sql/graph_rows.sql sql/graph_targets.sql; do
    check_cmd "$f: Alembic agrees" "$PY" tests/alembic_compare.py --db mig_cmp --sql "$f"
done

# the summary (Alembic's version, the deliberate differences) is printed
# whether the check passes or not
"$PY" tests/alembic_compare.py --db mig_cmp --graphs 20 --commands 30 --seed 4 >"$work/random" 2>&1
status=$?
sed -n '/^Alembic /,/^---- /p' "$work/random" | grep -v '^---- '
check_cmd "random graphs and commands: Alembic agrees" test "$status" -eq 0
[ "$status" -eq 0 ] || tail -n 40 "$work/random"

"$PGBIN/psql" -X -q -d postgres -c "DROP DATABASE mig_cmp_alembic" -c "DROP DATABASE mig_cmp_mig"
echo "$passed passed, $failed failed"
