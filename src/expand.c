/*-------------------------------------------------------------------------
 *
 * expand.c
 *	  Expand and contract: CALL mig_start, mig_complete, mig_rollback, and
 *	  what the operations (mig_op_*) ask of the running body.
 *
 * mig_start upgrades through the runner as CALL mig_deploy does (the
 * session's lock, a plan, a step per transaction retried after lock
 * timeouts) and runs the last step's body in start mode: its operations
 * run their expand halves only and record themselves in mig_expand_ops.
 * In the same transaction the version schema and the sync triggers are
 * made (mig_expand_finish, SQL) and the started revision is recorded in
 * mig_expand_state; then its indexes are built concurrently in background
 * workers, and its new columns backfilled by ranges of pages, a
 * transaction each.  mig_complete validates the new constraints, a
 * transaction each, then runs the contract halves in one; mig_rollback
 * undoes the expand halves and runs the revision's downgrade body in undo
 * mode (its operations do nothing), moving the version rows back.  The DDL
 * of each half is built by the extension's SQL and runs with the caller's
 * rights; the mig_expand_* tables are read and written through
 * catalog.c, as their owner.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "commands/tablecmds.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parser.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timeout.h"

#include "compat.h"
#include "expand.h"
#include "privilege.h"
#include "rehearse.h"
#include "runner.h"
#include "spi_exec.h"

/* How the operations of the running body run. */
typedef enum ExpandMode
{
	EXPAND_FULL,				/* both halves at once (mig_upgrade) */
	EXPAND_START,				/* the expand half (mig_start) */
	EXPAND_UNDO					/* nothing: mig_rollback undoes them */
} ExpandMode;

static ExpandMode expand_mode = EXPAND_FULL;

/*
 * expand_mark_started: the reports show the started revision with
 * " (started)" after its message.
 */
void
expand_mark_started(MigCatalog *cat, MigGraph *g)
{
	MigStarted	s;
	int			rev;

	catalog_load_started(cat, &s);
	if (s.revision == NULL || (rev = graph_lookup_id(g, s.revision)) < 0)
		return;
	g->revs[rev].message = psprintf("%s (started)", g->revs[rev].message);
}

/* call_sql: run sql with text parameters as the caller; SPI's result code. */
static int
call_sql(const char *sql, int nargs, const char *const *args)
{
	Oid			types[8];
	Datum		values[8];
	char		nulls[8];
	int			rc;

	Assert(nargs <= 8);
	memset(nulls, ' ', sizeof(nulls));
	for (int i = 0; i < nargs; i++)
	{
		types[i] = TEXTOID;
		values[i] = args[i] ? CStringGetTextDatum(args[i]) : (Datum) 0;
		nulls[i] = args[i] ? ' ' : 'n';
	}
	rc = spi_exec_caller(sql, nargs, types, values, nulls, false);
	return rc;
}

/* column_texts: column col (1-based) of each row SPI returned, copied to cxt. */
static char **
column_texts(int col, MemoryContext cxt)
{
	char	  **out = MemoryContextAllocZero(cxt, sizeof(char *) * (SPI_processed + 1));

	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *v = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, col);

		out[i] = v ? MemoryContextStrdup(cxt, v) : NULL;
	}
	return out;
}

/* What the transaction that starts a revision needs. */
typedef struct StartWork
{
	MigRun	   *run;
	const MigStep *st;
	MigBody    *b;
	char	   *vs;				/* set: the version schema, NULL if none */
	char	   *base;			/* set: the schema of its tables */
} StartWork;

/*
 * finish_start: after the body of revision rev ran in start mode, when
 * it ran an operation: its version schema and sync triggers (and, with
 * record, the started revision recorded); returns the version schema, or
 * NULL, and the schema of its tables in *base.
 */
