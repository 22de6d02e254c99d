/*-------------------------------------------------------------------------
 *
 * runner.c
 *	  Lock, plan, execute, record: every command that changes something.
 *
 * Each command takes a transaction-scoped advisory lock on the extension's
 * schema, then reads the catalog once, plans completely (every body parsed,
 * every version-row move checked), and only then runs the steps, in the
 * caller's transaction: if anything fails, nothing of the call remains.
 * (CALL mig_deploy, in deploy.c, plans here under the session's lock and
 * runs each step here, committing between them.)
 * Bodies run with the caller's rights; the steps are recorded through
 * record.c, and every read and write of the mig_* tables goes through
 * catalog.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"

#include "body.h"
#include "drift.h"
#include "expand.h"
#include "import.h"
#include "offline.h"
#include "record.h"
#include "repeatable.h"
#include "runner.h"
#include "target.h"
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

/* The step whose body runs, while one does (the operations record it). */
static const MigRev *running_rev = NULL;
static MigDirection running_direction;

/* How often a wait for the migration lock checks who waits for it (ms). */
#define RUNNER_CYCLE_CHECK_MS	100

/* The timeout that checks a wait for the migration lock, once registered. */
static TimeoutId cycle_timeout = MAX_TIMEOUTS;

/* Set by the check when another transaction waits for this one. */
static volatile sig_atomic_t cycle_found = false;

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

/* What the error context of a batch import names. */
typedef struct ImportContext
{
	char	  **filenames;		/* NULL: none given */
	int			n;
	int			current;		/* the script, or -1: none */
	bool		parsing;
} ImportContext;

/* runner_is_busy: whether a migration body is running (drift.c). */
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
	const char *dir = plan_direction_name(bc->direction);

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

/* advisory: call fn, an advisory-lock function, on the lock of cat. */
static Datum
advisory(PGFunction fn, const MigCatalog *cat)
{
	return DirectFunctionCall2(fn, Int32GetDatum(MIG_LOCK_CLASS), Int32GetDatum((int32) cat->nsp));
}

/*
 * check_cycle: a timeout handler, run while waiting for the migration
 * lock: when another transaction has started waiting for this one to end
 * (its virtual transaction id lock left the fast path), cancel the wait.
 */
static void
check_cycle(void)
{
	if (!MyProc->fpVXIDLock)
	{
		cycle_found = true;
		kill(MyProcPid, SIGINT);
	}
}

/*
 * wait_lock: wait for the transaction-scoped lock of cat, which another
 * transaction holds.  This transaction holds a snapshot (the calling
 * statement's); when the holder is CALL mig_deploy, its worker's CREATE
 * INDEX CONCURRENTLY waits for that snapshot, the holder waits for its
 * worker, and no lock records that last wait, so the deadlock detector
 * cannot see the cycle.  So every RUNNER_CYCLE_CHECK_MS the wait checks
 * whether another transaction waits for this one, and if so fails with a
 * deadlock error; lock_timeout bounds it as any lock wait.
 */
static void
wait_lock(MigCatalog *cat)
{
	if (cycle_timeout == MAX_TIMEOUTS)
		cycle_timeout = RegisterTimeout(USER_TIMEOUT, check_cycle);
	cycle_found = false;
	enable_timeout_every(cycle_timeout,
						 TimestampTzPlusMilliseconds(GetCurrentTimestamp(), RUNNER_CYCLE_CHECK_MS),
						 RUNNER_CYCLE_CHECK_MS);
	PG_TRY();
	{
		advisory(pg_advisory_xact_lock_int4, cat);
	}
	PG_CATCH();
	{
		disable_timeout(cycle_timeout, false);
		if (cycle_found)
		{
			FlushErrorState();
			ereport(ERROR,
					(errcode(ERRCODE_T_R_DEADLOCK_DETECTED),
					 errmsg("deadlock detected while waiting for the migration lock"),
					 errdetail("Another transaction waits for this one to end (such as the CREATE INDEX CONCURRENTLY of a CALL mig_deploy, which holds the migration lock), while this transaction waits for the migration lock."),
					 errhint("Retry once the other command has finished; a mig_ext call in a transaction of its own waits for CALL mig_deploy without blocking it.")));
		}
		PG_RE_THROW();
	}
	PG_END_TRY();
	disable_timeout(cycle_timeout, false);
	/* the lock came as the check fired: its cancel is not for the caller */
	if (cycle_found)
		QueryCancelPending = false;
}

