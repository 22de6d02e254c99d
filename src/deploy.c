/*-------------------------------------------------------------------------
 *
 * deploy.c
 *	  CALL mig_deploy: a move to a target that commits after each step.
 *
 * The procedure first ends the CALL's transaction, so that it waits for
 * the session's advisory lock of the install holding no snapshot (within
 * its lock_timeout), holds that lock from the plan to its end (released
 * on error too), plans and parses everything first, then runs each step
 * and commits it with its version rows and log row.  A transactional step
 * runs through SPI in a subtransaction of its own transaction, under
 * statement_timeout, so that a lock timeout rolls it back and it can be
 * tried again; each statement of a non-transactional step runs top-level
 * in a background worker (worker.c) while this backend holds no snapshot,
 * and the step is recorded once they all succeeded and every index they
 * build is valid.  An invalid index a step's CREATE INDEX CONCURRENTLY
 * left (after a lock timeout, or in an earlier call that failed or was
 * cut short) is dropped concurrently before it runs again.  A step that
 * fails leaves the steps before it committed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/wait_event.h"

#include "deploy.h"
#include "runner.h"
#include "worker.h"

/* The backoff before retry n (0-based) is up to this times 2^n ms... */
#define DEPLOY_BACKOFF_BASE_MS	50
/* ... and never more than this. */
#define DEPLOY_BACKOFF_MAX_MS	10000

/*
 * retry_after: whether to retry after an error with sqlerrcode on attempt
 * (0-based); if so, say so in a NOTICE and wait the backoff: exponential,
 * with jitter, so that retries do not fall in step with the lock holder's.
 */
static bool
retry_after(int sqlerrcode, int attempt, const MigDeployOptions *opt)
{
	long		delay;
	TimestampTz until;

	if (sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE || attempt >= opt->max_retries)
		return false;
	delay = Min((long) DEPLOY_BACKOFF_BASE_MS << Min(attempt, 16), DEPLOY_BACKOFF_MAX_MS);
	delay = delay / 2 + (long) (pg_prng_double(&pg_global_prng_state) * (delay / 2));
	ereport(NOTICE,
			(errmsg("could not obtain a lock within lock_timeout, retry %d of %d in %ld ms",
					attempt + 1, opt->max_retries, delay)));
	until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), delay);
	while ((delay = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until)) > 0)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 delay, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	return true;
}

/* What the statements of a non-transactional step run with. */
typedef struct WorkerStep
{
	const MigDeployOptions *opt;
	const MigStep *st;
	const MigRev *rev;
	const char *qindex;			/* set by built_index: the index, quoted */
} WorkerStep;

/*
 * built_index: the index that statement i of b (a CREATE INDEX
 * CONCURRENTLY naming it) builds, if it exists (InvalidOid if not); its
 * qualified name, quoted, in ws->qindex.  It is in its table's schema.
 */
static Oid
built_index(const MigBody *b, int i, WorkerStep *ws)
{
	Oid			table;
	Oid			nsp;
	Oid			index;

	if (b->index_name[i] == NULL)
		return InvalidOid;
	/* see what the workers committed */
	AcceptInvalidationMessages();
	table = RangeVarGetRelid(b->index_table[i], NoLock, true);
	if (!OidIsValid(table))
		return InvalidOid;
	nsp = get_rel_namespace(table);
	ws->qindex = quote_qualified_identifier(get_namespace_name(nsp), b->index_name[i]);
	index = get_relname_relid(b->index_name[i], nsp);
	return get_rel_relkind(index) == RELKIND_INDEX ? index : InvalidOid;
}

/* index_is_valid: whether index can be used by queries (indisvalid). */
static bool
index_is_valid(Oid index)
{
	HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
	bool		valid;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for index %u", index);
	valid = ((Form_pg_index) GETSTRUCT(tup))->indisvalid;
	ReleaseSysCache(tup);
	return valid;
}

