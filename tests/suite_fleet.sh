#!/usr/bin/env bash
# The fleet (extension mig_fleet): a registry and three member clusters of
# their own, on logical replication and pg_cron, local sockets only; ends
# with "N passed, N failed".  Members apply when the test calls
# mig_fleet_apply() (pg_cron 1.4 runs a job at most once a minute) except in
# the checks that wait for pg_cron to do it.  m2's server runs pg_cron's jobs
# through connections to localhost, which it does not listen on: they fail.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
. tests/fleet_lib.sh

fleet_init

passed=0
failed=0
REG=$FLEET_PORT
declare -A PORT=([m1]=$((FLEET_PORT + 1)) [m2]=$((FLEET_PORT + 2)) [m3]=$((FLEET_PORT + 3)))
declare -A CRONDB=([m1]=app [m2]=postgres [m3]=postgres)
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

# kick: run the apply job once on every member that is up, as its job's role.
kick() {
    for m in $MEMBERS; do
        [ "${UP[$m]}" = 1 ] && "$PGBIN/psql" -X -q -h "$FLEET_DIR" -p "${PORT[$m]}" -U "$(job_role "$m")" -d app \
            -c "CALL mig_fleet_apply()" >/dev/null 2>&1
    done
}

# job_role MEMBER: the role its job runs as.
job_role() { if [ "$1" = m3 ]; then echo fleet_job; else echo postgres; fi; }

# sqlstate PORT DB SQL: the SQLSTATE SQL fails with, or 00000.
sqlstate() {
    fsql "$1" "$2" "DO \$\$ BEGIN $3; RAISE NOTICE '00000'; EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%', SQLSTATE; END \$\$" 2>&1 |
        sed -n 's/^NOTICE:  //p'
}