/*
 * runner_lock: the transaction-scoped advisory lock of this install,
 * waiting (within lock_timeout, see wait_lock) while another transaction
 * holds it.
 * Under REPEATABLE READ or SERIALIZABLE the transaction's snapshot may
 * predate changes committed to the catalog (by the holder it waited for,
 * or before the call): acting on it could run migrations again, so the
 * call fails with a serialization error and the retry sees them.
 */
void
runner_lock(MigCatalog *cat)
{
	if (!DatumGetBool(advisory(pg_try_advisory_xact_lock_int4, cat)))
		wait_lock(cat);
	if (IsolationUsesXactSnapshot() && catalog_is_stale(cat))
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to a concurrent mig_ext command"),
				 errdetail("Another transaction changed the catalog of this mig_ext install after this %s transaction took its snapshot.",
						   IsolationIsSerializable() ? "SERIALIZABLE" : "REPEATABLE READ"),
				 errhint("Retry the transaction.")));
}

/* runner_problem_name: the problem column of mig_validate for kind. */
const char *
runner_problem_name(MigProblemKind kind)
{
	static const char *const names[] = {
		"unknown version row", "missing revision", "edited revision", "changed body",
		"invalid index", "schema drift"
	};

	return names[kind];
}

/* add_problem: append a problem of kind about revision to list. */
static List *
add_problem(List *list, MigProblemKind kind, const char *revision, char *detail)
{
	MigProblem *p = palloc(sizeof(MigProblem));

	p->kind = kind;
	p->revision = revision ? pstrdup(revision) : NULL;
	p->detail = detail;
	return lappend(list, p);
}

/*
 * revision_problems: add to problems what is wrong with the registered
 * revision id: bodies that no longer match the checksum stored when it
 * was registered (a hand edit) and, when logged is given (the checksum of
 * its last logged upgrade, for an applied revision), an upgrade that
 * differs from the one that ran.
 */
static List *
revision_problems(List *problems, const char *id, const char *upgrade,
				  const char *downgrade, const char *checksum, const char *logged)
{
	char	   *now;

	if (strcmp(body_revision_checksum(upgrade, downgrade), checksum) != 0)
		problems = add_problem(problems, MIG_PROBLEM_EDITED, id,
							   psprintf("The bodies of revision %s no longer match the checksum stored when it was registered.",
										id));
	if (logged == NULL)
		return problems;
	now = body_checksum(upgrade);
	if (strcmp(now, logged) != 0)
		problems = add_problem(problems, MIG_PROBLEM_CHANGED, id,
							   psprintf("The upgrade of revision %s has sha256 %s, but the last upgrade logged for it ran a body with sha256 %s.",
										id, now, logged));
	return problems;
}

/*
 * find_problems: what is wrong with the catalog of cat: version rows
 * naming unknown revisions, applied revisions missing from it, the
 * problems of each registered revision (revision_problems), then the
 * invalid indexes a failed non-transactional statement may have left, and
 * the DDL run outside mig_ext since the last step (drift.c).
 * Needs no valid graph.  One query, then linear in the revisions; one
 * more for the indexes.
 */
