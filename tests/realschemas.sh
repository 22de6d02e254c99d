#!/usr/bin/env bash
# tests/realschemas.sh DIR: autogenerate round trips on real schemas, run by
# hand (not by make test).  DIR holds one file per schema (*.sql), each the
# DDL of one schema with directives in lines starting "-- realschema":
#   target: SCHEMA      the schema the DDL describes (default public)
#   prelude: SQL        run first in every database (what lives elsewhere)
#   prelude-file: FILE  a file of DIR run after the prelude lines
#   refused: SQL        a statement mig_ext refuses by design, kept out of
#                       the DDL: the DDL with it appended must fail with
#                       0A000 naming it
# The DDL runs with the search_path "SCHEMA, public".  Per schema it prints:
#   up      empty -> schema: mig_autogenerate + mig_upgrade give what the
#           DDL builds when run alone, restored from its pg_dump -n SCHEMA
#           (the dumps compared with their lines sorted)
#   down    mig_downgrade('base') empties the schema again
#   again   schema (built by the DDL) -> empty -> schema, both generated
#   conv    mig_diff of the result's own pg_dump, and of the DDL, is empty
#   refused each refused: statement fails with 0A000
# and the time of each mig_diff in ms: against the empty schema, against the
# schema itself (its DDL), and of its own dump (median of RUNS runs, 1 by
# default).  ONLY=NAME checks NAME.sql alone.  Uses the server of PGHOST/PGPORT when PGHOST is set; otherwise
# builds and installs mig_ext and starts a throwaway cluster (tests/lib.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

DIR=${1:?usage: tests/realschemas.sh DIR}
DIR=$(cd "$DIR" && pwd)
RUNS=${RUNS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "${PGHOST:-}" ]; then
    build_and_install >/dev/null
    start_cluster
    trap 'rm -rf "$work"; stop_cluster' EXIT
fi
export PGOPTIONS="-c client_min_messages=warning"

# directive FILE NAME: the values of FILE's "-- realschema NAME:" lines.
directive() {
    sed -n "s/^-- realschema $2: //p" "$1"
}

# q DB [psql args...]: psql on DB with the target schema first on the
# search_path, stopping at the first error.
q() {
    local db=$1
    shift
    PGOPTIONS="$PGOPTIONS -c search_path=$(quote_path)" \
        "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"
}
quote_path() {
    if [ "$target" = public ]; then echo public; else echo "\"$target\",public"; fi
}

# new_db DB: a fresh database with the schema file's prelude, the target
# schema and mig_ext (in schema mig).
new_db() {
    "$PGBIN/dropdb" --if-exists "$1" 2>/dev/null
    "$PGBIN/createdb" "$1" || return 1
    {
        directive "$file" prelude
        for f in $(directive "$file" prelude-file); do cat "$DIR/$f"; echo; done
        echo "CREATE SCHEMA IF NOT EXISTS \"$target\"; CREATE SCHEMA mig; CREATE EXTENSION mig_ext SCHEMA mig;"
    } | q "$1" >/dev/null
}

# dump DB: DB's pg_dump of the target schema, without comments, settings
# and blank lines, lines sorted.
dump() {
    "$PGBIN/pg_dump" -d "$1" --schema-only -n "$target" |
        sed -e '/^--/d' -e '/^$/d' -e '/restrict [A-Za-z0-9]*$/d' -e '/^SET /d' \
            -e '/^SELECT pg_catalog.set_config/d' -e 's/,$//' | sort
}

# timed_diff DB FILE: "changes ms" of mig_diff(the DDL in FILE) in DB, the
# median time of RUNS runs; "error" when it fails.
timed_diff() {
    local out
    out=$(for _ in $(seq 1 "$RUNS"); do
        q "$1" -v t="$target" <<<"\\set d \`cat '$2'\`
SELECT count(*), round(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000) FROM mig.mig_diff(:'d', :'t');" 2>>"$work/err" || echo error
    done | sort -t'|' -k2 -n | sed -n "$(( (RUNS + 1) / 2 ))p")
    case $out in *error*|'') echo error ;; *) echo "${out%%|*} ${out##*|}" ;; esac
}

