#!/usr/bin/env bash
# Concurrency: pg_isolation_regress runs the specs in tests/isolation/specs
# against the running cluster (PGHOST/PGPORT), several sessions calling
# mig_ext at once; ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

iso=/usr/lib/postgresql/$PG_MAJOR/lib/pgxs/src/test/isolation/pg_isolation_regress
specs=$(cd tests/isolation/specs && ls *.spec | sed 's/\.spec$//')
out=$(mktemp -d /tmp/mig_ext_isolation.XXXXXX)
trap 'rm -rf "$out"' EXIT

echo "isolation: $(echo $specs)"
"$iso" --inputdir=tests/isolation --outputdir="$out" --dbname=mig_isolation $specs >"$out/log" 2>&1
grep -E '^(test|ok|not ok) ' "$out/log" | sed 's/^/  /'
p=$(grep -cE '\.\.\. ok' "$out/log")
f=$(grep -cE '\.\.\. FAILED' "$out/log")
if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
    cat "$out/log"
    f=1
fi
[ -f "$out/regression.diffs" ] && [ "$f" -gt 0 ] && cat "$out/regression.diffs"
echo "$p passed, $f failed"
