# CALL mig_deploy under concurrent sessions and faults, on a table of
# 1,000,000 rows whose index builds take seconds:
# - a second CALL mig_deploy, a mig_revision and a mig_upgrade started
#   while the worker builds an index never hang: each waits and then
#   runs, or fails with a clear error (the CALL within its lock_timeout);
#   the first completes, and a monitoring role sees no body text;
# - a lock timeout in CREATE UNIQUE INDEX CONCURRENTLY ... IF NOT EXISTS
#   behind a long writer: the retry drops the invalid index and builds it
#   again, and the version rows never move past an invalid index;
# - pg_terminate_backend of the CALL session, kill -9 of its worker and an
#   immediate shutdown during a build: the worker does not outlive its
#   session, and a re-run completes;
# - a session waiting for the migration lock by hand while the build
#   waits for its snapshot: the CALL fails with 40P01 instead of hanging,
#   once its worker has exited (the worker stopped by SIGSTOP meanwhile),
#   and the re-run drops the invalid index left and completes;
# - a valid index of the name a CREATE INDEX CONCURRENTLY builds: 42P07
#   with a hint naming the index;
# - in another database: the worker takes the caller's settings and
#   statement_timeout counts per statement, a body calling mig_ext fails
#   instead of waiting for its own caller, a body that splits otherwise
#   under standard_conforming_strings = off is refused, and a SET clause
#   on mig_deploy gets an error that says so.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('deploy_faults');
$node->init;
# kill -9 of a worker restarts the server, as it would in production
$node->append_conf('postgresql.conf', 'restart_after_crash = on');
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION mig_ext;
CREATE TABLE big (id bigint GENERATED ALWAYS AS IDENTITY, v int);
INSERT INTO big (v) SELECT g FROM generate_series(1, 1000000) g;
CREATE ROLE mon LOGIN IN ROLE pg_read_all_stats;
});
$node->safe_psql('postgres', 'VACUUM ANALYZE big');

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $nscripts = 0;

# background: a psql of its own running sql (a script: each statement on
# its own) in database db, given at most 180 s
sub background
{
	my ($sql, $db) = @_;
	my %b = (out => '', err => '', start => time());
	my $file = "$tmp/" . ++$nscripts . '.sql';
	PostgreSQL::Test::Utils::append_to_file($file, $sql);
	$b{h} = IPC::Run::start(
		[ 'psql', '-X', '-v', 'VERBOSITY=verbose', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db // 'postgres'), '-f', $file ],
		'>', \$b{out}, '2>', \$b{err}, IPC::Run::timeout(180));
	return \%b;
}

# finish: wait for a background psql; its exit code, or 'hung' when it
# did not end in time (then it is killed)
sub finish
{
	my ($b) = @_;
	if (!eval { $b->{h}->finish; 1 })
	{
		$b->{h}->kill_kill;
		return 'hung';
	}
	$b->{took} = time() - $b->{start};
	return $b->{h}->result(0);
}

# run: a psql run to its end
sub run
{
	my $b = background(@_);
	finish($b);
	return $b;
}

# worker_pid: the PID of the worker running a statement, once it runs
sub worker_pid
{
	$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity
	  WHERE backend_type = 'mig_ext statement'}) or die 'the worker did not start';
	return $node->safe_psql('postgres', q{SELECT pid FROM pg_stat_activity
	  WHERE backend_type = 'mig_ext statement'});
}

my $versions = q{SELECT coalesce(string_agg(revision, ','), 'base') FROM mig_version};
my $invalid = q{SELECT count(*) FROM pg_index WHERE NOT indisvalid};

# 1. concurrent mig_ext calls while the worker builds an index
$node->safe_psql('postgres', q{
SELECT mig_revision('md5 index', 'CREATE INDEX CONCURRENTLY big_md5 ON big (md5(v::text))',
                    'DROP INDEX CONCURRENTLY big_md5', revision => 'c1', down_revision => '{}',
                    transactional => false)});
