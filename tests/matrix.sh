#!/usr/bin/env bash
# tests/matrix.sh (make test-matrix, and CI's .ci/run): mig_ext on Debian's
# PostgreSQL of three releases, as users install it.
#
# 1. `make test` on this machine (Debian 12: PostgreSQL 15), then a database
#    walked there, dumped for the major upgrade (tests/major_upgrade.sh dump).
# 2. For each release of RELEASES (Debian 13 trixie: 17; forky, Debian
#    testing: 18), a minimal chroot (debootstrap --variant=minbase) with only
#    `postgresql make git` installed, made once and kept under MATRIX_CACHE;
#    in it, from a fresh clone of this checkout's HEAD,
#    tests/matrix_release.sh: `make test`, the package built, installed and
#    checked with `make installcheck`, the dump restored and continued.
# Ends with one line "N passed, N failed" over everything.
#
# Runs as root (debootstrap, mount, chroot).  The chroots reach the Debian
# mirror this machine's apt uses; they mount /proc, /dev/pts and a /dev/shm of
# their own while in use, and run no service: the package scripts of
# postgresql are kept from starting one (policy-rc.d).  Delete MATRIX_CACHE
# to make the chroots again from the current packages.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

MATRIX_CACHE=/var/cache/mig_ext-matrix
RELEASES="trixie forky"

if [ "$(id -u)" -ne 0 ]; then
    lib_error "tests/matrix.sh needs root (debootstrap, mount and chroot)" \
        "Run it as root, or run make test for this machine's PostgreSQL alone."
    exit 1
fi

# one run at a time on this machine: the chroots are shared
mkdir -p "$MATRIX_CACHE"
exec 9>"$MATRIX_CACHE/.lock"
flock 9
work=$(mktemp -d /tmp/mig_ext_matrix.XXXXXX)
chmod 755 "$work"
passed=0
failed=0
summary=()

# cleanup: unmount whatever is still mounted in a chroot, remove scratch files.
cleanup() {
    chroot_umount "$MATRIX_CACHE" || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# host_mirror: the Debian mirror of this machine's apt sources (the URI
# given for its own release, one-line or deb822 format).
host_mirror() {
    local codename
    codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
    {
        sed -E 's/\[[^]]*\] *//' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk -v c="$codename" '$1 == "deb" && $3 == c { print $2 }'
        cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
            awk -v c="$codename" 'BEGIN { RS = "" }
                $0 ~ "(^|\n)Suites:([ \t][^\n]*)?[ \t]" c "([ \t\n]|$)" &&
                match($0, /(^|\n)URIs:[ \t]*[^ \t\n]+/) {
                    u = substr($0, RSTART, RLENGTH); sub(/.*URIs:[ \t]*/, "", u); print u }'
    } | head -n 1
}

# chroot_mount DIR: mount what the tests need in the chroot DIR.
chroot_mount() {
    mount -t proc proc "$1/proc"
    mount --bind /dev/pts "$1/dev/pts"
    mount -t tmpfs -o mode=1777 shm "$1/dev/shm"
}

# chroot_umount DIR: unmount everything mounted below DIR, deepest first.
chroot_umount() {
    awk -v d="$1/" 'substr($2, 1, length(d)) == d { print $2 }' /proc/mounts | sort -r |
        while read -r m; do
            umount "$m" || umount -l "$m"
        done
}

# in_chroot DIR CMD...: run CMD in the chroot DIR as root, with a clean
# environment (but for the test port, so that parallel runs keep apart).
in_chroot() {
    local dir=$1
    shift
    chroot "$dir" env -i HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        ${MIG_TEST_PORT:+MIG_TEST_PORT=$MIG_TEST_PORT} "$@"
}

# make_chroot RELEASE: the chroot of RELEASE under MATRIX_CACHE, made unless
# there: debootstrap (a release without a script of its own, such as
# testing's, with sid's), then `apt-get install postgresql make git`.
make_chroot() {
    local rel=$1 dir=$MATRIX_CACHE/$1 mirror script
    [ -e "$dir/.ready" ] && return 0
    need_packages debootstrap
    mirror=$(host_mirror)
    if [ -z "$mirror" ]; then
        lib_error "no Debian mirror found in /etc/apt/sources.list*"
        return 1
    fi
    script=/usr/share/debootstrap/scripts/$rel
    [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
    echo "making the $rel chroot in $dir (debootstrap --variant=minbase, $mirror)"
    rm -rf "$dir.new"
    mkdir -p "$MATRIX_CACHE"
    debootstrap --variant=minbase "$rel" "$dir.new" "$mirror" "$script" >"$work/debootstrap.log" 2>&1 ||
        { tail -n 20 "$work/debootstrap.log"; return 1; }
    # a testing suite's Release file may be past its Valid-Until on a mirror
    echo 'Acquire::Check-Valid-Until "false";' >"$dir.new/etc/apt/apt.conf.d/99mig-matrix"
    printf '#!/bin/sh\n# tests/matrix.sh: no service starts in this chroot\nexit 101\n' \
        >"$dir.new/usr/sbin/policy-rc.d"
    chmod 755 "$dir.new/usr/sbin/policy-rc.d"
    chroot_mount "$dir.new"
    in_chroot "$dir.new" sh -c 'apt-get update -qq && apt-get install -y -qq postgresql make git >/dev/null'
    chroot_umount "$dir.new"
    touch "$dir.new/.ready"
    mv "$dir.new" "$dir"
}

# release RELEASE: tests/matrix_release.sh in the chroot of RELEASE, on a
# fresh clone and the host's dump; prints its output, returns its count.
release() {
    local dir=$MATRIX_CACHE/$1
    make_chroot "$1" || return 1
    rm -rf "$dir/root/mig_ext" "$dir/root/upgrade"
    git clone -q "$PWD" "$dir/root/mig_ext"
    cp -r "$work/upgrade" "$dir/root/upgrade"
    chroot_mount "$dir"
    in_chroot "$dir" bash /root/mig_ext/tests/matrix_release.sh /root/upgrade || true
    chroot_umount "$dir"
    rm -rf "$dir/root/mig_ext" "$dir/root/upgrade" "$dir"/root/*.deb "$dir"/root/mig-ext_*
}

# phase TITLE CMD...: run CMD, show its output, add its count to the totals
# and its count and time to the summary.
phase() {
    local title=$1 start=$SECONDS line
    shift
    echo "=== $title"
    "$@" 2>&1 | tee "$work/log" || true
    count_line "$work/log"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/log" | tail -n 1 || true)
    summary+=("$title: ${line:-no count} ($((SECONDS - start)) s)")
}

start=$SECONDS
phase "this machine: make test" make test
mkdir "$work/upgrade"
phase "this machine: a database to move to another major" bash tests/major_upgrade.sh dump "$work/upgrade"
for rel in $RELEASES; do
    phase "$rel" release "$rel"
done
echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "all in $((SECONDS - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