/*
 * worker_attempt: one attempt at statement i of b in a background worker:
 * first drop concurrently the invalid index an earlier attempt at it left
 * (a CREATE INDEX CONCURRENTLY stopped part-way, which would otherwise
 * fail with 42P07 or, with IF NOT EXISTS, skip it), then the statement.
 * Returns the error of either, NULL when both succeeded.
 */
static ErrorData *
worker_attempt(const MigBody *b, int i, WorkerStep *ws)
{
	Oid			index = built_index(b, i, ws);
	char	   *activity = psprintf("mig_ext: statement %d of %d in the %s of revision %s",
									i + 1, b->nstmts, plan_direction_name(ws->st->direction),
									ws->rev->id);
	ErrorData  *error;

	if (OidIsValid(index) && !index_is_valid(index))
	{
		ereport(NOTICE,
				(errmsg("dropping invalid index %s, left by an earlier attempt at this statement, to build it again",
						ws->qindex)));
		error = worker_run(psprintf("DROP INDEX CONCURRENTLY %s", ws->qindex), activity,
						   ws->opt->lock_timeout);
		if (error != NULL)
			return error;
	}
	return worker_run(b->stmts[i], activity, ws->opt->lock_timeout);
}

/*
 * worker_statement: run statement i of body b, of a non-transactional
 * step, in a background worker, again after each lock timeout while
 * retries are left (a MigExec; arg is the WorkerStep); then refuse to go
 * on when the index it builds is invalid.
 */
static void
worker_statement(const MigBody *b, int i, void *arg)
{
	WorkerStep *ws = arg;
	ErrorData  *error;
	Oid			index;

	for (int attempt = 0; (error = worker_attempt(b, i, ws)) != NULL; attempt++)
		if (!retry_after(error->sqlerrcode, attempt, ws->opt))
			ThrowErrorData(error);
	index = built_index(b, i, ws);
	if (OidIsValid(index) && !index_is_valid(index))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index %s is invalid after the statement", ws->qindex),
				 errdetail("The step is not recorded: its index cannot be used."),
				 errhint("Run DROP INDEX CONCURRENTLY %s; then CALL mig_deploy() again.  mig_validate() lists every invalid index.",
						 ws->qindex)));
}

/*
 * worker_step: run step st (body b), a non-transactional one, statement
 * by statement in background workers, and record it.
 */
static void
worker_step(MigRun *run, const MigStep *st, MigBody *b, const MigDeployOptions *opt)
{
	WorkerStep	ws;

	ws.opt = opt;
	ws.st = st;
	ws.rev = &run->g->revs[st->rev];
	ws.qindex = NULL;
	runner_step(run, st, b, worker_statement, &ws);
	record_finish(&run->rec);
}

/*
 * deploy_set_lock_timeout: mig_deploy's lock_timeout, when given, for the rest
 * of the transaction.
 */
