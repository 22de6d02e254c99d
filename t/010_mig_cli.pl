# The mig command (client/, a libpq program): commands, options, output,
# exit codes, the connection given each way, the file round trip (mig
# revision writes files, mig load registers them, mig upgrade runs them),
# and all-or-nothing loads and deploys.  Uses the mig installed next to
# psql, which make installcheck puts first on PATH.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;
use MigTest;
use PostgreSQL::Test::Utils;
use Test::More;

need_programs('dot', 'script');
my $node = mig_node('mig_cli');
my $work = PostgreSQL::Test::Utils::tempdir;
my $dir = "$work/migrations";
mkdir $dir;

# sql(DB, QUERY): the rows of QUERY in database DB.
sub sql { return $node->safe_psql(@_); }

# write_file(PATH, TEXT): a file holding TEXT.
sub write_file
{
	my ($path, $text) = @_;
	open my $fh, '>', $path or die "cannot write $path: $!";
	print $fh $text;
	close $fh;
	return;
}

# fill(FILE, UPGRADE, DOWNGRADE): put bodies into a file mig revision wrote.
sub fill
{
	my ($file, $up, $down) = @_;
	my $text = slurp_file($file);
	$text =~ s/^(-- mig:upgrade)$/$1\n$up/m;
	$text =~ s/^(-- mig:downgrade)$/$1\n$down/m;
	write_file($file, $text);
	return;
}

# Usage errors and a database without the extension.
sql('postgres', "CREATE DATABASE $_") for qw(mig_cli mig_cli2);
$ENV{PGDATABASE} = 'mig_cli';
my $bindir = bindir();
ok(-x "$bindir/mig" && -x "$bindir/psql", 'mig is installed next to psql');
my $help = `mig --help`;
chomp $help;
output_is([ 'mig', 'help' ], 0, $help, 'mig help');
output_is([ 'mig', '-?' ], 0, $help, 'mig -? is --help');
output_is([ 'bash', '-c', "mig --help | grep -F 'COMMAND [ARG]'" ], 0,
	'  mig [OPTION]... COMMAND [ARG]...', '--help: synopsis');
my ($version) = slurp_file("$FindBin::RealBin/../mig_ext.control") =~ /^default_version = '(.*)'/m;
output_is([ 'mig', '--version' ], 0, "mig (mig_ext) $version", '--version');
output_is([ 'mig', '-V' ], 0, "mig (mig_ext) $version", '-V');
stderr_has([ 'mig' ], 2, 'mig: error: no command given', 'no command: usage error');
stderr_has([ 'mig', 'frobnicate' ], 2, 'mig: error: unknown command "frobnicate"', 'unknown command: usage error');
stderr_has([ 'mig', '--frobnicate', 'current' ], 2, 'Try "mig --help" for more information.',
	'unknown option: usage error');
stderr_has([ 'mig', 'current', '--sql' ], 2, 'option --sql is not valid for command "current"',
	'option of another command: usage error');
stderr_has([ 'mig', 'downgrade' ], 2, 'too few arguments for command "downgrade"',
	'downgrade without target: usage error');
stderr_has([ 'mig', 'upgrade', 'a', 'b' ], 2, 'too many arguments for command "upgrade"',
	'two targets: usage error');
stderr_has([ 'mig', 'revision' ], 2, 'command "revision" needs -m MESSAGE', 'revision without -m: usage error');
stderr_has([ 'mig', 'current' ], 1, 'mig: error: extension mig_ext is not installed in database "mig_cli"',
	'no extension: error');
stderr_has([ 'mig', '-d', 'dbname=nosuchdb', 'current' ], 1, 'database "nosuchdb" does not exist',
	'bad connection: error');
stderr_has([ 'mig', '-w', '-h', '/nonexistent', 'current' ], 1, 'mig: error: ',
	'-w: no password prompt, error');
sql('mig_cli', 'CREATE EXTENSION mig_ext');
sql('mig_cli2', 'CREATE EXTENSION mig_ext');

# mig revision writes files; mig load registers them; mig upgrade runs them.
my $out = `mig revision -m "Create todo!" "$dir"`;
chomp $out;
my ($f1) = glob("$dir/*.sql");
my ($id1) = slurp_file($f1) =~ /^-- mig:revision: (.*)$/m;
ok( $id1 =~ /^[0-9a-f]{12}$/
	  && $f1 eq "$dir/${id1}_create_todo.sql"
	  && $out eq "Generating $f1 ... done"
	  && slurp_file($f1) =~ /^-- mig:down_revisions:$/m,
	'revision: new base file with a random 12-hex id')
  or diag("$out / $f1 / $id1");