# objects: what the fleet has made on every server: slots, subscriptions,
# publications, membership and report rows, pg_cron jobs (slots of initial
# copies, which come and go, left out).
objects() {
    local m db
    fsql "$REG" reg "SELECT 'reg:', (SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots WHERE slot_name NOT LIKE 'pg\_%'),
                            (SELECT string_agg(subname, ',' ORDER BY subname) FROM pg_subscription),
                            (SELECT string_agg(member, ',' ORDER BY member) FROM mig_fleet_report)" | tr '\n' ' '
    for m in $MEMBERS; do
        fsql "${PORT[$m]}" "${CRONDB[$m]}" "SELECT '$m:', (SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots WHERE slot_name NOT LIKE 'pg\_%'),
                                                   (SELECT string_agg(subname, ',' ORDER BY subname) FROM pg_subscription)" | tr '\n' ' '
        [ "$(fsql "${PORT[$m]}" "${CRONDB[$m]}" "SELECT to_regclass('cron.job') IS NULL")" = t ] ||
            fsql "${PORT[$m]}" "${CRONDB[$m]}" "SELECT string_agg(jobname, ',' ORDER BY jobname) FROM cron.job" | tr '\n' ' '
        for db in $(fsql "${PORT[$m]}" postgres "SELECT datname FROM pg_database WHERE datname LIKE 'app%' ORDER BY 1"); do
            fsql "${PORT[$m]}" "$db" "SELECT '$db:', (SELECT string_agg(pubname, ',') FROM pg_publication),
                                             (SELECT string_agg(member, ',') FROM mig_fleet_membership),
                                             (SELECT string_agg(member, ',') FROM mig_fleet_report)" | tr '\n' ' '
        done
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
# in the postgres database (m2, m3); pg_cron is created on m3 after the join
# that checks it is needed
fleet_cluster reg "$REG" postgres
fsql "$REG" postgres "CREATE DATABASE reg" >/dev/null
fsql "$REG" reg "CREATE EXTENSION mig_ext" >/dev/null
check "mig_ext alone has no fleet object" "0 0" \
    "$(fsql "$REG" reg "SELECT (SELECT count(*) FROM pg_proc WHERE proname LIKE 'mig\_fleet%'), (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal)" | tr '|' ' ')"
fsql "$REG" reg "CREATE EXTENSION mig_fleet CASCADE" >/dev/null 2>&1
check "registry publishes its revisions" "" "$(fsql "$REG" reg "SELECT mig_fleet_publish()")"
check "the registry publishes inserts and updates only" "t t f f" \
    "$(fsql "$REG" reg "SELECT pubinsert, pubupdate, pubdelete, pubtruncate FROM pg_publication WHERE pubname = 'mig_fleet_revisions'" | tr '|' ' ')"
for m in $MEMBERS; do
    mode=
    [ "$m" = m2 ] && mode=tcp
    fleet_cluster "$m" "${PORT[$m]}" "${CRONDB[$m]}" $mode
    fsql "${PORT[$m]}" postgres "CREATE DATABASE app" >/dev/null
    [ "$m" = m3 ] || fsql "${PORT[$m]}" "${CRONDB[$m]}" "CREATE EXTENSION pg_cron" >/dev/null
    fsql "${PORT[$m]}" app "CREATE EXTENSION mig_fleet CASCADE" >/dev/null 2>&1
done
# m3's job runs as a role that is not a superuser
fsql "${PORT[m3]}" app "CREATE ROLE fleet_job LOGIN;
                        GRANT EXECUTE ON PROCEDURE mig_fleet_apply(), mig_deploy(text, interval, integer) TO fleet_job;
                        GRANT SELECT ON mig_revisions TO fleet_job; GRANT CREATE ON SCHEMA public TO fleet_job" >/dev/null

# setting up: who may, and what is checked first
fsql "${PORT[m1]}" app "CREATE ROLE app_owner LOGIN" >/dev/null
check "join is refused to roles not granted it" "ERROR:  permission denied for function mig_fleet_join" \
    "$("$PGBIN/psql" -X -q -At -h "$FLEET_DIR" -p "${PORT[m1]}" -U app_owner -d app \
        -c "SELECT mig_fleet_join('m1', '', '')" 2>&1 | head -n 1)"
check "every fleet function but the status is refused to roles not granted it" \
    "mig_fleet_apply() mig_fleet_in_db(text,text) mig_fleet_join(text,text,text,text,name) mig_fleet_leave() mig_fleet_publish() mig_fleet_receive() mig_fleet_remote(text,text,text[]) mig_fleet_step(text) mig_fleet_undo(text[],text,text,text,name)" \
    "$("$PGBIN/psql" -X -q -At -h "$FLEET_DIR" -p "${PORT[m1]}" -U app_owner -d app \
        -c "SELECT string_agg(p.oid::regprocedure::text, ' ' ORDER BY p.oid::regprocedure::text) FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
            WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mig_fleet') AND d.deptype = 'e'
              AND NOT has_function_privilege(p.oid, 'EXECUTE')")"
check "a member name that cannot name a slot is refused" "22023" \
    "$(sqlstate "${PORT[m1]}" app "PERFORM mig_fleet_join('M-1', '', '')")"
check "a member connection string leading elsewhere is refused" \
    "ERROR:  member connection string does not lead to this database" \
    "$(fsql "${PORT[m1]}" app "SELECT mig_fleet_join('m1', '$(conninfo "$REG" reg)', '$(conninfo "$REG" reg)')" 2>&1 | head -n 1)"
check "a join after writes in the same transaction is refused" \
    "ERROR:  mig_fleet_join must run in a transaction that has written nothing" \
    "$(fsql "${PORT[m1]}" app "CREATE TABLE w (); SELECT mig_fleet_join('m1', '', '')" 2>&1 | head -n 1)"
check "a job role that may not run the job is refused" "42501" \
    "$(sqlstate "${PORT[m1]}" app "PERFORM mig_fleet_join('m1', '$(conninfo "$REG" reg)', '$(conninfo "${PORT[m1]}" app)', job_role => 'app_owner')")"

# failed joins leave nothing behind, anywhere
none=$(objects)
check "a join without pg_cron created in cron.database_name is refused" \
    "ERROR:  extension \"pg_cron\" is not created in database \"postgres\"" \
    "$(timeout 90 "$PGBIN/psql" -X -q -At -h "$FLEET_DIR" -p "${PORT[m3]}" -U postgres -d app \
        -c "SELECT mig_fleet_join('m3', '$(conninfo "$REG" reg)', '$(conninfo "${PORT[m3]}" app)')" 2>&1 | head -n 1)"
check "and leaves nothing behind" "$none" "$(objects)"
fsql "${PORT[m3]}" postgres "CREATE EXTENSION pg_cron" >/dev/null
none=$(objects)
check "a join with a schedule pg_cron does not take is refused" "ERROR:  invalid schedule: every minute" \
    "$(timeout 90 "$PGBIN/psql" -X -q -At -h "$FLEET_DIR" -p "${PORT[m1]}" -U postgres -d app \
        -c "SELECT mig_fleet_join('m1', '$(conninfo "$REG" reg)', '$(conninfo "${PORT[m1]}" app)', 'every minute')" 2>&1 | head -n 1)"
check "and leaves nothing behind" "$none" "$(objects)"

for m in $MEMBERS; do
    fsql "${PORT[$m]}" app "SELECT mig_fleet_join('$m', '$(conninfo "$REG" reg)', '$(conninfo "${PORT[$m]}" app)',
                                                  job_role => '$(job_role "$m")')" >/dev/null
