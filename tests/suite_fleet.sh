#!/usr/bin/env bash
# The fleet (issue 18): a registry and three member clusters of their own,
# on logical replication and pg_cron, local sockets only; ends with
# "N passed, N failed".  Members apply when the test calls mig_fleet_apply()
# (pg_cron 1.4 runs a job at most once a minute) except in the one check that
# waits for pg_cron to do it.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
. tests/fleet_lib.sh

fleet_init

passed=0
failed=0
REG=$((PGPORT + 1))
declare -A PORT=([m1]=$((PGPORT + 2)) [m2]=$((PGPORT + 3)) [m3]=$((PGPORT + 4)))
declare -A UP=([m1]=1 [m2]=1 [m3]=1)
MEMBERS="m1 m2 m3"

# check NAME EXPECTED ACTUAL: one test.
check() {
    if [ "$2" = "$3" ]; then
        passed=$((passed + 1))
        echo "ok - $1"
    else
        failed=$((failed + 1))
        printf 'not ok - %s\n  expected: %s\n  got:      %s\n' "$1" "$2" "$3"
    fi
}

# conninfo PORT DB
conninfo() { echo "host=$FLEET_DIR port=$1 dbname=$2 user=postgres"; }

# kick: run the apply job once on every member that is up.
kick() {
    for m in $MEMBERS; do
        [ "${UP[$m]}" = 1 ] && fsql "${PORT[$m]}" app "SELECT mig_fleet_apply()" >/dev/null 2>&1
    done
}

# wait_status NAME EXPECTED SECONDS KICK SQL: poll SQL on the registry until it
# returns EXPECTED (calling kick each round when KICK is 1); one test.
wait_status() {
    local start=$SECONDS got=
    while [ $((SECONDS - start)) -le "$3" ]; do
        [ "$4" = 1 ] && kick
        got=$(fsql "$REG" reg "$5" 2>&1)
        [ "$got" = "$2" ] && break
        sleep 1
    done
    check "$1 (${3}s at most, took $((SECONDS - start))s)" "$2" "$got"
}

STATUS="SELECT string_agg(format('%s %s behind=%s at_head=%s', member, heads, behind, at_head), '; ' ORDER BY member) FROM mig_fleet_status()"

# the registry, and members whose pg_cron lives in their own database (m1) or
# in the postgres database (m2, m3)
fleet_cluster reg "$REG" postgres
fsql "$REG" postgres "CREATE DATABASE reg" >/dev/null
fsql "$REG" reg "CREATE EXTENSION mig_ext" >/dev/null
check "registry publishes its revisions" "" "$(fsql "$REG" reg "SELECT mig_fleet_publish()")"
for m in $MEMBERS; do
    crondb=postgres
    [ "$m" = m1 ] && crondb=app
    fleet_cluster "$m" "${PORT[$m]}" "$crondb"
    fsql "${PORT[$m]}" postgres "CREATE DATABASE app" >/dev/null
    fsql "${PORT[$m]}" "$crondb" "CREATE EXTENSION pg_cron" >/dev/null
    fsql "${PORT[$m]}" app "CREATE EXTENSION mig_ext; CREATE EXTENSION dblink" >/dev/null
done

# setting up: who may, and what is checked first
fsql "${PORT[m1]}" app "CREATE ROLE app_owner LOGIN" >/dev/null
check "join is refused to roles not granted it" "ERROR:  permission denied for function mig_fleet_join" \
    "$("$PGBIN/psql" -X -q -At -h "$FLEET_DIR" -p "${PORT[m1]}" -U app_owner -d app \
        -c "SELECT mig_fleet_join('m1', '', '')" 2>&1 | head -n 1)"
check "a member name that cannot name a slot is refused" "22023" \
    "$(fsql "${PORT[m1]}" app "DO \$\$ BEGIN PERFORM mig_fleet_join('M-1', '', ''); EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%', SQLSTATE; END \$\$" 2>&1 | sed 's/^NOTICE:  //')"
check "a member connection string leading elsewhere is refused" \
    "ERROR:  member connection string does not lead to this database" \
    "$(fsql "${PORT[m1]}" app "SELECT mig_fleet_join('m1', '$(conninfo "$REG" reg)', '$(conninfo "$REG" reg)')" 2>&1 | head -n 1)"
