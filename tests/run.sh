#!/usr/bin/env bash
# make test: install what is missing, build with warnings as errors, install,
# run every suite against a throwaway cluster, print "N passed, N failed".
#
# Suites: pg_regress (sql/ + expected/), then every tests/suite_*.sh, each run
# with the cluster's PG* variables exported and ending with its own
# "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

need_packages "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" make gcc
build_and_install COPT=-Werror
start_cluster
trap stop_cluster EXIT

passed=0
failed=0

# count_line FILE: add the last "N passed, N failed" line of FILE to the totals.
count_line() {
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 || true)
    if [ -z "$line" ]; then
        failed=$((failed + 1))
        return
    fi
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
}

# pg_regress
log=$(mktemp)
rm -rf results regression.diffs regression.out
make -s installcheck >"$log" 2>&1 || true
cat "$log"
p=$(grep -cE '\.\.\. ok' "$log" || true)
f=$(grep -cE '\.\.\. FAILED|failed \(ignored\)' "$log" || true)
[ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
[ "$f" -gt 0 ] && [ -f regression.diffs ] && cat regression.diffs
echo "pg_regress: $p passed, $f failed"
passed=$((passed + p))
failed=$((failed + f))

for suite in tests/suite_*.sh; do
    [ -e "$suite" ] || continue
    echo "== $suite"
    bash "$suite" 2>&1 | tee "$log" || true
    count_line "$log"
done
rm -f "$log"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
