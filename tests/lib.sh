# tests/lib.sh: shared by tests/run.sh, tests/demo.sh and the benchmarks.
# Installs what is missing and runs a throwaway cluster on a private socket
# directory and port, as the postgres user when run as root.

# MIG_PG_ROOT (optional): a private copy of the server to install into and run,
# so that several checkouts can test at once without sharing $libdir.
PG_MAJOR=${PG_MAJOR:-15}
MIG_PG_ROOT=${MIG_PG_ROOT:-}
PGBIN=$MIG_PG_ROOT/usr/lib/postgresql/$PG_MAJOR/bin
export PGPORT=${MIG_TEST_PORT:-54329}
export PGUSER=postgres
export PGDATABASE=postgres

# as_root: run a command as root (directly, or through sudo).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# as_pg: run a command as the cluster's owner (postgres when we are root).
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# need_packages PKG...: install the Debian packages that are not installed yet.
need_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# start_cluster: initdb and start a server in a fresh directory; sets PGHOST.
start_cluster() {
    MIG_CLUSTER_DIR=$(mktemp -d /tmp/mig_ext_cluster.XXXXXX)
    chmod 755 "$MIG_CLUSTER_DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$MIG_CLUSTER_DIR"
    export PGHOST=$MIG_CLUSTER_DIR
    as_pg "$PGBIN/initdb" -D "$MIG_CLUSTER_DIR/data" -U postgres -A trust --no-sync >/dev/null
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

# build_and_install [MAKEFLAGS...]: build (extra flags passed on) and install the
# extension, into the system or into the private copy MIG_PG_ROOT.
build_and_install() {
    make -s clean >/dev/null
    make -s "$@" >/dev/null
    if [ -n "$MIG_PG_ROOT" ]; then
        if [ ! -x "$PGBIN/postgres" ]; then
            mkdir -p "$MIG_PG_ROOT/usr/lib/postgresql" "$MIG_PG_ROOT/usr/share/postgresql"
            cp -a "/usr/lib/postgresql/$PG_MAJOR" "$MIG_PG_ROOT/usr/lib/postgresql/"
            cp -a "/usr/share/postgresql/$PG_MAJOR" "$MIG_PG_ROOT/usr/share/postgresql/"
        fi
        make -s install DESTDIR="$MIG_PG_ROOT" >/dev/null
    else
        as_root make -s install >/dev/null
    fi
}

# check_cmd NAME CMD...: in a suite, run CMD and count it in the suite's
# passed or failed; print "ok - NAME", or "not ok - NAME" and CMD's output
# (kept in $work/out, $work being the suite's scratch directory).
check_cmd() {
    local name=$1
    shift
    if "$@" >"$work/out" 2>&1; then
        passed=$((passed + 1)); echo "ok - $name"
    else
        failed=$((failed + 1)); echo "not ok - $name"; sed 's/^/    /' "$work/out"
    fi
}