my $first = background('CALL mig_deploy()');
worker_pid();
is($node->safe_psql('postgres', q{SELECT string_agg(query, ',') FROM pg_stat_activity
  WHERE backend_type = 'mig_ext statement'}, extra_params => [ '-U', 'mon' ]),
	'mig_ext: statement 1 of 1 in the upgrade of revision c1',
	'pg_read_all_stats sees a placeholder naming the revision as the worker\'s query');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE query ~ 'md5\(v'},
	extra_params => [ '-U', 'mon' ]), '0', 'and no body text anywhere');
is($node->safe_psql('postgres', q{SELECT has_table_privilege('mon', 'mig_revisions', 'SELECT')}),
	'f', '(a role that cannot read mig_revisions)');
my $second = background('CALL mig_deploy()');
my $timed = background(q{CALL mig_deploy(lock_timeout => '100ms')});
my $register = background(q{SELECT mig_revision('two', 'SELECT 1', revision => 'c2')});
my $upgrade = background(q{SELECT revision FROM mig_upgrade()});

isnt(finish($timed), 'hung', 'a CALL with lock_timeout does not hang');
like($timed->{err}, qr/ERROR:  55P03: canceling statement due to lock timeout/,
	'it fails with the lock timeout');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'mig_ext statement'}),
	'1', 'while the first still builds the index');
is(finish($first), 0, 'the first CALL completes');
like($first->{err}, qr/NOTICE:  00000: running upgrade  -> c1/, 'running c1');
is(finish($second), 0, 'the second CALL waited, then ran');
my $rc = finish($register);
isnt($rc, 'hung', 'mig_revision does not hang');
ok($rc == 0 || $register->{err} =~ /ERROR:  40P01: deadlock detected while waiting for the migration lock/,
	'mig_revision waits and runs, or fails with 40P01') or diag($register->{err});
$rc = finish($upgrade);
isnt($rc, 'hung', 'mig_upgrade does not hang');
ok($rc == 0 || $upgrade->{err} =~ /ERROR:  40P01: deadlock detected while waiting for the migration lock/,
	'mig_upgrade waits and runs, or fails with 40P01') or diag($upgrade->{err});
is($node->safe_psql('postgres', q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_md5'::regclass}),
	't', 'the index is valid');
like($node->safe_psql('postgres', $versions), qr/^c[12]$/, 'the version rows moved to c1 (or c2)');
# c2 is registered now in any case
$node->safe_psql('postgres', q{SELECT mig_revision('two', 'SELECT 1', revision => 'c2', down_revision => '{c1}')});
$node->safe_psql('postgres', q{SELECT revision FROM mig_upgrade('c2')})
  unless $node->safe_psql('postgres', $versions) eq 'c2';

# 2. lock timeouts in a unique concurrent build behind a long writer
$node->safe_psql('postgres', q{
SELECT mig_revision('unique id', 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS big_id_key ON big (id)',
                    'DROP INDEX CONCURRENTLY big_id_key', revision => 'c3', transactional => false)});
# (a) no retries: the build fails, leaving an invalid index, and the
# version rows stay
my $writer = background(q{BEGIN; INSERT INTO big (v) VALUES (0); SELECT pg_sleep(3); COMMIT;});
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM pg_locks
  WHERE relation = 'big'::regclass AND mode = 'RowExclusiveLock' AND granted})
  or die 'the writer did not start';
