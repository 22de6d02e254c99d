# Expand/contract under load: a table of 1,000,000 rows, and two
# application versions at work on it at once, each a pgbench workload of
# inserts, updates and selects on sessions of its own search_path:
# - the old one (search_path public: the table itself) writes val, qty
#   (int) and note;
# - the new one (search_path public_r1, public: revision r1's views) writes
#   amount (val renamed), qty (bigint) and sku (a new NOT NULL column,
#   computed from the id for the rows of the old one), and no note
#   (dropped).  It connects once CALL mig_start has returned, the
#   backfill done.
# Revision r1 is started (expand, backfill) while the old version works,
# rolled back, started again and completed; then revision r2 builds an
# index, version 2 being the old version (on public_r1) and version 3 the
# new one (on public_r2).  No workload sees an error until its schema goes
# (the old one stops right before the completion changes the table under
# it, or drops its version schema); no transaction of any takes a second
# (each session's lock_timeout is a second, so a longer lock wait would be
# an error; each DDL statement waits 100 ms for its lock at most, and is
# retried); after the rollback the catalogs are as before the start and
# the rows as the old version expects; after the completions the rows are
# as the new version expects.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $rows = 1_000_000;
# no transaction of either workload may take longer than this (a lock wait
# longer than its lock_timeout is an error)
my $bound_ms = 1000;

my $node = PostgreSQL::Test::Cluster->new('expand_contract');
$node->init;
$node->start;
my $tmp = PostgreSQL::Test::Utils::tempdir;

$node->safe_psql('postgres', qq{
CREATE EXTENSION mig_ext;
CREATE TABLE items (id bigint PRIMARY KEY, val int NOT NULL, qty int NOT NULL, note text);
INSERT INTO items SELECT g, g, g % 1000, 'n' || g FROM generate_series(1, $rows) g;
CREATE SCHEMA wl;
CREATE SEQUENCE wl.ids START @{[$rows + 1]};
CREATE TABLE wl.done (id bigint NOT NULL, op text NOT NULL);
});
$node->safe_psql('postgres', 'VACUUM ANALYZE items');

# The workloads: each transaction that changes items records what it did
# in wl.done, so that the expected contents of items can be computed.
# Inserts take ids above the initial rows, updates add 1 to an initial
# row's two numbers.
my %old_app = (
	insert => [ 1, q{
SELECT nextval('wl.ids') AS nid \gset
BEGIN;
INSERT INTO items (id, val, qty, note) VALUES (:nid, :nid, :nid % 1000, 'old');
INSERT INTO wl.done VALUES (:nid, 'insert');
COMMIT;
} ],
	update => [ 2, qq{
\\set id random(1, $rows)
BEGIN;
UPDATE items SET val = val + 1, qty = qty + 1 WHERE id = :id;
INSERT INTO wl.done VALUES (:id, 'update');
COMMIT;
} ],
	select => [ 3, qq{
\\set id random(1, $rows)
SELECT val, qty, note FROM items WHERE id = :id;
} ]);

# the same for the new version
my %new_app = (
	insert => [ 1, q{
SELECT nextval('wl.ids') AS nid \gset
BEGIN;
INSERT INTO items (id, amount, qty, sku) VALUES (:nid, :nid, :nid % 1000, 'SKU-' || :nid);
INSERT INTO wl.done VALUES (:nid, 'insert');
COMMIT;
} ],
	update => [ 2, qq{
\\set id random(1, $rows)
BEGIN;
UPDATE items SET amount = amount + 1, qty = qty + 1 WHERE id = :id;
INSERT INTO wl.done VALUES (:id, 'update');
COMMIT;
} ],
	select => [ 3, qq{
\\set id random(1, $rows)
SELECT amount, qty, sku FROM items WHERE id = :id;
} ]);