static char *
finish_start(MigRun *run, const char *rev, bool record, char **base)
{
	const char *args[3];
	char	   *previous;
	char	   *vs;

	*base = catalog_expand_schema_of(&run->cat, rev);
	if (*base == NULL)
		return NULL;
	vs = psprintf("%s_%s", *base, rev);
	if (strlen(vs) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("the version schema name \"%s\" is too long", vs),
				 errdetail("A version schema is named after its table's schema and its revision, and must be shorter than %d bytes.",
						   NAMEDATALEN),
				 errhint("Give the revision a shorter id.")));
	previous = catalog_expand_previous_schema(&run->cat, *base);
	args[0] = rev;
	args[1] = *base;
	args[2] = vs;
	call_sql(psprintf("SELECT %s.mig_expand_finish($1, $2, $3)", run->cat.qnsp), 3, args);
	if (record)
		catalog_expand_state_insert(&run->cat, rev, *base, vs, previous);
	return vs;
}

/* run_in_start_mode: run step st (body b) with its operations in start mode. */
static void
run_in_start_mode(MigRun *run, const MigStep *st, MigBody *b)
{
	expand_mode = EXPAND_START;
	PG_TRY();
	{
		runner_step(run, st, b, NULL, NULL);
	}
	PG_FINALLY();
	{
		expand_mode = EXPAND_FULL;
	}
	PG_END_TRY();
}

/*
 * start_work: the step's body in start mode, then (when it ran an
 * operation) its version schema and triggers, the started revision
 * recorded; the step recorded.
 */
static void
start_work(void *arg)
{
	StartWork  *sw = arg;

	run_in_start_mode(sw->run, sw->st, sw->b);
	sw->vs = finish_start(sw->run, sw->run->g->revs[sw->st->rev].id, true, &sw->base);
	record_finish(&sw->run->rec);
}

/* What one batch of a backfill runs. */
typedef struct BatchWork
{
	const char *update;
	int64		from;
	int64		to;
} BatchWork;

/* batch_work: one batch of a backfill. */
static void
batch_work(void *arg)
{
	BatchWork  *bw = arg;
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		values[2] = {Int64GetDatum(bw->from), Int64GetDatum(bw->to)};

	(void) spi_exec_caller(bw->update, 2, types, values, NULL, false);
}

/*
 * backfill: fill the new columns of revision rev for the rows the table
 * had before its triggers, batch_size rows (by the table's density) per
 * transaction; a NOTICE per tenth of each table, a mig_log row at the end.
 */
static void
backfill(MigRun *run, const char *rev, int batch_size, const MigDeployOptions *opt,
		 MemoryContext cxt)
{
	const char *args[2];
	char	  **tables;
	char	  **updates;
	char	  **pages;
	char	  **per_batch;
	uint64		n;
	TimestampTz started = GetCurrentTimestamp();

	args[0] = rev;
	args[1] = psprintf("%d", batch_size);
	call_sql(psprintf("SELECT table_name, update_sql, pages, pages_per_batch FROM %s.mig_expand_backfill_sql($1, $2::integer)",
					  run->cat.qnsp), 2, args);
	n = SPI_processed;
	tables = column_texts(1, cxt);
	updates = column_texts(2, cxt);
	pages = column_texts(3, cxt);
	per_batch = column_texts(4, cxt);
	SPI_commit();
	for (uint64 t = 0; t < n; t++)
	{
		BatchWork	bw;
		int64		npages = pg_strtoint64(pages[t]);
		int64		step = pg_strtoint64(per_batch[t]);
		int			tenth = 0;

		bw.update = updates[t];
		for (bw.from = 0; bw.from < npages; bw.from += step)
		{
			bw.to = Min(bw.from + step, npages);
			deploy_retrying(batch_work, &bw, NULL, opt);
			SPI_commit();
			if (bw.to * 10 / npages > tenth)
			{
				tenth = bw.to * 10 / npages;
				ereport(NOTICE,
						(errmsg("backfill of %s: %d%% (%lld of %lld pages)", tables[t], tenth * 10,
								(long long) bw.to, (long long) npages)));
			}
		}
	}
	catalog_expand_set_backfilled(&run->cat, rev);
	if (n > 0)
		catalog_expand_log(&run->cat, rev, "backfill", started);
	SPI_commit();
}