my $b = run(q{CALL mig_deploy(lock_timeout => '100ms')});
like($b->{err}, qr/ERROR:  55P03: canceling statement due to lock timeout/, 'the build times out');
is($node->safe_psql('postgres', $versions), 'c2', 'the version rows stay at c2');
is($node->safe_psql('postgres', q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_id_key'::regclass}),
	'f', 'the timed-out build left an invalid index');
# (b) with retries, behind the same writer: each retry drops the invalid
# index and builds it again until the writer is gone
$b = run(q{CALL mig_deploy(lock_timeout => '100ms', max_retries => 50)});
finish($writer);
is($b->{h}->result(0), 0, 'the deploy succeeds after retries') or diag($b->{err});
like($b->{err}, qr/NOTICE:  00000: could not obtain a lock within lock_timeout, retry 1 of 50/,
	'a NOTICE per retry');
like($b->{err}, qr/NOTICE:  00000: dropping invalid index public.big_id_key, left by an earlier attempt at this statement, to build it again/,
	'a NOTICE for each invalid index dropped');
unlike($b->{err}, qr/already exists/, 'no retry skipped the index');
is($node->safe_psql('postgres', q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_id_key'::regclass}),
	't', 'the index is valid');
is($node->safe_psql('postgres', $versions), 'c3', 'version row c3');
is($node->safe_psql('postgres', $invalid), '0', 'no invalid index is left');

# 3. pg_terminate_backend of the CALL session during a build
$node->safe_psql('postgres', q{
SELECT mig_revision('md5 again', 'CREATE INDEX CONCURRENTLY big_md5x ON big (md5(v::text || ''x''))',
                    'DROP INDEX CONCURRENTLY big_md5x', revision => 'c4', transactional => false)});
$b = background('CALL mig_deploy()');
worker_pid();
my $t0 = time();
$node->safe_psql('postgres', q{SELECT pg_terminate_backend(pid) FROM pg_stat_activity
  WHERE query LIKE 'CALL mig_deploy%' AND backend_type = 'client backend'});
$node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM pg_stat_activity
  WHERE backend_type = 'mig_ext statement'}) or die 'the worker goes on';
my $gone = time() - $t0;
note(sprintf('worker gone %.2f s after its session was terminated', $gone));
cmp_ok($gone, '<', 2, 'the worker is gone within a second or so of its session');
finish($b);
is($node->safe_psql('postgres', $versions), 'c3', 'the version rows stay at c3');
like($node->safe_psql('postgres', q{SELECT coalesce(string_agg(detail, ' '), '') FROM mig_validate()}),
	qr/^(Index big_md5x on table big is invalid.*)?$/, 'an index left behind is reported');
$b = run('CALL mig_deploy()');
is($b->{h}->result(0), 0, 'the re-run completes') or diag($b->{err});
is($node->safe_psql('postgres', $versions), 'c4', 'version row c4');
is($node->safe_psql('postgres', $invalid), '0', 'no invalid index is left');

# 4. kill -9 of the worker: the server restarts; the re-run completes
$node->safe_psql('postgres', q{
SELECT mig_revision('md5 y', 'CREATE INDEX CONCURRENTLY big_md5y ON big (md5(v::text || ''y''))',
                    'DROP INDEX CONCURRENTLY big_md5y', revision => 'c5', transactional => false)});
$b = background('CALL mig_deploy()');
kill 'KILL', worker_pid();
finish($b);
like($b->{err}, qr/server closed the connection unexpectedly|terminating connection/,
	'the session ends with its worker');
# (a connection attempt only: psql may exit before it reads a query)
$node->poll_query_until('postgres', undef, '') or die 'the server did not restart';
is($node->safe_psql('postgres', $versions), 'c4', 'after the crash the version rows stay at c4');
$b = run('CALL mig_deploy()');
is($b->{h}->result(0), 0, 'the re-run completes') or diag($b->{err});
is($node->safe_psql('postgres', $versions), 'c5', 'version row c5');
is($node->safe_psql('postgres', $invalid), '0', 'no invalid index is left');

# 5. immediate shutdown during a build, then the re-run
$node->safe_psql('postgres', q{
SELECT mig_revision('md5 z', 'CREATE INDEX CONCURRENTLY big_md5z ON big (md5(v::text || ''z''))',
                    'DROP INDEX CONCURRENTLY big_md5z', revision => 'c6', transactional => false)});
$b = background('CALL mig_deploy()');
worker_pid();
$node->stop('immediate');
finish($b);
$node->start;
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_index WHERE NOT indisvalid AND indexrelid = 'big_md5z'::regclass}),
	'1', 'the shutdown left an invalid index');
