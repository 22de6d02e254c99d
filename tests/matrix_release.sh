#!/usr/bin/env bash
# tests/matrix_release.sh DIR: what tests/matrix.sh runs in the chroot of a
# Debian release, from a fresh clone, as root: `make test`; the package
# (dpkg-buildpackage -us -uc -b, installed with apt-get, its files listed);
# `make installcheck` against the installed package (debian/tests/installcheck,
# with the TAP tests of the commands and of mig_deploy);
# the restore of DIR, the dump made on this machine's major
# (tests/major_upgrade.sh restore); then the package purged.  Ends with
# "N passed, N failed" over all of them.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

dir=${1:?usage: tests/matrix_release.sh DIR}
work=$(mktemp -d /tmp/mig_ext_release.XXXXXX)
log=$work/log
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# run TITLE CMD...: run CMD, show its output, count its closing line.
run() {
    echo "== $1"
    shift
    "$@" 2>&1 | tee "$log"
    count_line "$log"
}

# package: build the package of the installed major, install it, and check
# that it holds the extension, the library and both commands.
package() {
    local pkg=postgresql-$PG_MAJOR-mig-ext f
    need_packages dpkg-dev debhelper postgresql-server-dev-all
    rm -f ../"$pkg"_*.deb
    if ! dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1; then
        tail -n 30 "$work/build.log"
        return 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ../"$pkg"_*.deb >/dev/null || return 1
    dpkg -L "$pkg" >"$work/files" || return 1
    for f in "/usr/share/postgresql/$PG_MAJOR/extension/mig_ext.control" \
             "/usr/share/postgresql/$PG_MAJOR/extension/mig_ext--1.0.sql" \
             "/usr/lib/postgresql/$PG_MAJOR/lib/mig_ext.so" \
             "/usr/lib/postgresql/$PG_MAJOR/bin/mig" \
             "/usr/lib/postgresql/$PG_MAJOR/bin/mig-alembic-export"; do
        grep -qx "$f" "$work/files" || { echo "$pkg has no $f"; return 1; }
    done
}

run "make test" make test
echo "== package"
if package; then
    passed=$((passed + 1)); echo "ok - dpkg-buildpackage, apt-get install, dpkg -L"
else
    failed=$((failed + 1)); echo "not ok - dpkg-buildpackage, apt-get install, dpkg -L"
fi
# the package's check: pg_regress, the isolation specs and the TAP tests of
# the installed commands and of mig_deploy's workers (make test above ran
# every TAP test on the same sources)
run "make installcheck against the package" \
    env PROVE_TESTS="t/002_deploy.pl t/010_mig_cli.pl" debian/tests/installcheck
run "restore of the dump made on the host's major" bash tests/major_upgrade.sh restore "$dir"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "postgresql-$PG_MAJOR-mig-ext" >/dev/null 2>&1 || true
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
