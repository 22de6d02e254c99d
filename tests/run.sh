#!/usr/bin/env bash
# make test: install what is missing, build with warnings as errors, install,
# run every suite against a throwaway cluster, print "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

need_packages "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" make gcc
build_and_install COPT=-Werror
start_cluster
trap stop_cluster EXIT

passed=0
failed=0

# pg_regress: sql/ + expected/
rm -rf results regression.diffs regression.out
if make -s installcheck >/tmp/mig_ext_regress.out 2>&1; then :; fi
cat /tmp/mig_ext_regress.out
p=$(grep -cE '\.\.\. ok' /tmp/mig_ext_regress.out || true)
f=$(grep -cE '\.\.\. FAILED' /tmp/mig_ext_regress.out || true)
if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; fi
passed=$((passed + p))
failed=$((failed + f))
[ -f regression.diffs ] && [ "$f" -gt 0 ] && cat regression.diffs

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