$b = run('CALL mig_deploy()');
is($b->{h}->result(0), 0, 'the re-run completes') or diag($b->{err});
like($b->{err}, qr/dropping invalid index public.big_md5z/, 'dropping the invalid index first');
is($node->safe_psql('postgres', $versions), 'c6', 'version row c6');
is($node->safe_psql('postgres', $invalid), '0', 'no invalid index is left');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'}),
	'0', 'the migration lock is released');

# 6. a session outside mig_ext waiting for the migration lock, holding the
# snapshot the build waits for: the CALL sees the cycle and fails with
# 40P01 instead of waiting forever, but only once its worker has exited:
# the worker is stopped (SIGSTOP) when the cycle is seen, so the CALL
# must wait for it, holding the migration lock, while the index it left
# stays invalid; the re-run drops that index and completes
$node->safe_psql('postgres', q{
SELECT mig_revision('md5 w', 'CREATE INDEX CONCURRENTLY big_md5w ON big (md5(v::text || ''w''))',
                    'DROP INDEX CONCURRENTLY big_md5w', revision => 'c7', transactional => false)});
$b = background('CALL mig_deploy()');
my $wpid = worker_pid();
my $locker = background(q{SELECT pg_advisory_lock(1835624293, 'public'::regnamespace::oid::int)});
$node->poll_query_until('postgres', qq{SELECT count(*) = 1 FROM pg_locks
  WHERE pid = $wpid AND locktype = 'virtualxid' AND NOT granted})
  or die 'the build does not wait for the snapshot of the other session';
kill 'STOP', $wpid;
my $call = q{FROM pg_stat_activity WHERE backend_type = 'client backend' AND query LIKE 'CALL mig_deploy%'};
# until the CALL has ended or waits for its worker to exit (the wait event
# is BgWorkerShutdown before PostgreSQL 17, BgworkerShutdown from 17)
my $waits = q{lower(wait_event) = 'bgworkershutdown'};
$node->poll_query_until('postgres', qq{SELECT NOT EXISTS (SELECT $call AND state = 'active')
  OR EXISTS (SELECT $call AND $waits)})
  or die 'the CALL neither ends nor waits for its worker';
is($node->safe_psql('postgres', qq{SELECT count(*) $call AND $waits}),
	'1', 'the CALL that saw the cycle waits for its worker to exit');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted}),
	'1', 'holding the migration lock meanwhile');
kill 'CONT', $wpid;
isnt(finish($b), 'hung', 'a CALL whose worker waits for a session waiting for the migration lock does not hang');
like($b->{err}, qr/ERROR:  40P01: deadlock detected between a background worker of mig_deploy and process \d+/,
	'it fails with 40P01 naming the process');
is(finish($locker), 0, 'the other session gets the lock');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'mig_ext statement'}),
	'0', 'no worker is left');