done
check "each member has its pg_cron job, run as its role" "1 1 1" \
    "$(fsql "${PORT[m1]}" app "SELECT count(*) FROM cron.job WHERE jobname = 'mig_fleet_m1' AND command = 'CALL public.mig_fleet_apply()' AND username = 'postgres'") $(
       fsql "${PORT[m2]}" postgres "SELECT count(*) FROM cron.job WHERE jobname = 'mig_fleet_m2' AND database = 'app'") $(
       fsql "${PORT[m3]}" postgres "SELECT count(*) FROM cron.job WHERE jobname = 'mig_fleet_m3' AND database = 'app' AND username = 'fleet_job'")"
wait_status "the registry hears from every member" \
    "m1 {} behind=0 at_head=t; m2 {} behind=0 at_head=t; m3 {} behind=0 at_head=t" 30 1 "$STATUS"

# a member whose pg_cron cannot connect: its job never runs (it is never
# kicked), and the status says why once pg_cron has tried
fsql "${PORT[m2]}" postgres "CREATE DATABASE app_never" >/dev/null
fsql "${PORT[m2]}" app_never "CREATE EXTENSION mig_fleet CASCADE" >/dev/null 2>&1
fsql "${PORT[m2]}" app_never "SELECT mig_fleet_join('m2_never', '$(conninfo "$REG" reg)', '$(conninfo "${PORT[m2]}" app_never)')" >/dev/null
wait_status "the registry hears from it" "1" 30 0 "SELECT count(*) FROM mig_fleet_report WHERE member = 'm2_never'"
STATUS="$STATUS WHERE member <> 'm2_never'"

# a second database on m1's server joining under a name taken: refused up
# front, nothing made, the member of that name intact
fsql "${PORT[m1]}" postgres "CREATE DATABASE app2" >/dev/null
fsql "${PORT[m1]}" app2 "CREATE EXTENSION mig_fleet CASCADE" >/dev/null 2>&1
before=$(objects)
check "a join under a member name taken is refused with its own error" "42710" \
    "$(sqlstate "${PORT[m1]}" app2 "PERFORM mig_fleet_join('m3', '$(conninfo "$REG" reg)', '$(conninfo "${PORT[m1]}" app2)')")"
check "and changes nothing, the member of that name included" "$before" "$(objects)"