# start_workload(name, search_path, scripts): pgbench runs of 2 s one after
# another, until stop_workload (10 min at most); two clients, 100
# transactions a second in all, sessions with that search_path and
# lock_timeout = bound, each transaction's latency logged
sub start_workload
{
	my ($name, $path, $scripts) = @_;
	my $dir = "$tmp/$name";
	mkdir $dir or die "mkdir $dir: $!";
	my @files;
	for my $s (sort keys %$scripts)
	{
		append_to_file("$dir/$s.sql", $scripts->{$s}[1]);
		push @files, '-f', "$dir/$s.sql\@$scripts->{$s}[0]";
	}
	my $loop = q{
dir=$1
shift
i=0
while [ ! -e "$dir/stop" ]; do
	i=$((i + 1))
	pgbench "$@" --log --log-prefix="$dir/log.$i" >>"$dir/out" || exit 1
done
};
	my %w = (name => $name, dir => $dir, err => '');
	{
		local $ENV{PGOPTIONS} = ($ENV{PGOPTIONS} // '')
		  . " -c search_path=$path -c lock_timeout=${bound_ms}ms";
		local $ENV{PGAPPNAME} = $name;
		$w{h} = IPC::Run::start(
			[
				'bash', '-c', $loop, 'workload', $dir,
				'-n', '-c', '2', '-j', '1', '-T', '2', '-R', '100',
				'-h', $node->host, '-p', $node->port, @files, 'postgres'
			],
			'2>', \$w{err}, IPC::Run::timeout(600));
	}
	# the first run's sessions are up (or the workload ended: its errors)
	for (my $i = 0;; $i++)
	{
		last if $node->safe_psql('postgres', qq{SELECT count(*) = 2 FROM pg_stat_activity
		  WHERE application_name = '$name'}) eq 't';
		$w{h}->pump_nb if $w{h}->pumpable;
		die "the workload $name did not start: $w{err}" if !$w{h}->pumpable || $i == 300;
		Time::HiRes::sleep(0.1);
	}
	return \%w;
}

# stop_workload(w): stop after the current run; the workload's exit code,
# errors and logged transactions (start and end times, latency in ms
# without the schedule lag of -R)
sub stop_workload
{
	my ($w) = @_;
	append_to_file("$w->{dir}/stop", '');
	$w->{h}->finish;
	$w->{rc} = $w->{h}->result(0);
	my @tx;
	for my $log (glob("$w->{dir}/log.*"))
	{
		open my $fh, '<', $log or die "open $log: $!";
		while (<$fh>)
		{
			my ($client, $no, $us, $script, $epoch, $epoch_us, $lag) = split;
			my $end = $epoch + $epoch_us / 1e6;
			push @tx, { end => $end, start => $end - $us / 1e6, ms => ($us - ($lag // 0)) / 1000 };
		}
		close $fh;
	}
	$w->{tx} = \@tx;
	return $w;
}

# check_workload(w, phases): no error, no transaction longer than the
# bound, and transactions running within each phase [name, from, to]
sub check_workload
{
	my ($w, @phases) = @_;
	my $name = $w->{name};
	is($w->{rc} . $w->{err}, '0', "the $name workload saw no error");
	my $max = 0;
	$max = $_->{ms} > $max ? $_->{ms} : $max for @{ $w->{tx} };
	note(sprintf('%s workload: %d transactions, the longest %.1f ms', $name, scalar @{ $w->{tx} }, $max));
	cmp_ok($max, '<', $bound_ms, "no transaction of the $name workload took $bound_ms ms or more");
	for my $p (@phases)
	{
		my ($phase, $from, $to) = @$p;
		my $n = grep { $_->{start} < $to && $_->{end} > $from } @{ $w->{tx} };
		note(sprintf('%s workload during %s (%.1f s): %d transactions', $name, $phase, $to - $from, $n));
		cmp_ok($n, '>', 0, "the $name workload ran during $phase");
	}
}

# the schema as the catalogs say, one line per object, mig_ext's own
# objects left out
my $snapshot = q{
WITH rel AS (
    SELECT c.* FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e'))
SELECT string_agg(line, E'\n' ORDER BY line) FROM (
    SELECT 'schema ' || nspname || ' ' || coalesce(nspacl::text, '') FROM pg_namespace
    WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
    UNION ALL
    SELECT format('relation %s %s %s %s', oid::regclass, relkind, reloptions, relacl) FROM rel
    UNION ALL
    SELECT format('column %s %s %s %s%s%s', a.attrelid::regclass,
                  row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum), a.attname,
                  format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN ' not null' END,
                  ' default ' || pg_get_expr(ad.adbin, ad.adrelid))
    FROM pg_attribute a JOIN rel ON rel.oid = a.attrelid
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT format('constraint %s %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(co.oid),
                  convalidated)
    FROM pg_constraint co JOIN rel ON rel.oid = co.conrelid
    UNION ALL
    SELECT format('index %s %s', pg_get_indexdef(indexrelid), indisvalid)
    FROM pg_index JOIN rel ON rel.oid = indrelid
    UNION ALL
    SELECT format('trigger %s %s', pg_get_triggerdef(t.oid), tgenabled)
    FROM pg_trigger t JOIN rel ON rel.oid = t.tgrelid WHERE NOT tgisinternal
    UNION ALL
    SELECT format('view %s %s', oid::regclass, pg_get_viewdef(oid)) FROM rel WHERE relkind IN ('v', 'm')
    UNION ALL
    SELECT format('function %s %s', p.oid::regprocedure, md5(p.prosrc))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                      AND d.objid = p.oid AND d.deptype = 'e')
) s(line)
};

# how the rows of items differ from what the workloads' records make
# expected: each initial row with its updates added, each inserted row
# (rows missing, rows too many, rows with another value of each column);
# the columns are the old ones (val, qty) or the new ones (amount, qty,
# sku)
sub differences
{
	my ($amount, $sku) = @_;
	my $skus = $sku ? q{i.sku IS DISTINCT FROM 'SKU-' || e.id} : 'false';
	return $node->safe_psql('postgres', qq{
WITH u AS (SELECT id, count(*) AS n FROM wl.done WHERE op = 'update' GROUP BY id),
e AS (SELECT g AS id, g + coalesce(n, 0) AS amount, g % 1000 + coalesce(n, 0) AS qty
      FROM generate_series(1, $rows) g LEFT JOIN u ON u.id = g
      UNION ALL
      SELECT id, id, id % 1000 FROM wl.done WHERE op = 'insert')
SELECT format('missing %s, too many %s, $amount %s, qty %s, sku %s',
              count(*) FILTER (WHERE i.id IS NULL), count(*) FILTER (WHERE e.id IS NULL),
              count(*) FILTER (WHERE i.$amount IS DISTINCT FROM e.amount),
              count(*) FILTER (WHERE i.qty IS DISTINCT FROM e.qty), count(*) FILTER (WHERE $skus))
FROM e FULL JOIN items i ON i.id = e.id});
}

$node->safe_psql('postgres', q{
SELECT mig_revision('items: amount, bigint qty, sku, no note', $$
    SELECT mig_op_rename_column('items', 'val', 'amount');
    SELECT mig_op_alter_column('items', 'qty', type => 'bigint');
    SELECT mig_op_add_column('items', 'sku text NOT NULL', backfill => $b$'SKU-' || id$b$);
    SELECT mig_op_drop_column('items', 'note');
$$, 'SELECT mig_op_undo()', revision => 'r1');
});
my $before = $node->safe_psql('postgres', $snapshot);

# call(sql): run a CALL, which must succeed; its start and end times and
# its messages
sub call
{
	my ($sql) = @_;
	my $t0 = time();
	my ($ret, $out, $err) = $node->psql('postgres', $sql);
	is($ret, 0, "$sql succeeds") or diag($err);
	return ($t0, time(), $err);
}

# every DDL statement waits 100 ms for its lock at most, and is retried
my $ddl = "lock_timeout => '100ms', max_retries => 50";

# 1. start and roll back: the old version works on throughout
my $old = start_workload('old', 'public', \%old_app);
my ($s0, $s1, $msgs) = call("CALL mig_start('r1', $ddl)");
like($msgs, qr/NOTICE:  backfill of public\.items: 100%/, 'the start backfills the table');
my $new1 = start_workload('new_rolled_back', 'public_r1,public', \%new_app);
sleep 2;
stop_workload($new1);
my ($r0, $r1) = call("CALL mig_rollback($ddl)");
is($node->safe_psql('postgres', $snapshot), $before,
	'after the rollback the catalogs are as before the start');
is(differences('val', 0), 'missing 0, too many 0, val 0, qty 0, sku 0',
	'after the rollback the rows are as the old version expects');
sleep 2;

# 2. start again and complete: the old version's last instance stops
# right before the completion drops its shape
my ($s2, $s3) = call("CALL mig_start('r1', $ddl)");
my $new2 = start_workload('new', 'public_r1,public', \%new_app);
sleep 2;
stop_workload($old);
my ($c0, $c1) = call("CALL mig_complete($ddl)");
sleep 2;

# 3. the next revision, r2, builds an index: version 2, on public_r1, is
# now the old version and stops right before the completion drops its
# schema; version 3, on public_r2 (the same shape), the new one
$node->safe_psql('postgres', q{
SELECT mig_revision('items: an index on sku', $$
    SELECT mig_op_create_index('items', 'items_sku', '(sku)');
$$, 'SELECT mig_op_undo()', revision => 'r2');
});
my ($n0, $n1) = call("CALL mig_start('r2', $ddl)");
my $new3 = start_workload('next', 'public_r2,public', \%new_app);
sleep 2;
stop_workload($new2);
my ($d0, $d1) = call("CALL mig_complete($ddl)");
sleep 2;
stop_workload($new3);
note(sprintf('start with backfill %.1f s, rollback %.1f s, start again %.1f s, complete %.1f s, '
	  . 'start of the index %.1f s, its completion %.1f s',
	$s1 - $s0, $r1 - $r0, $s3 - $s2, $c1 - $c0, $n1 - $n0, $d1 - $d0));
check_workload($old, [ 'the first start', $s0, $s1 ],
	[ 'the rollback and the second after it', $r0, $r1 + 1 ], [ 'the second start', $s2, $s3 ]);
check_workload($new1, [ 'the first start\'s end to the rollback', $s1, $r0 ]);
check_workload($new2, [ 'the completion and the second after it', $c0, $c1 + 1 ],
	[ 'the start of the next revision', $n0, $n1 ]);
check_workload($new3, [ 'the next revision\'s completion and the second after it', $d0, $d1 + 1 ]);
is(differences('amount', 1), 'missing 0, too many 0, amount 0, qty 0, sku 0',
	'after the completion the rows are as the new version expects');
is($node->safe_psql('postgres', q{
SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod)
                  || CASE WHEN attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY attnum)
FROM pg_attribute WHERE attrelid = 'items'::regclass AND attnum > 0 AND NOT attisdropped}),
	'id bigint not null, amount integer not null, qty bigint not null, sku text not null',
	'the table has the new shape');
is($node->safe_psql('postgres', q{
SELECT (SELECT string_agg(conname || ' ' || contype::text, ', ') FROM pg_constraint
        WHERE conrelid = 'items'::regclass AND contype <> 'n')
    || ' / ' || (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'items'::regclass AND NOT tgisinternal)
    || ' / ' || (SELECT string_agg(attname, ', ' ORDER BY attnum) FROM pg_attribute
                 WHERE attrelid = 'public_r2.items'::regclass)
    || ' / ' || (SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_sku'::regclass)
    || ' / ' || (to_regnamespace('public_r1') IS NULL)}),
	'items_pkey p / 0 / id, amount, qty, sku / true / true',
	'no constraint or trigger of the expand is left, the version schema shows the new shape, '
	  . 'the index is valid, the previous version schema is gone');
is($node->safe_psql('postgres',
		q{SELECT string_agg(revision || ' ' || direction, ', ' ORDER BY id) FROM mig_log}),
	'r1 upgrade, r1 backfill, r1 downgrade, r1 upgrade, r1 backfill, r1 complete, r2 upgrade, r2 complete',
	'each step logged');

$node->stop;
done_testing();
