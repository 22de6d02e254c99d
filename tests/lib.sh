# shellcheck shell=bash
# tests/lib.sh: shared by tests/run.sh, tests/demo.sh, tests/matrix.sh and the
# benchmarks.
# Finds the PostgreSQL installation to work with, installs what is missing,
# builds and installs mig_ext into it, and runs a throwaway cluster on a
# private socket directory and port, as the postgres user when run as root.
#
# PG_CONFIG: the installation's pg_config.  Set, e.g. to a source build under
#   /opt: that installation as it is, and no PostgreSQL package is installed.
#   Unset: Debian's packages of PostgreSQL $PG_MAJOR, the missing ones
#   installed by need_postgresql, and their pg_config.
# PG_MAJOR: unset, the major of PG_CONFIG, else of the pg_config on PATH, else
#   of the newest server under /usr/lib/postgresql; with none of them,
#   need_postgresql installs Debian's default (the package postgresql).
# MIG_PG_ROOT (optional): work on a private copy of that installation, made
#   under this directory with the same paths, so that several checkouts can
#   test at once without sharing $libdir.  The copy's pg_config and server
#   find their directories from their own location.
#
# Every directory comes from pg_config; PGBIN is its bindir (the copy's).
MIG_PG_ROOT=${MIG_PG_ROOT:-}
MIG_PG_ROOT=${MIG_PG_ROOT%/}
PGBIN=

# pg_major PG_CONFIG: the major version of that installation (e.g. 17).
pg_major() {
    "$1" --version 2>/dev/null | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p'
}

