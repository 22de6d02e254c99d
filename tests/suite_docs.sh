#!/usr/bin/env bash
# suite_docs: every sql and sh block of README.md and doc/*.md runs as
# written, in order, and prints what the output block after it shows
# (tests/doc_blocks.py; the conventions are in doc/testing.md).  Each file
# gets a database of its own on make test's cluster.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
: "${PGHOST:?run from make test (needs the PG* variables of its cluster)}"
need_packages python3 python3-alembic python3-psycopg2

export PGBIN
python3 tests/doc_blocks.py README.md doc/*.md