check "a join after writes in the same transaction is refused" \
    "ERROR:  mig_fleet_join must run in a transaction that has written nothing" \
    "$(fsql "${PORT[m1]}" app "CREATE TABLE w (); SELECT mig_fleet_join('m1', '', '')" 2>&1 | head -n 1)"
for m in $MEMBERS; do
    fsql "${PORT[$m]}" app "SELECT mig_fleet_join('$m', '$(conninfo "$REG" reg)', '$(conninfo "${PORT[$m]}" app)')" >/dev/null
done
check "each member has its pg_cron job" "1 1 1" \
    "$(fsql "${PORT[m1]}" app "SELECT count(*) FROM cron.job WHERE jobname = 'mig_fleet_m1' AND command = 'SELECT public.mig_fleet_apply()'") $(
       fsql "${PORT[m2]}" postgres "SELECT count(*) FROM cron.job WHERE jobname = 'mig_fleet_m2' AND database = 'app'") $(
       fsql "${PORT[m3]}" postgres "SELECT count(*) FROM cron.job WHERE jobname = 'mig_fleet_m3' AND database = 'app'")"
wait_status "the registry hears from every member" \
    "m1 {} behind=0 at_head=t; m2 {} behind=0 at_head=t; m3 {} behind=0 at_head=t" 30 0 "$STATUS"

# three revisions registered: every member at head within 60 s
fsql "$REG" reg "SELECT mig_revision('t1', 'CREATE TABLE t1 (id int)', 'DROP TABLE t1', revision => 'r1', down_revision => '{}');
                 SELECT mig_revision('t1.x', 'ALTER TABLE t1 ADD x text', 'ALTER TABLE t1 DROP x', revision => 'r2');
                 SELECT mig_revision('t3', 'CREATE TABLE t3 (id int)', 'DROP TABLE t3', revision => 'r3')" >/dev/null
wait_status "three revisions: every member at head" \
    "m1 {r3} behind=0 at_head=t; m2 {r3} behind=0 at_head=t; m3 {r3} behind=0 at_head=t" 60 1 "$STATUS"
for m in $MEMBERS; do
    check "$m ran the three upgrades" "r1 r2 r3 | t1.x t3" \
        "$(fsql "${PORT[$m]}" app "SELECT string_agg(revision, ' ' ORDER BY id) FROM mig_log") | $(
           fsql "${PORT[$m]}" app "SELECT string_agg(c, ' ' ORDER BY c) FROM (SELECT 't1.' || attname AS c FROM pg_attribute WHERE attrelid = 't1'::regclass AND attname = 'x' UNION ALL SELECT relname FROM pg_class WHERE relname = 't3') s")"
done

# a member stopped while two revisions are registered catches up after restart
fleet_stop m2
UP[m2]=0
fsql "$REG" reg "SELECT mig_revision('t4', 'CREATE TABLE t4 (id int)', revision => 'r4');
                 SELECT mig_revision('t5', 'CREATE TABLE t5 (id int)', revision => 'r5')" >/dev/null
wait_status "the stopped member is shown two behind, the others at head" \
    "m1 {r5} behind=0 at_head=t; m2 {r3} behind=2 at_head=f; m3 {r5} behind=0 at_head=t" 60 1 "$STATUS"
fleet_start m2
UP[m2]=1
wait_status "the restarted member catches up" \
    "m1 {r5} behind=0 at_head=t; m2 {r5} behind=0 at_head=t; m3 {r5} behind=0 at_head=t" 60 1 "$STATUS"

# a failing revision, registered after a registry restart: the member shows
# the error and where it is stuck, the others go on; once the conflict is
# gone, pg_cron takes it to head
fleet_stop reg
fleet_start reg
fsql "${PORT[m3]}" app "CREATE TABLE t6 (id int)" >/dev/null
fsql "$REG" reg "SELECT mig_revision('t6', 'CREATE TABLE t6 (id int, y text)', revision => 'r6');
                 SELECT mig_revision('t7', 'CREATE TABLE t7 (id int)', revision => 'r7')" >/dev/null
wait_status "the failing member is stuck before r6, the others at head" \
    "m1 {r7} behind=0 at_head=t none; m2 {r7} behind=0 at_head=t none; m3 {r5} behind=2 at_head=f r6: relation \"t6\" already exists" \
    60 1 "SELECT string_agg(format('%s %s behind=%s at_head=%s %s', member, heads, behind, at_head,
                                   coalesce(stuck_before || ': ' || last_error, 'none')), '; ' ORDER BY member)
          FROM mig_fleet_status()"
