# mig_test and mig_rehearse leave the database byte for byte as it was
# (pg_dump of schema and data, sequences included, before and after), on
# the todo app of make demo, from base and from a revision applied with
# data; and `mig test` / `mig rehearse` print their checks and exit 1 when
# one fails.
use strict;
use warnings;
use FindBin;
use IPC::Run;
use lib $FindBin::RealBin;
use MigTest;
use PostgreSQL::Test::Utils;
use Test::More;

$ENV{PGOPTIONS} = '-c client_min_messages=warning';
my $node = mig_node('rehearse');
my $db = 'mig_rehearse';

# dump: the whole database as pg_dump writes it (its \restrict lines carry
# a random key: left out).
sub db_dump
{
	IPC::Run::run([ 'pg_dump', '--no-owner', $db ], '>', \my $out) or die "pg_dump of $db failed";
	return join '', grep { !/^\\(un)?restrict / } split /^/, $out;
}

# unchanged_by(SQL, NAME): running SQL changes nothing pg_dump shows.
sub unchanged_by
{
	my ($sql, $name) = @_;
	my $before = db_dump();
	$node->safe_psql($db, $sql);
	is(db_dump(), $before, $name);
	return;
}

$node->safe_psql('postgres', "CREATE DATABASE $db");
$node->safe_psql($db, 'CREATE EXTENSION mig_ext');
command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $db, '-f', 'tests/demo/todo_migrations.sql' ],
	'the todo app registered');

is($node->safe_psql($db, 'SELECT count(*) FILTER (WHERE NOT ok), count(*) FROM mig_test()'),
	'0|10', 'todo app from base: every check ok');
unchanged_by('SELECT * FROM mig_test()', 'todo app from base: mig_test() changes nothing');
unchanged_by('SELECT * FROM mig_rehearse()', 'todo app from base: mig_rehearse() changes nothing');

$node->safe_psql($db, q{SELECT * FROM mig_upgrade('001');
INSERT INTO users (email, hashed_password) VALUES ('ada@example.com', 'x');
INSERT INTO tasks (description, user_id) VALUES ('write the demo', 1)});
unchanged_by(q{SELECT * FROM mig_test('head')}, "todo app at 001 with data: mig_test('head') changes nothing");
unchanged_by('SELECT * FROM mig_rehearse()', 'todo app at 001 with data: mig_rehearse() changes nothing');

my $lock_advice =
  "    advice: ACCESS EXCLUSIVE on public.tasks blocks every query on it until the step ends, and waits behind every query already running: deploy with CALL mig_deploy(..., lock_timeout => '2s', max_retries => 10), which gives up and retries instead of queueing the traffic.";
output_is([ 'mig', '-d', $db, 'test' ], 0, "ok - single head
ok - 002 upgrade
ok - 002 downgrade
ok - 002 re-upgrade
ok - 003 upgrade
ok - 003 downgrade
ok - 003 re-upgrade", 'mig test: one line per check, exit 0');
output_is([ 'bash', '-c', "mig -d $db rehearse | sed 's/, [0-9.]* ms\$//'" ], 0, "1. upgrade 002
    lock: ShareRowExclusiveLock on public.users
2. upgrade 003
    lock: AccessExclusiveLock on public.tasks
$lock_advice", 'mig rehearse: one line per step, exit 0');
$node->safe_psql($db, q{SELECT mig_revision('forgets', 'CREATE INDEX tasks_done ON tasks (is_complete)',
                                              'SELECT 1', revision => '004')});
command_checks_all(
	[ 'bash', '-c', "mig -d $db test 004 | grep ' 004 '; exit \${PIPESTATUS[0]}" ],
	1,
	[
		qr/\A\Qok - 004 upgrade
not ok - 004 downgrade: Compared with the schema before the upgrade: index public.tasks_done is extra.\E\n\z/
	],
	[qr/^mig: error: 1 of 9 checks failed$/m],
	'mig test: a check not ok, exit 1; says how many failed');
$node->safe_psql($db, q{SELECT mig_revision('fails', 'ALTER TABLE tasks ADD COLUMN priority int',
                                              'SELECT 1', revision => '005')});
output_is([ 'bash', '-c', "mig -d $db rehearse 005 | sed 's/, [0-9.]* ms\$//'; exit \${PIPESTATUS[0]}" ],
	1, "1. upgrade 002
    lock: ShareRowExclusiveLock on public.users
2. upgrade 003
    lock: AccessExclusiveLock on public.tasks
$lock_advice
3. upgrade 004
    advice: Index tasks_done was built while writes to public.tasks were blocked: build it with CREATE INDEX CONCURRENTLY in a non-transactional revision (transactional => false) deployed by CALL mig_deploy.
4. upgrade 005
    error: column \"priority\" of relation \"tasks\" already exists", 'mig rehearse: a failed step, exit 1');

done_testing();