fill($f1, 'CREATE TABLE todo (id int PRIMARY KEY, title text NOT NULL);', 'DROP TABLE todo;');
output_is([ 'mig', 'load', '--dir', $dir ], 0, "Loaded 1 revision file(s) from $dir", 'load one file');
output_is([ 'mig', 'load', $dir ], 0, "Loaded 1 revision file(s) from $dir", 'load again: idempotent');
output_is([ 'mig', 'revision', '-m', 'add priority', '--rev-id', '002', $dir ], 0,
	"Generating $dir/002_add_priority.sql ... done", 'revision on top of the head');
output_is([ 'grep', '--', 'down_revisions', "$dir/002_add_priority.sql" ], 0,
	"-- mig:down_revisions: $id1", 'its down revision is the head');
fill("$dir/002_add_priority.sql", 'ALTER TABLE todo ADD priority int NOT NULL DEFAULT 0;',
	'ALTER TABLE todo DROP priority;');
output_is([ 'mig', 'load', $dir ], 0, "Loaded 2 revision file(s) from $dir", 'load two');
output_is([ 'bash', '-c', 'mig upgrade --sql | head -n 1' ], 0,
	'-- mig_ext offline script: upgrade to "head", 2 step(s).',
	'upgrade --sql prints the script, runs nothing');