# a join whose pg_cron step waits on a lock (lock_timeout set on pg_cron's
# database, another session holding cron.job) ends in an error in bounded
# time, leaving nothing
fsql "${PORT[m1]}" postgres "ALTER DATABASE app SET lock_timeout = '6s'" >/dev/null
PGAPPNAME=locker "$PGBIN/psql" -X -q -h "$FLEET_DIR" -p "${PORT[m1]}" -U postgres -d app \
    -c "BEGIN; LOCK TABLE cron.job IN SHARE MODE; SELECT pg_sleep(120)" >/dev/null 2>&1 &
locker=$!
sleep 1
start=$SECONDS
got=$(timeout 90 "$PGBIN/psql" -X -q -At -h "$FLEET_DIR" -p "${PORT[m1]}" -U postgres -d app2 \
        -c "SELECT mig_fleet_join('m4', '$(conninfo "$REG" reg)', '$(conninfo "${PORT[m1]}" app2)')" 2>&1 | head -n 1)
took=$((SECONDS - start))
check "a join blocked on pg_cron's table ends in an error" "ERROR:  canceling statement due to lock timeout" "$got"
check "within 30 s (took ${took}s)" "t" "$([ "$took" -le 30 ] && echo t || echo f)"
fsql "${PORT[m1]}" postgres "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'locker';
                             ALTER DATABASE app RESET lock_timeout" >/dev/null
wait "$locker"
check "and leaves nothing behind" "$before" "$(objects)"

# a join failing half-way undoes what it had made (its publication and
# rows): the slot for the registry's subscription, on this server, waits
# for a transaction that has written (here, taken a lock) and times out
fsql "${PORT[m1]}" postgres "ALTER DATABASE app2 SET lock_timeout = '3s'" >/dev/null
PGAPPNAME=locker "$PGBIN/psql" -X -q -h "$FLEET_DIR" -p "${PORT[m1]}" -U postgres -d app2 \
    -c "BEGIN; LOCK TABLE mig_revisions IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120)" >/dev/null 2>&1 &
locker=$!
sleep 1
check "a join failing half-way says why, and nothing else" \
    "ERROR:  canceling statement due to lock timeout" \
    "$(timeout 90 "$PGBIN/psql" -X -q -At -h "$FLEET_DIR" -p "${PORT[m1]}" -U postgres -d app2 \
        -c "SELECT mig_fleet_join('m4', '$(conninfo "$REG" reg)', '$(conninfo "${PORT[m1]}" app2)')" 2>&1 | head -n 1)"
fsql "${PORT[m1]}" postgres "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'locker';
                             ALTER DATABASE app2 RESET lock_timeout" >/dev/null
wait "$locker"
check "and leaves nothing behind" "$before" "$(objects)"

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
# the error of the job's run (from pg_cron) and where it is stuck, the others
# go on; once the conflict is gone, pg_cron takes it to head
fleet_stop reg
fleet_start reg
fsql "${PORT[m3]}" app "CREATE TABLE t6 (id int)" >/dev/null
fsql "$REG" reg "SELECT mig_revision('t6', 'CREATE TABLE t6 (id int, y text)', revision => 'r6');
                 SELECT mig_revision('t7', 'CREATE TABLE t7 (id int)', revision => 'r7')" >/dev/null
wait_status "the failing member is stuck before r6, the others at head" \
    "m1 {r7} behind=0 at_head=t none; m2 {r7} behind=0 at_head=t none; m3 {r5} behind=2 at_head=f r6: relation \"t6\" already exists" \
    90 1 "SELECT string_agg(format('%s %s behind=%s at_head=%s %s', member, heads, behind, at_head,
                                   coalesce(stuck_before || ': ' || last_error, 'none')), '; ' ORDER BY member)
          FROM mig_fleet_status() WHERE member <> 'm2_never'"