static List *
find_problems(MigCatalog *cat)
{
	List	   *problems = NIL;
	int			n;
	MigCheckRev *revs = catalog_load_check(cat, &n);
	List	   *indexes = catalog_invalid_indexes(cat);
	List	   *drift;
	ListCell   *lc;

	for (int i = 0; i < n; i++)
	{
		MigCheckRev *c = &revs[i];

		if (!c->registered)
		{
			if (c->version_row)
				problems = add_problem(problems, MIG_PROBLEM_UNKNOWN_VERSION, c->id,
									   psprintf("Table %s.mig_version names revision %s, which is not in %s.mig_revisions.",
												cat->qnsp, c->id, cat->qnsp));
			else
				problems = add_problem(problems, MIG_PROBLEM_MISSING, c->id,
									   psprintf("Applied revision %s names revision %s, which is not in %s.mig_revisions.",
												c->child, c->id, cat->qnsp));
			continue;
		}
		problems = revision_problems(problems, c->id, c->upgrade, c->downgrade,
									 c->checksum, c->applied ? c->logged : NULL);
	}
	for (lc = list_head(indexes); lc != NULL; lc = lnext(indexes, lnext(indexes, lc)))
		problems = add_problem(problems, MIG_PROBLEM_INVALID_INDEX, NULL,
							   psprintf("Index %s on table %s is invalid: a CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY stopped part-way.",
										(char *) lfirst(lc), (char *) lfirst(lnext(indexes, lc))));
	drift = drift_since_last_step(cat);
	foreach(lc, drift)
		problems = add_problem(problems, MIG_PROBLEM_DRIFT, NULL, lfirst(lc));
	return problems;
}

/*
 * runner_validate: the problems of the catalog of the function fn_oid,
 * read without locking; none when all is well.
 */
List *
runner_validate(Oid fn_oid)
{
	MigCatalog	cat;

	catalog_open(&cat, fn_oid);
	return find_problems(&cat);
}

/*
 * check_drift: refuse to migrate while an applied revision's body differs
 * from what ran or a body was edited by hand.  run has its graph (with
 * bodies) and version rows loaded, so unknown and missing revisions were
 * refused already; what is applied comes from the graph, and the log is
 * read only when something is.
 */
static void
check_drift(MigRun *run)
{
	MigGraph   *g = run->g;
	bool	   *applied = graph_ancestors(g, run->current.items, run->current.n,
										  MIG_EDGES_ALL);
	MigLastUpgrade *last = run->current.n > 0 ? catalog_last_upgrades(&run->cat, g) : NULL;
	List	   *problems = NIL;
	MigProblem *p;

	for (int i = 0; i < g->nrevs + g->nrepeatables; i++)
	{
		MigRev	   *r = &g->revs[i];

		/* a repeatable revision is never applied: it runs when changed */
		problems = revision_problems(problems, r->id, r->upgrade, r->downgrade, r->checksum,
									 i < g->nrevs && applied[i] && last[i].known ?
									 last[i].checksum : NULL);
	}
	if (problems == NIL)
		return;
	p = linitial(problems);
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 p->kind == MIG_PROBLEM_EDITED ?
			 errmsg("revision %s was edited after it was registered", p->revision) :
			 errmsg("applied revision %s no longer matches the upgrade that ran", p->revision),
			 list_length(problems) > 1 ?
			 errdetail("%s mig_validate() lists every problem found.", p->detail) :
			 errdetail("%s", p->detail),
			 errhint("Restore the bodies of revision %s as they were registered (the sha256 of the upgrade that ran is in %s.mig_log.checksum) and register any change as a new revision.",
					 p->revision, run->cat.qnsp)));
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
		/* the caller holds no snapshot: wait without one */
		InvalidateCatalogSnapshot();
		advisory(pg_advisory_lock_int4, &run->cat);
		run->session_locked = true;
	}
	else
		runner_lock(&run->cat);
	expand_check_none_started(&run->cat);
	run->g = catalog_load_graph(&run->cat, (load & RUN_LOAD_BODIES) ?
								MIG_LOAD_BODIES : MIG_LOAD_HEADERS);
	if (load & RUN_LOAD_VERSIONS)
		catalog_load_versions(&run->cat, run->g, &run->current);
	else
		set_init(&run->current);
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
 * check_bodies: parse the bodies of r (its verify body too), a revision
 * being registered, so that a syntax error, transaction control, statements that split
 * otherwise under the other standard_conforming_strings, or (in a
 * transactional revision) a statement that needs to run outside a
 * transaction block is refused before it is stored rather than when it
 * would run.
 */
static void
check_bodies(MigRev *r)
{
	for (MigDirection d = MIG_UPGRADE; d <= MIG_DOWNGRADE; d++)
	{
		MigBody    *b;

		if (body_text(r, d) == NULL)
			continue;
		b = body_split_revision(r, d);
		body_check_split(r, d, b);
		body_check_transactional(r, d, b);
	}
	verify_check(r);
}

