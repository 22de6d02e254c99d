# Production deploys with real concurrent sessions: CALL mig_deploy builds
# an index CONCURRENTLY on a table of 1,000,000 rows while another session
# keeps inserting, where mig_upgrade refuses the plan; an ALTER TABLE
# waiting for a lock held 2 s is retried under lock_timeout while a reader
# is never queued behind it for long; a unique index over duplicates fails
# with 23505, leaves an invalid index that mig_validate reports, and the
# deploy finishes once it is fixed; the downgrade drops the index
# concurrently.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use MigTest qw(background_psql);

my $node = PostgreSQL::Test::Cluster->new('deploy');
$node->init;
$node->start;

# timings are taken inside the server: each insert or read in its own
# transaction, its start and duration logged
$node->safe_psql('postgres', q{
CREATE EXTENSION mig_ext;
CREATE TABLE big (id bigint GENERATED ALWAYS AS IDENTITY, v int);
INSERT INTO big (v) SELECT g FROM generate_series(1, 1000000) g;
VACUUM ANALYZE big;
CREATE TABLE took (who text, at timestamptz, took interval);
CREATE PROCEDURE writer() LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
BEGIN
    WHILE NOT EXISTS (SELECT FROM mig_version) AND clock_timestamp() < now() + interval '5 min' LOOP
        t0 := clock_timestamp();
        INSERT INTO big (v) VALUES (-1);
        INSERT INTO took VALUES ('writer', t0, clock_timestamp() - t0);
        COMMIT;
        PERFORM pg_sleep(0.01);
    END LOOP;
END
$$;
CREATE PROCEDURE reader(secs float8) LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    stop timestamptz := clock_timestamp() + make_interval(secs => secs);
BEGIN
    WHILE clock_timestamp() < stop LOOP
        t0 := clock_timestamp();
        PERFORM FROM big LIMIT 1;
        INSERT INTO took VALUES ('reader', t0, clock_timestamp() - t0);
        COMMIT;
        PERFORM pg_sleep(0.02);
    END LOOP;
END
$$;
SELECT mig_revision('index big by v', 'CREATE INDEX CONCURRENTLY big_v ON big (v)',
                    'DROP INDEX CONCURRENTLY big_v', revision => 'c1', down_revision => '{}',
                    transactional => false);
});

# 1. mig_upgrade refuses the plan before any step and changes nothing
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"\\set VERBOSITY verbose\nSELECT * FROM mig_upgrade()");
isnt($ret, 0, 'mig_upgrade refuses a plan with a non-transactional step');
like($stderr, qr/ERROR:  25001: the plan contains non-transactional revision c1/, 'with 25001');
like($stderr, qr/HINT:  Deploy with CALL mig_deploy\('head'\)/, 'and the hint naming CALL mig_deploy');
is($node->safe_psql('postgres', q{SELECT (SELECT count(*) FROM mig_version), (SELECT count(*) FROM mig_log),
  to_regclass('big_v') IS NULL}), '0|0|t', 'nothing changed');

# 2. CALL mig_deploy builds the index while the writer keeps inserting
my ($writer, $writer_err) = background_psql($node, 'CALL writer()');
$node->poll_query_until('postgres', q{SELECT count(*) > 10 FROM took WHERE who = 'writer'})
  or die 'the writer did not start';
my ($deploy, $deploy_err) = background_psql($node, 'CALL mig_deploy()');
# while the worker builds the index, the caller holds the migration lock
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity
  WHERE backend_type = 'mig_ext statement' AND query = 'mig_ext: statement 1 of 1 in the upgrade of revision c1'})
  or die 'the worker did not start';
($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET lock_timeout = '100ms'; SELECT mig_stamp('c1')");
like($stderr, qr/canceling statement due to lock timeout/,
	'the migration lock is held while a worker runs a statement');
ok($deploy->finish, 'CALL mig_deploy() builds the index concurrently');
$writer->finish;
is($$writer_err, '', 'the writer saw no error');
like($$deploy_err, qr/NOTICE:  running upgrade  -> c1/, 'the step notice reached the caller');
is($node->safe_psql('postgres', q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_v'::regclass}),
	't', 'the index is valid');
is($node->safe_psql('postgres', q{SELECT string_agg(revision, ',') FROM mig_version}), 'c1', 'version row c1');
is($node->safe_psql('postgres', q{SELECT string_agg(revision || ' ' || direction || ' ' || to_revisions::text, ',') FROM mig_log}),
	'c1 upgrade {c1}', 'one log row');
# the writer went on inserting during the build, never waiting for a
# sizeable part of it
my $during = q{FROM took t, mig_log l WHERE t.who = 'writer' AND l.revision = 'c1'
  AND t.at BETWEEN l.started_at AND l.started_at + l.duration};
note($node->safe_psql('postgres',
	"SELECT 'build ' || min(l.duration) || ', inserts during it ' || count(*) || ', longest ' || max(t.took) $during"));
cmp_ok($node->safe_psql('postgres', "SELECT count(*) $during"), '>', 0,
	'the writer inserted rows during the build');
is($node->safe_psql('postgres', "SELECT max(t.took) < min(l.duration) / 2 $during"), 't',
	'no insert waited for half the build');
is($node->safe_psql('postgres', q{SET enable_seqscan = off; SELECT count(*) FROM big WHERE v = -1})
	  , $node->safe_psql('postgres', q{SET enable_indexscan = off; SET enable_bitmapscan = off;
  SELECT count(*) FROM big WHERE v = -1}), 'the index holds the rows inserted during the build');

# 3. lock timeout with retries: a session holds a lock on big for 2 s
$node->safe_psql('postgres', q{
SELECT mig_revision('a note', 'ALTER TABLE big ADD COLUMN note text',
                    'ALTER TABLE big DROP COLUMN note', revision => 'c2')});
my ($holder) = background_psql($node, 'BEGIN; SELECT FROM big LIMIT 1; SELECT pg_sleep(2); COMMIT');
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM pg_locks
  WHERE relation = 'big'::regclass AND granted AND pid <> pg_backend_pid()})
  or die 'the lock holder did not start';
