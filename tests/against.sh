#!/usr/bin/env bash
# tests/against.sh PG_CONFIG: make test against another PostgreSQL
# installation, e.g. a source build under /opt: build mig_ext with warnings as
# errors, install it into that installation (or into its private copy under
# MIG_PG_ROOT), run every suite on a throwaway cluster of it and print
# "N passed, N failed".  Installs no package.  The TAP part needs an
# installation configured with --enable-tap-tests.
set -euo pipefail
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: tests/against.sh PATH/TO/pg_config" >&2
    exit 2
fi
PG_CONFIG=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") exec bash "$(dirname "$0")/run.sh"