/*
 * runner_prepare: lock and load the catalog of fn_oid, check it for
 * drift and plan the move to target (in direction, or, when direction is
 * NULL, in the direction mig_plan finds), with, for an upgrade, the
 * repeatable revisions to run after it; then parse every
 * body that will run, so that a syntax error anywhere runs nothing.
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
	check_drift(run);
	catalog_check_rows(&run->cat, run->g, &run->current);
	drift_check(&run->cat);
	run->steps = direction == NULL ?
		offline_plan(run->g, &run->current, target, &found) :
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
		advisory(pg_advisory_unlock_int4, &run->cat);
	run->session_locked = false;
}

/*
 * spi_statement: run statement i of body b through SPI (a MigExec).
 */
static void
spi_statement(const MigBody *b, int i, void *arg)
{
	MemoryContext stepcxt = CurrentMemoryContext;
	int			rc = SPI_execute(b->stmts[i], false, 0);

	/* SPI leaves its procedure context current */
	MemoryContextSwitchTo(stepcxt);
	if (rc < 0)
		elog(ERROR, "SPI_execute failed on a migration statement: %s",
			 SPI_result_code_string(rc));
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

/* What the statements of a rehearsed step did. */
typedef struct RehearsedStep
{
	StringInfoData said;		/* what ran instead, in whole sentences */
	bool		wrote;			/* whether a statement wrote anything */
} RehearsedStep;

/*
 * spi_statement_wrote: run statement i of body b through SPI in a
 * subtransaction of its own; whether it wrote anything (took a
 * transaction id), so that a step that wrote nothing is known to have
 * left the schema as it was.
 */
static bool
spi_statement_wrote(const MigBody *b, int i)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	bool		wrote = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		spi_statement(b, i, NULL);
		wrote = TransactionIdIsValid(GetCurrentTransactionIdIfAny());
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		ReThrowError(edata);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return wrote;
}

/*
 * rehearse_statement: run statement i of body b through SPI, a statement
 * that runs only outside a transaction block in its in-transaction form
 * (body_in_transaction), or none; say what it did in arg, a RehearsedStep
 * (a MigExec).
 */
static void
rehearse_statement(const MigBody *b, int i, void *arg)
{
	RehearsedStep *rs = arg;
	const char *outside = b->outside_only[i];
	char	   *inside;
	MigBody		one;

	if (outside == NULL)
	{
		rs->wrote |= spi_statement_wrote(b, i);
		return;
	}
	inside = body_in_transaction(b->stmts[i], outside);
	appendStringInfo(&rs->said, "%s", rs->said.len > 0 ? " " : "");
	if (inside == NULL)
	{
		appendStringInfo(&rs->said, "Statement %d (%s) was skipped: it has no form that runs in a transaction.",
						 i + 1, outside);
		return;
	}
	appendStringInfo(&rs->said, "Statement %d (%s) ran as %.*s, inside the rehearsal's transaction.",
					 i + 1, outside, (int) (strlen(outside) - strlen(" CONCURRENTLY")), outside);
	one.stmts = &inside;
	rs->wrote |= spi_statement_wrote(&one, 0);
}

/*
 * runner_rehearse_step: run step st through SPI and move the version rows,
 * without logging it: for a rehearsal, whose changes are all rolled back.
 * A statement of a non-transactional revision runs in its in-transaction
 * form, or not at all (rehearse_statement); returns what was done instead
 * in whole sentences, or NULL when every statement ran as written, and in
 * *wrote (when not NULL) whether a statement wrote anything.
 */
char *
runner_rehearse_step(MigRun *run, const MigStep *st, bool *wrote)
{
	RehearsedStep rs;

	initStringInfo(&rs.said);
	rs.wrote = false;
	run_body(run, st, body_split_revision(&run->g->revs[st->rev], st->direction),
			 rehearse_statement, &rs, false);
	if (wrote)
		*wrote = rs.wrote;
	return rs.said.len > 0 ? rs.said.data : NULL;
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

/* same_strings: whether two arrays of C strings are equal, in order. */
static bool
same_strings(char **a, int na, char **b, int nb)
{
	if (na != nb)
		return false;
	for (int i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* error_conflict: a revision id registered again with other content. */
static void
error_conflict(const char *id, const char *field)
{
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_OBJECT),
			 errmsg("revision %s is already registered with a different %s", id, field),
			 errdetail("Registering an existing revision again is allowed only with identical content."),
			 errhint("Register the change as a new revision instead of editing %s.", id)));
}

