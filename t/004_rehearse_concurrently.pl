# A plan of non-transactional revisions (CREATE INDEX CONCURRENTLY,
# REINDEX CONCURRENTLY, VACUUM, DROP INDEX CONCURRENTLY) rehearsed by
# mig_test() and mig_rehearse() in the statements' in-transaction forms,
# each said in detail, and applied by the mig command, whose upgrade and
# downgrade run CALL mig_deploy for such a plan.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('rehearse_concurrently');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION mig_ext;
CREATE TABLE t (id int, v int);
INSERT INTO t SELECT g, g % 10 FROM generate_series(1, 1000) g;
SELECT mig_revision('index t', 'CREATE INDEX CONCURRENTLY t_v ON t (v)', 'DROP INDEX CONCURRENTLY t_v',
                    revision => 'r1', down_revision => '{}', transactional => false);
SELECT mig_revision('reindex and vacuum', 'REINDEX INDEX CONCURRENTLY t_v; VACUUM t', 'SELECT 1',
                    revision => 'r2', transactional => false);
});

# mig_test: every check passes; the in-transaction forms are said
is($node->safe_psql('postgres', q{SELECT revision || ' ' || "check" || ' ' || ok || coalesce(': ' || detail, '')
  FROM mig_test() WHERE revision IS NOT NULL}),
	"r1 upgrade true: Statement 1 (CREATE INDEX CONCURRENTLY) ran as CREATE INDEX, inside the rehearsal's transaction.
r1 downgrade true
r1 re-upgrade true
r2 upgrade true: Statement 1 (REINDEX CONCURRENTLY) ran as REINDEX, inside the rehearsal's transaction. Statement 2 (VACUUM) was skipped: it has no form that runs in a transaction.
r2 downgrade true
r2 re-upgrade true", 'mig_test passes over CREATE INDEX, DROP INDEX and REINDEX CONCURRENTLY');

# mig_rehearse: both steps run, nothing left behind
is($node->safe_psql('postgres', q{SELECT step || ' ' || revision || ': ' || coalesce(detail, '')
  FROM mig_rehearse()}),
	"1 r1: Statement 1 (CREATE INDEX CONCURRENTLY) ran as CREATE INDEX, inside the rehearsal's transaction.
2 r2: Statement 1 (REINDEX CONCURRENTLY) ran as REINDEX, inside the rehearsal's transaction. Statement 2 (VACUUM) was skipped: it has no form that runs in a transaction.",
	'mig_rehearse runs both steps');
is($node->safe_psql('postgres', q{SELECT (SELECT count(*) FROM mig_version) || ' ' || (to_regclass('t_v') IS NULL)}),
	'0 true', 'the rehearsals left nothing behind');

# the mig command: upgrade and downgrade through CALL mig_deploy
my @mig = ('mig', '-h', $node->host, '-p', $node->port, '-d', 'postgres');
my ($stdout, $stderr);
my $ok = IPC::Run::run([ @mig, 'upgrade' ], '>', \$stdout, '2>', \$stderr);
ok($ok, 'mig upgrade applies a plan with non-transactional steps') or diag($stderr);
like($stdout . $stderr, qr/running upgrade  -> r1, index t.*running upgrade r1 -> r2, reindex and vacuum/s,
	'printing the running lines');
is($node->safe_psql('postgres', q{SELECT string_agg(revision, ',') FROM mig_version}), 'r2', 'at r2');
$ok = IPC::Run::run([ @mig, 'downgrade', 'r1' ], '>', \$stdout, '2>', \$stderr);
ok($ok, 'mig downgrade r1') or diag($stderr);
$ok = IPC::Run::run([ @mig, 'downgrade', 'base' ], '>', \$stdout, '2>', \$stderr);
ok($ok, 'mig downgrade over DROP INDEX CONCURRENTLY') or diag($stderr);
like($stdout . $stderr, qr/running downgrade r1 -> , index t/, 'printing the running line');
is($node->safe_psql('postgres', q{SELECT (SELECT count(*) FROM mig_version) || ' ' || (to_regclass('t_v') IS NULL)}),
	'0 true', 'at base, the index dropped');
is($node->safe_psql('postgres', q{SELECT count(*) FROM mig_log}), '4', 'each step logged');

$node->stop;
done_testing();
