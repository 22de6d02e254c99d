#!/usr/bin/env bash
# Faults: the TAP tests in tests/tap, with PostgreSQL::Test::Cluster, each
# on a cluster of its own run by a non-root user from the server in PGBIN
# (the private copy when MIG_PG_ROOT is set).  Ends with "N passed, N failed"
# counted from prove's verbose output.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

need_packages libipc-run-perl
pgxs=/usr/lib/postgresql/$PG_MAJOR/lib/pgxs
work=$(mktemp -d /tmp/mig_ext_tap.XXXXXX)
trap '[ -n "${MIG_KEEP_TAP:-}" ] || rm -rf "$work"' EXIT
cp -r tests/tap "$work/t"
chmod -R a+rX "$work"
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$work"

echo "tap: $(cd tests/tap && echo *.pl)"
(cd "$work" && as_pg env PATH="$PGBIN:$PATH" PERL5LIB="$pgxs/src/test/perl" \
    PG_REGRESS="$pgxs/src/test/regress/pg_regress" TESTDIR="$work" MIG_PG_ROOT="$MIG_PG_ROOT" \
    PGHOST= PGPORT= PGUSER= PGDATABASE= \
    prove -v --ext .pl t/ >"$work/prove.log" 2>&1)
rc=$?
grep -E '^(ok|not ok) ' "$work/prove.log" | sed 's/^/  /'
p=$(grep -cE '^ok ' "$work/prove.log")
f=$(grep -cE '^not ok ' "$work/prove.log")
if [ "$rc" -ne 0 ] || [ $((p + f)) -eq 0 ]; then
    cat "$work/prove.log"
    for l in "$work"/tmp_check/log/*.log; do
        [ -f "$l" ] && { echo "== $l"; tail -n 30 "$l"; }
    done
    [ "$f" -eq 0 ] && f=1
fi
echo "$p passed, $f failed"