/*
 * resolve_parents: turn the parents as written ("label@head", prefixes;
 * for a merge, "heads" too) into revision ids over graph g.
 */
static void
resolve_parents(MigGraph *g, MigRev *r, bool merge)
{
	MigSet		parents;

	set_init(&parents);
	for (int i = 0; i < r->ndown; i++)
	{
		MigSet		named;

		if (merge)
			target_get_revisions(g, r->down_names[i], &named);
		else
		{
			set_init(&named);
			if (target_get_revision(g, r->down_names[i]) != MIG_NO_REV)
				set_add(&named, target_get_revision(g, r->down_names[i]));
		}
		if (named.n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("down revision \"%s\" names no revision", r->down_names[i]),
					 errhint("Pass down_revision => '{}' for a new base.")));
		for (int k = 0; k < named.n; k++)
			set_add(&parents, named.items[k]);
	}
	if (merge && parents.n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a merge needs at least two revisions"),
				 errdetail("The revisions given name only %s.",
						   parents.n ? g->revs[parents.items[0]].id : "base"),
				 errhint("There is nothing to merge while the graph has a single head.")));
	r->ndown = parents.n;
	r->down_names = palloc(sizeof(char *) * Max(parents.n, 1));
	for (int i = 0; i < parents.n; i++)
		r->down_names[i] = g->revs[parents.items[i]].id;
}

/*
 * register_graph: the graph that registering r is checked against.  When
 * r's parents are written as plain names (not symbols, prefixes,
 * "label@head" or relative steps), that is only the revisions whose id or
 * a label is among r's id, labels, parents and dependencies, each taken
 * without parents and dependencies of its own: whatever graph_build and
 * the target grammar find for r over it, they find over the whole
 * catalog, and reading it costs the same at any catalog size.  Otherwise,
 * or when a parent names none of them (it may be a prefix), the whole
 * graph.  Either way the array has a spare slot for r.
 */
static MigGraph *
register_graph(MigCatalog *cat, MigRev *r, MigParents parents)
{
	bool		named = parents != MIG_PARENTS_HEAD;

	for (int i = 0; named && i < r->ndown; i++)
		named = target_is_name(r->down_names[i]);
	if (named)
	{
		char	  **names = palloc(sizeof(char *) * (1 + r->nlabels + r->ndown + r->ndep_names));
		int			n = 0;
		int			nrevs;
		MigRev	   *revs;
		MigGraph   *g;

		names[n++] = r->id;
		for (int i = 0; i < r->nlabels; i++)
			names[n++] = r->labels[i];
		for (int i = 0; i < r->ndown; i++)
			names[n++] = r->down_names[i];
		for (int i = 0; i < r->ndep_names; i++)
			names[n++] = r->dep_names[i];
		revs = catalog_load_named(cat, names, n, &nrevs);
		for (int i = 0; i < nrevs; i++)
			revs[i].ndown = revs[i].ndep_names = 0;
		g = graph_build(revs, nrevs);
		for (int i = 0; named && i < r->ndown; i++)
			named = graph_lookup(g, r->down_names[i]) != MIG_NO_REV;
		if (named)
			return g;
	}
	return catalog_load_graph(cat, MIG_LOAD_HEADERS);
}

/*
 * register_locked: register r (id, bodies, parents, labels and
 * dependencies filled in; id NULL for a new random one) in the locked
 * catalog cat, or accept it again when an identical revision exists.
 * Parents are as written (MIG_PARENTS_GIVEN), several targets each
 * (MIG_PARENTS_MERGE), or the single head (MIG_PARENTS_HEAD).  Returns the
 * id.
 */