is($node->safe_psql('postgres', q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_md5w'::regclass}),
	'f', 'the build stopped part-way left an invalid index');
$b = run('CALL mig_deploy()');
is($b->{h}->result(0), 0, 'the re-run completes') or diag($b->{err});
like($b->{err}, qr/dropping invalid index public.big_md5w/, 'dropping the invalid index first');
is($node->safe_psql('postgres', $versions), 'c7', 'version row c7');
is($node->safe_psql('postgres', $invalid), '0', 'no invalid index is left');

# 6b. the valid index a statement builds exists already (as when a CALL
# was cut short after the build, before recording the step): 42P07 with
# a hint naming the index; once it is dropped, the re-run completes
$node->safe_psql('postgres', q{
CREATE INDEX big_v ON big (v);
SELECT mig_revision('v', 'CREATE INDEX CONCURRENTLY big_v ON big (v)', 'DROP INDEX CONCURRENTLY big_v',
                    revision => 'c8', transactional => false)});
$b = run('CALL mig_deploy()');
like($b->{err}, qr/ERROR:  42P07: relation "big_v" already exists/, 'an existing valid index fails the step');
like($b->{err}, qr/HINT:  An earlier CALL may have built index public.big_v and been cut short before recording the step.  If it is this statement's index, drop it with DROP INDEX CONCURRENTLY public.big_v/,
	'with a hint naming the index and what to do');
is($node->safe_psql('postgres', $versions), 'c7', 'the version rows stay at c7');
$node->safe_psql('postgres', 'DROP INDEX CONCURRENTLY big_v');
$b = run('CALL mig_deploy()');
is($b->{h}->result(0), 0, 'once it is dropped, the re-run completes') or diag($b->{err});
is($node->safe_psql('postgres', $versions), 'c8', 'version row c8');

# 7. settings, re-entrancy, statement splitting, a SET clause
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('other', q{
CREATE EXTENSION mig_ext;
CREATE SCHEMA app;
SELECT mig_revision('settings', $b$DO $$BEGIN RAISE NOTICE 'settings: % % % % %', current_setting('maintenance_work_mem'),
  current_setting('statement_timeout'), current_setting('lock_timeout'), current_setting('search_path'),
  current_setting('standard_conforming_strings'); END$$;
SELECT pg_sleep(1.2); SELECT pg_sleep(1.2)$b$, revision => 's1', down_revision => '{}', transactional => false);
});
$b = run(q{SET maintenance_work_mem = '77MB';
SET statement_timeout = '2s';
SET search_path = app, public;
CALL mig_deploy(lock_timeout => '150ms');}, 'other');
is($b->{h}->result(0), 0, 'statement_timeout counts per statement: two of 1.2 s pass under 2 s')
  or diag($b->{err});
like($b->{err}, qr/NOTICE:  00000: settings: 77MB 2s 150ms app, public on/,
	'the worker runs with the caller\'s settings');
$b = run(q{SELECT mig_revision('slow', 'SELECT pg_sleep(3)', revision => 's2', transactional => false);
SET statement_timeout = '1s';
CALL mig_deploy();}, 'other');
like($b->{err}, qr/ERROR:  57014: canceling statement due to statement timeout/,
	'a statement longer than statement_timeout is cancelled');
is($node->safe_psql('other', $versions), 's1', 'and not recorded');
$node->safe_psql('other', q{SELECT mig_stamp('s2')});

$b = run(q{SET standard_conforming_strings = off;
SELECT mig_revision('smuggle', $b$SELECT 'a\'; CREATE TABLE smuggled AS SELECT 1; -- '$b$, revision => 's3', transactional => false);},
	'other');
like($b->{err}, qr/ERROR:  22023: the statements of the upgrade of revision s3 depend on standard_conforming_strings/,
	'a body whose statements depend on standard_conforming_strings is refused');
is($node->safe_psql('other', q{SELECT count(*) FROM mig_revisions WHERE revision = 's3'}), '0', 'and not registered');

$node->safe_psql('other', q{ALTER PROCEDURE mig_deploy SET search_path = public});
$b = run('CALL mig_deploy()', 'other');
like($b->{err}, qr/ERROR:  55000: mig_deploy cannot commit: the procedure has a SET clause or is SECURITY DEFINER/,
	'a SET clause on mig_deploy is named in the error');
$node->safe_psql('other', q{ALTER PROCEDURE mig_deploy RESET ALL});

$node->safe_psql('other', q{SELECT mig_revision('stamp inside', 'SELECT mig_stamp(''base'')', revision => 's4',
  transactional => false)});
$b = run('CALL mig_deploy()', 'other');
isnt($b->{took} // 'hung', 'hung', 'a body calling mig_ext does not wait for its own caller');
like($b->{err}, qr/ERROR:  55000: mig_stamp cannot be called from inside a migration body/,
	'it fails as in mig_upgrade');
is($node->safe_psql('other', $versions), 's2', 'the version rows stay');

$node->stop;
done_testing();