/*
 * build_indexes: the indexes of revision rev, concurrently, each in a
 * background worker, as mig_deploy builds them.
 */
static void
build_indexes(MigRun *run, const MigStep *st, const char *rev, const MigDeployOptions *opt)
{
	const char *args[1] = {rev};
	StringInfoData sql;
	MigBody    *b;

	call_sql(psprintf("SELECT pg_catalog.string_agg(statement, '; ') FROM %s.mig_expand_index_list($1)",
					  run->cat.qnsp), 1, args);
	initStringInfo(&sql);
	appendStringInfoString(&sql, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) ?: "");
	SPI_commit();
	if (sql.len == 0)
		return;
	b = body_split(sql.data, "the indexes of a started revision");
	deploy_in_workers(run, st, b, opt);
}

/*
 * expand_start: upgrade to target, the last step started (mig_start);
 * the caller is a procedure called outside any transaction block, not yet
 * connected to SPI.
 */
void
expand_start(Oid fn_oid, const char *target, int batch_size, const MigDeployOptions *opt)
{
	MigRun		run;
	MemoryContext callcxt;
	MemoryContext stepcxt;
	MigDirection up = MIG_UPGRADE;

	SPI_connect_ext(SPI_OPT_NONATOMIC);
	SPI_commit();
	disable_timeout(STATEMENT_TIMEOUT, false);
	deploy_set_lock_timeout(opt);
	callcxt = CurrentMemoryContext;
	stepcxt = AllocSetContextCreate(callcxt, "mig_start step", ALLOCSET_DEFAULT_SIZES);
	memset(&run, 0, sizeof(run));
	PG_TRY();
	{
		MigBody   **bodies = runner_prepare(&run, fn_oid, target, &up, true);
		int			nsteps = list_length(run.steps);
		StartWork	sw;

		/* runner_prepare refused if a revision is started */
		runner_set_lifecycle(true);
		if (nsteps == 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("nothing to start: %s is applied", target)));
		for (int i = 0; i < nsteps; i++)
		{
			MigRev	   *r = &run.g->revs[((MigStep *) list_nth(run.steps, i))->rev];

			if (r->non_transactional)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("the plan contains non-transactional revision %s", r->id),
						 errhint("Deploy up to the revision before the one to start with CALL mig_deploy() first.")));
		}
		SPI_commit();
		for (int i = 0; i < nsteps - 1; i++)
		{
			MemoryContextSwitchTo(stepcxt);
			deploy_transactional_step(&run, list_nth(run.steps, i), bodies[i], opt);
			MemoryContextSwitchTo(callcxt);
			SPI_commit();
			MemoryContextSwitchTo(callcxt);
			MemoryContextReset(stepcxt);
		}
		sw.run = &run;
		sw.st = llast(run.steps);
		sw.b = bodies[nsteps - 1];
		deploy_retrying(start_work, &sw, &run.rec, opt);
		MemoryContextSwitchTo(callcxt);
		SPI_commit();
		MemoryContextSwitchTo(callcxt);
		if (sw.vs != NULL)
		{
			const char *rev = run.g->revs[sw.st->rev].id;

			build_indexes(&run, sw.st, rev, opt);
			backfill(&run, rev, batch_size, opt, callcxt);
			ereport(NOTICE,
					(errmsg("revision %s is started: the new shape is in schema %s", rev, sw.vs),
					 errhint("Point the new application at it (search_path = %s, %s); CALL mig_complete() once no client uses the old shape.",
							 quote_identifier(sw.vs), quote_identifier(sw.base))));
		}
	}
	PG_FINALLY();
	{
		runner_set_lifecycle(false);
		expand_mode = EXPAND_FULL;
		runner_unlock_session(&run);
	}
	PG_END_TRY();
	MemoryContextDelete(stepcxt);
	SPI_finish();
}