check "the failing member kept its version rows" "r5" "$(fsql "${PORT[m3]}" app "SELECT revision FROM mig_current()")"
fsql "${PORT[m3]}" app "DROP TABLE t6" >/dev/null
wait_status "with the conflict removed, pg_cron takes the member to head by itself" \
    "m3 {r7} behind=0 at_head=t" 130 0 "SELECT format('%s %s behind=%s at_head=%s', member, heads, behind, at_head) FROM mig_fleet_status() WHERE member = 'm3'"
check "pg_cron ran the member's job" "t" \
    "$(fsql "${PORT[m3]}" postgres "SELECT count(*) > 0 FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE j.jobname = 'mig_fleet_m3' AND d.status = 'succeeded'")"

# a non-transactional revision: pg_cron's job takes m1 and m3 to it by
# itself (m2's pg_cron cannot connect: the same CALL, by hand), the index valid
fsql "$REG" reg "SELECT mig_revision('t1 index', 'CREATE INDEX CONCURRENTLY t1_id ON t1 (id)', 'DROP INDEX CONCURRENTLY t1_id',
                                     revision => 'r8', transactional => false)" >/dev/null
wait_status "a CREATE INDEX CONCURRENTLY revision reaches m1 and m3 through pg_cron" \
    "m1 {r8} behind=0 at_head=t; m3 {r8} behind=0 at_head=t" 90 0 "$STATUS AND member <> 'm2'"
MEMBERS=m2 kick
for m in $MEMBERS; do
    check "$m has the index, valid" "r8 t" \
        "$(fsql "${PORT[$m]}" app "SELECT (SELECT revision FROM mig_current()), (SELECT indisvalid FROM pg_index WHERE indexrelid = 't1_id'::regclass)" | tr '|' ' ')"
done

# a member whose pg_cron never ran its job: the status shows pg_cron's error
wait_status "a member whose job never ran shows pg_cron's error" "m2_never at_head=f connection failed" 70 0 \
    "SELECT format('%s at_head=%s %s', member, at_head, last_error) FROM mig_fleet_status() WHERE member = 'm2_never'"

# a revision registered on a member, by a role allowed to register there,
# is reported and never run by the job
fsql "${PORT[m1]}" app "CREATE ROLE app_dev LOGIN;
                        GRANT EXECUTE ON FUNCTION mig_revision(text, text, text, text, text[], text[], text[], boolean, text[], text, boolean) TO app_dev;
                        GRANT SELECT ON mig_revisions TO app_dev" >/dev/null
"$PGBIN/psql" -X -q -h "$FLEET_DIR" -p "${PORT[m1]}" -U app_dev -d app \
    -c "SELECT mig_revision('mine', 'ALTER ROLE app_dev SUPERUSER', revision => 'local1')" >/dev/null
kick
check "a revision registered on the member is not applied by the job" "f {r8}" \
    "$(fsql "${PORT[m1]}" app "SELECT rolsuper FROM pg_roles WHERE rolname = 'app_dev'") $(
       fsql "${PORT[m1]}" app "SELECT array_agg(revision) FROM mig_current()")"
wait_status "and is reported" \
    "registered on this member, not received from the registry: the fleet job does not apply it" 30 1 \
    "SELECT refused->>'local1' FROM mig_fleet_status() WHERE member = 'm1'"

# rows mig_revision refuses arrive by replication: a cycle written into the
# registry's table by hand, and an edited body of an applied revision
fsql "$REG" reg "INSERT INTO mig_revisions (revision, down_revisions, upgrade, checksum, registered_by)
                 VALUES ('c1', '{c2}', 'CREATE TABLE c1 ()', '', 'x'), ('c2', '{c1}', 'CREATE TABLE c2 ()', '', 'x');
                 UPDATE mig_revisions SET upgrade = 'CREATE TABLE t1 (id bigint)' WHERE revision = 'r1'" >/dev/null
