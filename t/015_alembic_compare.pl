# mig_ext's planning against the installed Alembic (Debian 12: 1.8.1,
# Debian forky: 1.18.4), by tests/alembic_compare.py: the pg_regress files
# of graph cases replayed through both, then random graphs and commands
# from a fixed seed.  A check passes when nothing diverges; documented
# deliberate differences, among them the Alembic version mig_ext follows
# where Alembic's versions differ, are counted and printed.
use strict;
use warnings;
use FindBin;
use IPC::Run;
use lib $FindBin::RealBin;
use MigTest;
use PostgreSQL::Test::Utils;
use Test::More;

need_python_modules('alembic', 'psycopg2');
$ENV{PGOPTIONS} = '-c client_min_messages=warning';
my $node = mig_node('alembic_compare');

for my $f (qw(sql/graph_shapes.sql sql/graph_deps.sql sql/graph_rows.sql sql/graph_targets.sql))
{
	command_ok([ 'python3', 'tests/alembic_compare.py', '--db', 'mig_cmp', '--sql', $f ], "$f: Alembic agrees");
}

# the summary (Alembic's version, the deliberate differences) is shown
# whether the check passes or not
my $ok = IPC::Run::run(
	[
		'python3', 'tests/alembic_compare.py', '--db', 'mig_cmp', '--graphs', '20',
		'--commands', '30', '--seed', '4'
	],
	'>&', \my $out);
note($1) if $out =~ /^(Alembic .*?)(?:^---- |\z)/ms;
my @lines = split /\n/, $out;
splice(@lines, 0, @lines - 40) if @lines > 40;
ok($ok, 'random graphs and commands: Alembic agrees') or diag(join "\n", @lines);

done_testing();
