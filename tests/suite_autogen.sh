#!/usr/bin/env bash
# tests/suite_autogen.sh: autogenerate round trips, checked with pg_dump.
#
# Each directory of tests/autogen holds a scenario: desired schemas 1.sql,
# 2.sql, ... applied in turn to schema "app", then an empty desired schema.
# For every step: mig_autogenerate + mig_upgrade, then mig_check passes and
# pg_dump of "app" equals pg_dump of the desired DDL run alone in an empty
# schema (schema name normalised, lines sorted so column order is aside);
# mig_downgrade('-1') gives back the schema as it was, and upgrading again
# gives the desired one.  Finally mig_downgrade('base') empties "app".
# Then the pg_dump of a real schema round-trips (tests/autogen_dump.sql).
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

DB=mig_autogen_suite
passed=0
failed=0

# sql [psql args...]: run psql on the suite's database, stopping on errors.
sql() {
    "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"
}

# migrate FUNCTION(TARGET): run mig_upgrade or mig_downgrade with "app" on
# the search_path, where function bodies written as strings find its tables.
migrate() {
    PGOPTIONS="-c search_path=app,public" sql -c "SELECT count(*) FROM $1" 2>&1
}

# dump SCHEMA: the normalised, sorted schema-only dump of SCHEMA.
dump() {
    "$PGBIN/pg_dump" -d "$DB" --schema-only -n "$1" |
        sed -e '/^--/d' -e '/^$/d' -e '/restrict [A-Za-z0-9]*$/d' -e '/^SET /d' -e '/^SELECT pg_catalog.set_config/d' \
            -e '/SCHEMA /d' -e "s/\\b$1\\./app./g" -e 's/,$//' | sort
}

# check NAME STATUS: count and print one check.
check() {
    if [ "$2" -eq 0 ]; then
        echo "ok - $1"
        passed=$((passed + 1))
        return 0
    else
        echo "not ok - $1"
        failed=$((failed + 1))
        return 1
    fi
}

# same NAME A B: check that two dumps are equal, showing the difference.
same() {
    if [ "$2" == "$3" ]; then
        check "$1" 0
    else
        check "$1" 1
        diff <(echo "$2") <(echo "$3") | head -20
    fi
}

"$PGBIN/dropdb" --if-exists "$DB" 2>/dev/null
"$PGBIN/createdb" "$DB"
empty=$(sql -c "CREATE SCHEMA app" && dump app)

for dir in tests/autogen/*/; do
    name=$(basename "$dir")
    sql -c "DROP EXTENSION IF EXISTS mig_ext CASCADE" -c "DROP SCHEMA app CASCADE" \
        -c "CREATE SCHEMA app" -c "CREATE EXTENSION mig_ext" 2>/dev/null
    steps=$(ls "$dir" | sort -n)
    for step in $steps EMPTY; do
        if [ "$step" = EMPTY ]; then desired=""; else desired=$(cat "$dir/$step"); fi
        label="$name/$step"
        before=$(dump app)
        id=$(sql -v d="$desired" -v m="$label" <<<"SELECT mig_autogenerate(:'d', :'m', 'app');" 2>/dev/null)
        check "$label: mig_autogenerate" $?
        out=$(migrate "mig_upgrade()")
        check "$label: mig_upgrade" $? || echo "$out" | grep -v NOTICE
        sql -v d="$desired" <<<"SELECT mig_check(:'d', 'app');" >/dev/null
        check "$label: mig_check passes" $?
        sql -c "DROP SCHEMA IF EXISTS expect CASCADE" -c "CREATE SCHEMA expect" 2>/dev/null
        { echo "SET search_path = expect; SET check_function_bodies = off;"; echo "$desired"; } | sql >/dev/null
        expected=$(dump expect)
        same "$label: schema equals the desired DDL built alone" "$expected" "$(dump app)"
        if [ -n "$id" ]; then
            out=$(migrate "mig_downgrade('-1')")
            check "$label: mig_downgrade('-1')" $? || echo "$out" | grep -v NOTICE
            same "$label: downgrade restores the previous schema" "$before" "$(dump app)"
            migrate "mig_upgrade()" >/dev/null
            same "$label: upgrading again gives the desired schema" "$expected" "$(dump app)"
        fi
    done
    migrate "mig_downgrade('base')" >/dev/null
    same "$name: mig_downgrade('base') empties the schema" "$empty" "$(dump app)"
done

"$PGBIN/dropdb" "$DB"

# A real schema's dump (issue 20): tests/autogen_dump.sql built in database
# SRC, its pg_dump --schema-only -n public fed as the desired DDL to an
# empty public schema of database DB (mig_ext in its own schema): pg_dump
# of the result equals the original, nothing differs, and going back to
# base empties public again.
SRC=mig_autogen_source
pgdump_public() {
    "$PGBIN/pg_dump" -d "$1" --schema-only -n public | sed -e '/^--/d' -e '/restrict [A-Za-z0-9]*$/d'
}
"$PGBIN/dropdb" --if-exists "$SRC" 2>/dev/null
"$PGBIN/createdb" "$SRC"
"$PGBIN/createdb" "$DB"
"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$SRC" -f tests/autogen_dump.sql
check "dump: the source schema builds" $?
source_dump=$(pgdump_public "$SRC")
full_dump=$("$PGBIN/pg_dump" -d "$SRC" --schema-only -n public)
sql -c "CREATE SCHEMA mig" -c "CREATE EXTENSION mig_ext SCHEMA mig"
empty=$(pgdump_public "$DB")
sql -v d="$full_dump" <<<"SELECT mig.mig_autogenerate(:'d', 'from pg_dump', revision => 'dump');" >/dev/null
check "dump: mig_autogenerate" $?
out=$(sql -c "SELECT count(*) FROM mig.mig_upgrade()" 2>&1)
check "dump: mig_upgrade" $? || echo "$out"
same "dump: pg_dump of the result equals the source's" "$source_dump" "$(pgdump_public "$DB")"
pending=$(sql -v d="$full_dump" <<<"SELECT count(*) FROM mig.mig_diff(:'d');")
same "dump: mig_diff finds nothing more" 0 "$pending"
sql -v d="$full_dump" <<<"SELECT mig.mig_check(:'d');" >/dev/null
check "dump: mig_check passes" $?
out=$(sql -c "SELECT count(*) FROM mig.mig_downgrade('base')" 2>&1)
check "dump: mig_downgrade('base')" $? || echo "$out"
same "dump: downgrading to base empties public" "$empty" "$(pgdump_public "$DB")"
"$PGBIN/dropdb" "$DB"
"$PGBIN/dropdb" "$SRC"

echo "$passed passed, $failed failed"
