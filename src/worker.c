/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  Running one statement top-level, outside any transaction block, in a
 *	  dynamic background worker.
 *
 * A statement of a non-transactional revision (CREATE INDEX CONCURRENTLY,
 * VACUUM, ...) cannot run through SPI, inside the caller's transaction.
 * worker_run starts a background worker connected to the caller's
 * database as the caller's session user, acting as the caller's current
 * role with the caller's settings that change what a statement means or
 * how it runs (worker_settings), which runs the statement as a client's
 * simple query would run it: parsed, analyzed, planned and run by a
 * portal as a top-level statement in a transaction of its own, under
 * statement_timeout.  pg_stat_activity shows a placeholder naming the
 * step, not the statement.  The worker's protocol messages (notices, the
 * error, the end) come back over a shm_mq in a dynamic shared memory
 * segment; the caller waits for the worker to exit, re-raises its notices
 * and returns its error.
 *
 * The worker lives no longer than its caller's wait: the segment's detach
 * (on error, cancel, FATAL or exit of the caller) terminates it and waits
 * for its exit, and the wait ends when the worker exits, however it exits.  The wait also looks
 * for a cycle the deadlock detector cannot see, as no lock records it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "libpq/pqformat.h"
#include "libpq/pqmq.h"
#include "miscadmin.h"
#include "parser/analyze.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "storage/shm_toc.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/wait_event.h"

#include "compat.h"
#include "runner.h"
#include "worker.h"

/* The segment's table of contents and its keys. */
#define WORKER_MAGIC		0x6d696777	/* 'migw' */
#define WORKER_KEY_FIXED	1
#define WORKER_KEY_SQL		2
#define WORKER_KEY_SETTINGS	3
#define WORKER_KEY_QUEUE	4
#define WORKER_KEY_ACTIVITY	5

/* Room for the worker's messages; a longer one waits for the reader. */
#define WORKER_QUEUE_SIZE	16384

/* Who the worker is. */
typedef struct WorkerFixed
{
	Oid			database;
	Oid			session_user;
	Oid			role;			/* the current role of the caller */
	bool		role_is_superuser;
} WorkerFixed;

/*
 * The caller's settings the worker takes (their values, in this order,
 * each ending with a NUL, under WORKER_KEY_SETTINGS): what the statement
 * means (search_path; standard_conforming_strings, so that it parses as
 * the caller split it), what the build may use and how long it may wait.
 * (mig_deploy sets its lock_timeout for the transaction.)
 */
static const char *const worker_settings[] = {
	"search_path", "standard_conforming_strings", "maintenance_work_mem",
	"statement_timeout", "lock_timeout"
};

#define WORKER_NSETTINGS ((int) lengthof(worker_settings))

PGDLLEXPORT void mig_worker_main(Datum main_arg);

/* worker_sql_context: name the statement an error of the worker came from. */
static void
worker_sql_context(void *arg)
{
	errcontext("SQL statement \"%s\"", (const char *) arg);
}

/*
 * worker_execute: run sql, top-level, in a transaction of its own, as
 * exec_simple_query would, discarding any rows.  The parse trees, plans,
 * portal and receiver live outside the transaction: a statement such as
 * CREATE INDEX CONCURRENTLY commits and starts transactions itself.
 */
