# MigTest: what the TAP tests of mig_ext share.  A node of their
# own whose connection every program they start finds in the PG* variables,
# the tools a test needs (skipping the test, with the reason, without them),
# and the checks of a command's exit code and output as the old shell
# checks made them: the whole of stdout, or a piece of stderr.
#
# Load it with: use FindBin; use lib $FindBin::RealBin; use MigTest;
package MigTest;

use strict;
use warnings;
use Exporter 'import';
use File::Spec;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(mig_node need_programs need_python_modules output_is stderr_has bindir);
our @EXPORT_OK = qw(background_psql);

# mig_node(NAME, CONF...): a new node with CONF lines added to its
# postgresql.conf, started; PGHOST, PGPORT and PGUSER lead to it from now on
# (the mig command, psql, pg_dump, Python's libpq).
sub mig_node
{
	my ($name, @conf) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', join("\n", @conf) . "\n") if @conf;
	$node->start;
	$ENV{PGHOST} = $node->host;
	$ENV{PGPORT} = $node->port;
	$ENV{PGUSER} = $node->safe_psql('postgres', 'SELECT current_user');
	return $node;
}

# bindir: the bindir of the installation under test (make installcheck puts
# it first on PATH; PG_CONFIG may name it).
sub bindir
{
	my $pg_config = $ENV{PG_CONFIG} || 'pg_config';
	chomp(my $dir = `$pg_config --bindir`);
	return $dir;
}

# need_programs(PROGRAM...): skip the whole test unless each is on PATH.
sub need_programs
{
	for my $p (@_)
	{
		next if grep { -x File::Spec->catfile($_, $p) } File::Spec->path;
		plan skip_all => "$p is not installed (make test installs it)";
	}
	return;
}

# need_python_modules(MODULE...): skip the whole test unless python3
# imports each of them.
sub need_python_modules
{
	need_programs('python3');
	for my $m (@_)
	{
		next if system('python3', '-c', "import $m") == 0;
		plan skip_all => "python3 has no module $m (make test installs it)";
	}
	return;
}

# output_is(CMD, RC, STDOUT, NAME): CMD exits with RC and prints exactly
# STDOUT (trailing newlines aside); two checks.
sub output_is
{
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my ($cmd, $rc, $want, $name) = @_;
	command_checks_all($cmd, $rc, [qr/\A\Q$want\E\n*\z/], [], $name);
	return;
}

# stderr_has(CMD, RC, TEXT, NAME): CMD exits with RC and says TEXT on
# stderr; two checks.
sub stderr_has
{
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my ($cmd, $rc, $text, $name) = @_;
	command_checks_all($cmd, $rc, [], [qr/\Q$text\E/], $name);
	return;
}

# background_psql(NODE, SQL): a psql of its own on NODE's postgres database
# running SQL, started and left running; returns its IPC::Run harness and a
# reference to its stderr.
sub background_psql
{
	my ($node, $sql) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start([ 'psql', '-X', '-d', $node->connstr('postgres'), '-c', $sql ],
		'>', \$out, '2>', \$err);
	return ($h, \$err);
}

1;
