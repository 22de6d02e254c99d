# Autogenerate round trips, checked with pg_dump.
#
# Each directory of tests/autogen holds a scenario: desired schemas 1.sql,
# 2.sql, ... applied in turn to schema "app", then an empty desired schema.
# For every step: mig_autogenerate + mig_upgrade, then mig_check passes and
# pg_dump of "app" equals pg_dump of the desired DDL run alone in an empty
# schema (schema name normalised, lines sorted so column order is aside);
# mig_downgrade('-1') gives back the schema as it was, and upgrading again
# gives the desired one.  Finally mig_downgrade('base') empties "app".
# Then the pg_dump of a real schema round-trips (tests/autogen_dump.sql).
use strict;
use warnings;
use File::Basename;
use FindBin;
use IPC::Run;
use lib $FindBin::RealBin;
use MigTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = mig_node('autogen');
my $db = 'mig_autogen_suite';

# literal(TEXT): TEXT as an SQL string literal.
sub literal { return "'" . ($_[0] =~ s/'/''/gr) . "'"; }

# run_ok(SQL, NAME): SQL runs in the test's database without an error; one
# check.  Returns its output.
sub run_ok
{
	my ($sql, $name) = @_;
	my ($rc, $out, $err) = $node->psql($db, $sql);
	is($rc, 0, $name) or diag($err);
	return $out;
}

# pg_dump_of(ARGS...): pg_dump's output.
sub pg_dump_of
{
	IPC::Run::run([ 'pg_dump', @_ ], '>', \my $out) or die "pg_dump @_ failed";
	return $out;
}

# dump(SCHEMA): the normalised, sorted schema-only dump of SCHEMA.
sub schema_dump
{
	my ($schema) = @_;
	my @lines;
	for (split /\n/, pg_dump_of('-d', $db, '--schema-only', '-n', $schema))
	{
		next
		  if /^--/
		  || /^$/
		  || /restrict [A-Za-z0-9]*$/
		  || /^SET /
		  || /^SELECT pg_catalog.set_config/
		  || /SCHEMA /;
		s/\b$schema\./app./g;
		s/,$//;
		push @lines, $_;
	}
	return join("\n", sort @lines) . "\n";
}

$node->safe_psql('postgres', "CREATE DATABASE $db");
$node->safe_psql($db, 'CREATE SCHEMA app');
my $empty = schema_dump('app');

for my $dir (sort glob('tests/autogen/*'))
{
	my $name = basename($dir);
	$node->safe_psql($db,
		'DROP EXTENSION IF EXISTS mig_ext CASCADE; DROP SCHEMA app CASCADE; CREATE SCHEMA app; CREATE EXTENSION mig_ext'
	);
	my @steps = sort { ($a =~ /(\d+)/)[0] <=> ($b =~ /(\d+)/)[0] } map { basename($_) } glob("$dir/*");
	for my $step (@steps, 'EMPTY')
	{
		my $desired = $step eq 'EMPTY' ? '' : slurp_file("$dir/$step");
		my $label = "$name/$step";
		my $before = schema_dump('app');
		my $id = run_ok('SELECT mig_autogenerate(' . literal($desired) . ', ' . literal($label) . ", 'app')",
			"$label: mig_autogenerate");
		run_ok('SET search_path = app, public; SELECT count(*) FROM mig_upgrade()', "$label: mig_upgrade");
		run_ok('SELECT mig_check(' . literal($desired) . ", 'app')", "$label: mig_check passes");
		$node->safe_psql($db, 'DROP SCHEMA IF EXISTS expect CASCADE; CREATE SCHEMA expect');
		$node->safe_psql($db, "SET search_path = expect; SET check_function_bodies = off;\n$desired");
		my $expected = schema_dump('expect');
		is(schema_dump('app'), $expected, "$label: schema equals the desired DDL built alone");
		next if $id eq '';
		run_ok(q{SET search_path = app, public; SELECT count(*) FROM mig_downgrade('-1')},
			"$label: mig_downgrade('-1')");
		is(schema_dump('app'), $before, "$label: downgrade restores the previous schema");
		$node->safe_psql($db, 'SET search_path = app, public; SELECT count(*) FROM mig_upgrade()');
		is(schema_dump('app'), $expected, "$label: upgrading again gives the desired schema");
	}
	$node->safe_psql($db, q{SET search_path = app, public; SELECT count(*) FROM mig_downgrade('base')});
	is(schema_dump('app'), $empty, "$name: mig_downgrade('base') empties the schema");
}
$node->safe_psql('postgres', "DROP DATABASE $db");

# A real schema's dump: tests/autogen_dump.sql built in database source,
# its pg_dump --schema-only -n public fed as the desired DDL to an empty
# public schema of the test's database (mig_ext in its own schema): pg_dump
# of the result equals the original, nothing differs, and going back to
# base empties public again.
my $src = 'mig_autogen_source';

# public_dump(DB): pg_dump of DB's schema public, without comments and keys.
sub public_dump
{
	return join '', grep { !/^--/ && !/restrict [A-Za-z0-9]*$/ }
	  split /^/, pg_dump_of('-d', $_[0], '--schema-only', '-n', 'public');
}
$node->safe_psql('postgres', "CREATE DATABASE $src");
$node->safe_psql('postgres', "CREATE DATABASE $db");
command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $src, '-f', 'tests/autogen_dump.sql' ],
	'dump: the source schema builds');
my $source_dump = public_dump($src);
my $full_dump = pg_dump_of('-d', $src, '--schema-only', '-n', 'public');
$node->safe_psql($db, 'CREATE SCHEMA mig; CREATE EXTENSION mig_ext SCHEMA mig');
$empty = public_dump($db);
run_ok('SELECT mig.mig_autogenerate(' . literal($full_dump) . ", 'from pg_dump', revision => 'dump')",
	'dump: mig_autogenerate');
run_ok('SELECT count(*) FROM mig.mig_upgrade()', 'dump: mig_upgrade');
is(public_dump($db), $source_dump, "dump: pg_dump of the result equals the source's");
is($node->safe_psql($db, 'SELECT count(*) FROM mig.mig_diff(' . literal($full_dump) . ')'),
	'0', 'dump: mig_diff finds nothing more');
run_ok('SELECT mig.mig_check(' . literal($full_dump) . ')', 'dump: mig_check passes');
run_ok(q{SELECT count(*) FROM mig.mig_downgrade('base')}, "dump: mig_downgrade('base')");
is(public_dump($db), $empty, 'dump: downgrading to base empties public');

done_testing();