static void
worker_execute(const char *sql, const char *activity)
{
	ErrorContextCallback errcb;
	MemoryContext querycxt = AllocSetContextCreate(TopMemoryContext, "mig_ext statement",
												   ALLOCSET_DEFAULT_SIZES);
	List	   *parsetrees;
	ListCell   *lc;

	errcb.callback = worker_sql_context;
	errcb.arg = (void *) sql;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	pgstat_report_activity(STATE_RUNNING, activity);
	if (StatementTimeout > 0)
		enable_timeout_after(STATEMENT_TIMEOUT, StatementTimeout);
	MemoryContextSwitchTo(querycxt);
	parsetrees = pg_parse_query(sql);
	/* the caller split the body with the same settings: one statement */
	if (list_length(parsetrees) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("a statement of a migration body parses as %d statements in the background worker",
						list_length(parsetrees))));
	foreach(lc, parsetrees)
	{
		RawStmt    *parsetree = lfirst_node(RawStmt, lc);
		bool		snapshot_set = false;
		List	   *plantrees;
		Portal		portal;
		DestReceiver *dest;
		QueryCompletion qc;

		if (analyze_requires_snapshot(parsetree))
		{
			PushActiveSnapshot(GetTransactionSnapshot());
			snapshot_set = true;
		}
		plantrees = pg_plan_queries(pg_analyze_and_rewrite_fixedparams(parsetree, sql,
																	   NULL, 0, NULL),
									sql, CURSOR_OPT_PARALLEL_OK, NULL);
		if (snapshot_set)
			PopActiveSnapshot();

		portal = CreatePortal("", true, true);
		portal->visible = false;
		PortalDefineQuery(portal, NULL, sql, CreateCommandTag(parsetree->stmt),
						  plantrees, NULL);
		PortalStart(portal, NULL, 0, InvalidSnapshot);
		dest = CreateDestReceiver(DestNone);
		(void) mig_portal_run(portal, FETCH_ALL, true, dest, dest, &qc);
		MemoryContextSwitchTo(querycxt);
		dest->rDestroy(dest);
		PortalDrop(portal, false);
	}
	CommitTransactionCommand();
	disable_timeout(STATEMENT_TIMEOUT, false);
	pgstat_report_activity(STATE_IDLE, NULL);
	error_context_stack = errcb.previous;
}

/*
 * mig_worker_main: the background worker's entry point; main_arg is the
 * handle of the segment worker_run made.  Errors reach the caller through
 * the queue and end the worker.
 */
void
mig_worker_main(Datum main_arg)
{
	dsm_segment *seg;
	shm_toc    *toc;
	WorkerFixed *fixed;
	shm_mq	   *mq;
	const char *value;
	StringInfoData end;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not map dynamic shared memory segment")));
	toc = shm_toc_attach(WORKER_MAGIC, dsm_segment_address(seg));
	if (toc == NULL)
		elog(ERROR, "bad magic number in dynamic shared memory segment");
	fixed = shm_toc_lookup(toc, WORKER_KEY_FIXED, false);
	mq = shm_toc_lookup(toc, WORKER_KEY_QUEUE, false);
	shm_mq_set_sender(mq, MyProc);
	pq_redirect_to_shm_mq(seg, shm_mq_attach(mq, seg, NULL));

	BackgroundWorkerInitializeConnectionByOid(fixed->database, fixed->session_user, 0);
	if (fixed->role != fixed->session_user)
		SetCurrentRoleId(fixed->role, fixed->role_is_superuser);
	value = shm_toc_lookup(toc, WORKER_KEY_SETTINGS, false);
	for (int i = 0; i < WORKER_NSETTINGS; i++)
	{
		SetConfigOption(worker_settings[i], value, PGC_USERSET, PGC_S_SESSION);
		value += strlen(value) + 1;
	}
	/* a mig_ext function called by the statement would wait for its caller */
	runner_mark_busy();

	worker_execute(shm_toc_lookup(toc, WORKER_KEY_SQL, false),
				   shm_toc_lookup(toc, WORKER_KEY_ACTIVITY, false));

	/* the end of the statement, as ReadyForQuery ends a simple query */
	pq_beginmessage(&end, 'Z');
	pq_endmessage(&end);
}

/*
 * terminate_worker: an on_dsm_detach callback of the caller's segment:
 * stop the worker (arg, its handle) if it still runs, as its caller no
 * longer waits for its statement, and wait until it has exited.  The
 * caller may be handling an error or exiting: it releases the migration
 * lock only after this, so that no statement of a step goes on (a CREATE
 * INDEX CONCURRENTLY completing its index, say) once the step failed and
 * the next run may have started.  The wait ends: the postmaster delivers
 * SIGTERM to the worker, which ends at its next interrupt check.
 */
static void
terminate_worker(dsm_segment *seg, Datum arg)
{
	BackgroundWorkerHandle *handle = (BackgroundWorkerHandle *) DatumGetPointer(arg);

	TerminateBackgroundWorker(handle);
	HOLD_INTERRUPTS();
	(void) WaitForBackgroundWorkerShutdown(handle);
	RESUME_INTERRUPTS();
}

/*
 * start_worker: register the worker for the segment seg, which will
 * report to this backend and stop when seg is detached here.
 */