# generate DB FILE REV: mig_autogenerate(the DDL in FILE) as revision REV,
# then upgrade.
generate() {
    q "$1" -v t="$target" -v r="$3" \
        <<<"\\set d \`cat '$2'\`
SELECT mig.mig_autogenerate(:'d', :'r', :'t', revision => :'r'); SELECT count(*) FROM mig.mig_upgrade();" \
        >/dev/null 2>>"$work/err"
}

# verdict OK: "ok" or "FAIL".
verdict() { if "$@"; then echo ok; else echo FAIL; fi; }

printf '%-28s %-5s %-5s %-5s %-5s %-8s %10s %10s %10s\n' schema up down again conv refused \
    'empty ms' 'self ms' 'dump ms'
for file in "$DIR"/${ONLY:-*}.sql; do
    name=$(basename "$file" .sql)
    target=$(directive "$file" target | head -n 1)
    target=${target:-public}
    : >"$work/err"
    ddl=$work/ddl.sql
    grep -v '^-- realschema ' "$file" >"$ddl"
    : >"$work/none.sql"
    up=FAIL down=FAIL again=FAIL conv=FAIL refused=- t_empty=- t_self=- t_dump=-

    # what the DDL builds, as pg_dump and a restore of it give it back
    # (PostgreSQL prints some expressions otherwise than they are written)
    new_db ref && q ref -f "$ddl" >/dev/null 2>>"$work/err"
    new_db restored && "$PGBIN/pg_dump" -d ref --schema-only -n "$target" | sed '/^CREATE SCHEMA /d' |
        q restored >/dev/null 2>>"$work/err"
    expected=$(dump restored)
    new_db empty && empty=$(dump empty)

    # empty -> schema, then back to empty
    new_db live
    set -- $(timed_diff live "$ddl"); t_empty=${2:-error}
    generated=no
    generate live "$ddl" up && generated=yes
    dump live >"$work/up"
    [ $generated = yes ] && [ "$(cat "$work/up")" == "$expected" ] && up=ok
    [ $up = ok ] || diff <(echo "$expected") "$work/up" | head -n 20 >>"$work/err"
    if [ $generated = yes ]; then
        "$PGBIN/pg_dump" -d live --schema-only -n "$target" >"$work/own.sql"
        set -- $(timed_diff live "$work/own.sql"); t_dump=${2:-error}; n_dump=${1:-error}
        set -- $(timed_diff live "$ddl"); t_self=${2:-error}; n_self=${1:-error}
        [ "$n_dump" = 0 ] && [ "$n_self" = 0 ] && conv=ok
        [ $conv = ok ] || q live -v t="$target" >>"$work/err" 2>&1 <<<"\\set d \`cat '$ddl'\`
SELECT change, object FROM mig.mig_diff(:'d', :'t') LIMIT 10;"
    fi
    q live -c "SELECT count(*) FROM mig.mig_downgrade('base')" >/dev/null 2>>"$work/err" &&
        [ "$(dump live)" == "$empty" ] && down=ok

    # the schema as its DDL builds it -> empty -> schema
    new_db again && q again -f "$ddl" >/dev/null 2>>"$work/err" &&
        generate again "$work/none.sql" down && [ "$(dump again)" == "$empty" ] &&
        generate again "$ddl" up && [ "$(dump again)" == "$expected" ] && again=ok

    # statements refused by design
    n=0 k=0
    while IFS= read -r stmt; do
        [ -n "$stmt" ] || continue
        n=$((n + 1))
        { cat "$ddl"; echo "$stmt"; } >"$work/refused.sql"
        state=$(q live -v t="$target" <<<"\\set VERBOSITY sqlstate
\\set d \`cat '$work/refused.sql'\`
SELECT count(*) FROM mig.mig_diff(:'d', :'t');" 2>&1 >/dev/null)
        [ "$state" = "ERROR:  0A000" ] && k=$((k + 1))
    done < <(directive "$file" refused)
    [ $n -eq 0 ] || refused="$k/$n"

    printf '%-28s %-5s %-5s %-5s %-5s %-8s %10s %10s %10s\n' "$name ($target)" $up $down $again $conv \
        "$refused" "$t_empty" "$t_self" "$t_dump"
    if [ -s "$work/err" ] && [ -n "${VERBOSE:-}" ]; then sed 's/^/    /' "$work/err" | head -n 60; fi
    for db in ref restored empty live again; do "$PGBIN/dropdb" --if-exists "$db"; done
done
