# Faults: a migrating backend terminated, the server stopped with
# "immediate" mid-run, statement_timeout and lock_timeout firing inside a
# body.  Each time the schema, the data and the version rows must be
# exactly as before, no log row may remain, and a new mig_upgrade() must
# complete.  Also: two databases, each with mig_ext, do not share the lock.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('faults');
$node->init;
$node->append_conf('postgresql.conf', "fsync = on\n");
$node->start;

# the server is that of the installation mig_ext was installed into (make
# installcheck puts its bindir first on PATH)
my $pg_config = $ENV{PG_CONFIG} || 'pg_config';
chomp(my $want = `$pg_config --pkglibdir`);
my $libdir = $node->safe_psql('postgres', "SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'");
is($libdir, $want, "server from the installation under test ($libdir)");

# r2 is slow when the session sets mig_test.slow, and takes a lock on
# mig_held when it is free (or waits for it)
$node->safe_psql('postgres', q{
CREATE EXTENSION mig_ext;
CREATE TABLE mig_held (a int);
SELECT mig_revision('one', 'CREATE TABLE t1 (a int); INSERT INTO t1 VALUES (1)', 'DROP TABLE t1', revision => 'r1');
SELECT mig_revision('two', $$CREATE TABLE t2 (a int);
INSERT INTO t2 VALUES (2);
UPDATE t1 SET a = 10;
SELECT pg_sleep(CASE current_setting('mig_test.slow', true) WHEN 'on' THEN 300 ELSE 0 END);
LOCK TABLE mig_held IN ACCESS EXCLUSIVE MODE$$, 'DROP TABLE t2; UPDATE t1 SET a = 1', revision => 'r2');
SELECT mig_revision('three', 'CREATE TABLE t3 (a int)', 'DROP TABLE t3', revision => 'r3');
SELECT revision FROM mig_upgrade('r1');
});

# state: tables, data, version rows, log rows, advisory locks held
my $state_sql = q{
SELECT (SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class
         WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname ~ '^t[0-9]$'),
       (SELECT string_agg(a::text, ',') FROM t1),
       (SELECT string_agg(revision, ',' ORDER BY revision) FROM mig_version),
       (SELECT count(*) FROM mig_log),
       (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory')
};
my $before = $node->safe_psql('postgres', $state_sql);
is($before, 't1|1|r1|1|0', 'initial state: r1 applied');

# start_slow_upgrade: mig_upgrade() in a psql of its own, slow; returns once
# its body sleeps (so t2 exists in its transaction)
sub start_slow_upgrade
{
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[
			'psql', '-X', '-d', $node->connstr('postgres'), '-c',
			"SET mig_test.slow = 'on'; SELECT * FROM mig_upgrade()"
		],
		'>', \$out, '2>', \$err);
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
	  or die 'the slow migration did not start';
	return ($h, \$err);
}

# 1. pg_terminate_backend on the migrating backend
my ($h, $err) = start_slow_upgrade();
ok( $node->safe_psql('postgres',
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep'") eq 't',
	'terminated the migrating backend');
$h->finish;
like($$err, qr/terminating connection due to administrator command/, 'the client saw the termination');
is($node->safe_psql('postgres', $state_sql), $before, 'after termination: state exactly as before');

# 2. immediate shutdown mid-run, then restart (crash recovery)
($h, $err) = start_slow_upgrade();
$node->stop('immediate');
$h->finish;
$node->start;
is($node->safe_psql('postgres', $state_sql), $before, 'after an immediate stop and restart: state exactly as before');

# 3. statement_timeout firing inside a body (the fourth statement sleeps
# 300 s; the three before it take far less than 2 s even on a busy machine)
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET mig_test.slow = 'on'; SET statement_timeout = '2s'; SELECT * FROM mig_upgrade()");
isnt($ret, 0, 'statement_timeout ends the call');
like($stderr, qr/canceling statement due to statement timeout/, 'with the timeout error');
like($stderr, qr/statement 4 of 5 in the upgrade of revision r2/, 'naming the statement and revision');
is($node->safe_psql('postgres', $state_sql), $before, 'after statement_timeout: state exactly as before');

# 4. lock_timeout firing inside a body (another session holds mig_held)
my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN; SELECT count(*) FROM mig_held');
($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET lock_timeout = '500ms'; SELECT * FROM mig_upgrade()");
isnt($ret, 0, 'lock_timeout inside a body ends the call');
like($stderr, qr/canceling statement due to lock timeout/, 'with the lock timeout error');
like($stderr, qr/statement 5 of 5 in the upgrade of revision r2/, 'naming the LOCK statement');
is($node->safe_psql('postgres', $state_sql), $before, 'after lock_timeout: state exactly as before');
$holder->query_safe('COMMIT');

# 5. after all that, a new upgrade completes
is($node->safe_psql('postgres', 'SELECT string_agg(revision, \',\') FROM mig_upgrade()'),
	'r2,r3', 'a new mig_upgrade() completes');
is($node->safe_psql('postgres', $state_sql), 't1,t2,t3|10|r3|3|0', 'and leaves the expected state');
is($node->safe_psql('postgres', q{SELECT count(*) FROM mig_validate()}), '0', 'mig_validate finds nothing');

# 6. two databases do not share the lock: db1 holds the key that db2 would use
$node->safe_psql('postgres', 'CREATE DATABASE db2');
$node->safe_psql('db2', q{CREATE EXTENSION mig_ext;
SELECT mig_revision('other', 'CREATE TABLE o (a int)', revision => 'o1')});
$holder->query_safe(q{BEGIN; SELECT pg_advisory_xact_lock(1835624293, 'public'::regnamespace::oid::int)});
($ret, $stdout, $stderr) = $node->psql('db2',
	"SET lock_timeout = '2s'; SELECT revision FROM mig_upgrade()");
is($stdout, 'o1', 'db2 upgrades while db1 holds the same lock key');
($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET lock_timeout = '200ms'; SELECT revision FROM mig_downgrade('r2')");
like($stderr, qr/canceling statement due to lock timeout/, 'while db1 itself waits for its lock');
$holder->query_safe('COMMIT');
is($node->safe_psql('postgres', 'SELECT string_agg(revision, \',\') FROM mig_version'), 'r3',
	'db1 rows unchanged');
is($node->safe_psql('db2', 'SELECT string_agg(revision, \',\') FROM mig_version'), 'o1',
	'db2 rows its own');
$holder->quit;

$node->stop;
done_testing();