static BackgroundWorkerHandle *
start_worker(dsm_segment *seg)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	MemoryContext oldcxt;
	bool		started;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "mig_ext");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "mig_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "mig_ext statement for PID %d", MyProcPid);
	snprintf(worker.bgw_type, BGW_MAXLEN, "mig_ext statement");
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker.bgw_notify_pid = MyProcPid;
	/* the handle must outlive any context: the detach uses it at exit */
	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	started = RegisterDynamicBackgroundWorker(&worker, &handle);
	MemoryContextSwitchTo(oldcxt);
	if (!started)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start a background worker for a non-transactional statement"),
				 errdetail("Every slot of max_worker_processes is in use."),
				 errhint("Raise max_worker_processes, or retry when fewer background workers run.")));
	on_dsm_detach(seg, terminate_worker, PointerGetDatum(handle));
	return handle;
}

/* same_tag: whether two lock tags name the same lockable object. */
static bool
same_tag(const LOCKTAG *a, const LOCKTAG *b)
{
	return memcmp(a, b, sizeof(LOCKTAG)) == 0;
}

/*
 * cycle_pid: the process the worker of handle waits for, when that
 * process waits for a lock this backend holds (the migration lock); else
 * 0.  This backend waits for the worker through the queue, which the
 * deadlock detector does not see, so such a cycle would never end: a
 * CREATE INDEX CONCURRENTLY waiting for the snapshot of a session that
 * waits for the migration lock is one.
 */
static int
cycle_pid(BackgroundWorkerHandle *handle)
{
	pid_t		worker_pid;
	LockData   *locks;
	LockInstanceData *waited = NULL;
	int			found = 0;

	if (GetBackgroundWorkerPid(handle, &worker_pid) != BGWH_STARTED)
		return 0;
	locks = GetLockStatusData();
	for (int i = 0; i < locks->nelements && waited == NULL; i++)
		if (locks->locks[i].pid == worker_pid && locks->locks[i].waitLockMode != NoLock)
			waited = &locks->locks[i];
	for (int h = 0; waited != NULL && found == 0 && h < locks->nelements; h++)
	{
		LockInstanceData *holder = &locks->locks[h];

		if (holder->holdMask == 0 || holder->pid == worker_pid ||
			!same_tag(&holder->locktag, &waited->locktag))
			continue;
		for (int w = 0; found == 0 && w < locks->nelements; w++)
		{
			LockInstanceData *wait = &locks->locks[w];

			if (wait->pid != holder->pid || wait->waitLockMode == NoLock)
				continue;
			for (int m = 0; found == 0 && m < locks->nelements; m++)
				if (locks->locks[m].pid == MyProcPid && locks->locks[m].holdMask != 0 &&
					same_tag(&locks->locks[m].locktag, &wait->locktag))
					found = holder->pid;
		}
	}
	pfree(locks->locks);
	pfree(locks);
	return found;
}

/*
 * receive: read the worker's messages until it detaches: re-raise its
 * notices, return its error (NULL: none); *done tells whether it reported
 * the end of the statement.  Every deadlock_timeout without a message,
 * look for a cycle (cycle_pid), and fail when the same one is still there
 * at the next look: a mig_ext call in the cycle leaves it within 100 ms
 * by itself (catalog_lock), the others never do.
 */
static ErrorData *
receive(shm_mq_handle *mqh, BackgroundWorkerHandle *handle, bool *done)
{
	ErrorData  *error = NULL;
	Size		nbytes;
	void	   *data;
	shm_mq_result res;
	int			suspect = 0;

	*done = false;
	while ((res = shm_mq_receive(mqh, &nbytes, &data, true)) != SHM_MQ_DETACHED)
	{
		StringInfoData msg;
		char		msgtype;

		if (res == SHM_MQ_WOULD_BLOCK)
		{
			int			rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
									   DeadlockTimeout, PG_WAIT_EXTENSION);
			int			pid;

			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
			if (!(rc & WL_TIMEOUT))
				continue;
			pid = cycle_pid(handle);
			if (pid != 0 && pid == suspect)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_DEADLOCK_DETECTED),
						 errmsg("deadlock detected between a background worker of mig_deploy and process %d",
								pid),
						 errdetail("The background worker waits for process %d, which waits for a lock this session holds (the migration lock).",
								   pid),
						 errhint("Process %d holds a snapshot or lock while it waits; end its transaction, then run CALL mig_deploy() again.",
								 pid)));
			suspect = pid;
			continue;
		}
		initStringInfo(&msg);
		appendBinaryStringInfo(&msg, data, (int) nbytes);
		msgtype = pq_getmsgbyte(&msg);
		if (msgtype == 'Z')
			*done = true;
		else if (msgtype == 'E' || msgtype == 'N')
		{
			ErrorData  *edata = palloc0(sizeof(ErrorData));

			pq_parse_errornotice(&msg, edata);
			if (msgtype == 'N')
			{
				edata->elevel = Min(edata->elevel, WARNING);
				ThrowErrorData(edata);
			}
			else
			{
				/* a FATAL of the worker is this backend's ERROR */
				edata->elevel = ERROR;
				error = edata;
			}
		}
		pfree(msg.data);
	}
	return error;
}