/*
 * expand_rehearse_start: run step st of a rehearsal as mig_start runs it:
 * its operations' expand halves, its version schema and sync triggers,
 * its backfill (an UPDATE per table); whether it ran an operation, and in
 * *detail, in whole sentences, what ran otherwise (NULL: nothing).
 */
bool
expand_rehearse_start(MigRun *run, const MigStep *st, char **detail)
{
	const char *rev = run->g->revs[st->rev].id;
	const char *args[1] = {rev};
	char	   *said;
	char	   *base;
	char	  **updates;
	char	  **pages;
	char	  **indexes;
	StringInfoData d;

	expand_mode = EXPAND_START;
	PG_TRY();
	{
		said = rehearse_step(run, st, NULL);
	}
	PG_FINALLY();
	{
		expand_mode = EXPAND_FULL;
	}
	PG_END_TRY();
	*detail = said;
	if (finish_start(run, rev, false, &base) == NULL)
		return false;
	call_sql(psprintf("SELECT update_sql, pages FROM %s.mig_expand_backfill_sql($1, 1)", run->cat.qnsp),
			 1, args);
	updates = column_texts(1, CurrentMemoryContext);
	pages = column_texts(2, CurrentMemoryContext);
	for (int i = 0; updates[i] != NULL; i++)
	{
		BatchWork	bw = {updates[i], 0, pg_strtoint64(pages[i])};

		batch_work(&bw);
	}
	call_sql(psprintf("SELECT index_name FROM %s.mig_expand_index_list($1)", run->cat.qnsp), 1, args);
	indexes = column_texts(1, CurrentMemoryContext);
	initStringInfo(&d);
	appendStringInfoString(&d, said ? said : "");
	for (int i = 0; indexes[i] != NULL; i++)
		appendStringInfo(&d, "%sIndex %s was not built: mig_start builds it with CREATE INDEX CONCURRENTLY after this half's transaction, which lets writes go on.",
						 d.len > 0 ? " " : "", indexes[i]);
	*detail = d.len > 0 ? d.data : NULL;
	return true;
}

/* A relation and the strongest lock a statement list takes on it. */
typedef struct StatementLock
{
	char	   *rel;			/* qualified, quoted */
	LOCKMODE	mode;
} StatementLock;

/* add_lock: note mode on relid in *locks (a List of StatementLock *). */
static List *
add_lock(List *locks, Oid relid, LOCKMODE mode)
{
	ListCell   *lc;
	char	   *rel;

	if (!OidIsValid(relid))
		return locks;
	rel = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
	foreach(lc, locks)
	{
		StatementLock *sl = lfirst(lc);

		if (strcmp(sl->rel, rel) == 0)
		{
			sl->mode = Max(sl->mode, mode);
			return locks;
		}
	}
	{
		StatementLock *sl = palloc(sizeof(StatementLock));

		sl->rel = rel;
		sl->mode = mode;
		return lappend(locks, sl);
	}
}

/*
 * statement_locks: the relation locks statement sql (one of those the
 * contract halves run: ALTER TABLE, a rename, DROP) takes, as PostgreSQL
 * takes them, added to locks; read before it runs.
 */