my ($reader, $reader_err) = background_psql($node, 'CALL reader(3.5)');
($ret, $stdout, $stderr) = $node->psql('postgres',
	"CALL mig_deploy(lock_timeout => '100ms', max_retries => 50)");
is($ret, 0, 'the ALTER TABLE succeeds after retries');
like($stderr, qr/NOTICE:  could not obtain a lock within lock_timeout, retry 1 of 50/,
	'a NOTICE per retry');
$holder->finish;
$reader->finish;
is($$reader_err, '', 'the reader saw no error');
is($node->safe_psql('postgres', q{SELECT string_agg(revision, ',') FROM mig_version}), 'c2', 'version row c2');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_attribute WHERE attrelid = 'big'::regclass AND attname = 'note'}),
	'1', 'the column exists');
# without lock_timeout the ALTER would queue every read for the rest of
# the 2 s; with it, a read waits for one attempt at most (100 ms; 1 s
# leaves room for a loaded machine)
note($node->safe_psql('postgres',
	q{SELECT 'reads ' || count(*) || ', longest ' || max(took) FROM took WHERE who = 'reader'}));
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM took WHERE who = 'reader'}), '>', 10,
	'the reader kept reading');
is($node->safe_psql('postgres', q{SELECT max(took) < interval '1 s' FROM took WHERE who = 'reader'}),
	't', 'no read was queued behind the ALTER for long');

# 4. a unique index over duplicates: 23505, the version rows stay, the
# invalid index is reported; after the fix the deploy finishes
$node->safe_psql('postgres', q{
SELECT mig_revision('unique v', 'CREATE UNIQUE INDEX CONCURRENTLY big_v_key ON big (v)',
                    'DROP INDEX CONCURRENTLY big_v_key', revision => 'c3', transactional => false)});
($ret, $stdout, $stderr) = $node->psql('postgres', "\\set VERBOSITY verbose\nCALL mig_deploy()");
isnt($ret, 0, 'the unique index fails');
like($stderr, qr/ERROR:  23505: could not create unique index "big_v_key"/, 'with 23505');
like($stderr, qr/statement 1 of 1 in the upgrade of revision c3/, 'naming the revision and statement');
is($node->safe_psql('postgres', q{SELECT string_agg(revision, ',') FROM mig_version}), 'c2',
	'the version rows stay at the previous revision');
like($node->safe_psql('postgres', q{SELECT problem || ': ' || detail FROM mig_validate()}),
	qr/^invalid index: Index big_v_key on table big is invalid/, 'mig_validate reports the invalid index');
$node->safe_psql('postgres', q{DELETE FROM big WHERE v = -1; DROP INDEX big_v_key});
($ret, $stdout, $stderr) = $node->psql('postgres', 'CALL mig_deploy()');
is($ret, 0, 'after the fix CALL mig_deploy() finishes');
is($node->safe_psql('postgres', q{SELECT string_agg(revision, ',') FROM mig_version}), 'c3', 'version row c3');
is($node->safe_psql('postgres', q{SELECT count(*) FROM mig_validate()}), '0', 'mig_validate finds nothing');

# 5. the downgrade drops the indexes concurrently
($ret, $stdout, $stderr) = $node->psql('postgres', q{CALL mig_deploy('base')});
is($ret, 0, 'CALL mig_deploy(\'base\') downgrades');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_index WHERE indrelid = 'big'::regclass}),
	'0', 'the indexes are gone');
is($node->safe_psql('postgres', q{SELECT count(*) FROM mig_version}), '0', 'no version rows');
is($node->safe_psql('postgres', q{SELECT string_agg(revision || ' ' || direction, ',' ORDER BY id) FROM mig_log WHERE direction = 'downgrade'}),
	'c3 downgrade,c2 downgrade,c1 downgrade', 'each downgrade logged');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'}),
	'0', 'the migration lock is released');

$node->stop;
done_testing();
