# Expand/contract under load (scaffolding: the workloads run while nothing
# changes).
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

# start_workload(name, search_path, scripts): pgbench runs of 2 s one after
# another, until stop_workload; two clients, 100 transactions a second in
# all, sessions with that search_path and lock_timeout = bound, each
# transaction's latency logged
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
	local $ENV{PGOPTIONS} = ($ENV{PGOPTIONS} // '')
	  . " -c search_path=$path -c lock_timeout=${bound_ms}ms";
	local $ENV{PGAPPNAME} = $name;
	$w{h} = IPC::Run::start(
		[
			'bash', '-c', $loop, 'workload', $dir,
			'-n', '-c', '2', '-j', '1', '-T', '2', '-R', '100',
			'-h', $node->host, '-p', $node->port, @files, 'postgres'
		],
		'2>', \$w{err});
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
    SELECT format('constraint %s %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(co.oid), convalidated)
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

# the rows of items that differ from what the workloads' records make
# expected: each initial row with its updates added, each inserted row;
# names the old columns val and qty, or new ones (amount, qty, total)
sub differences
{
	my ($amount, $total) = @_;
	my $total_check = $total ? 'OR i.total IS DISTINCT FROM e.amount * e.qty' : '';
	return $node->safe_psql('postgres', qq{
WITH u AS (SELECT id, count(*) AS n FROM wl.done WHERE op = 'update' GROUP BY id),
e AS (SELECT g AS id, g + coalesce(n, 0) AS amount, g % 1000 + coalesce(n, 0) AS qty
      FROM generate_series(1, $rows) g LEFT JOIN u ON u.id = g
      UNION ALL
      SELECT id, id, id % 1000 FROM wl.done WHERE op = 'insert')
SELECT count(*) FROM e FULL JOIN items i USING (id)
WHERE i.$amount IS DISTINCT FROM e.amount OR i.qty IS DISTINCT FROM e.qty $total_check});
}

# scaffolding: the same workload through the table and through a schema of
# views, while nothing changes
my $before = $node->safe_psql('postgres', $snapshot);
$node->safe_psql('postgres', q{
CREATE SCHEMA v1;
CREATE VIEW v1.items WITH (security_invoker) AS SELECT * FROM public.items;
});
my $t0 = time();
my $old = start_workload('old', 'public', \%old_app);
my $new = start_workload('new', 'v1', \%old_app);
sleep 3;
my $t1 = time();
stop_workload($old);
stop_workload($new);
check_workload($old, [ 'the wait', $t0, $t1 ]);
check_workload($new, [ 'the wait', $t0, $t1 ]);
is(differences('val', 0), '0', 'the rows are as the workloads expect');
$node->safe_psql('postgres', 'DROP SCHEMA v1 CASCADE');
is($node->safe_psql('postgres', $snapshot), $before, 'the schema is as before');

$node->stop;
done_testing();