check "the failing member kept its version rows" "r5" "$(fsql "${PORT[m3]}" app "SELECT revision FROM mig_current()")"
fsql "${PORT[m3]}" app "DROP TABLE t6" >/dev/null
wait_status "with the conflict removed, pg_cron takes the member to head by itself" \
    "m3 {r7} behind=0 at_head=t" 130 0 "SELECT format('%s %s behind=%s at_head=%s', member, heads, behind, at_head) FROM mig_fleet_status() WHERE member = 'm3'"
check "pg_cron ran the member's job" "t" \
    "$(fsql "${PORT[m3]}" postgres "SELECT count(*) > 0 FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE j.jobname = 'mig_fleet_m3' AND d.status = 'succeeded'")"

# rows mig_revision refuses arrive by replication: a cycle written into the
# registry's table by hand, and an edited body of an applied revision
fsql "$REG" reg "INSERT INTO mig_revisions (revision, down_revisions, upgrade, checksum, registered_by)
                 VALUES ('c1', '{c2}', 'CREATE TABLE c1 ()', '', 'x'), ('c2', '{c1}', 'CREATE TABLE c2 ()', '', 'x');
                 UPDATE mig_revisions SET upgrade = 'CREATE TABLE t1 (id bigint)' WHERE revision = 'r1'" >/dev/null
wait_status "refused rows are reported by every member" \
    "m1 {r7} behind=2 c1,c2,r1; m2 {r7} behind=2 c1,c2,r1; m3 {r7} behind=2 c1,c2,r1" 60 1 \
    "SELECT string_agg(format('%s %s behind=%s %s', member, heads, behind,
                              (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(refused) k)), '; ' ORDER BY member)
     FROM mig_fleet_status()"
check "what mig_revision said about them" \
    "no such revision or branch \"c2\"|revision r1 is already registered with a different upgrade body" \
    "$(fsql "$REG" reg "SELECT (refused->>'c1') || '|' || (refused->>'r1') FROM mig_fleet_status() WHERE member = 'm2'")"
check "refused rows are neither registered nor applied" "0 0 CREATE TABLE t1 (id int)" \
    "$(fsql "${PORT[m1]}" app "SELECT (SELECT count(*) FROM mig_revisions WHERE revision IN ('c1', 'c2')),
                                      (SELECT count(*) FROM pg_class WHERE relname IN ('c1', 'c2')),
                                      (SELECT upgrade FROM mig_revisions WHERE revision = 'r1')" | tr '|' ' ')"

# leaving removes the subscriptions, slots, job and the registry's row
fsql "${PORT[m1]}" app "SELECT mig_fleet_leave()" >/dev/null
check "a member that left is gone from the registry" "m2 m3|0|0" \
    "$(fsql "$REG" reg "SELECT string_agg(member, ' ' ORDER BY member) FROM mig_fleet_status()")|$(
       fsql "$REG" reg "SELECT count(*) FROM pg_subscription WHERE subname = 'mig_fleet_rep_m1'")|$(
       fsql "$REG" reg "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'mig_fleet_rev_m1'")"
check "and has no subscription, publication, slot or job left" "0 0 0 0 r7" \
    "$(fsql "${PORT[m1]}" app "SELECT (SELECT count(*) FROM pg_subscription), (SELECT count(*) FROM pg_publication),
                                      (SELECT count(*) FROM pg_replication_slots), (SELECT count(*) FROM cron.job),
                                      (SELECT revision FROM mig_current())" | tr '|' ' ')"

# joining again, late: the initial copy brings every revision; those already
# registered are accepted as they are, the refused ones are refused again
fsql "${PORT[m1]}" app "SELECT mig_fleet_join('m1_again', '$(conninfo "$REG" reg)', '$(conninfo "${PORT[m1]}" app)')" >/dev/null
wait_status "a member joining late is at head, with the same refusals" "m1_again {r7} behind=2 c1,c2,r1" 60 1 \
    "SELECT format('%s %s behind=%s %s', member, heads, behind,
                   (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(refused) k))
     FROM mig_fleet_status() WHERE member = 'm1_again'"

echo "$passed passed, $failed failed"