static List *
statement_locks(List *locks, const char *sql)
{
	RawStmt    *raw = linitial_node(RawStmt, raw_parser(sql, RAW_PARSE_DEFAULT));
	Node	   *stmt = raw->stmt;

	if (IsA(stmt, AlterTableStmt))
		return add_lock(locks, RangeVarGetRelid(((AlterTableStmt *) stmt)->relation, NoLock, true),
						AlterTableGetLockLevel(((AlterTableStmt *) stmt)->cmds));
	if (IsA(stmt, RenameStmt))
		return add_lock(locks, RangeVarGetRelid(((RenameStmt *) stmt)->relation, NoLock, true),
						AccessExclusiveLock);
	if (IsA(stmt, DropStmt))
	{
		DropStmt   *drop = (DropStmt *) stmt;
		Node	   *object = linitial(drop->objects);

		if (drop->removeType == OBJECT_TABLE || drop->removeType == OBJECT_TRIGGER)
		{
			List	   *names = list_copy(castNode(List, object));

			if (drop->removeType == OBJECT_TRIGGER)
				names = list_truncate(names, list_length(names) - 1);
			return add_lock(locks, RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true),
							AccessExclusiveLock);
		}
		if (drop->removeType == OBJECT_SCHEMA)
		{
			Oid			nsp = get_namespace_oid(strVal(object), true);
			const char *args[1];
			char	  **rels;

			args[0] = psprintf("%u", nsp);
			call_sql("SELECT oid FROM pg_catalog.pg_class WHERE relnamespace = $1::pg_catalog.oid ORDER BY oid",
					 1, args);
			rels = column_texts(1, CurrentMemoryContext);
			for (int i = 0; rels[i] != NULL; i++)
				locks = add_lock(locks, (Oid) strtoul(rels[i], NULL, 10), AccessExclusiveLock);
		}
	}
	return locks;
}

/* compare_statement_locks: order StatementLocks by relation. */
static int
compare_statement_locks(const ListCell *a, const ListCell *b)
{
	return strcmp(((StatementLock *) lfirst(a))->rel, ((StatementLock *) lfirst(b))->rel);
}

/*
 * expand_rehearse_complete: run the complete half of step st (rehearsed
 * by expand_rehearse_start) as mig_complete runs it; the locks its
 * statements take, as "mode on relation" (char *) in order of relation: in
 * the rehearsal's transaction the start half holds its own already, so
 * they are read from the statements, before each runs.
 */
List *
expand_rehearse_complete(MigRun *run, const MigStep *st)
{
	const char *rev = run->g->revs[st->rev].id;
	const char *args[3];
	char	   *base;
	char	  **statements;
	List	   *locks = NIL;
	List	   *out = NIL;
	ListCell   *lc;

	base = catalog_expand_schema_of(&run->cat, rev);
	args[2] = catalog_expand_previous_schema(&run->cat, base);
	args[0] = rev;
	args[1] = psprintf("%s_%s", base, rev);
	call_sql(psprintf("SELECT s FROM %1$s.mig_expand_validate_list($1) AS s"
					  " UNION ALL SELECT s FROM %1$s.mig_expand_contract_sql($1, $2, $3) AS s",
					  run->cat.qnsp), 3, args);
	statements = column_texts(1, CurrentMemoryContext);
	for (int i = 0; statements[i] != NULL; i++)
	{
		locks = statement_locks(locks, statements[i]);
		call_sql(statements[i], 0, NULL);
	}
	list_sort(locks, compare_statement_locks);
	foreach(lc, locks)
	{
		StatementLock *sl = lfirst(lc);

		out = lappend(out, psprintf("%s on %s", GetLockmodeName(DEFAULT_LOCKMETHOD, sl->mode), sl->rel));
	}
	return out;
}

/* What the transaction that completes or rolls back a revision needs. */
typedef struct EndWork
{
	Oid			fn_oid;
	MigRun	   *run;			/* mig_rollback's */
	MigStarted	s;
} EndWork;

/*
 * lock_started: lock the catalog of fn_oid for the transaction and read
 * its started revision into *s; refuse when there is none.
 */
static void
lock_started(Oid fn_oid, MigCatalog *cat, MigStarted *s, const char *fname)
{
	catalog_open(cat, fn_oid);
	catalog_lock(cat);
	catalog_load_started(cat, s);
	if (s->revision == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s: no revision is started", fname),
				 errhint("CALL mig_start(target) starts one.")));
}