static char *
register_locked(MigCatalog *cat, MigRev *r, MigParents parents)
{
	MigRev		old;
	MigGraph   *g;

	if (r->id == NULL)
	{
		uint8		bytes[6];

		do
		{
			char	   *hex = palloc(sizeof(bytes) * 2 + 1);

			if (!pg_strong_random(bytes, sizeof(bytes)))
				elog(ERROR, "could not generate a random revision id");
			hex[hex_encode((const char *) bytes, sizeof(bytes), hex)] = '\0';
			r->id = hex;
		} while (catalog_find_revision(cat, r->id, &old));
	}
	else if (catalog_find_revision(cat, r->id, &old))
	{
		if (r->repeatable != old.repeatable)
			error_conflict(r->id, "repeatable attribute");
		if (r->repeatable)
			return repeatable_register_again(cat, r, &old);
		if (parents != MIG_PARENTS_HEAD &&
			!same_strings(r->down_names, r->ndown, old.down_names, old.ndown))
		{
			g = register_graph(cat, r, parents);
			resolve_parents(g, r, parents == MIG_PARENTS_MERGE);
			if (!same_strings(r->down_names, r->ndown, old.down_names, old.ndown))
				error_conflict(r->id, "down_revision");
		}
		if (!same_strings(r->labels, r->nlabels, old.labels, old.nlabels))
			error_conflict(r->id, "branch_labels");
		if (!same_strings(r->dep_names, r->ndep_names, old.dep_names, old.ndep_names))
			error_conflict(r->id, "depends_on");
		if (strcmp(r->message, old.message) != 0)
			error_conflict(r->id, "message");
		if (strcmp(r->upgrade, old.upgrade) != 0)
			error_conflict(r->id, "upgrade body");
		if ((r->downgrade == NULL) != (old.downgrade == NULL) ||
			(r->downgrade && strcmp(r->downgrade, old.downgrade) != 0))
			error_conflict(r->id, "downgrade body");
		if (r->non_transactional != old.non_transactional)
			error_conflict(r->id, "transactional attribute");
		if (!same_strings(r->conflict_names, r->nconflicts, old.conflict_names, old.nconflicts))
			error_conflict(r->id, "list of conflicts");
		if ((r->verify == NULL) != (old.verify == NULL) ||
			(r->verify && strcmp(r->verify, old.verify) != 0))
			error_conflict(r->id, "verify body");
		return r->id;
	}

	target_check_id(r->id, MIG_ID_REVISION);
	for (int i = 0; i < r->nlabels; i++)
		target_check_id(r->labels[i], MIG_ID_LABEL);
	if (r->repeatable)
	{
		repeatable_check_new(r);
		check_bodies(r);
		catalog_insert_revision(cat, r, body_revision_checksum(r->upgrade, r->downgrade));
		return r->id;
	}

	g = register_graph(cat, r, parents);
	if (parents != MIG_PARENTS_HEAD)
		resolve_parents(g, r, parents == MIG_PARENTS_MERGE);
	else
	{
		MigSet		heads;

		graph_heads(g, false, &heads);
		if (heads.n > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("multiple heads are present"),
					 errdetail("The heads are %s.", graph_format_ids(g, heads.items, heads.n)),
					 errhint("Specify the head revision on which the new revision should be based with down_revision, or perform a merge with mig_merge().")));
		r->ndown = heads.n;
		r->down_names = palloc(sizeof(char *));
		if (heads.n)
			r->down_names[0] = g->revs[heads.items[0]].id;
	}

	/* the graph with the new revision must still be valid */
	if (g->nrepeatables > 0)
	{
		/* (the spare slot holds the first repeatable revision: keep it) */
		MigRev	   *revs = palloc(sizeof(MigRev) * (g->nrevs + 1));

		memcpy(revs, g->revs, sizeof(MigRev) * g->nrevs);
		g->revs = revs;
	}
	g->revs[g->nrevs] = *r;
	(void) graph_build(g->revs, g->nrevs + 1);
	check_bodies(r);
	catalog_insert_revision(cat, r, body_revision_checksum(r->upgrade, r->downgrade));
	return r->id;
}

/*
 * runner_register: register r, as register_locked does, under the lock of
 * the catalog of fn_oid.
 */
char *
runner_register(Oid fn_oid, MigRev *r, MigParents parents)
{
	MigCatalog	cat;

	catalog_open(&cat, fn_oid);
	runner_lock(&cat);
	return register_locked(&cat, r, parents);
}

