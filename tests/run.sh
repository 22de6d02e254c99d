#!/usr/bin/env bash
# make test: install what is missing (the tests' tools, pg_cron among them),
# build with warnings as errors, install, start the throwaway cluster
# pg_regress and the isolation specs run on (each TAP test starts nodes of
# its own), run `make installcheck` (pg_regress, isolation specs, TAP tests),
# and end with one line "N passed, N failed" counting every check.
#
# PG_CONFIG and MIG_PG_ROOT choose the installation (see tests/lib.sh):
# `tests/against.sh PG_CONFIG` runs all this against a source build.
#
# tests/run.sh --installed: mig_ext as it is installed (from its package):
# no build, no install, and `make installcheck` only.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
installed=
[ "${1:-}" != --installed ] || installed=1

# (the TAP tests' tools: Graphviz, script, Alembic, psycopg2, pg_cron)
need_postgresql make gcc libipc-run-perl graphviz bsdutils python3 python3-alembic python3-psycopg2
if [ -n "$installed" ]; then
    locate_installation
    export PG_CONFIG
else
    build_and_install COPT=-Werror
fi
need_pg_cron
start_cluster
work=$(mktemp -d /tmp/mig_ext_check.XXXXXX)
trap 'stop_cluster; rm -rf "$work"' EXIT

# count_installcheck LOG: the checks of each part of installcheck's output
# (pg_regress and isolation: one per test file, in the format of 15 or of
# 16 and later; TAP: prove's verbose "ok N" lines), then their sum.  A part
# that did not run or reported no test, or a TAP script that failed without
# a failing check (it died), counts one failure.
count_installcheck() {
    awk '
    /^(# )?\+\+\+ regress install-check/   { part = "pg_regress"; ran[part] = 1; next }
    /^(# )?\+\+\+ isolation install-check/ { part = "isolation"; ran[part] = 1; next }
    /^(# )?\+\+\+ tap install-check/       { part = "tap"; ran[part] = 1; next }
    part == "tap" && /^Result: FAIL/  { error[part] = 1; next }
    part == "tap" && /^ok [0-9]/      { pass[part]++; next }
    part == "tap" && /^not ok [0-9]/  { fail[part]++; next }
    part != "tap" && (/\.\.\. ok/ || /^ok [0-9]/)                  { pass[part]++; next }
    part != "tap" && (/\.\.\. FAILED|\.\.\. failed/ || /^not ok [0-9]/) { fail[part]++; next }
    END {
        n = split("pg_regress isolation tap", parts, " ")
        for (i = 1; i <= n; i++) {
            x = parts[i]
            note = ""
            if (!ran[x]) note = " (did not run)"
            else if (error[x] && !fail[x]) note = " (ended in error)"
            else if (!pass[x] && !fail[x]) note = " (no test reported)"
            if (note != "") fail[x]++
            printf "%s: %d passed, %d failed%s\n", x, pass[x], fail[x], note
            p += pass[x]; f += fail[x]
        }
        printf "%d passed, %d failed\n", p, f
    }' "$1"
}

# installcheck, in a copy of the checkout that the cluster's owner can write:
# TAP's initdb refuses root, and the checkout may be unreadable to postgres.
# make -i runs every part even when one of them fails (and, with -s, says
# nothing of the failure: the parts' own output tells it).
mkdir "$work/src"
tar -C . --exclude=./.git -cf - . | tar -C "$work/src" -xf -
[ "$(id -u)" -ne 0 ] || chown -R postgres: "$work"
echo "== make installcheck"
as_pg make -s -i -C "$work/src" installcheck PROVE_FLAGS=--verbose >"$work/installcheck.log" 2>&1 || true
# (TAP's "#" diagnostics left out, but for those of a failed test)
awk '/^(# )?\+\+\+ tap / { tap = 1; print; next }
     tap && /^#   Failed test/ { failure = 1 }
     failure && !/^#  / { failure = 0 }
     !tap || !/^#/ || failure' "$work/installcheck.log"
count_installcheck "$work/installcheck.log" | tee "$work/count"
if ! grep -qE '^[0-9]+ passed, 0 failed$' "$work/count"; then
    for f in "$work"/src/regression.diffs "$work"/src/output_iso/regression.diffs; do
        [ -f "$f" ] && { echo "== ${f#"$work"/src/}"; cat "$f"; }
    done
    # the server logs of the TAP tests that failed (prove's summary names them)
    sed -n 's|^t/\([^ ]*\)\.pl  *(Wstat.*|\1|p' "$work/installcheck.log" | while read -r t; do
        for f in "$work"/src/tmp_check/log/"$t"_*.log; do
            [ -f "$f" ] && { echo "== ${f#"$work"/src/} (the last lines)"; tail -n 30 "$f"; }
        done
    done
    exit 1
fi
