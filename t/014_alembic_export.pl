# mig-alembic-export on the sample Alembic project of tests/alembic_project,
# checked against Alembic itself on the same node.
#
# The exported files, imported with mig_import and run with mig_ext, leave a
# database as `alembic upgrade` leaves another one: same pg_dump (schema and
# data; only the version tables are left out) at heads, at every revision on
# the way up, on the way back down and at base.  A database upgraded by
# Alembic to a middle revision is adopted (mig_adopt_alembic) and upgraded to
# heads by mig_ext, leaving alembic_version as it was.  The files round-trip
# through mig_import unchanged.  A revision that offline mode cannot render,
# or whose SQL leaves the transaction, is reported by name and nothing is
# written, unless placeholders are asked for, which refuse to run.  Another
# dialect and SQL that the file format cannot carry are refused.
use strict;
use warnings;
use File::Basename;
use FindBin;
use IPC::Run;
use lib $FindBin::RealBin;
use MigTest;
use PostgreSQL::Test::RecursiveCopy;
use PostgreSQL::Test::Utils;
use Test::More;

need_python_modules('alembic', 'psycopg2');
$ENV{PGOPTIONS} = '-c client_min_messages=warning';
my $node = mig_node('alembic_export');
my $work = PostgreSQL::Test::Utils::tempdir;
my @export = ('python3', bindir() . '/mig-alembic-export');
my $project = "$FindBin::RealBin/../tests/alembic_project";
my $out = "$work/out_files";
my %dumps;

# in_dir(DIR, CMD, REDIRECTIONS...): CMD run in DIR; true when it exits 0.
sub in_dir
{
	my ($dir, $cmd, @redirect) = @_;
	return IPC::Run::run($cmd, @redirect, init => sub { chdir $dir or die "cannot enter $dir: $!" });
}

# alembic(DB, ARGS, REDIRECTIONS...): Alembic's own command line on the
# sample project and DB; true when it exits 0.
sub alembic
{
	my ($db, $args, @redirect) = @_;
	local $ENV{ACCOUNTS_DB_URL} = "postgresql:///$db";
	return in_dir($project, [ 'python3', '-m', 'alembic', @$args ], @redirect);
}

# mig(DB, SQL): the rows of SQL in DB.
sub mig { return $node->safe_psql(@_); }

# fresh_db(DB): an empty database.
sub fresh_db
{
	mig('postgres', "DROP DATABASE IF EXISTS $_[0]");
	mig('postgres', "CREATE DATABASE $_[0]");
	return;
}

# header(FILE, KEY): the values of header KEY of a revision file.
sub header
{
	my ($file, $key) = @_;
	my ($v) = slurp_file($file) =~ /^-- mig:$key:[ \t]*(.*)$/m;
	return grep { $_ ne '' } split /[ ,]+/, $v // '';
}

# load_order(DIR): the revision files of DIR, parents and dependencies first.
sub load_order
{
	my ($dir) = @_;
	my (%file_of, @order, %done);
	$file_of{ (header($_, 'revision'))[0] } = $_ for glob("$dir/*.sql");
	my $visit;
	$visit = sub {
		my ($id) = @_;
		return if $done{$id}++;
		$visit->($_) for header($file_of{$id}, 'down_revisions'), header($file_of{$id}, 'depends_on');
		push @order, $file_of{$id};
	};
	$visit->($_) for sort keys %file_of;
	return @order;
}

# load(DB, DIR): CREATE EXTENSION (if missing), then mig_import every file
# of DIR (its text without the last newline, as psql's \set `cat FILE`
# reads it); true when every statement ran.
sub load
{
	my ($db, $dir) = @_;
	my ($rc) = $node->psql($db, 'CREATE EXTENSION IF NOT EXISTS mig_ext');
	for my $f (load_order($dir))
	{
		last if $rc;
		my $text = slurp_file($f) =~ s/\n\z//r =~ s/'/''/gr;
		($rc) = $node->psql($db, "SELECT mig_import('$text', '" . basename($f) . "')");
	}
	return $rc == 0;
}

# dump(DB): schema and data of DB, without the version tables (Alembic's
# alembic_version; the mig_ext extension, which holds mig_ext's), pg_dump's
# comments, blank lines and random keys, and the extension's own lines;
# kept in %dumps.
sub dump_db
{
	my ($db) = @_;
	my $text = '';
	for my $part ([ '--schema-only' ], [ '--data-only', '--exclude-table-data=public.mig_*' ])
	{
		IPC::Run::run([ 'pg_dump', @$part, '--no-owner', '--exclude-table=alembic_version', $db ], '>', \my $o)
		  or die "pg_dump of $db failed";
		$text .= $o;
	}
	return $dumps{$db} = join '', grep {
		!/^--/
		  && !/^$/
		  && !/^\\(un)?restrict /
		  && !/^CREATE EXTENSION IF NOT EXISTS mig_ext /
		  && !/^COMMENT ON EXTENSION mig_ext /
	} split /^/, $text;
}