/*
 * worker_run: run sql (one statement) top-level in a background worker
 * connected as this session, with this session's worker_settings,
 * showing activity in pg_stat_activity, and wait for it.  Its notices are raised here;
 * returns its error, NULL when it succeeded.
 */
ErrorData *
worker_run(const char *sql, const char *activity)
{
	StringInfoData settings;
	shm_toc_estimator e;
	Size		size;
	dsm_segment *seg;
	shm_toc    *toc;
	WorkerFixed *fixed;
	shm_mq	   *mq;
	shm_mq_handle *mqh;
	BackgroundWorkerHandle *volatile handle = NULL;
	ErrorData  *error = NULL;
	bool		done = false;

	initStringInfo(&settings);
	for (int i = 0; i < WORKER_NSETTINGS; i++)
		appendStringInfo(&settings, "%s%c", GetConfigOption(worker_settings[i], false, false), '\0');

	shm_toc_initialize_estimator(&e);
	shm_toc_estimate_chunk(&e, sizeof(WorkerFixed));
	shm_toc_estimate_chunk(&e, strlen(sql) + 1);
	shm_toc_estimate_chunk(&e, settings.len);
	shm_toc_estimate_chunk(&e, WORKER_QUEUE_SIZE);
	shm_toc_estimate_chunk(&e, strlen(activity) + 1);
	shm_toc_estimate_keys(&e, 5);
	size = shm_toc_estimate(&e);

	seg = dsm_create(size, 0);
	toc = shm_toc_create(WORKER_MAGIC, dsm_segment_address(seg), size);
	fixed = shm_toc_allocate(toc, sizeof(WorkerFixed));
	fixed->database = MyDatabaseId;
	fixed->session_user = GetSessionUserId();
	fixed->role = GetUserId();
	fixed->role_is_superuser = superuser();
	shm_toc_insert(toc, WORKER_KEY_FIXED, fixed);
	shm_toc_insert(toc, WORKER_KEY_SQL, strcpy(shm_toc_allocate(toc, strlen(sql) + 1), sql));
	shm_toc_insert(toc, WORKER_KEY_SETTINGS,
				   memcpy(shm_toc_allocate(toc, settings.len), settings.data, settings.len));
	shm_toc_insert(toc, WORKER_KEY_ACTIVITY,
				   strcpy(shm_toc_allocate(toc, strlen(activity) + 1), activity));
	mq = shm_mq_create(shm_toc_allocate(toc, WORKER_QUEUE_SIZE), WORKER_QUEUE_SIZE);
	shm_toc_insert(toc, WORKER_KEY_QUEUE, mq);
	shm_mq_set_receiver(mq, MyProc);
	mqh = shm_mq_attach(mq, seg, NULL);

	/*
	 * Hold no snapshot while waiting: CREATE INDEX CONCURRENTLY waits for
	 * every transaction whose snapshot is older than its own.
	 */
	InvalidateCatalogSnapshot();
	PG_TRY();
	{
		handle = start_worker(seg);
		shm_mq_set_handle(mqh, handle);
		error = receive(mqh, handle, &done);
		(void) WaitForBackgroundWorkerShutdown(handle);
	}
	PG_CATCH();
	{
		/* cancelled while waiting: the detach stops the worker */
		dsm_detach(seg);
		if (handle != NULL)
			pfree(handle);
		PG_RE_THROW();
	}
	PG_END_TRY();
	dsm_detach(seg);
	pfree(handle);
	if (error == NULL && !done)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("background worker running a non-transactional statement exited before it finished"),
				 errhint("The server log tells why.  The statement may have taken effect in part.")));
	return error;
}
