#!/usr/bin/env bash
# suite_docs: every sql and sh block of README.md and doc/*.md runs as
# written, in order, and prints what the output block after it shows
# (tests/doc_blocks.py; the conventions are in doc/testing.md).  Each file
# gets a database of its own on make test's cluster.  First, the checker
# itself must fail where tests/doc_blocks_selftest.md says it should.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${PGHOST:?run from make test (needs the PG* variables of its cluster)}"
need_packages python3 python3-alembic python3-psycopg2
export PGBIN
suite_start

check_cmd "the checker fails on wrong output, bad markers and failing blocks" \
    bash -c 'python3 tests/doc_blocks.py tests/doc_blocks_selftest.md | tail -n 1 | grep -qx "1 passed, 4 failed"'

python3 tests/doc_blocks.py README.md doc/*.md | tee "$work/docs.log"
line=$(tail -n 1 "$work/docs.log")
if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
else
    failed=$((failed + 1)); echo "not ok - the documentation blocks ran to the end"
fi
echo "$passed passed, $failed failed"
