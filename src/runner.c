/*-------------------------------------------------------------------------
 *
 * runner.c
 *	  Lock, plan, execute, record: every command that changes something.
 *
 * Each command takes the catalog's transaction-scoped lock (catalog_lock),
 * reads the catalog once, refuses edited bodies (validate.c), plans
 * completely (every body parsed, every version-row move checked), and only
 * then runs the steps, in the caller's transaction: if anything fails,
 * nothing of the call remains.
 * (CALL mig_deploy, in deploy.c, plans here under the session's lock and
 * runs each step here, committing between them.)
 * Bodies run with the caller's rights; the steps are recorded through
 * record.c, and every read and write of the mig_* tables goes through
 * catalog.c.  Registering revisions is register.c's job.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "drift.h"
#include "repeatable.h"
#include "runner.h"
#include "spi_exec.h"
#include "validate.h"
#include "verify.h"

/* What open_run loads besides the graph without bodies (flags). */
typedef enum RunLoad
{
	RUN_LOAD_BODIES = 1 << 0,	/* the graph with bodies */
	RUN_LOAD_VERSIONS = 1 << 1, /* the version rows (else none) */
	RUN_LOCK_SESSION = 1 << 2	/* the session's lock (else the
								 * transaction's) */
} RunLoad;

/* True while a migration body runs: mig_ext functions refuse then. */
static bool runner_busy = false;

/* True while mig_start, mig_complete or mig_rollback runs (src/expand.c). */
static bool runner_lifecycle = false;

/* The step whose body runs, while one does (the operations record it). */
static const MigRev *running_rev = NULL;
static MigDirection running_direction;

/* What a step is doing, for the error context. */
typedef enum BodyPhase
{
	PHASE_NONE,					/* between steps: no context line */
	PHASE_RUNNING,
	PHASE_VERIFYING,
	PHASE_RECORDING
} BodyPhase;

/* What the error context of a running body names. */
typedef struct BodyContext
{
	MigRev	   *rev;
	MigDirection direction;
	BodyPhase	phase;
	int			stmt;			/* 1-based, while running */
	int			nstmts;
} BodyContext;

/* runner_is_busy: whether a migration body is running. */
bool
runner_is_busy(void)
{
	return runner_busy;
}

/*
 * runner_running: the revision whose body runs (NULL: none), and in
 * *direction which of its bodies.
 */
const MigRev *
runner_running(MigDirection *direction)
{
	*direction = running_direction;
	return running_rev;
}

/*
 * runner_set_lifecycle: mark whether the expand/contract lifecycle runs:
 * its own steps go on while its revision is started, and its DDL is no
 * drift.
 */
void
runner_set_lifecycle(bool on)
{
	runner_lifecycle = on;
}

/* runner_in_lifecycle: whether mig_start, mig_complete or mig_rollback runs. */
bool
runner_in_lifecycle(void)
{
	return runner_lifecycle;
}

/* runner_error_started: refuse to go on while revision is started. */
void
runner_error_started(const char *revision)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("revision %s is started and not completed", revision),
			 errdetail("CALL mig_start started it: the old and the new shape of its tables are both in use."),
			 errhint("CALL mig_complete() once no client uses the old shape, or CALL mig_rollback() to undo it.")));
}

/*
 * runner_check_idle: refuse to run fname from inside a migration body,
 * where it would act on a catalog that the running command holds.
 */
void
runner_check_idle(const char *fname)
{
	if (runner_busy)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s cannot be called from inside a migration body", fname),
				 errdetail("A mig_ext command is running this body; mig_ext functions are not re-entrant."),
				 errhint("Register and run migrations from outside the bodies.")));
}

/*
 * body_error_context: names the revision and statement an error came from;
 * nothing between steps, so that the step notices carry no context.
 */
static void
body_error_context(void *arg)
{
	BodyContext *bc = (BodyContext *) arg;
	const char *dir = graph_direction_name(bc->direction);

	if (bc->phase == PHASE_RUNNING)
		errcontext("statement %d of %d in the %s of revision %s (\"%s\")",
				   bc->stmt, bc->nstmts, dir, bc->rev->id, bc->rev->message);
	else if (bc->phase == PHASE_VERIFYING)
		errcontext("verifying the upgrade of revision %s (\"%s\")",
				   bc->rev->id, bc->rev->message);
	else if (bc->phase == PHASE_RECORDING)
		errcontext("recording the %s of revision %s (\"%s\")",
				   dir, bc->rev->id, bc->rev->message);
}

/*
 * runner_mark_busy: from now on this process runs a migration body and
 * nothing else (a background worker of CALL mig_deploy): mig_ext functions
 * refuse.
 */
void
runner_mark_busy(void)
{
	runner_busy = true;
}

/*
 * open_run: open the catalog and its recorder, lock it (for the
 * transaction, or for the session when load says so), and load the graph
 * (with bodies when load says so) and the version rows (unless load says
 * to start from none, as a purge does).
 */