/* complete_work: the contract halves, recorded. */
static void
complete_work(void *arg)
{
	EndWork    *ew = arg;
	MigCatalog	cat;
	MigStarted	s;
	const char *args[3];
	TimestampTz started = GetCurrentTimestamp();

	lock_started(ew->fn_oid, &cat, &s, "mig_complete");
	if (strcmp(s.revision, ew->s.revision) != 0)
		runner_error_started(s.revision);
	args[0] = s.revision;
	args[1] = s.vs;
	args[2] = s.previous;
	call_sql(psprintf("SELECT %s.mig_expand_contract($1, $2, $3)", cat.qnsp), 3, args);
	catalog_expand_set_completed(&cat, s.revision);
	catalog_expand_log(&cat, s.revision, "complete", started);
	ereport(NOTICE,
			(errmsg("revision %s is complete", s.revision),
			 s.previous ? errdetail("Version schema %s is dropped.", s.previous) : 0));
}

/* Each VALIDATE of a completion, as deploy_retrying's work. */
typedef struct ValidateWork
{
	EndWork    *ew;
	const char *sql;
} ValidateWork;

/* one_validate: lock, check the revision is still started, validate. */
static void
one_validate(void *arg)
{
	ValidateWork *vw = arg;
	MigCatalog	cat;
	MigStarted	s;

	lock_started(vw->ew->fn_oid, &cat, &s, "mig_complete");
	if (strcmp(s.revision, vw->ew->s.revision) != 0)
		runner_error_started(s.revision);
	call_sql(vw->sql, 0, NULL);
}

/*
 * expand_complete: the contract halves of the started revision
 * (mig_complete): each constraint validated in a transaction of its own,
 * then the rest in one.
 */
void
expand_complete(Oid fn_oid, const MigDeployOptions *opt)
{
	EndWork		ew;
	MigCatalog	cat;
	char	  **validates;
	const char *args[1];
	MemoryContext callcxt;

	SPI_connect_ext(SPI_OPT_NONATOMIC);
	SPI_commit();
	disable_timeout(STATEMENT_TIMEOUT, false);
	deploy_set_lock_timeout(opt);
	callcxt = CurrentMemoryContext;
	memset(&ew, 0, sizeof(ew));
	ew.fn_oid = fn_oid;
	lock_started(fn_oid, &cat, &ew.s, "mig_complete");
	if (!ew.s.backfilled)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the backfill of revision %s did not finish", ew.s.revision),
				 errdetail("Some rows may lack the values of the new shape."),
				 errhint("CALL mig_rollback(), then CALL mig_start() again.")));
	args[0] = ew.s.revision;
	call_sql(psprintf("SELECT * FROM %s.mig_expand_validate_list($1)", cat.qnsp), 1, args);
	validates = column_texts(1, callcxt);
	SPI_commit();
	runner_set_lifecycle(true);
	PG_TRY();
	{
		for (int i = 0; validates[i] != NULL; i++)
		{
			ValidateWork vw = {&ew, validates[i]};

			deploy_retrying(one_validate, &vw, NULL, opt);
			MemoryContextSwitchTo(callcxt);
			SPI_commit();
			MemoryContextSwitchTo(callcxt);
		}
		deploy_retrying(complete_work, &ew, NULL, opt);
		MemoryContextSwitchTo(callcxt);
		SPI_commit();
	}
	PG_FINALLY();
	{
		runner_set_lifecycle(false);
	}
	PG_END_TRY();
	SPI_finish();
}

/*
 * rollback_work: the expand halves undone, the downgrade body run in
 * undo mode (moving the version rows back and logging it), the started
 * revision forgotten.
 */
static void
rollback_work(void *arg)
{
	EndWork    *ew = arg;
	MigRun	   *run = ew->run;
	MigDirection up = MIG_UPGRADE;
	const char *args[2];
	MigStep    *st;
	MigRev	   *r;
	int			rev;

	runner_set_lifecycle(true);
	memset(run, 0, sizeof(MigRun));
	lock_started(ew->fn_oid, &run->cat, &ew->s, "mig_rollback");
	(void) runner_prepare(run, ew->fn_oid, ew->s.revision, &up, false);
	rev = graph_lookup_id(run->g, ew->s.revision);
	r = &run->g->revs[rev];
	args[0] = ew->s.revision;
	args[1] = ew->s.vs;
	call_sql(psprintf("SELECT %s.mig_expand_undo($1, $2)", run->cat.qnsp), 2, args);
	if (r->downgrade == NULL)
		r->downgrade = "";		/* the operations undone: nothing else to run */
	st = plan_revision_step(run->g, &run->current, rev, MIG_DOWNGRADE);
	expand_mode = EXPAND_UNDO;
	PG_TRY();
	{
		runner_step(run, st, body_split_revision(r, MIG_DOWNGRADE), NULL, NULL);
	}
	PG_FINALLY();
	{
		expand_mode = EXPAND_FULL;
	}
	PG_END_TRY();
	catalog_expand_forget(&run->cat, ew->s.revision);
	record_finish(&run->rec);
}

