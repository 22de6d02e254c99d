# mig_upgrade_sql / mig_downgrade_sql scripts leave a database exactly as
# mig_upgrade / mig_downgrade leave another one: same schema (pg_dump
# --schema-only), same application data, same version rows, same log rows
# (but for times and users).  On a branched graph with a dependency and a
# merge, through upgrades and downgrades.  Then: a stale script refused, a
# script only the catalog's owner can apply, psql -1 -f, and mig_graph's DOT.
use strict;
use warnings;
use FindBin;
use IPC::Run;
use lib $FindBin::RealBin;
use MigTest;
use PostgreSQL::Test::Utils;
use Test::More;

need_programs('dot');
$ENV{PGOPTIONS} = '-c client_min_messages=warning';
my $node = mig_node('offline_sql');
my $work = PostgreSQL::Test::Utils::tempdir;

# state(DB): what must be equal between the two databases (pg_dump's
# comments, blank lines and \restrict lines, which carry a random key, left
# out).
sub state
{
	my ($db) = @_;
	my $dump = sub {
		IPC::Run::run([ 'pg_dump', '--no-owner', @_, $db ], '>', \my $out)
		  or die "pg_dump of $db failed";
		return join '', grep { !/^--/ && !/^$/ && !/^\\(un)?restrict / } split /^/, $out;
	};
	return $dump->('--schema-only')
	  . $dump->('--data-only', '--exclude-table-data=public.mig_*')
	  . $node->safe_psql($db, "SELECT 'version', revision FROM mig_version ORDER BY 2") . "\n"
	  . $node->safe_psql($db,
		"SELECT 'log', revision, direction, from_revisions, to_revisions, checksum,
                applied_by = current_user, duration >= '0', xid IS NOT NULL FROM mig_log ORDER BY id");
}

# both(VERB, TARGET, NAME): mig_VERB in mig_call, the mig_VERB_sql script in
# mig_script, then the same state.
sub both
{
	my ($verb, $target, $name) = @_;
	$node->safe_psql('mig_call', "SELECT * FROM mig_$verb('$target')");
	my $script = $node->safe_psql('mig_script', "SELECT mig_${verb}_sql('$target')");
	$node->safe_psql('mig_script', $script);
	is(state('mig_script'), state('mig_call'), $name);
	return;
}

for my $db (qw(mig_call mig_script))
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, q{
CREATE EXTENSION mig_ext;
SELECT mig_revision('create todo', $up$
CREATE TABLE todo (id int PRIMARY KEY, title text NOT NULL);
CREATE FUNCTION todo_count() RETURNS bigint LANGUAGE plpgsql AS $f$
BEGIN
    RETURN (SELECT count(*) FROM todo);  -- a semicolon; inside
END $f$;
INSERT INTO todo VALUES (1, E'back\\slash and ''quote''')
$up$, 'DROP FUNCTION todo_count(); DROP TABLE todo;', '001', '{}');
SELECT mig_revision('add done', 'ALTER TABLE todo ADD done boolean NOT NULL DEFAULT false -- last line comment',
                    'ALTER TABLE todo DROP done;', '002', '{001}');
SELECT mig_revision('tags', 'CREATE TABLE tag (name text PRIMARY KEY); /* block */',
                    'DROP TABLE tag;', 'b1', '{001}', '{tags}');
SELECT mig_revision('tag index', 'CREATE INDEX tag_lower ON tag (lower(name));',
                    'DROP INDEX tag_lower;', 'b2', '{b1}');
SELECT mig_revision('todo tags', 'CREATE TABLE todo_tag (todo int REFERENCES todo, tag text REFERENCES tag);',
                    'DROP TABLE todo_tag;', 'd1', '{002}', NULL, '{b1}');
SELECT mig_merge('merge tags', '{d1,b2}', '003');
});
}

is(state('mig_script'), state('mig_call'), 'same start');
both('upgrade', '002', 'upgrade 002');
both('upgrade', 'b2', 'upgrade b2 (new branch)');
both('upgrade', 'heads', 'upgrade heads (dependency, merge)');
both('downgrade', 'd1', 'downgrade d1 (unmerge)');
both('downgrade', '001', 'downgrade 001');
both('upgrade', 'head', 'upgrade head again');
both('downgrade', 'base', 'downgrade base');

# A script applied where the version rows moved on refuses and changes nothing.
my $stale = $node->safe_psql('mig_script', "SELECT mig_upgrade_sql('002')");
$node->safe_psql('mig_script', "SELECT * FROM mig_upgrade('001')");
my ($rc, $stdout, $stderr) = $node->psql('mig_script', $stale);
ok( $rc != 0
	  && $stderr =~ /version rows differ from those this script was made for/
	  && $node->safe_psql('mig_script', 'SELECT string_agg(revision, \',\') FROM mig_version') eq '001'
	  && $node->safe_psql('mig_script',
		"SELECT count(*) FROM information_schema.columns WHERE column_name = 'done'") eq '0',
	'stale script refused, nothing changed')
  or diag($stderr);

# Only the owner of the catalog tables (or a superuser) can apply a script.
$node->safe_psql('mig_script', "SELECT * FROM mig_downgrade('base')");
my $owner = $node->safe_psql('mig_script', "SELECT mig_upgrade_sql('001')");
$node->safe_psql('mig_script',
	'CREATE ROLE mig_offline_app LOGIN; GRANT CREATE ON SCHEMA public TO mig_offline_app');
($rc, $stdout, $stderr) = $node->psql('mig_script', $owner, extra_params => [ '-U', 'mig_offline_app' ]);
ok( $rc != 0
	  && $stderr =~ /permission denied for table mig_version/
	  && $node->safe_psql('mig_script', "SELECT to_regclass('todo')") eq '',
	'a role that does not own the catalog cannot apply it')
  or diag($stderr);
$node->safe_psql('mig_script',
	'REVOKE CREATE ON SCHEMA public FROM mig_offline_app; DROP ROLE mig_offline_app');
$node->safe_psql('mig_script', $owner);

# The script also works through psql -1 -f, and as a plain client's input.
my $fresh = "$work/fresh.sql";
open my $fh, '>', $fresh or die $!;
print $fh $node->safe_psql('mig_script', "SELECT mig_upgrade_sql('002')");
close $fh;
command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-d', 'mig_script', '-f', $fresh ],
	'psql -1 -f applies it');
is($node->safe_psql('mig_script', q{SELECT string_agg(revision, ',') FROM mig_version}), '002',
	'psql -1 -f applies it: the version rows');

# mig_graph's DOT, with a dependency, a merge and a message to escape, parses.
$node->safe_psql('mig_call',
	q{SELECT mig_revision(E'say "hi" \\\\ back\nslash', 'SELECT 1;', NULL, 'q1', '{003}')});
open $fh, '>', "$work/graph.dot" or die $!;
print $fh $node->safe_psql('mig_call', 'SELECT mig_graph()');
close $fh;
ok(slurp_file("$work/graph.dot") =~ /say \\"hi/, "mig_graph output escapes the message's quotes");
command_like([ 'dot', '-Tsvg', "$work/graph.dot" ], qr/<svg/, 'mig_graph output parses with dot -Tsvg');

done_testing();