# same(DB1, DB2, NAME): the two databases hold the same schema and data.
sub same
{
	my ($a, $b, $name) = @_;
	is(dump_db($b), dump_db($a), $name);
	return;
}

# both(VERB, TARGET, NAME): `alembic VERB TARGET` on exp_alembic,
# mig_VERB(TARGET) on exp_mig, then the same state.
sub both
{
	my ($verb, $target, $name) = @_;
	ok(alembic('exp_alembic', [ $verb, $target ]), "$name: alembic $verb $target");
	mig('exp_mig', "SELECT count(*) FROM mig_$verb('$target')");
	same('exp_alembic', 'exp_mig', $name);
	return;
}

# export_fails(PROJECT, MESSAGE, NAME, ARGS...): exporting PROJECT (with
# ARGS) exits 1, says MESSAGE, writes nothing.
my $failed_stderr;
sub export_fails
{
	my ($dir, $message, $name, @args) = @_;
	in_dir($dir, [ @export, @args, '-o', "$work/failed_out" ], '>', \my $o, '2>', \$failed_stderr);
	ok( ($? >> 8) == 1
		  && index($failed_stderr, "mig-alembic-export: error: $message") >= 0
		  && !-e "$work/failed_out",
		$name)
	  or diag("exit " . ($? >> 8) . ": $failed_stderr");
	return;
}

# --- the command line --------------------------------------------------------
command_ok([ @export, '--help' ], '--help exits 0');
command_checks_all([@export], 2, [], [], 'no -o: usage error, exit 2');
export_fails($project, 'could not find the Alembic configuration file "nowhere.ini"',
	'a missing ini file: exit 1, said', '-c', 'nowhere.ini');
export_fails($project, 'the Alembic configuration file "alembic.ini" has no section [nosuchsection]',
	'an ini section that does not exist: exit 1, said', '-n', 'nosuchsection');

# --- export ---------------------------------------------------------------------
ok(in_dir("$project/..", [ @export, '-c', "$project/alembic.ini", '-n', 'alembic', '-o', $out ]),
	'export the sample project (-c, -n given)');
my @files = sort glob("$out/*.sql");
is(scalar @files, 9, 'one file per Alembic revision');
my $headers = join '',
  map { join '', slurp_file($_) =~ /^-- mig:((?:revision|down_revisions|branch_labels|depends_on|message):.*\n)/mg }
  @files;
is($headers, <<'EOF', 'ids, parents, labels, depends_on, message as in the Alembic scripts');
revision: 1a0c5e7f3b21
down_revisions:
branch_labels:
depends_on:
message: create account and legacy import
revision: 2b7d9e1a4c03
down_revisions: 1a0c5e7f3b21
branch_labels:
depends_on:
message: account nickname and notes
revision: 3c1f2a8b9d45
down_revisions: 2b7d9e1a4c03
branch_labels:
depends_on:
message: batch: score, email required, no nickname
revision: 4d8e3b6c0f12
down_revisions: 3c1f2a8b9d45
branch_labels:
depends_on:
message: seed accounts, backfill scores
revision: 5e2a7c9d1b36
down_revisions: 1a0c5e7f3b21
branch_labels: audit
depends_on:
message: audit log
revision: 6f4b8d2e3a57
down_revisions: 5e2a7c9d1b36
branch_labels:
depends_on:
message: audit index
revision: 7a9c1e4f5b68
down_revisions: 4d8e3b6c0f12
branch_labels:
depends_on: 5e2a7c9d1b36
message: note audit link
revision: 8b3d5f7a9c70
down_revisions: 7a9c1e4f5b68, 6f4b8d2e3a57
branch_labels:
depends_on:
message: merge audit into main
revision: 9c6e8a0b2d81
down_revisions: 8b3d5f7a9c70
branch_labels:
depends_on:
message: drop legacy import; unique names
EOF
alembic('exp_alembic', [ 'upgrade', 'heads', '--sql' ], '>', "$work/offline.sql", '2>', "$work/offline.err");
my $check_bodies = <<'EOF';
import glob, re, sys
offline = open(sys.argv[1]).read()
for path in sorted(glob.glob(sys.argv[2] + "/*.sql")):
    text = open(path).read()
    up = text.split("-- mig:upgrade\n", 1)[1].split("\n-- mig:downgrade\n", 1)[0].strip("\n")
    rev = re.search(r"^-- mig:revision: (\S+)", text, re.M).group(1)
    # Alembic's script: "-- Running upgrade A -> REV", the body, its version row statement.
    step = re.search(r"-- Running upgrade [^\n]* -> %s\n\n(.*?)(INSERT INTO|UPDATE|DELETE FROM) alembic_version"
                     % rev, offline, re.S)
    assert step, "no step for %s in Alembic's script" % rev
    assert step.group(1).strip("\n") == up, "%s: %r != %r" % (path, up, step.group(1))
    for word in ("alembic_version", "BEGIN;", "COMMIT;"):
        assert word not in text, "%s holds %s" % (path, word)
