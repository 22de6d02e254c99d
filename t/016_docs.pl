# Every sql and sh block of README.md and doc/*.md runs as written, in
# order, and prints what the output block after it shows
# (tests/doc_blocks.py; the conventions are in doc/testing.md): one check
# per block.  Each file gets a database of its own on this test's node.
# First, the checker itself must fail where tests/doc_blocks_selftest.md
# says it should.
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
$ENV{PGBIN} = bindir();
my $node = mig_node('docs');

# doc_blocks(FILE...): what tests/doc_blocks.py prints on FILE...
sub doc_blocks
{
	IPC::Run::run([ 'python3', 'tests/doc_blocks.py', @_ ], '>&', \my $out);
	return $out;
}

like(doc_blocks('tests/doc_blocks_selftest.md'), qr/^1 passed, 4 failed\n\z/m,
	'the checker fails on wrong output, bad markers and failing blocks');

# each "ok - " or "not ok - " line of the checker a check, with the indented
# lines after it as its diagnostics
my $out = doc_blocks('README.md', sort glob('doc/*.md'));
my @lines = split /\n/, $out;
while (defined(my $line = shift @lines))
{
	if ($line =~ /^(not )?ok - (.*)$/)
	{
		my ($failed, $name) = ($1, $2);
		my @detail;
		push @detail, shift @lines while @lines && $lines[0] =~ /^    /;
		ok(!$failed, $name) or diag(join "\n", @detail);
	}
	elsif ($line !~ /^skip - / && $line !~ /^\d+ passed, \d+ failed$/)
	{
		diag($line);
	}
}
like($out, qr/^\d+ passed, \d+ failed\n\z/m, 'the documentation blocks ran to the end');

done_testing();