static void
open_run(MigRun *run, Oid fn_oid, int load)
{
	catalog_open(&run->cat, fn_oid);
	record_open(&run->rec, &run->cat);
	run->session_locked = false;
	if (load & RUN_LOCK_SESSION)
	{
		catalog_lock_session(&run->cat);
		run->session_locked = true;
	}
	else
		catalog_lock(&run->cat);
	if (!runner_lifecycle)
	{
		MigStarted	s;

		catalog_load_started(&run->cat, &s);
		if (s.revision != NULL)
			runner_error_started(s.revision);
	}
	run->g = catalog_load_graph(&run->cat, (load & RUN_LOAD_BODIES) ?
								MIG_LOAD_BODIES : MIG_LOAD_HEADERS);
	if (load & RUN_LOAD_VERSIONS)
		catalog_load_versions(&run->cat, run->g, &run->current);
	else
		graph_set_init(&run->current);
	run->steps = NIL;
}

/*
 * notice_step: Alembic's log line for a step; nothing to format when no
 * client or log would show it.
 */
static void
notice_step(MigGraph *g, const MigStep *st)
{
	/* the line is Alembic's, the same in offline scripts: not translated */
	if (message_level_is_interesting(NOTICE))
		ereport(NOTICE, (errmsg_internal("%s", plan_step_line(g, st))));
}

/*
 * runner_prepare: lock and load the catalog of fn_oid, validate its
 * bodies, act on DDL run outside mig_ext (mig_ext.on_drift) and plan the
 * move to target (in direction, or, when direction is NULL, in the
 * direction mig_plan finds), with, for an upgrade, the repeatable
 * revisions to run after it; then parse every body that will run, so that
 * a syntax error anywhere runs nothing.
 * run->steps holds the steps; returns their bodies, in the same order.
 * With session_lock the lock is the session's, released by the caller
 * (runner_unlock_session), else the transaction's.
 */
MigBody **
runner_prepare(MigRun *run, Oid fn_oid, const char *target, const MigDirection *direction,
			   bool session_lock)
{
	MigDirection found;
	MigBody   **bodies;
	ListCell   *lc;
	int			i = 0;

	open_run(run, fn_oid, RUN_LOAD_BODIES | RUN_LOAD_VERSIONS |
			 (session_lock ? RUN_LOCK_SESSION : 0));
	validate_bodies(&run->cat, run->g, &run->current);
	catalog_check_rows(&run->cat, run->g, &run->current);
	drift_enforce(&run->cat);
	run->steps = direction == NULL ?
		plan_move(run->g, &run->current, target, &found) :
		plan_migration(run->g, &run->current, target, *direction);
	if ((direction ? *direction : found) == MIG_UPGRADE)
		run->steps = repeatable_steps(&run->cat, run->g, &run->current, run->steps);
	bodies = palloc(sizeof(MigBody *) * Max(list_length(run->steps), 1));
	foreach(lc, run->steps)
	{
		MigStep    *st = lfirst(lc);

		bodies[i++] = body_split_revision(&run->g->revs[st->rev], st->direction);
	}
	return bodies;
}

/*
 * runner_unlock_session: release the session lock runner_prepare took, if
 * it took it (run zeroed before runner_prepare).
 */
void
runner_unlock_session(MigRun *run)
{
	if (run->session_locked)
		catalog_unlock_session(&run->cat);
	run->session_locked = false;
}

/*
 * spi_statement: run statement i of body b through SPI (a MigExec).
 */
static void
spi_statement(const MigBody *b, int i, void *arg)
{
	spi_exec_caller(b->stmts[i], 0, NULL, NULL, NULL, false);
	SPI_freetuptable(SPI_tuptable);
}

/*
 * run_body: run step st, whose body is b: its notice line, each statement
 * through exec (NULL: through SPI, in the current transaction, with the
 * caller's rights), an upgrade's verify body (through SPI), then move the
 * version rows and, when log says so,
 * queue the step's log row.  Errors name the revision and the statement.
 */
static void
run_body(MigRun *run, const MigStep *st, MigBody *b, MigExec exec, void *arg, bool log)
{
	ErrorContextCallback errcb;
	BodyContext bc;
	TimestampTz started = GetCurrentTimestamp();

	bc.direction = st->direction;
	bc.rev = &run->g->revs[st->rev];
	bc.nstmts = b->nstmts;
	bc.phase = PHASE_NONE;
	errcb.callback = body_error_context;
	errcb.arg = &bc;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	notice_step(run->g, st);
	bc.phase = PHASE_RUNNING;
	runner_busy = true;
	running_rev = bc.rev;
	running_direction = st->direction;
	PG_TRY();
	{
		for (bc.stmt = 1; bc.stmt <= b->nstmts; bc.stmt++)
			(exec ? exec : spi_statement) (b, bc.stmt - 1, arg);
		if (st->direction == MIG_UPGRADE)
		{
			bc.phase = PHASE_VERIFYING;
			verify_run(bc.rev);
		}
	}
	PG_FINALLY();
	{
		runner_busy = false;
		running_rev = NULL;
	}
	PG_END_TRY();
	bc.phase = PHASE_RECORDING;
	if (log)
		record_step(&run->rec, run->g, st, started,
					body_checksum(body_text(bc.rev, st->direction)));
	else
		catalog_move_rows(&run->cat, run->g, st);
	error_context_stack = errcb.previous;
}

