# tests/fleet_lib.sh: clusters for the fleet benchmark (sourced after
# tests/lib.sh): logical replication and pg_cron on a shared private socket
# directory, one port per cluster, as the postgres user.  Cluster ports are
# FLEET_PORT, FLEET_PORT + 1, ...: MIG_FLEET_PORT, or MIG_TEST_PORT + 1.
FLEET_PORT=${MIG_FLEET_PORT:-$((PGPORT + 1))}

# fleet_init: install pg_cron if needed (skip the benchmark when the installation
# has no pg_cron or no dblink) and make the directory holding every cluster
# and their sockets, removed with the clusters on exit.
fleet_init() {
    local lib
    need_pg_cron
    lib=$("$PGBIN/pg_config" --pkglibdir)
    if [ ! -e "$lib/pg_cron.so" ] || [ ! -e "$lib/dblink.so" ]; then
        # e.g. a source build checked with tests/against.sh
        echo "fleet: skipped: $lib has no pg_cron or no dblink"
        exit 0
    fi
    FLEET_DIR=$(mktemp -d /tmp/mig_fleet.XXXXXX)
    trap fleet_cleanup EXIT
    chmod 755 "$FLEET_DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$FLEET_DIR"
}

# fleet_cluster NAME PORT CRONDB [tcp]: initdb and start a cluster for logical
# replication, with pg_cron running jobs from database CRONDB in background
# workers, or, with tcp, through connections to localhost, which this
# cluster does not listen on: jobs fail to start.
fleet_cluster() {
    local d=$FLEET_DIR/$1 workers=on
    [ "${4:-}" = tcp ] && workers=off
    as_pg "$PGBIN/initdb" -D "$d" -U postgres -A trust --no-sync >/dev/null
    as_pg tee -a "$d/postgresql.conf" >/dev/null <<CONF
port = $2
listen_addresses = ''
unix_socket_directories = '$FLEET_DIR'
fsync = off
wal_level = logical
max_replication_slots = 40
max_wal_senders = 40
max_logical_replication_workers = 40
max_worker_processes = 60
shared_preload_libraries = 'pg_cron'
cron.database_name = '$3'
cron.use_background_workers = $workers
CONF
    fleet_start "$1"
}

# fleet_start NAME / fleet_stop NAME: start or stop a cluster made above.
fleet_start() {
    as_pg "$PGBIN/pg_ctl" -D "$FLEET_DIR/$1" -l "$FLEET_DIR/$1.log" -w start >/dev/null
}
fleet_stop() {
    as_pg "$PGBIN/pg_ctl" -D "$FLEET_DIR/$1" -m fast -w stop >/dev/null
}

# fleet_cleanup: stop every cluster and remove the directory.
fleet_cleanup() {
    [ -n "${FLEET_DIR:-}" ] && [ -d "$FLEET_DIR" ] || return 0
    for d in "$FLEET_DIR"/*/; do
        [ -f "$d/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1
    done
    rm -rf "$FLEET_DIR"
}

# fsql PORT DB SQL...: run SQL on a cluster, unaligned and tuples only.
fsql() {
    local port=$1 db=$2
    shift 2
    "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$FLEET_DIR" -p "$port" -U postgres -d "$db" -c "$@"
}