wait_status "refused rows are reported by every member" \
    "m1 {r8} behind=2 c1,c2,local1,r1; m2 {r8} behind=2 c1,c2,r1; m3 {r8} behind=2 c1,c2,r1" 60 1 \
    "SELECT string_agg(format('%s %s behind=%s %s', member, heads, behind,
                              (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(refused) k)), '; ' ORDER BY member)
     FROM mig_fleet_status() WHERE member <> 'm2_never'"
check "what mig_revision said about them" \
    "no such revision or branch \"c2\"|revision r1 is already registered with a different upgrade body" \
    "$(fsql "$REG" reg "SELECT (refused->>'c1') || '|' || (refused->>'r1') FROM mig_fleet_status() WHERE member = 'm2'")"
check "refused rows are neither registered nor applied" "0 0 CREATE TABLE t1 (id int)" \
    "$(fsql "${PORT[m1]}" app "SELECT (SELECT count(*) FROM mig_revisions WHERE revision IN ('c1', 'c2')),
                                      (SELECT count(*) FROM pg_class WHERE relname IN ('c1', 'c2')),
                                      (SELECT upgrade FROM mig_revisions WHERE revision = 'r1')" | tr '|' ' ')"

# leaving removes the subscriptions, slots, job and the registry's row
fsql "${PORT[m1]}" app "SELECT mig_fleet_leave()" >/dev/null
check "a member that left is gone from the registry" "m2 m2_never m3|0|0" \
    "$(fsql "$REG" reg "SELECT string_agg(member, ' ' ORDER BY member) FROM mig_fleet_status()")|$(
       fsql "$REG" reg "SELECT count(*) FROM pg_subscription WHERE subname = 'mig_fleet_rep_m1'")|$(
       fsql "$REG" reg "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'mig_fleet_rev_m1'")"
check "and has no subscription, publication, slot or job left" "0 0 0 0 r8" \
    "$(fsql "${PORT[m1]}" app "SELECT (SELECT count(*) FROM pg_subscription), (SELECT count(*) FROM pg_publication),
                                      (SELECT count(*) FROM pg_replication_slots), (SELECT count(*) FROM cron.job),
                                      (SELECT revision FROM mig_current())" | tr '|' ' ')"

# joining again, late: the initial copy brings every revision; those already
# registered are accepted as they are, the refused ones are refused again
fsql "${PORT[m1]}" app "SELECT mig_fleet_join('m1_again', '$(conninfo "$REG" reg)', '$(conninfo "${PORT[m1]}" app)')" >/dev/null
wait_status "a member joining late is at head, with the same refusals" "m1_again {r8} behind=2 c1,c2,local1,r1" 60 1 \
    "SELECT format('%s %s behind=%s %s', member, heads, behind,
                   (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(refused) k))
     FROM mig_fleet_status() WHERE member = 'm1_again'"

# a TRUNCATE of the registry's revisions never reaches a member: a revision
# registered after it arrives, the members' catalogs and versions stay
catalogs() {
    for m in $MEMBERS; do
        fsql "${PORT[$m]}" app "SELECT '$m', (SELECT count(*) FROM mig_revisions), (SELECT count(*) FROM mig_version)" | tr '|\n' '  '
    done
}
before=$(catalogs)
fsql "$REG" reg "TRUNCATE mig_revisions; SELECT mig_revision('t9', 'CREATE TABLE t9 (id int)', revision => 'r9', down_revision => '{}')" >/dev/null
wait_status "after a TRUNCATE on the registry, a new revision reaches every member" \
    "m1_again {r8,r9}; m2 {r8,r9}; m3 {r8,r9}" 60 1 \
    "SELECT string_agg(format('%s %s', member, heads), '; ' ORDER BY member) FROM mig_fleet_status() WHERE member <> 'm2_never'"
check "and their catalogs lost nothing" "$(echo "$before" | awk '{for (i = 1; i <= NF; i += 3) printf "%s %d %d ", $i, $(i+1) + 1, $(i+2) + 1}')" "$(catalogs)"

echo "$passed passed, $failed failed"