/*
 * runner_step: run step st of run (planned by runner_prepare), whose body
 * is b, through exec (NULL: SPI), move the version rows and queue its log
 * row.
 */
void
runner_step(MigRun *run, const MigStep *st, MigBody *b, MigExec exec, void *arg)
{
	run_body(run, st, b, exec, arg, true);
}

/*
 * runner_rehearse_body: run step st of run, whose body is b, through exec
 * and move the version rows, logging nothing: for a rehearsal, whose
 * changes are all rolled back.
 */
void
runner_rehearse_body(MigRun *run, const MigStep *st, MigBody *b, MigExec exec, void *arg)
{
	run_body(run, st, b, exec, arg, false);
}

/*
 * runner_migrate: upgrade or downgrade to target in the caller's
 * transaction: plan, parse every body that will run, refuse
 * non-transactional revisions, then run each step's statements, move the
 * version rows and write the log.  run->steps holds the steps run.
 */
void
runner_migrate(MigRun *run, Oid fn_oid, MigDirection direction, const char *target)
{
	MigBody   **bodies = runner_prepare(run, fn_oid, target, &direction, false);
	ListCell   *lc;
	int			i = 0;
	MemoryContext callcxt = CurrentMemoryContext;
	MemoryContext stepcxt;

	foreach(lc, run->steps)
	{
		MigRev	   *r = &run->g->revs[((MigStep *) lfirst(lc))->rev];

		if (r->non_transactional)
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("the plan contains non-transactional revision %s", r->id),
					 errdetail("mig_upgrade and mig_downgrade run every step in the caller's transaction, and each statement of revision %s (\"%s\") must run outside a transaction block.",
							   r->id, r->message),
					 errhint("Deploy with CALL mig_deploy('%s'), which commits after each step.",
							 target)));
	}

	/* what a step allocates is freed after it: memory stays flat */
	stepcxt = AllocSetContextCreate(callcxt, "mig_ext step", ALLOCSET_DEFAULT_SIZES);
	foreach(lc, run->steps)
	{
		MemoryContextSwitchTo(stepcxt);
		runner_step(run, lfirst(lc), bodies[i++], NULL, NULL);
		MemoryContextSwitchTo(callcxt);
		MemoryContextReset(stepcxt);
	}
	MemoryContextDelete(stepcxt);
	record_finish(&run->rec);
}

/*
 * runner_stamp: set the version rows to targets without running any body;
 * purge first deletes every row, even rows naming unknown revisions.
 */
void
runner_stamp(MigRun *run, Oid fn_oid, const char *targets, bool purge)
{
	ListCell   *lc;

	open_run(run, fn_oid, purge ? 0 : RUN_LOAD_VERSIONS);
	if (purge)
		catalog_clear_versions(&run->cat);
	run->steps = plan_stamp(run->g, &run->current, targets);
	foreach(lc, run->steps)
	{
		MigStep    *st = lfirst(lc);

		record_step(&run->rec, run->g, st, GetCurrentTimestamp(), NULL);
	}
	record_finish(&run->rec);
}

/* format_rows: the ids of a set of version rows, or "base" for none. */
static const char *
format_rows(MigGraph *g, const MigSet *s)
{
	return s->n ? graph_format_ids(g, s->items, s->n) : "base";
}

/*
 * runner_lock_up_to_date: lock catalog cat and refuse unless the version
 * rows are exactly the heads, as a revision generated from the live
 * schema must come right after what the live schema is.
 */
void
runner_lock_up_to_date(MigCatalog *cat)
{
	MigGraph   *g;
	MigSet		current;
	MigSet		heads;
	bool		same;

	catalog_lock(cat);
	g = catalog_load_graph(cat, MIG_LOAD_HEADERS);
	catalog_load_versions(cat, g, &current);
	graph_heads(g, false, &heads);
	same = current.n == heads.n;
	for (int i = 0; same && i < heads.n; i++)
		same = graph_set_contains(&current, heads.items[i]);
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("target database is not up to date"),
				 errdetail("The current revisions are %s; the heads are %s.",
						   format_rows(g, &current), format_rows(g, &heads)),
				 errhint("Upgrade with mig_upgrade() first: mig_autogenerate compares the desired schema with the live one.")));
}