void
deploy_set_lock_timeout(const MigDeployOptions *opt)
{
	char		timeout[32];

	if (opt->lock_timeout < 0)
		return;
	snprintf(timeout, sizeof(timeout), "%d", opt->lock_timeout);
	(void) set_config_option("lock_timeout", timeout, PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
}

/*
 * deploy_retrying: run work(arg) in a subtransaction, under lock_timeout
 * when given and statement_timeout, again after each lock timeout while
 * retries are left; rec (when not NULL) forgets the log rows a failed
 * attempt queued.
 */
void
deploy_retrying(void (*work) (void *arg), void *arg, MigRecorder *rec,
				const MigDeployOptions *opt)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	bool		done = false;

	for (int attempt = 0; !done; attempt++)
	{
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(cxt);
		PG_TRY();
		{
			deploy_set_lock_timeout(opt);
			if (StatementTimeout > 0)
				enable_timeout_after(STATEMENT_TIMEOUT, StatementTimeout);
			work(arg);
			disable_timeout(STATEMENT_TIMEOUT, false);
			ReleaseCurrentSubTransaction();
			done = true;
		}
		PG_CATCH();
		{
			ErrorData  *error;

			disable_timeout(STATEMENT_TIMEOUT, false);
			MemoryContextSwitchTo(cxt);
			error = CopyErrorData();
			FlushErrorState();
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(cxt);
			CurrentResourceOwner = owner;
			if (rec != NULL)
				record_forget(rec);
			if (!retry_after(error->sqlerrcode, attempt, opt))
				ReThrowError(error);
		}
		PG_END_TRY();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
}

/* A transactional step, as deploy_retrying's work. */
typedef struct DeployStep
{
	MigRun	   *run;
	const MigStep *st;
	MigBody    *b;
} DeployStep;

/* step_work: run a DeployStep and record it. */
static void
step_work(void *arg)
{
	DeployStep *ds = arg;

	runner_step(ds->run, ds->st, ds->b, NULL, NULL);
	record_finish(&ds->run->rec);
}

/*
 * deploy_transactional_step: run step st (body b) and record it in a
 * subtransaction, retried as deploy_retrying does.
 */
void
deploy_transactional_step(MigRun *run, const MigStep *st, MigBody *b, const MigDeployOptions *opt)
{
	DeployStep	ds = {run, st, b};

	deploy_retrying(step_work, &ds, &run->rec, opt);
}

/*
 * deploy_in_workers: run each statement of b, for step st, top-level in
 * a background worker, as those of a non-transactional step run (retries,
 * invalid indexes dropped and refused), recording nothing.
 */
void
deploy_in_workers(MigRun *run, const MigStep *st, const MigBody *b, const MigDeployOptions *opt)
{
	WorkerStep	ws;

	ws.opt = opt;
	ws.st = st;
	ws.rev = &run->g->revs[st->rev];
	ws.qindex = NULL;
	for (int i = 0; i < b->nstmts; i++)
		worker_statement(b, i, &ws);
}

/*
 * deploy_run: move the catalog of fn_oid to target, a step per
 * transaction; the caller is a procedure called outside any transaction
 * block, not yet connected to SPI.
 */
void
deploy_run(Oid fn_oid, const char *target, const MigDeployOptions *opt)
{
	MigRun		run;
	MemoryContext callcxt;
	MemoryContext stepcxt;

	SPI_connect_ext(SPI_OPT_NONATOMIC);
	/*
	 * End the CALL's transaction and its snapshot before waiting for the
	 * lock: a worker of the CALL holding it may be waiting for snapshots.
	 * statement_timeout counts for each statement, not for the CALL.
	 */
	SPI_commit();
	disable_timeout(STATEMENT_TIMEOUT, false);
	deploy_set_lock_timeout(opt);
	/* the procedure's SPI context lives across the commits */
	callcxt = CurrentMemoryContext;
	stepcxt = AllocSetContextCreate(callcxt, "mig_deploy step", ALLOCSET_DEFAULT_SIZES);
	memset(&run, 0, sizeof(run));
	PG_TRY();
	{
		ListCell   *lc;
		int			i = 0;
		MigBody   **bodies = runner_prepare(&run, fn_oid, target, NULL, true);

		/* end the planning transaction: no snapshot is held from here */
		SPI_commit();
		foreach(lc, run.steps)
		{
			MigStep    *st = lfirst(lc);
			MigBody    *b = bodies[i++];

			MemoryContextSwitchTo(stepcxt);
			if (run.g->revs[st->rev].non_transactional)
				worker_step(&run, st, b, opt);
			else
				deploy_transactional_step(&run, st, b, opt);
			MemoryContextSwitchTo(callcxt);
			SPI_commit();
			MemoryContextSwitchTo(callcxt);
			MemoryContextReset(stepcxt);
		}
	}
	PG_FINALLY();
	{
		runner_unlock_session(&run);
	}
	PG_END_TRY();
	MemoryContextDelete(stepcxt);
	SPI_finish();
}