EOF
my $py;
ok(IPC::Run::run([ 'python3', '-', "$work/offline.sql", $out ], '<', \$check_bodies, '>&', \$py),
	"each body is Alembic's own offline SQL, without its version table and BEGIN/COMMIT")
  or diag($py);

# --- heads, base, every revision on the way ------------------------------------
fresh_db($_) for qw(exp_alembic exp_mig exp_heads);
ok(load('exp_mig', $out), 'load the files with mig_import');
both('upgrade', 'heads', "alembic upgrade heads = mig_upgrade('heads'), schema and data");
like($dumps{exp_mig}, qr/^CREATE TABLE public\.audit_log /m, 'the schema at heads is there');
both('downgrade', 'base', "alembic downgrade base = mig_downgrade('base')");
unlike($dumps{exp_mig}, qr/^CREATE (TABLE|TYPE|VIEW)/m, 'nothing left at base');
my @order = map { (header($_, 'revision'))[0] } load_order($out);
both('upgrade', $_, "upgrade to $_: same state") for @order;
both('downgrade', $_, "downgrade to $_: same state") for (reverse(@order[ 0 .. $#order - 1 ]), 'base');

# --- round trip through mig_import ----------------------------------------------
# rebuilt(ID): the revision file of ID written back from the catalog.
sub rebuilt
{
	return mig('exp_mig', "SELECT pg_catalog.concat_ws(E'\\n',
        rtrim('-- mig:revision: ' || revision),
        rtrim('-- mig:down_revisions: ' || array_to_string(down_revisions, ', ')),
        rtrim('-- mig:branch_labels: ' || array_to_string(branch_labels, ', ')),
        rtrim('-- mig:depends_on: ' || array_to_string(depends_on, ', ')),
        rtrim('-- mig:message: ' || message),
        '', '-- mig:upgrade', NULLIF(upgrade, ''), '', '-- mig:downgrade', NULLIF(downgrade, ''))
      FROM mig_show('$_[0]')") . "\n";
}
is_deeply([ map { rebuilt((header($_, 'revision'))[0]) } @files ],
	[ map { slurp_file($_) } @files ], 'mig_show gives back every file as written');
my $registered = 'SELECT count(*), max(registered_at) FROM mig_revisions';
my $before = mig('exp_mig', $registered);
ok(load('exp_mig', $out), 'registering the files again is a no-op');
is(mig('exp_mig', $registered), $before, '... nothing added');

# --- adopting a database Alembic upgraded half-way --------------------------------
alembic('exp_heads', [ 'upgrade', 'heads' ]) or die 'alembic upgrade heads failed';
fresh_db('exp_adopt');
alembic('exp_adopt', [ 'upgrade', '4d8e3b6c0f12' ]) or die 'alembic upgrade 4d8e3b6c0f12 failed';
alembic('exp_adopt', [ 'upgrade', '5e2a7c9d1b36' ]) or die 'alembic upgrade 5e2a7c9d1b36 failed';    # a second branch
my $alembic_rows = 'SELECT version_num FROM alembic_version ORDER BY 1';
my $rows = mig('exp_adopt', $alembic_rows);
is(scalar(split /\n/, $rows), 2, "Alembic's middle state has two version rows");
ok(load('exp_adopt', $out), 'load the files into the Alembic database');
is(mig('exp_adopt', 'SELECT unnest(mig_adopt_alembic()) ORDER BY 1'), $rows, "mig_adopt_alembic stamps Alembic's rows");
is(mig('exp_adopt', q{SELECT string_agg(revision, ' ' ORDER BY revision) FROM mig_upgrade('heads')}),
	'6f4b8d2e3a57 7a9c1e4f5b68 8b3d5f7a9c70 9c6e8a0b2d81', "mig_upgrade('heads') from there runs the rest");
same('exp_heads', 'exp_adopt', 'same state as Alembic at heads');
is(mig('exp_adopt', $alembic_rows), $rows, 'alembic_version untouched');

# --- a revision that offline mode cannot render ---------------------------------------
# project_with(NAME, FILE => TEXT...): a copy of the sample project with
# more revision scripts.
sub project_with
{
	my ($name, %scripts) = @_;
	my $copy = "$work/$name";
	PostgreSQL::Test::RecursiveCopy::copypath($project, $copy);
	for my $f (keys %scripts)
	{
		open my $fh, '>', "$copy/migrations/versions/$f" or die $!;
		print $fh $scripts{$f};
		close $fh;
	}
	return $copy;
}
my $broken = project_with(
	'broken_project',
	'a0b1c2d3e4f5_backfill_from_query.py' => <<'EOF',
"""backfill audit from a query

Revision ID: a0b1c2d3e4f5
Revises: 9c6e8a0b2d81
"""
from alembic import op
import sqlalchemy as sa

revision = "a0b1c2d3e4f5"
down_revision = "9c6e8a0b2d81"
branch_labels = None
depends_on = None


def upgrade():
    ids = op.get_bind().execute(sa.text("SELECT id FROM account")).fetchall()
    for (account_id,) in ids:
        op.execute("INSERT INTO audit_log (account_id, action) VALUES (%d, 'import')" % account_id)


def downgrade():
    op.execute("DELETE FROM audit_log WHERE action = 'import'")
EOF
	'c2d3e4f5a6b7_concurrent_index.py' => <<'EOF');
"""an index built concurrently"""
from alembic import op

revision = "c2d3e4f5a6b7"
down_revision = "a0b1c2d3e4f5"


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_audit_log_action", "audit_log", ["action"], postgresql_concurrently=True)


def downgrade():
    op.drop_index("ix_audit_log_action", table_name="audit_log")
EOF
export_fails($broken,
	"revision a0b1c2d3e4f5 ($broken/migrations/versions/a0b1c2d3e4f5_backfill_from_query.py): the upgrade cannot be rendered offline: AttributeError: 'NoneType' object has no attribute 'fetchall' (line 16)",
	'unrenderable revision: exit 1, reported by name, direction and reason; nothing written');
ok( index($failed_stderr,
		"mig-alembic-export: error: revision c2d3e4f5a6b7 ($broken/migrations/versions/c2d3e4f5a6b7_concurrent_index.py): the upgrade cannot be rendered offline: its SQL leaves the transaction (autocommit_block() or COMMIT), which a mig_ext body cannot do"
	) >= 0,
	'... and so is a revision that leaves the transaction');
like($failed_stderr,
	qr/^\Qmig-alembic-export: error: nothing written: 2 revision steps cannot be rendered offline\E$/m,
	'... counted');
in_dir($broken, [ @export, '-o', "$work/broken_out", '--placeholders' ], '>', \my $o, '2>', \my $broken_stderr);
ok(index($broken_stderr, 'mig-alembic-export: warning: revision a0b1c2d3e4f5 (') >= 0,
	'--placeholders: exit 0, the revision named in a warning');
is(scalar(my @written = glob("$work/broken_out/*.sql")), 11, '--placeholders: every revision written');
fresh_db('exp_placeholder');
ok(load('exp_placeholder', "$work/broken_out"), 'load the files with the placeholder');
my ($rc, undef, $refused) = $node->psql('exp_placeholder', q{SELECT count(*) FROM mig_upgrade('heads')});
ok( $rc != 0
	  && index($refused, 'ERROR:  revision a0b1c2d3e4f5: the upgrade was not exported from Alembic') >= 0
	  && mig('exp_placeholder', 'SELECT count(*) FROM mig_version') eq '0'
	  && mig('exp_placeholder', q{SELECT downgrade FROM mig_show('a0b1c2d3e4f5')}) eq
	  q{DELETE FROM audit_log WHERE action = 'import';},
	'the placeholder refuses to run (the rest of its file is exported)')
  or diag($refused);

# --- what the file format or mig_ext cannot take ---------------------------------------
{
	local $ENV{ACCOUNTS_DB_URL} = 'sqlite://';
	export_fails($project, 'env.py renders SQL for the sqlite dialect, not for PostgreSQL',
		'another dialect is refused');
}
my $directive = project_with('directive_project', 'b1c2d3e4f5a6_directive_in_sql.py' => <<'EOF');
"""SQL with a line that reads as a directive"""
from alembic import op

revision = "b1c2d3e4f5a6"
down_revision = "9c6e8a0b2d81"


def upgrade():
    op.execute("SELECT 1\n-- mig:downgrade")


def downgrade():
    pass
EOF
export_fails($directive,
	"revision b1c2d3e4f5a6 ($directive/migrations/versions/b1c2d3e4f5a6_directive_in_sql.py): its upgrade SQL has a line that starts with \"-- mig:\"",
	'SQL with a "-- mig:" line is refused');

done_testing();
