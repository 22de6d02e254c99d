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
 * role with the caller's search_path and lock_timeout, which runs the
 * statement as a client's simple query would run it: parsed, analyzed,
 * planned and run by a portal as a top-level statement in a transaction
 * of its own.  The worker's protocol messages (notices, the error, the
 * end) come back over a shm_mq in a dynamic shared memory segment; the
 * caller waits for the worker to exit, re-raises its notices and returns
 * its error.
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

#include "compat.h"
#include "worker.h"

/* The segment's table of contents and its keys. */
#define WORKER_MAGIC		0x6d696777	/* 'migw' */
#define WORKER_KEY_FIXED	1
#define WORKER_KEY_SQL		2
#define WORKER_KEY_PATH		3
#define WORKER_KEY_QUEUE	4

/* Room for the worker's messages; a longer one waits for the reader. */
#define WORKER_QUEUE_SIZE	16384

/* Who the worker is and how it runs the statement. */
typedef struct WorkerFixed
{
	Oid			database;
	Oid			session_user;
	Oid			role;			/* the current role of the caller */
	bool		role_is_superuser;
	int			lock_timeout;	/* in ms */
} WorkerFixed;

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
worker_execute(const char *sql)
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
	pgstat_report_activity(STATE_RUNNING, sql);
	MemoryContextSwitchTo(querycxt);
	parsetrees = pg_parse_query(sql);
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
	char		timeout[32];
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
	SetConfigOption("search_path", shm_toc_lookup(toc, WORKER_KEY_PATH, false),
					PGC_USERSET, PGC_S_SESSION);
	snprintf(timeout, sizeof(timeout), "%d", fixed->lock_timeout);
	SetConfigOption("lock_timeout", timeout, PGC_USERSET, PGC_S_SESSION);

	worker_execute(shm_toc_lookup(toc, WORKER_KEY_SQL, false));

	/* the end of the statement, as ReadyForQuery ends a simple query */
	pq_beginmessage(&end, 'Z');
	pq_endmessage(&end);
}

/*
 * start_worker: register the worker for the segment seg, which will
 * report to this backend.
 */
static BackgroundWorkerHandle *
start_worker(dsm_segment *seg)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;

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
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start a background worker for a non-transactional statement"),
				 errdetail("Every slot of max_worker_processes is in use."),
				 errhint("Raise max_worker_processes, or retry when fewer background workers run.")));
	return handle;
}

/*
 * receive: read the worker's messages until it detaches: re-raise its
 * notices, return its error (NULL: none); *done tells whether it reported
 * the end of the statement.
 */
static ErrorData *
receive(shm_mq_handle *mqh, bool *done)
{
	ErrorData  *error = NULL;
	Size		nbytes;
	void	   *data;

	*done = false;
	while (shm_mq_receive(mqh, &nbytes, &data, false) == SHM_MQ_SUCCESS)
	{
		StringInfoData msg;
		char		msgtype;

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
 * connected as this session, under lock_timeout ms (-1: this session's
 * lock_timeout), and wait for it.  Its notices are raised here; returns its error, NULL when
 * it succeeded.
 */
ErrorData *
worker_run(const char *sql, int lock_timeout)
{
	const char *path = GetConfigOption("search_path", false, false);
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

	shm_toc_initialize_estimator(&e);
	shm_toc_estimate_chunk(&e, sizeof(WorkerFixed));
	shm_toc_estimate_chunk(&e, strlen(sql) + 1);
	shm_toc_estimate_chunk(&e, strlen(path) + 1);
	shm_toc_estimate_chunk(&e, WORKER_QUEUE_SIZE);
	shm_toc_estimate_keys(&e, 4);
	size = shm_toc_estimate(&e);

	seg = dsm_create(size, 0);
	toc = shm_toc_create(WORKER_MAGIC, dsm_segment_address(seg), size);
	fixed = shm_toc_allocate(toc, sizeof(WorkerFixed));
	fixed->database = MyDatabaseId;
	fixed->session_user = GetSessionUserId();
	fixed->role = GetUserId();
	fixed->role_is_superuser = superuser();
	fixed->lock_timeout = lock_timeout >= 0 ? lock_timeout : LockTimeout;
	shm_toc_insert(toc, WORKER_KEY_FIXED, fixed);
	shm_toc_insert(toc, WORKER_KEY_SQL, strcpy(shm_toc_allocate(toc, strlen(sql) + 1), sql));
	shm_toc_insert(toc, WORKER_KEY_PATH, strcpy(shm_toc_allocate(toc, strlen(path) + 1), path));
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
		error = receive(mqh, &done);
		(void) WaitForBackgroundWorkerShutdown(handle);
	}
	PG_CATCH();
	{
		/* cancelled while waiting: the statement must not go on alone */
		if (handle != NULL)
			TerminateBackgroundWorker(handle);
		dsm_detach(seg);
		PG_RE_THROW();
	}
	PG_END_TRY();
	dsm_detach(seg);
	if (error == NULL && !done)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("background worker running a non-transactional statement exited before it finished"),
				 errhint("The server log tells why.  The statement may have taken effect in part.")));
	return error;
}