/*
 * import_error_context: names the script of a batch import an error is
 * about; a file's name only once its header is read, as errors in the
 * header name it already.
 */
static void
import_error_context(void *arg)
{
	ImportContext *ic = (ImportContext *) arg;

	if (ic->current < 0)
		return;
	if (ic->filenames == NULL)
		errcontext("revision script %d of %d", ic->current + 1, ic->n);
	else if (!ic->parsing)
		errcontext("revision file \"%s\"", ic->filenames[ic->current]);
}

/*
 * error_cycle: the scripts of a batch import that no order registers
 * after the revisions they name; order[nplaced..] are unset.
 */
static void
error_cycle(const ImportContext *ic, const int *order, int nplaced)
{
	bool	   *placed = palloc0(sizeof(bool) * ic->n);
	StringInfoData left;

	for (int i = 0; i < nplaced; i++)
		placed[order[i]] = true;
	initStringInfo(&left);
	for (int i = 0; i < ic->n; i++)
	{
		if (placed[i])
			continue;
		if (left.len > 0)
			appendStringInfoString(&left, ", ");
		if (ic->filenames)
			appendStringInfo(&left, "\"%s\"", ic->filenames[i]);
		else
			appendStringInfo(&left, "%d", i + 1);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_RECURSION),
			 errmsg("the revisions given to mig_import name each other in a cycle"),
			 ic->filenames ?
			 errdetail("No order registers each of the files %s after the revisions of the batch it names.", left.data) :
			 errdetail("No order registers each of the scripts %s after the revisions of the batch it names.", left.data),
			 errhint("Check the down_revisions and depends_on headers of these files.")));
}

/*
 * runner_import: register the revisions that n revision files describe
 * (filenames, or NULL, name them in errors), each after the revisions of
 * the batch it names, under one lock.  Returns their ids in the order
 * registered.
 */
char **
runner_import(Oid fn_oid, char **scripts, char **filenames, int n)
{
	MigRev	   *revs = palloc(sizeof(MigRev) * Max(n, 1));
	int		   *order = palloc(sizeof(int) * Max(n, 1));
	char	  **ids = palloc(sizeof(char *) * Max(n, 1));
	ImportContext ic = {filenames, n, -1, true};
	ErrorContextCallback errcb;
	MigCatalog	cat;
	int			nplaced;

	errcb.callback = import_error_context;
	errcb.arg = &ic;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	for (ic.current = 0; ic.current < n; ic.current++)
		import_parse(scripts[ic.current], filenames ? filenames[ic.current] : NULL,
					 &revs[ic.current]);
	ic.current = -1;
	nplaced = graph_order_batch(revs, n, order);
	if (nplaced < n)
		error_cycle(&ic, order, nplaced);

	catalog_open(&cat, fn_oid);
	runner_lock(&cat);
	ic.parsing = false;
	for (int i = 0; i < n; i++)
	{
		ic.current = order[i];
		ids[i] = register_locked(&cat, &revs[order[i]], MIG_PARENTS_GIVEN);
	}
	error_context_stack = errcb.previous;
	return ids;
}

/* format_rows: the ids of a set of version rows, or "base" for none. */
static const char *
format_rows(MigGraph *g, const MigSet *s)
{
	return s->n ? graph_format_ids(g, s->items, s->n) : "base";
}

/*
 * runner_lock_up_to_date: lock the catalog of fn_oid and refuse unless
 * the version rows are exactly the heads, as a revision generated from
 * the live schema must come right after what the live schema is.
 */
void
runner_lock_up_to_date(Oid fn_oid)
{
	MigRun		run;
	MigSet		heads;
	bool		same;

	open_run(&run, fn_oid, RUN_LOAD_VERSIONS);
	graph_heads(run.g, false, &heads);
	same = run.current.n == heads.n;
	for (int i = 0; same && i < heads.n; i++)
		same = set_contains(&run.current, heads.items[i]);
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("target database is not up to date"),
				 errdetail("The current revisions are %s; the heads are %s.",
						   format_rows(run.g, &run.current), format_rows(run.g, &heads)),
				 errhint("Upgrade with mig_upgrade() first: mig_autogenerate compares the desired schema with the live one.")));
}