output_is([ 'mig', 'current' ], 0, '', 'current: nothing yet');
output_is([ 'mig', 'plan' ], 0, "1. upgrade  -> $id1, Create todo! (version rows:  -> $id1)
2. upgrade $id1 -> 002, add priority (version rows: $id1 -> 002)", 'plan');
output_is([ 'mig', 'upgrade' ], 0, "running upgrade  -> $id1, Create todo!
running upgrade $id1 -> 002, add priority", "upgrade: the server's step notices as they come");
is( sql('mig_cli',
		"SELECT column_name FROM information_schema.columns WHERE table_name = 'todo' AND column_name = 'priority'"),
	'priority', 'upgrade ran the bodies');
output_is([ 'mig', 'current' ], 0, '002 (head)', 'current');
output_is([ 'mig', 'history' ], 0, "$id1 -> 002 (head), add priority
<base> -> $id1, Create todo!", 'history');
output_is([ 'mig', 'downgrade', '-1' ], 0, "running downgrade 002 -> $id1, add priority",
	'downgrade -1: a relative target, not an option');
output_is([ 'mig', 'history', '-i' ], 0, "$id1 -> 002 (head), add priority
<base> -> $id1 (current), Create todo!", 'history -i');
stderr_has([ 'mig', 'downgrade', 'nope' ], 1, 'mig: error: no such revision or branch "nope"',
	'downgrade to an unknown revision: server error');
stderr_has([ 'mig', '-v', 'downgrade', 'nope' ], 1, 'mig: error: 42704: no such revision or branch "nope"',
	'-v: the SQLSTATE too');
write_file("$work/bad.sql",
	"-- mig:revision: bad\n-- mig:down_revisions: 002\n-- mig:upgrade\nSELECT * FROM nosuchtable;\n");
stderr_has([ 'bash', '-c', "mig load '$work' >/dev/null && mig upgrade bad" ], 1,
	'statement 1 of 1 in the upgrade of revision bad',
	'a failing body: server error naming revision and statement');
output_is([ 'mig', 'current' ], 0, $id1, 'failed upgrade left the rows');

# Branches, merges, labels, dependencies.
output_is([ 'mig', 'revision', '-m', 'tags', '--head', $id1, '--branch-label', 'tags', '--rev-id', 't1', $dir ],
	0, "Generating $dir/t1_tags.sql ... done", 'revision --head --branch-label');
fill("$dir/t1_tags.sql", 'CREATE TABLE tag (name text PRIMARY KEY);', 'DROP TABLE tag;');
unlink "$work/bad.sql";
sql('mig_cli', "DELETE FROM mig_revisions WHERE revision = 'bad'");
command_ok([ 'mig', 'load', $dir ], 'load the branch');
output_is([ 'mig', 'heads' ], 0, "002 (head)\nt1 (tags) (head)", 'heads');
output_is([ 'mig', 'branches' ], 0, "$id1 (branchpoint)
             -> 002 (head)
             -> t1 (tags) (head)", 'branches');
stderr_has([ 'mig', 'revision', '-m', 'oops', $dir ], 1, 'multiple heads are present',
	'revision with several heads: error');
output_is([ 'env', 'PGHOST=/nonexistent', 'mig', 'merge', '-m', 'merge tags', '--dir', $dir, '--rev-id', 'm1' ],
	0, "Generating $dir/m1_merge_tags.sql ... done", 'merge writes a file from the directory alone (no server)');
output_is([ 'grep', '--', 'down_revisions', "$dir/m1_merge_tags.sql" ], 0, '-- mig:down_revisions: 002, t1',
	'merge file parents');
output_is([ 'mig', 'heads' ], 0, "002 (head)\nt1 (tags) (head)", 'merge registers nothing');
command_ok([ 'mig', 'load', $dir ], 'load the merge');
output_is([ 'mig', 'heads' ], 0, 'm1 (head)', 'heads after merge');
output_is([ 'mig', 'upgrade', 'heads' ], 0, "running upgrade $id1 -> t1, tags
running upgrade $id1 -> 002, add priority
running upgrade 002, t1 -> m1, merge tags", 'upgrade heads');
output_is([ 'mig', 'current' ], 0, 'm1 (head) (mergepoint)', 'current after merge');

# mig revision and mig merge read the directory alone, as Alembic's read
# its script directory: no server (PGHOST leads nowhere), parents from the
# files' headers; --from-db reads (and, for merge, registers in) the database.
my @nodb = ('env', 'PGHOST=/nonexistent', 'PGPORT=1');
my $dir2 = "$work/offline";
mkdir $dir2;
output_is([ @nodb, 'mig', 'revision', '-m', 'first', '--rev-id', 'a1', '--branch-label', 'trunk', $dir2 ], 0,
	"Generating $dir2/a1_first.sql ... done", 'revision without a database: a new base');
output_is(
	[
		'bash', '-c',
		"PGHOST=/nonexistent mig revision -m second --rev-id a2 '$dir2' >/dev/null && grep -- down_revisions '$dir2/a2_second.sql'"
	],
	0,
	'-- mig:down_revisions: a1',
	'revision without a database: on the files\' head');
write_file("$dir2/R_views.sql", "-- mig:revision: R_views\n-- mig:repeatable: true\n-- mig:upgrade\nSELECT 1;\n");
output_is(
	[
		'bash', '-c',
		"export PGHOST=/nonexistent; mig revision -m b --rev-id b1 --head trunk\@head '$dir2' >/dev/null &&
		 mig revision -m c --rev-id c1 --head a2 '$dir2' >/dev/null &&
		 grep -h -- down_revisions '$dir2/b1_b.sql' '$dir2/c1_c.sql'"
	],
	0,
	"-- mig:down_revisions: a2\n-- mig:down_revisions: a2",
	'--head LABEL@head and an id prefix (a repeatable file is no head)');
stderr_has([ @nodb, 'mig', 'revision', '-m', 'oops', $dir2 ], 1, 'multiple heads are present: b1, c1',
	'several heads among the files: error');
stderr_has([ @nodb, 'mig', 'revision', '-m', 'oops', '--head', 'zz', $dir2 ], 1, 'no revision file in',
	'an unknown --head: error');
output_is(
	[
		'bash', '-c',
		"mig -h /nonexistent merge -m m --rev-id d1 --dir '$dir2' >/dev/null && grep -- down_revisions '$dir2/d1_m.sql'"
	],
	0,
	'-- mig:down_revisions: b1, c1',
	'merge of the files\' heads without a database');
stderr_has([ 'mig', 'revision', '-m', 'oops', '--head', 'zz', '--from-db', $dir2 ], 1,
	'no such revision or branch "zz"', '--from-db reads the database');
stderr_has([ @nodb, 'mig', 'revision', '-m', 'oops', '--from-db', $dir2 ], 1, 'mig: error: ',
	'--from-db needs the server');
stderr_has([ 'mig', 'heads', '--from-db' ], 2, 'option --from-db is not valid for command "heads"',
	'--from-db is for revision and merge only');
output_is([ 'mig', 'show', 't1' ], 0, "Rev: t1
Parent: $id1
Branch names: tags

    tags

-- mig:upgrade
CREATE TABLE tag (name text PRIMARY KEY);

-- mig:downgrade
DROP TABLE tag;", 'show');
output_is([ 'mig', 'stamp', '002' ], 0, 'running stamp_revision m1 -> 002', 'stamp');
output_is([ 'mig', 'stamp', '--purge', 'm1' ], 0, 'running stamp_revision 002 -> m1', 'stamp --purge');
output_is([ 'bash', '-c', 'mig downgrade base --sql >/dev/null && mig current' ], 0, 'm1 (head) (mergepoint)',
	'downgrade --sql runs nothing');

# The files load into another database in dependency order (names out of order).
rename "$dir/${id1}_create_todo.sql", "$dir/zz_${id1}.sql";
output_is([ 'mig', '-d', 'dbname=mig_cli2', 'load', $dir ], 0, "Loaded 4 revision file(s) from $dir",
	'load into a fresh database');
my $history = `mig history`;
chomp $history;
output_is([ 'mig', '-d', 'dbname=mig_cli2', 'history' ], 0, $history, 'same history there');
output_is([ 'bash', '-c', 'mig -d dbname=mig_cli2 upgrade >/dev/null && mig -d dbname=mig_cli2 current' ], 0,
	'm1 (head) (mergepoint)', 'upgrade there');

# The connection given each way: options, a connection string, a URI, the PG* variables.
my ($host, $port, $user) = @ENV{qw(PGHOST PGPORT PGUSER)};
my @noenv = ('env', '-u', 'PGHOST', '-u', 'PGPORT', '-u', 'PGUSER', '-u', 'PGDATABASE');
output_is([ @noenv, 'mig', '-h', $host, '-p', $port, '-U', $user, '-d', 'mig_cli2', 'current' ], 0,
	'm1 (head) (mergepoint)', 'connection: -h -p -U -d');
output_is(
	[ @noenv, 'mig', "--host=$host", "--port=$port", "--username=$user", '--dbname=mig_cli2', 'current' ],
	0, 'm1 (head) (mergepoint)', 'connection: --host --port --username --dbname');
output_is([ @noenv, 'mig', '-d', "host=$host port=$port user=$user dbname=mig_cli2", 'current' ], 0,
	'm1 (head) (mergepoint)', 'connection: a connection string');
output_is([ @noenv, 'mig', '-d', "postgresql://$user\@/mig_cli2?host=$host&port=$port", 'current' ], 0,
	'm1 (head) (mergepoint)', 'connection: a URI');
output_is([ 'env', 'PGDATABASE=mig_cli2', 'mig', 'current' ], 0, 'm1 (head) (mergepoint)',
	'connection: the PG* variables');
stderr_has([ 'mig', '-p', '1', 'current' ], 1, 'mig: error: ', 'connection: a wrong port');
write_file("$dir/broken.sql", "-- mig:revision: broken\n-- mig:down_revisions: m1\nSELECT 1;\n-- mig:upgrade\n");
stderr_has([ 'mig', 'load', $dir ], 1, "revision file \"$dir/broken.sql\", line 3: SELECT 1;",
	'load a broken file: error naming file and line');
unlink "$dir/broken.sql";

# All or nothing: a directory whose last file is broken changes nothing.
# The files are named in the reverse of their order, so the load also has
# to find the order.
sql('postgres', 'CREATE DATABASE mig_cli4');
sql('mig_cli4', 'CREATE EXTENSION mig_ext');
my $many = "$work/many";
mkdir $many;
for my $i (1 .. 200)
{
	my $parent = $i > 1 ? 'c' . ($i - 1) : '';
	write_file(sprintf("%s/%03d_c%d.sql", $many, 201 - $i, $i),
		"-- mig:revision: c$i\n-- mig:down_revisions: $parent\n-- mig:message: step $i\n-- mig:upgrade\nCREATE TABLE c$i ();\n-- mig:downgrade\nDROP TABLE c$i;\n"
	);
}
command_ok([ 'mig', '-d', 'mig_cli4', 'load', $many ], 'load 200 files');
my $catalog =
  "SELECT count(*) || ' ' || md5(string_agg(revision || checksum, ',' ORDER BY revision)) FROM mig_revisions";
my $before = sql('mig_cli4', $catalog);
is(sql('mig_cli4', 'SELECT count(*) FROM mig_revisions'), '200', '200 files named against their order: all loaded');
for my $i (201 .. 260)
{
	write_file("$many/n$i.sql",
		"-- mig:revision: c$i\n-- mig:down_revisions: c" . ($i - 1) . "\n-- mig:upgrade\nCREATE TABLE c$i ();\n");
}
write_file("$many/zz_last.sql",
	"-- mig:revision: c261\n-- mig:down_revisions: c260\n-- mig:upgrade\nSELECT 1;\n-- mig:message: late\n");
stderr_has([ 'mig', '-d', 'mig_cli4', 'load', $many ], 1,
	"mig: detail: revision file \"$many/zz_last.sql\", line 5: -- mig:message: late",
	'load: the last file broken: exit 1, file and line named');
is(sql('mig_cli4', $catalog), $before, 'load: the last file broken: mig_revisions exactly as before');
write_file("$many/zz_last.sql", "-- mig:revision: c261\n-- mig:down_revisions: nosuch\n-- mig:upgrade\n");
stderr_has([ 'mig', '-d', 'mig_cli4', 'load', $many ], 1, 'mig: error: no such revision or branch "nosuch"',
	'load: a parent nowhere: exit 1, the error');
stderr_has([ 'mig', '-d', 'mig_cli4', 'load', $many ], 1, "mig: detail: revision file \"$many/zz_last.sql\"",
	'load: a parent nowhere: the file named');
is(sql('mig_cli4', $catalog), $before, 'load: a parent nowhere: mig_revisions exactly as before');

# mig deploy: load and upgrade in one transaction.
unlink "$many/zz_last.sql";
output_is(
	[
		'bash', '-c',
		"mig -d mig_cli4 deploy --dir '$many' | sed -n '1p;\$d'; mig -d mig_cli4 current"
	],
	0,
	"Loaded 260 revision file(s) from $many\nc260 (head)",
	'deploy: loads and upgrades');
is(sql('mig_cli4', q{SELECT count(*) FROM pg_class WHERE relname ~ '^c[0-9]+$'}), '260', 'deploy: the steps ran');
write_file("$many/n261.sql",
	"-- mig:revision: c261\n-- mig:down_revisions: c260\n-- mig:upgrade\nCREATE TABLE c261 ();\n");
write_file("$many/n262.sql",
	"-- mig:revision: c262\n-- mig:down_revisions: c261\n-- mig:message: fails\n-- mig:upgrade\nSELECT 1;\nSELECT * FROM nosuchtable;\n"
);
$before = sql('mig_cli4', $catalog);
stderr_has([ 'mig', '-d', 'mig_cli4', 'deploy', '--dir', $many ], 1,
	'mig: detail: statement 2 of 2 in the upgrade of revision c262 ("fails")',
	'deploy: a failing body: exit 1, revision and statement named');
is(sql('mig_cli4', $catalog), $before, 'deploy: a failing body: nothing registered');
is( `mig -d mig_cli4 current` . '|'
	  . sql('mig_cli4', "SELECT count(*) FROM pg_class WHERE relname = 'c261'"),
	"c260 (head)\n|0", 'deploy: a failing body: nothing run');
unlink "$many/n262.sql";
output_is([ 'bash', '-c', "mig -d mig_cli4 deploy --dir '$many' c261 | tail -n 1" ], 0,
	'running upgrade c260 -> c261', 'deploy TARGET');

# A parent named by its branch label, in a file named before the labelled one.
my $lab = "$work/labelled";
mkdir $lab;
write_file("$lab/a.sql", "-- mig:revision: l2\n-- mig:down_revisions: lanes\n-- mig:upgrade\n");
write_file("$lab/b.sql", "-- mig:revision: l1\n-- mig:down_revisions: c261\n-- mig:branch_labels: lanes\n-- mig:upgrade\n");
output_is([ 'bash', '-c', "mig -d mig_cli4 load '$lab' && mig -d mig_cli4 history -r l1:l2 | head -n 1" ], 0,
	"Loaded 2 revision file(s) from $lab\nl1 -> l2 (head), ", 'load: a parent named by a label, in a later file');

# A role without TEMP on the database loads: the load creates nothing.
sql(
	'mig_cli4', q{CREATE ROLE regress_mig_notemp LOGIN;
REVOKE TEMP ON DATABASE mig_cli4 FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mig_import(text[], text[]) TO regress_mig_notemp;
GRANT SELECT ON mig_revisions TO regress_mig_notemp});
my $notemp = "$work/notemp";
mkdir $notemp;
write_file("$notemp/nt1.sql", "-- mig:revision: nt1\n-- mig:down_revisions: l2\n-- mig:upgrade\n");
output_is([ 'mig', '-U', 'regress_mig_notemp', '-d', 'mig_cli4', 'load', $notemp ], 0,
	"Loaded 1 revision file(s) from $notemp", 'load: no TEMP privilege needed');
is(sql('mig_cli4', "SELECT revision FROM mig_revisions WHERE revision = 'nt1'"), 'nt1',
	'load: no TEMP privilege needed: registered');
sql('mig_cli4', "DELETE FROM mig_revisions WHERE revision = 'nt1'");

# On a terminal, an upgrade over a second gets a progress line; elsewhere
# (every test above) the output has none.
my $slow = "$work/slow";
mkdir $slow;
for my $i (1 .. 3)
{
	my $parent = $i == 1 ? 'l2' : 's' . ($i - 1);
	write_file("$slow/s$i.sql",
		"-- mig:revision: s$i\n-- mig:down_revisions: $parent\n-- mig:upgrade\nSELECT pg_sleep(0.6);\n");
}
command_ok([ 'mig', '-d', 'mig_cli4', 'load', $slow ], 'load the slow revisions');
my $tty = `script -qec "mig -d mig_cli4 upgrade s3" /dev/null 2>&1`;
ok($tty =~ /upgrade 5\/5 running upgrade s2 -> s3/ && $tty =~ /running upgrade l2 -> s1/,
	'progress line on a terminal')
  or diag($tty);

# A revision file of 10 MB loads (its text is a parameter, not an argument).
my $big = "$work/big";
mkdir $big;
write_file("$big/big.sql",
	"-- mig:revision: big\n-- mig:down_revisions: s3\n-- mig:upgrade\nCREATE TABLE big AS SELECT length('"
	  . ('x' x 10485760)
	  . "') AS n;\n");
command_ok([ 'mig', '-d', 'mig_cli4', 'deploy', '--dir', $big ], 'a 10 MB revision file loads and runs');
is(sql('mig_cli4', 'SELECT n FROM big'), '10485760', 'a 10 MB revision file: its body ran');

# A non-transactional revision: mig upgrade and mig downgrade run the plan
# through CALL mig_deploy, and so does mig deploy after committing the
# load, a step per transaction.
my $ntx = "$work/nontx";
mkdir $ntx;
write_file("$ntx/x1.sql",
	"-- mig:revision: x1\n-- mig:down_revisions: big\n-- mig:transactional: false\n-- mig:upgrade\nCREATE INDEX CONCURRENTLY big_n ON big (n);\n-- mig:downgrade\nDROP INDEX CONCURRENTLY big_n;\n"
);
write_file("$ntx/x2.sql", "-- mig:revision: x2\n-- mig:down_revisions: x1\n-- mig:upgrade\nCREATE TABLE x2 ();\n");
command_ok([ 'mig', '-d', 'mig_cli4', 'load', $ntx ], 'load the non-transactional revision');
command_ok([ 'mig', '-d', 'mig_cli4', 'upgrade', 'x1' ], 'upgrade x1');
is( sql('mig_cli4',
		q{SELECT (SELECT string_agg(revision, ',') FROM mig_version), (SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_n'::regclass)}
	),
	'x1|t',
	'upgrade: a non-transactional step runs through CALL mig_deploy');
command_ok([ 'mig', '-d', 'mig_cli4', 'downgrade', 'big' ], 'downgrade to big');
is( sql('mig_cli4',
		q{SELECT (SELECT string_agg(revision, ',') FROM mig_version), to_regclass('big_n') IS NULL}),
	'big|t',
	'downgrade: a non-transactional step runs through CALL mig_deploy');
command_ok([ 'mig', '-d', 'mig_cli4', 'deploy', '--dir', $ntx ], 'deploy the non-transactional revision');
is( sql('mig_cli4',
		q{SELECT (SELECT string_agg(revision, ',') FROM mig_version), (SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_n'::regclass), (SELECT count(DISTINCT xid) FROM (SELECT xid FROM mig_log WHERE revision IN ('x1', 'x2') ORDER BY id DESC LIMIT 2) l)}
	),
	'x2|t|2',
	'deploy: a non-transactional step, a transaction per step');

# --schema: the extension outside the search path.
sql('postgres', 'CREATE DATABASE mig_cli5');
sql('mig_cli5', 'CREATE SCHEMA migx; CREATE EXTENSION mig_ext SCHEMA migx');
output_is([ 'mig', '-d', 'mig_cli5', 'load', 'examples/todo' ], 0,
	'Loaded 5 revision file(s) from examples/todo', "the extension's schema found in the catalog");
output_is([ 'mig', '-d', 'mig_cli5', '--schema', 'migx', 'heads' ], 0, '5e6f708192a3 (head)', '--schema');
stderr_has([ 'mig', '-d', 'mig_cli5', '--schema', 'public', 'heads' ], 1,
	'function public.mig_heads() does not exist', "--schema of another schema: the server's error");

# Graph, adoption.
command_ok([ 'mig', 'graph', '-o', "$work/g.svg" ], 'graph -o g.svg');
my $svg = slurp_file("$work/g.svg");
ok($svg =~ /<svg/ && $svg =~ /merge tags/, 'graph -o g.svg draws with dot');
output_is([ 'bash', '-c', 'mig graph | dot -Tsvg >/dev/null; echo $?' ], 0, '0', 'graph | dot -Tsvg parses');
sql('mig_cli2',
	"CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('002'), ('t1')"
);
stderr_has([ 'mig', '-d', 'dbname=mig_cli2', 'adopt-alembic' ], 1, 'version rows are already set',
	'adopt-alembic over other rows: error');
command_ok([ 'mig', '-d', 'dbname=mig_cli2', 'stamp', '--purge', 'base' ], 'stamp --purge base');
output_is([ 'mig', '-d', 'dbname=mig_cli2', 'adopt-alembic' ], 0, 'Adopted Alembic version rows: 002, t1',
	'adopt-alembic');
output_is([ 'bash', '-c', 'mig -d dbname=mig_cli2 current | sort' ], 0, "002\nt1", 'current after adoption');

# The todo example of the manual (examples/todo), from files to a database and back.
sql('postgres', 'CREATE DATABASE mig_cli3');
sql('mig_cli3', 'CREATE EXTENSION mig_ext');
$ENV{PGDATABASE} = 'mig_cli3';
output_is([ 'mig', 'load', 'examples/todo' ], 0, 'Loaded 5 revision file(s) from examples/todo', 'example: load');
output_is([ 'mig', 'history' ], 0, "4d5e6f708192 -> 5e6f708192a3 (head), todo list view
2b3c4d5e6f70, 3c4d5e6f7081 -> 4d5e6f708192 (mergepoint), merge priority and tags
1a2b3c4d5e6f -> 2b3c4d5e6f70, add priority to tasks
1a2b3c4d5e6f -> 3c4d5e6f7081 (tags), add tags to tasks
<base> -> 1a2b3c4d5e6f (branchpoint), create users and tasks", 'example: history');
output_is([ 'mig', 'upgrade' ], 0, "running upgrade  -> 1a2b3c4d5e6f, create users and tasks
running upgrade 1a2b3c4d5e6f -> 3c4d5e6f7081, add tags to tasks
running upgrade 1a2b3c4d5e6f -> 2b3c4d5e6f70, add priority to tasks
running upgrade 2b3c4d5e6f70, 3c4d5e6f7081 -> 4d5e6f708192, merge priority and tags
running upgrade 4d5e6f708192 -> 5e6f708192a3, todo list view", 'example: upgrade');
is( sql('mig_cli3', q{INSERT INTO users (email) VALUES ('ann@example.com');
INSERT INTO tasks (user_id, description, priority) VALUES (1, 'write docs', 2);
INSERT INTO tags VALUES ('docs'); INSERT INTO task_tags VALUES (1, 'docs');
SELECT id, email, description, priority, tags FROM todo_list}),
	'1|ann@example.com|write docs|2|{docs}', 'example: the schema works');
output_is([ 'mig', 'current' ], 0, '5e6f708192a3 (head)', 'example: current');
command_ok([ 'mig', 'downgrade', 'base' ], 'example: downgrade base runs');
is( sql('mig_cli3', "SELECT count(*) FROM pg_class WHERE relname IN ('users', 'tasks', 'tags', 'task_tags', 'todo_list')"),
	'0', 'example: downgrade base');

done_testing();