# newest_server: the major of the newest server under /usr/lib/postgresql.
newest_server() {
    local d
    for d in /usr/lib/postgresql/*/bin/postgres; do
        [ -x "$d" ] && basename "$(dirname "$(dirname "$d")")"
    done | sort -n | tail -n 1
}

if [ -n "${PG_CONFIG:-}" ]; then
    PG_MAJOR=${PG_MAJOR:-$(pg_major "$PG_CONFIG")}
    MIG_PG_PACKAGES=
else
    if [ -z "${PG_MAJOR:-}" ] && command -v pg_config >/dev/null; then
        PG_MAJOR=$(pg_major pg_config)
    fi
    PG_MAJOR=${PG_MAJOR:-$(newest_server)}
    MIG_PG_PACKAGES=yes
    PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
fi
export PGPORT=${MIG_TEST_PORT:-54329}
export PGUSER=postgres
export PGDATABASE=postgres

# lib_error MESSAGE [HINT]: print an error (and a hint) in the style of
# PostgreSQL's client programs.
lib_error() {
    printf 'mig_ext tests: error: %s\n' "$1" >&2
    shift
    [ $# -eq 0 ] || printf 'mig_ext tests: hint: %s\n' "$@" >&2
}

# can_be_root: true when we are root or have sudo to become root.
can_be_root() {
    [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null
}

# as_root: run a command as root (directly, or through sudo).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# as_pg: run a command as the cluster's owner (postgres when we are root),
# from /, a directory postgres can enter whatever the checkout's mode.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# need_packages PKG...: install the Debian packages that are not installed
# yet, or say which are missing when we cannot become root.
need_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    if ! can_be_root; then
        lib_error "these packages are missing: ${missing[*]}" \
            "Install them as root (apt-get install -y ${missing[*]}), or run as root, which installs them."
        exit 1
    fi
    echo "installing: ${missing[*]}"
    # (waiting for another apt or dpkg to finish, rather than failing)
    as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
}

# need_postgresql [PKG...]: with PG_CONFIG unset, install what is missing of
# Debian's packages of PostgreSQL $PG_MAJOR (the server and its headers; with
# no server at all, Debian's default, postgresql, chooses the major) and PKG.
# With PG_CONFIG set, only PKG.
need_postgresql() {
    if [ -n "$MIG_PG_PACKAGES" ] && [ -z "$PG_MAJOR" ]; then
        need_packages postgresql
        PG_MAJOR=$(newest_server)
        PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
    fi
    if [ -n "$MIG_PG_PACKAGES" ]; then
        need_packages "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" "$@"
    else
        need_packages "$@"
    fi
}

# debian_installation: true when the installation is Debian's packages of
# PostgreSQL $PG_MAJOR (or a private copy of them), where other packages of
# that major can be installed.
debian_installation() {
    [ "${PGBIN#"$MIG_PG_ROOT"}" = "/usr/lib/postgresql/$PG_MAJOR/bin" ]
}

# need_pg_cron: install pg_cron (on Debian's packages of PostgreSQL), and copy
# it into the private server copy MIG_PG_ROOT when that was made before
# pg_cron was installed.
need_pg_cron() {
    debian_installation || return 0
    need_packages "postgresql-$PG_MAJOR-cron"
    if [ -n "$MIG_PG_ROOT" ] && [ ! -e "$MIG_PG_ROOT/usr/lib/postgresql/$PG_MAJOR/lib/pg_cron.so" ]; then
        dpkg -L "postgresql-$PG_MAJOR-cron" | grep -E "^/usr/(lib|share)/postgresql/$PG_MAJOR/" |
        while read -r f; do
            [ -f "$f" ] && install -D -m 644 "$f" "$MIG_PG_ROOT$f"
        done
    fi
}

# locate_installation: set PGBIN to the bindir of PG_CONFIG's installation, or
# of its private copy under MIG_PG_ROOT (a PG_CONFIG already in MIG_PG_ROOT is
# the copy's).  Returns 1 when pg_config cannot be run.
locate_installation() {
    local bindir
    bindir=$("$PG_CONFIG" --bindir 2>/dev/null) || return 1
    if [ -n "$MIG_PG_ROOT" ] && [ "${bindir#"$MIG_PG_ROOT"/}" = "$bindir" ]; then
        bindir=$MIG_PG_ROOT$bindir
    fi
    PGBIN=$bindir
}

# copy_installation: make the private copy under MIG_PG_ROOT of the
# installation's directories (the files missing there; libpq's headers too,
# for the mig command), and point PG_CONFIG at the copy's.
copy_installation() {
    local dir
    "$PG_CONFIG" --bindir --pkglibdir --sharedir --includedir --includedir-server | while read -r dir; do
        case $dir in "$MIG_PG_ROOT"/*) continue ;; esac
        mkdir -p "$MIG_PG_ROOT$dir"
        cp -an "$dir/." "$MIG_PG_ROOT$dir/"
    done
    PG_CONFIG=$PGBIN/pg_config
}

# build_and_install [MAKEFLAGS...]: build (extra flags passed on) and install
# the extension into the installation (or its private copy).
build_and_install() {
    if ! locate_installation; then
        lib_error "cannot run $PG_CONFIG" "Set PG_CONFIG to the pg_config of a PostgreSQL installation."
        exit 1
    fi
    if [ -n "$MIG_PG_ROOT" ]; then
        copy_installation
    fi
    PG_CONFIG=$(command -v "$PG_CONFIG")
    export PG_CONFIG
    make -s clean >/dev/null
    make -s "$@" >/dev/null
    local libdir
    libdir=$("$PG_CONFIG" --pkglibdir)
    if [ -w "$libdir" ]; then
        make -s install >/dev/null
    elif can_be_root; then
        as_root make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
    else
        lib_error "installing into $libdir needs root" \
            "Run as root, or set MIG_PG_ROOT to a directory of yours to work on a private copy of the server."
        exit 1
    fi
}

# start_cluster: initdb and start a server in a fresh directory; sets PGHOST.
# TEMP_CONFIG, a file of settings, is added to its postgresql.conf (as
# PostgreSQL's own test clusters, the TAP tests' among them, do).
start_cluster() {
    if ! as_pg test -x "$PGBIN/postgres"; then
        lib_error "the cluster's owner cannot run $PGBIN/postgres" \
            "Keep the installation (and MIG_PG_ROOT) in a directory that user can read."
        exit 1
    fi
    MIG_CLUSTER_DIR=$(mktemp -d /tmp/mig_ext_cluster.XXXXXX)
    chmod 755 "$MIG_CLUSTER_DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$MIG_CLUSTER_DIR"
    export PGHOST=$MIG_CLUSTER_DIR
    as_pg "$PGBIN/initdb" -D "$MIG_CLUSTER_DIR/data" -U postgres -A trust --no-sync >/dev/null
    if [ -n "${TEMP_CONFIG:-}" ]; then
        cat "$TEMP_CONFIG" >>"$MIG_CLUSTER_DIR/data/postgresql.conf"
    fi
    as_pg "$PGBIN/pg_ctl" -D "$MIG_CLUSTER_DIR/data" -l "$MIG_CLUSTER_DIR/server.log" -w \
        -o "-p $PGPORT -k $MIG_CLUSTER_DIR -c listen_addresses='' -c fsync=off" start >/dev/null
}

# stop_cluster: stop the server and remove its directory.
stop_cluster() {
    if [ -n "${MIG_CLUSTER_DIR:-}" ] && [ -d "$MIG_CLUSTER_DIR" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$MIG_CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$MIG_CLUSTER_DIR"
    fi
}

# count_line FILE: add the last "N passed, N failed" line of FILE to the
# totals passed and failed; no such line counts one failure.
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

locate_installation || true
