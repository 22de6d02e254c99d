/*-------------------------------------------------------------------------
 *
 * deploy.c
 *	  CALL mig_deploy: a move to a target that commits after each step.
 *
 * The procedure holds the session's advisory lock of the install from the
 * plan to its end (released on error too), plans and parses everything
 * first, then runs each step and commits it with its version rows and log
 * row.  A transactional step runs through SPI in a subtransaction of its
 * own transaction, so that a lock timeout rolls it back and it can be
 * tried again; each statement of a non-transactional step runs top-level
 * in a background worker (worker.c) while this backend holds no snapshot,
 * and the step is recorded once they all succeeded.  A step that fails
 * leaves the steps before it committed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
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

/*
 * worker_statement: run one statement of a non-transactional step in a
 * background worker, again after each lock timeout while retries are left
 * (a MigExec; arg is the MigDeployOptions).
 */
static void
worker_statement(const char *sql, void *arg)
{
	const MigDeployOptions *opt = arg;
	ErrorData  *error;

	for (int attempt = 0; (error = worker_run(sql, opt->lock_timeout)) != NULL; attempt++)
		if (!retry_after(error->sqlerrcode, attempt, opt))
			ThrowErrorData(error);
}

/*
 * transactional_step: run step st (body b) and record it in a
 * subtransaction, under lock_timeout when given, again after each lock
 * timeout while retries are left.
 */
static void
transactional_step(MigRun *run, const MigStep *st, MigBody *b, const MigDeployOptions *opt)
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
			if (opt->lock_timeout >= 0)
			{
				char		timeout[32];

				snprintf(timeout, sizeof(timeout), "%d", opt->lock_timeout);
				(void) set_config_option("lock_timeout", timeout, PGC_USERSET,
										 PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
			}
			runner_step(run, st, b, NULL, NULL);
			record_finish(&run->rec);
			ReleaseCurrentSubTransaction();
			done = true;
		}
		PG_CATCH();
		{
			ErrorData  *error;

			MemoryContextSwitchTo(cxt);
			error = CopyErrorData();
			FlushErrorState();
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(cxt);
			CurrentResourceOwner = owner;
			record_forget(&run->rec);
			if (!retry_after(error->sqlerrcode, attempt, opt))
				ReThrowError(error);
		}
		PG_END_TRY();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
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
			{
				runner_step(&run, st, b, worker_statement, (void *) opt);
				record_finish(&run.rec);
			}
			else
				transactional_step(&run, st, b, opt);
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