/*
 * expand_rollback: undo the started revision (mig_rollback), in one
 * transaction.
 */
void
expand_rollback(Oid fn_oid, const MigDeployOptions *opt)
{
	EndWork		ew;
	MigRun		run;

	SPI_connect_ext(SPI_OPT_NONATOMIC);
	SPI_commit();
	disable_timeout(STATEMENT_TIMEOUT, false);
	deploy_set_lock_timeout(opt);
	memset(&ew, 0, sizeof(ew));
	ew.fn_oid = fn_oid;
	ew.run = &run;
	PG_TRY();
	{
		deploy_retrying(rollback_work, &ew, NULL, opt);
	}
	PG_FINALLY();
	{
		runner_set_lifecycle(false);
	}
	PG_END_TRY();
	SPI_commit();
	ereport(NOTICE, (errmsg("revision %s is rolled back", ew.s.revision)));
	SPI_finish();
}

/* running_revision: the revision whose body runs; fname refuses outside one. */
static const MigRev *
running_revision(const char *fname, MigDirection *direction)
{
	const MigRev *r = runner_running(direction);

	if (r == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s can only be called in a migration body", fname),
				 errdetail("An operation is run by mig_start, mig_upgrade or mig_deploy, as a statement of a revision's body."),
				 errhint("Register a revision whose body calls it: SELECT mig_revision('...', $$SELECT %s(...)$$).",
						 fname)));
	return r;
}

/*
 * expand_op_context: how the running body runs its operations: "start",
 * "full" or "undo"; fname (the operation) refuses outside a body.
 */
const char *
expand_op_context(const char *fname)
{
	MigDirection direction;

	(void) running_revision(fname, &direction);
	return expand_mode == EXPAND_START ? "start" : expand_mode == EXPAND_UNDO ? "undo" : "full";
}

/*
 * expand_op_record: record operation o (a mig_expand_ops row of type
 * type) of the running upgrade in the catalog of fn_oid (in a downgrade
 * body, an operation records nothing).
 */
void
expand_op_record(Oid fn_oid, Oid type, Datum o)
{
	MigDirection direction;
	const MigRev *r = running_revision("mig_op_record", &direction);
	MigCatalog	cat;

	if (direction != MIG_UPGRADE)
		return;
	SPI_connect();
	catalog_open(&cat, fn_oid);
	catalog_expand_record_op(&cat, r->id, type, o);
	SPI_finish();
}

/* expand_op_forget: forget the operations of the running revision. */
void
expand_op_forget(Oid fn_oid)
{
	MigDirection direction;
	const MigRev *r = running_revision("mig_op_forget", &direction);
	MigCatalog	cat;

	SPI_connect();
	catalog_open(&cat, fn_oid);
	catalog_expand_forget_ops(&cat, r->id);
	SPI_finish();
}

/*
 * expand_ops_of: the operations of revision (NULL: the running one) in
 * the catalog of fn_oid, in order, into tuplestore ts.
 */
void
expand_ops_of(Oid fn_oid, const char *revision, Tuplestorestate *ts)
{
	MigCatalog	cat;
	MigDirection direction;

	if (revision == NULL)
		revision = running_revision("mig_expand_ops_of", &direction)->id;
	SPI_connect();
	catalog_open(&cat, fn_oid);
	catalog_expand_ops(&cat, revision, ts);
	SPI_finish();
}
