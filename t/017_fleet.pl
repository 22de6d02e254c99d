# The fleet (extension mig_fleet): a registry and three member nodes, on
# logical replication and pg_cron, local sockets only.  Members apply when
# the test calls mig_fleet_apply() (pg_cron 1.4 runs a job at most once a
# minute) except in the checks that wait for pg_cron to do it.  m2's server
# runs pg_cron's jobs through connections to localhost, which it does not
# listen on: they fail.
use strict;
use warnings;
use FindBin;
use IPC::Run;
use lib $FindBin::RealBin;
use MigTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $pg_config = $ENV{PG_CONFIG} || 'pg_config';
chomp(my $libdir = `$pg_config --pkglibdir`);
plan skip_all => "$libdir has no pg_cron or no dblink (make test installs pg_cron)"
  unless -e "$libdir/pg_cron.so" && -e "$libdir/dblink.so";
$ENV{PGOPTIONS} = ($ENV{PGOPTIONS} // '') . ' -c client_min_messages=warning';

my %crondb = (m1 => 'app', m2 => 'postgres', m3 => 'postgres');
my %up = (m1 => 1, m2 => 1, m3 => 1);
my @members = qw(m1 m2 m3);

# fleet_node(NAME, CRONDB, TCP): a node for logical replication, with pg_cron
# running jobs from database CRONDB in background workers, or, with TCP,
# through connections to localhost, which this node does not listen on:
# jobs fail to start.
sub fleet_node
{
	my ($name, $crondb, $tcp) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf(
		'postgresql.conf', "wal_level = logical
max_replication_slots = 40
max_wal_senders = 40
max_logical_replication_workers = 40
max_worker_processes = 60
shared_preload_libraries = 'pg_cron'
cron.database_name = '$crondb'
cron.use_background_workers = " . ($tcp ? 'off' : 'on') . "\n");
	$node->start;
	return $node;
}

my $reg = fleet_node('reg', 'postgres');
my %node = map { $_ => fleet_node($_, $crondb{$_}, $_ eq 'm2') } @members;
my $su = $reg->safe_psql('postgres', 'SELECT current_user');

# conninfo(NODE, DB)
sub conninfo
{
	my ($n, $db) = @_;
	return 'host=' . $n->host . ' port=' . $n->port . " dbname=$db user=$su";
}

# psql_c(NODE, DB, SQL, USER, REDIRECTIONS...): psql -c SQL (one
# transaction, as a client's query string is) on NODE, as USER (the
# bootstrap superuser by default), within 90 s; true when it exits 0.
sub psql_c
{
	my ($n, $db, $sql, $user, @redirect) = @_;
	return IPC::Run::run(
		[
			'psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', $n->host, '-p', $n->port,
			'-U', $user // $su, '-d', $db, '-c', $sql
		],
		@redirect,
		IPC::Run::timeout(90));
}

# join_call(MEMBER, NODE, DB, MORE): the call of mig_fleet_join joining
# MEMBER at NODE's database DB to the registry, with MORE arguments.
sub join_call
{
	my ($member, $n, $db, $more) = @_;
	return "mig_fleet_join('$member', '"
	  . conninfo($reg, 'reg') . "', '"
	  . conninfo($n, $db) . "'"
	  . (defined $more ? ", $more" : '') . ')';
}

# fsql(NODE, DB, SQL): the rows of SQL; dies when it fails.
sub fsql
{
	my ($n, $db, $sql) = @_;
	my ($out, $err);
	psql_c($n, $db, $sql, undef, '>', \$out, '2>', \$err) or die "psql failed: $err";
	chomp $out;
	return $out;
}

# first_line(NODE, DB, SQL, USER): the first line SQL prints, on stdout or
# stderr, run as USER.
sub first_line
{
	my ($n, $db, $sql, $user) = @_;
	psql_c($n, $db, $sql, $user, '>&', \my $out);
	return (split /\n/, $out)[0] // '';
}

# job_role(MEMBER): the role its job runs as.
sub job_role { return $_[0] eq 'm3' ? 'fleet_job' : $su; }

# kick(MEMBER...): run the apply job once on each member that is up (all by
# default), as its job's role.
sub kick
{
	for my $m (@_ ? @_ : @members)
	{
		psql_c($node{$m}, 'app', 'CALL mig_fleet_apply()', job_role($m), '>&', \my $out) if $up{$m};
	}
	return;
}

# sqlstate(NODE, DB, STATEMENT): the SQLSTATE STATEMENT fails with, or 00000.
sub sqlstate
{
	my ($n, $db, $stmt) = @_;
	psql_c($n, $db,
		"DO \$\$ BEGIN $stmt; RAISE WARNING '00000'; EXCEPTION WHEN OTHERS THEN RAISE WARNING '%', SQLSTATE; END \$\$",
		undef, '>&', \my $out);
	return $out =~ /^WARNING:  (\S+)/m ? $1 : $out;
}

# objects: what the fleet has made on every server: slots, subscriptions,
# publications, membership and report rows, pg_cron jobs (slots of initial
# copies, which come and go, left out).
sub objects
{
	my @o = fsql($reg, 'reg',
		q{SELECT 'reg:', (SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots WHERE slot_name NOT LIKE 'pg\_%'),
                 (SELECT string_agg(subname, ',' ORDER BY subname) FROM pg_subscription),
                 (SELECT string_agg(member, ',' ORDER BY member) FROM mig_fleet_report)});
	for my $m (@members)
	{
		my $n = $node{$m};
		push @o, fsql($n, $crondb{$m},
			"SELECT '$m:', (SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots WHERE slot_name NOT LIKE 'pg\\_%'),
                    (SELECT string_agg(subname, ',' ORDER BY subname) FROM pg_subscription)");
		push @o, fsql($n, $crondb{$m}, 'SELECT string_agg(jobname, \',\' ORDER BY jobname) FROM cron.job')
		  if fsql($n, $crondb{$m}, q{SELECT to_regclass('cron.job') IS NOT NULL}) eq 't';
		for my $db (split /\n/,
			fsql($n, 'postgres', q{SELECT datname FROM pg_database WHERE datname LIKE 'app%' ORDER BY 1}))
		{
			push @o, fsql($n, $db,
				"SELECT '$db:', (SELECT string_agg(pubname, ',') FROM pg_publication),
                        (SELECT string_agg(member, ',') FROM mig_fleet_membership),
                        (SELECT string_agg(member, ',') FROM mig_fleet_report)");
		}
	}
	return join ' ', @o;
}

# wait_status(NAME, EXPECTED, SECONDS, KICK, SQL): poll SQL on the registry
# until it returns EXPECTED (calling kick each round when KICK is 1); one
# check.
sub wait_status
{
	my ($name, $want, $secs, $kick, $sql) = @_;
	my $start = time;
	my $got;
	while (time - $start <= $secs)
	{
		kick() if $kick;
		psql_c($reg, 'reg', $sql, undef, '>&', \$got);
		chomp $got;
		last if $got eq $want;
		sleep 1;
	}
	is($got, $want, "$name (${secs}s at most, took " . (time - $start) . 's)');
	return;
}

# locker(NODE, DB, SQL): a session (application_name locker) running SQL
# in the background until unlock(NODE) ends it.
sub locker
{
	my ($n, $db, $sql) = @_;
	local %ENV = (%ENV, PGHOST => $n->host, PGPORT => $n->port, PGAPPNAME => 'locker');
	my $h = IPC::Run::start([ 'psql', '-X', '-q', '-d', $db, '-c', $sql ], '>', '/dev/null', '2>', '/dev/null');
	sleep 1;
	return $h;
}

# unlock(NODE, HANDLE, DB): end the locker session on NODE, reset DB's
# lock_timeout.
sub unlock
{
	my ($n, $h, $db) = @_;
	fsql($n, 'postgres',
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'locker';
         ALTER DATABASE $db RESET lock_timeout");
	$h->finish;
	return;
}

my $status =
  q{SELECT string_agg(format('%s %s behind=%s at_head=%s', member, heads, behind, at_head), '; ' ORDER BY member) FROM mig_fleet_status()};

# the registry, and members whose pg_cron lives in their own database (m1)
# or in the postgres database (m2, m3); pg_cron is created on m3 after the
# join that checks it is needed
fsql($reg, 'postgres', 'CREATE DATABASE reg');
fsql($reg, 'reg', 'CREATE EXTENSION mig_ext');
is( fsql($reg, 'reg',
		q{SELECT (SELECT count(*) FROM pg_proc WHERE proname LIKE 'mig\_fleet%'), (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal)}
	),
	'0|0',
	'mig_ext alone has no fleet object');
fsql($reg, 'reg', 'CREATE EXTENSION mig_fleet CASCADE');
is(fsql($reg, 'reg', 'SELECT mig_fleet_publish()'), '', 'registry publishes its revisions');
is( fsql($reg, 'reg',
		q{SELECT pubinsert, pubupdate, pubdelete, pubtruncate FROM pg_publication WHERE pubname = 'mig_fleet_revisions'}
	),
	't|t|f|f',
	'the registry publishes inserts and updates only');
for my $m (@members)
{
	fsql($node{$m}, 'postgres', 'CREATE DATABASE app');
	fsql($node{$m}, $crondb{$m}, 'CREATE EXTENSION pg_cron') unless $m eq 'm3';
	fsql($node{$m}, 'app', 'CREATE EXTENSION mig_fleet CASCADE');
}
# m3's job runs as a role that is not a superuser
fsql($node{m3}, 'app', q{CREATE ROLE fleet_job LOGIN;
GRANT EXECUTE ON PROCEDURE mig_fleet_apply(), mig_deploy(text, interval, integer) TO fleet_job;
GRANT SELECT ON mig_revisions TO fleet_job; GRANT CREATE ON SCHEMA public TO fleet_job});

# setting up: who may, and what is checked first
fsql($node{m1}, 'app', 'CREATE ROLE app_owner LOGIN');
is(first_line($node{m1}, 'app', q{SELECT mig_fleet_join('m1', '', '')}, 'app_owner'),
	'ERROR:  permission denied for function mig_fleet_join', 'join is refused to roles not granted it');
is( first_line(
		$node{m1}, 'app',
		q{SELECT string_agg(p.oid::regprocedure::text, ' ' ORDER BY p.oid::regprocedure::text) FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
  WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mig_fleet') AND d.deptype = 'e'
    AND NOT has_function_privilege(p.oid, 'EXECUTE')}, 'app_owner'),
	'mig_fleet_apply() mig_fleet_in_db(text,text) mig_fleet_join(text,text,text,text,name) mig_fleet_leave() mig_fleet_publish() mig_fleet_receive() mig_fleet_remote(text,text,text[]) mig_fleet_step(text) mig_fleet_undo(text[],text,text,text,name)',
	'every fleet function but the status is refused to roles not granted it');
is(sqlstate($node{m1}, 'app', q{PERFORM mig_fleet_join('M-1', '', '')}),
	'22023', 'a member name that cannot name a slot is refused');
is( first_line(
		$node{m1}, 'app',
		'SELECT ' . join_call('m1', $reg, 'reg')),
	'ERROR:  member connection string does not lead to this database',
	'a member connection string leading elsewhere is refused');
is(first_line($node{m1}, 'app', q{CREATE TABLE w (); SELECT mig_fleet_join('m1', '', '')}),
	'ERROR:  mig_fleet_join must run in a transaction that has written nothing',
	'a join after writes in the same transaction is refused');
is( sqlstate(
		$node{m1}, 'app',
		'PERFORM ' . join_call('m1', $node{m1}, 'app', "job_role => 'app_owner'")),
	'42501',
	'a job role that may not run the job is refused');

# failed joins leave nothing behind, anywhere
my $none = objects();
is( first_line(
		$node{m3}, 'app',
		'SELECT ' . join_call('m3', $node{m3}, 'app')),
	'ERROR:  extension "pg_cron" is not created in database "postgres"',
	'a join without pg_cron created in cron.database_name is refused');
is(objects(), $none, 'and leaves nothing behind');
fsql($node{m3}, 'postgres', 'CREATE EXTENSION pg_cron');
$none = objects();
is( first_line(
		$node{m1}, 'app',
		'SELECT ' . join_call('m1', $node{m1}, 'app', "'every minute'")),
	'ERROR:  invalid schedule: every minute',
	'a join with a schedule pg_cron does not take is refused');
is(objects(), $none, 'and leaves nothing behind');

for my $m (@members)
{
	fsql($node{$m}, 'app', 'SELECT ' . join_call($m, $node{$m}, 'app', "job_role => '" . job_role($m) . "'"));
}
is( join(' ',
		fsql($node{m1}, 'app',
			"SELECT count(*) FROM cron.job WHERE jobname = 'mig_fleet_m1' AND command = 'CALL public.mig_fleet_apply()' AND username = '$su'"
		),
		fsql($node{m2}, 'postgres',
			q{SELECT count(*) FROM cron.job WHERE jobname = 'mig_fleet_m2' AND database = 'app'}),
		fsql($node{m3}, 'postgres',
			q{SELECT count(*) FROM cron.job WHERE jobname = 'mig_fleet_m3' AND database = 'app' AND username = 'fleet_job'}
		)),
	'1 1 1',
	'each member has its pg_cron job, run as its role');
wait_status('the registry hears from every member',
	'm1 {} behind=0 at_head=t; m2 {} behind=0 at_head=t; m3 {} behind=0 at_head=t',
	30, 1, $status);

# a member whose pg_cron cannot connect: its job never runs (it is never
# kicked), and the status says why once pg_cron has tried
fsql($node{m2}, 'postgres', 'CREATE DATABASE app_never');
fsql($node{m2}, 'app_never', 'CREATE EXTENSION mig_fleet CASCADE');
fsql($node{m2}, 'app_never',
	'SELECT ' . join_call('m2_never', $node{m2}, 'app_never'));
wait_status('the registry hears from it', '1', 30, 0,
	q{SELECT count(*) FROM mig_fleet_report WHERE member = 'm2_never'});
$status .= q{ WHERE member <> 'm2_never'};

# a second database on m1's server joining under a name taken: refused up
# front, nothing made, the member of that name intact
fsql($node{m1}, 'postgres', 'CREATE DATABASE app2');
fsql($node{m1}, 'app2', 'CREATE EXTENSION mig_fleet CASCADE');
my $before = objects();
is( sqlstate(
		$node{m1}, 'app2',
		'PERFORM ' . join_call('m3', $node{m1}, 'app2')),
	'42710',
	'a join under a member name taken is refused with its own error');
is(objects(), $before, 'and changes nothing, the member of that name included');

# a join whose pg_cron step waits on a lock (lock_timeout set on pg_cron's
# database, another session holding cron.job) ends in an error in bounded
# time, leaving nothing
fsql($node{m1}, 'postgres', q{ALTER DATABASE app SET lock_timeout = '6s'});
my $locker =
  locker($node{m1}, 'app', 'BEGIN; LOCK TABLE cron.job IN SHARE MODE; SELECT pg_sleep(120)');
my $start = time;
my $got = first_line($node{m1}, 'app2',
	'SELECT ' . join_call('m4', $node{m1}, 'app2'));
my $took = time - $start;
is($got, 'ERROR:  canceling statement due to lock timeout', "a join blocked on pg_cron's table ends in an error");
ok($took <= 30, "within 30 s (took ${took}s)");
unlock($node{m1}, $locker, 'app');
is(objects(), $before, 'and leaves nothing behind');

# a join failing half-way undoes what it had made (its publication and
# rows): the slot for the registry's subscription, on this server, waits
# for a transaction that has written (here, taken a lock) and times out
fsql($node{m1}, 'postgres', q{ALTER DATABASE app2 SET lock_timeout = '3s'});
$locker = locker($node{m1}, 'app2',
	'BEGIN; LOCK TABLE mig_revisions IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120)');
is( first_line(
		$node{m1}, 'app2',
		'SELECT ' . join_call('m4', $node{m1}, 'app2')),
	'ERROR:  canceling statement due to lock timeout',
	'a join failing half-way says why, and nothing else');
unlock($node{m1}, $locker, 'app2');
is(objects(), $before, 'and leaves nothing behind');

# three revisions registered: every member at head within 60 s
fsql($reg, 'reg', q{SELECT mig_revision('t1', 'CREATE TABLE t1 (id int)', 'DROP TABLE t1', revision => 'r1', down_revision => '{}');
SELECT mig_revision('t1.x', 'ALTER TABLE t1 ADD x text', 'ALTER TABLE t1 DROP x', revision => 'r2');
SELECT mig_revision('t3', 'CREATE TABLE t3 (id int)', 'DROP TABLE t3', revision => 'r3')});
wait_status('three revisions: every member at head',
	'm1 {r3} behind=0 at_head=t; m2 {r3} behind=0 at_head=t; m3 {r3} behind=0 at_head=t',
	60, 1, $status);
for my $m (@members)
{
	is( fsql($node{$m}, 'app', q{SELECT string_agg(revision, ' ' ORDER BY id) FROM mig_log}) . ' | '
		  . fsql($node{$m}, 'app',
			q{SELECT string_agg(c, ' ' ORDER BY c) FROM (SELECT 't1.' || attname AS c FROM pg_attribute WHERE attrelid = 't1'::regclass AND attname = 'x' UNION ALL SELECT relname FROM pg_class WHERE relname = 't3') s}
		  ),
		'r1 r2 r3 | t1.x t3',
		"$m ran the three upgrades");
}

# a member stopped while two revisions are registered catches up after restart
$node{m2}->stop('fast');
$up{m2} = 0;
fsql($reg, 'reg', q{SELECT mig_revision('t4', 'CREATE TABLE t4 (id int)', revision => 'r4');
SELECT mig_revision('t5', 'CREATE TABLE t5 (id int)', revision => 'r5')});
wait_status('the stopped member is shown two behind, the others at head',
	'm1 {r5} behind=0 at_head=t; m2 {r3} behind=2 at_head=f; m3 {r5} behind=0 at_head=t',
	60, 1, $status);
$node{m2}->start;
$up{m2} = 1;
wait_status('the restarted member catches up',
	'm1 {r5} behind=0 at_head=t; m2 {r5} behind=0 at_head=t; m3 {r5} behind=0 at_head=t',
	60, 1, $status);

# a failing revision, registered after a registry restart: the member shows
# the error of the job's run (from pg_cron) and where it is stuck, the others
# go on; once the conflict is gone, pg_cron takes it to head
$reg->stop('fast');
$reg->start;
fsql($node{m3}, 'app', 'CREATE TABLE t6 (id int)');
fsql($reg, 'reg', q{SELECT mig_revision('t6', 'CREATE TABLE t6 (id int, y text)', revision => 'r6');
SELECT mig_revision('t7', 'CREATE TABLE t7 (id int)', revision => 'r7')});
wait_status(
	'the failing member is stuck before r6, the others at head',
	'm1 {r7} behind=0 at_head=t none; m2 {r7} behind=0 at_head=t none; m3 {r5} behind=2 at_head=f r6: relation "t6" already exists',
	90, 1,
	q{SELECT string_agg(format('%s %s behind=%s at_head=%s %s', member, heads, behind, at_head,
                          coalesce(stuck_before || ': ' || last_error, 'none')), '; ' ORDER BY member)
  FROM mig_fleet_status() WHERE member <> 'm2_never'});
is(fsql($node{m3}, 'app', 'SELECT revision FROM mig_current()'), 'r5', 'the failing member kept its version rows');
fsql($node{m3}, 'app', 'DROP TABLE t6');
wait_status('with the conflict removed, pg_cron takes the member to head by itself',
	'm3 {r7} behind=0 at_head=t', 130, 0,
	q{SELECT format('%s %s behind=%s at_head=%s', member, heads, behind, at_head) FROM mig_fleet_status() WHERE member = 'm3'}
);
is( fsql($node{m3}, 'postgres',
		q{SELECT count(*) > 0 FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE j.jobname = 'mig_fleet_m3' AND d.status = 'succeeded'}
	),
	't',
	"pg_cron ran the member's job");

# a non-transactional revision: pg_cron's job takes m1 and m3 to it by
# itself (m2's pg_cron cannot connect: the same CALL, by hand), the index valid
fsql($reg, 'reg', q{SELECT mig_revision('t1 index', 'CREATE INDEX CONCURRENTLY t1_id ON t1 (id)', 'DROP INDEX CONCURRENTLY t1_id',
                     revision => 'r8', transactional => false)});
wait_status('a CREATE INDEX CONCURRENTLY revision reaches m1 and m3 through pg_cron',
	'm1 {r8} behind=0 at_head=t; m3 {r8} behind=0 at_head=t',
	90, 0, "$status AND member <> 'm2'");
kick('m2');
for my $m (@members)
{
	is( fsql($node{$m}, 'app',
			q{SELECT (SELECT revision FROM mig_current()), (SELECT indisvalid FROM pg_index WHERE indexrelid = 't1_id'::regclass)}
		),
		'r8|t',
		"$m has the index, valid");
}

# a member whose pg_cron never ran its job: the status shows pg_cron's error
wait_status("a member whose job never ran shows pg_cron's error",
	'm2_never at_head=f connection failed', 70, 0,
	q{SELECT format('%s at_head=%s %s', member, at_head, last_error) FROM mig_fleet_status() WHERE member = 'm2_never'});

# a revision registered on a member, by a role allowed to register there,
# is reported and never run by the job
fsql($node{m1}, 'app', q{CREATE ROLE app_dev LOGIN;
GRANT EXECUTE ON FUNCTION mig_revision(text, text, text, text, text[], text[], text[], boolean, text[], text, boolean) TO app_dev;
GRANT SELECT ON mig_revisions TO app_dev});
psql_c($node{m1}, 'app', q{SELECT mig_revision('mine', 'ALTER ROLE app_dev SUPERUSER', revision => 'local1')},
	'app_dev', '>&', \my $mine);
kick();
is( fsql($node{m1}, 'app', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'app_dev'}) . ' '
	  . fsql($node{m1}, 'app', 'SELECT array_agg(revision) FROM mig_current()'),
	'f {r8}',
	'a revision registered on the member is not applied by the job');
wait_status('and is reported',
	'registered on this member, not received from the registry: the fleet job does not apply it',
	30, 1, q{SELECT refused->>'local1' FROM mig_fleet_status() WHERE member = 'm1'});

# rows mig_revision refuses arrive by replication: a cycle written into the
# registry's table by hand, and an edited body of an applied revision
fsql($reg, 'reg', q{INSERT INTO mig_revisions (revision, down_revisions, upgrade, checksum, registered_by)
VALUES ('c1', '{c2}', 'CREATE TABLE c1 ()', '', 'x'), ('c2', '{c1}', 'CREATE TABLE c2 ()', '', 'x');
UPDATE mig_revisions SET upgrade = 'CREATE TABLE t1 (id bigint)' WHERE revision = 'r1'});
wait_status('refused rows are reported by every member',
	'm1 {r8} behind=2 c1,c2,local1,r1; m2 {r8} behind=2 c1,c2,r1; m3 {r8} behind=2 c1,c2,r1',
	60, 1,
	q{SELECT string_agg(format('%s %s behind=%s %s', member, heads, behind,
                      (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(refused) k)), '; ' ORDER BY member)
  FROM mig_fleet_status() WHERE member <> 'm2_never'});
is( fsql($reg, 'reg', q{SELECT (refused->>'c1') || '|' || (refused->>'r1') FROM mig_fleet_status() WHERE member = 'm2'}),
	'no such revision or branch "c2"|revision r1 is already registered with a different upgrade body',
	'what mig_revision said about them');
is( fsql($node{m1}, 'app', q{SELECT (SELECT count(*) FROM mig_revisions WHERE revision IN ('c1', 'c2')),
       (SELECT count(*) FROM pg_class WHERE relname IN ('c1', 'c2')),
       (SELECT upgrade FROM mig_revisions WHERE revision = 'r1')}),
	'0|0|CREATE TABLE t1 (id int)',
	'refused rows are neither registered nor applied');

# leaving removes the subscriptions, slots, job and the registry's row
fsql($node{m1}, 'app', 'SELECT mig_fleet_leave()');
is( join('|',
		fsql($reg, 'reg', q{SELECT string_agg(member, ' ' ORDER BY member) FROM mig_fleet_status()}),
		fsql($reg, 'reg', q{SELECT count(*) FROM pg_subscription WHERE subname = 'mig_fleet_rep_m1'}),
		fsql($reg, 'reg', q{SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'mig_fleet_rev_m1'})),
	'm2 m2_never m3|0|0',
	'a member that left is gone from the registry');
is( fsql($node{m1}, 'app', q{SELECT (SELECT count(*) FROM pg_subscription), (SELECT count(*) FROM pg_publication),
       (SELECT count(*) FROM pg_replication_slots), (SELECT count(*) FROM cron.job),
       (SELECT revision FROM mig_current())}),
	'0|0|0|0|r8',
	'and has no subscription, publication, slot or job left');

# joining again, late: the initial copy brings every revision; those already
# registered are accepted as they are, the refused ones are refused again
fsql($node{m1}, 'app',
	'SELECT ' . join_call('m1_again', $node{m1}, 'app'));
wait_status('a member joining late is at head, with the same refusals',
	'm1_again {r8} behind=2 c1,c2,local1,r1', 60, 1,
	q{SELECT format('%s %s behind=%s %s', member, heads, behind,
               (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(refused) k))
  FROM mig_fleet_status() WHERE member = 'm1_again'});

# a TRUNCATE of the registry's revisions never reaches a member: a revision
# registered after it arrives, the members' catalogs and versions stay
my $catalogs = q{SELECT (SELECT count(*) FROM mig_revisions) || ' ' || (SELECT count(*) FROM mig_version)};
my @before = map { fsql($node{$_}, 'app', $catalogs) } @members;
fsql($reg, 'reg',
	q{TRUNCATE mig_revisions; SELECT mig_revision('t9', 'CREATE TABLE t9 (id int)', revision => 'r9', down_revision => '{}')});
wait_status('after a TRUNCATE on the registry, a new revision reaches every member',
	'm1_again {r8,r9}; m2 {r8,r9}; m3 {r8,r9}', 60, 1,
	q{SELECT string_agg(format('%s %s', member, heads), '; ' ORDER BY member) FROM mig_fleet_status() WHERE member <> 'm2_never'}
);
is_deeply(
	[ map { fsql($node{$_}, 'app', $catalogs) } @members ],
	[ map { join ' ', map { $_ + 1 } split / / } @before ],
	'and their catalogs lost nothing');

done_testing();
