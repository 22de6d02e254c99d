/*-------------------------------------------------------------------------
 *
 * verify.c
 *	  Verify bodies: queries that prove a revision's upgrade is there
 *	  (Sqitch's verify scripts).
 *
 * A revision may carry a verify body (mig_revision(..., verify => ...),
 * or a "-- mig:verify" section in a file): statements that raise an error
 * when the upgrade is not really there, as "SELECT id, email FROM users
 * WHERE false" does when a column is missing.  It runs right after the
 * upgrade in every path that runs one (run_body: mig_upgrade, CALL
 * mig_deploy, mig_test, mig_rehearse), so that a failure fails the step,
 * and on demand here (mig_verify).  It runs with the caller's rights,
 * through SPI, in a subtransaction always rolled back: nothing it does
 * stays.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "mb/pg_wchar.h"

#include "body.h"
#include "catalog.h"
#include "spi_exec.h"
#include "target.h"
#include "verify.h"

/* verify_split: the statements of the verify body of r (not NULL). */
MigBody *
verify_split(const MigRev *r)
{
	return body_split(r->verify, psprintf("parsing the verify of revision %s (\"%s\")",
										  r->id, r->message));
}

/*
 * verify_check: refuse, when r is registered, a verify body that does
 * not parse or holds a statement that cannot run inside a transaction
 * block (a verify runs inside the step's).
 */
void
verify_check(const MigRev *r)
{
	MigBody    *b;

	if (r->verify == NULL)
		return;
	b = verify_split(r);
	for (int i = 0; i < b->nstmts; i++)
		if (b->outside_only[i] != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("%s cannot run in a verify body", b->outside_only[i]),
					 errdetail("Statement %d of %d in the verify of revision %s is \"%s\".",
							   i + 1, b->nstmts, r->id,
							   pnstrdup(b->stmts[i], pg_mbcliplen(b->stmts[i], strlen(b->stmts[i]), 60))),
					 errhint("A verify body runs inside the step's transaction: query what the upgrade made.")));
}

/* A verify body running, and the statement it is at. */
typedef struct VerifyRun
{
	MigBody    *b;
	int			stmt;			/* 0-based */
} VerifyRun;

/*
 * verify_statements: run the statements of a VerifyRun (arg) through SPI
 * (a MigSubxactFn).
 */
static void
verify_statements(void *arg)
{
	VerifyRun  *vr = arg;

	for (vr->stmt = 0; vr->stmt < vr->b->nstmts; vr->stmt++)
	{
		spi_exec_caller(vr->b->stmts[vr->stmt], 0, NULL, NULL, NULL, false);
		SPI_freetuptable(SPI_tuptable);
	}
}

/*
 * verify_run: run the verify body of r, if any, in a subtransaction
 * always rolled back (nothing a verify does stays), with the caller's
 * rights.  Its error is raised again naming the revision and the
 * statement, with the SQLSTATE it had (a cancel as it is).
 */
void
verify_run(const MigRev *r)
{
	VerifyRun	vr;
	ErrorData  *edata;
	const char *stmt;

	if (r->verify == NULL)
		return;
	vr.b = verify_split(r);
	edata = spi_exec_subxact(verify_statements, &vr, false);
	if (edata == NULL)
		return;
	stmt = vr.b->stmts[vr.stmt];
	ereport(ERROR,
			(errcode(edata->sqlerrcode),
			 errmsg("verify of revision %s failed at \"%s\": %s", r->id,
					pnstrdup(stmt, pg_mbcliplen(stmt, strlen(stmt), 60)), edata->message),
			 edata->detail ? errdetail("%s", edata->detail) : 0,
			 errhint("The verify of revision %s (\"%s\") proves its upgrade is there; statement %d of %d raised this error.",
					 r->id, r->message, vr.stmt + 1, vr.b->nstmts)));
}

/*
 * verify_one: run the verify of r, if any; NULL when it passed, else its
 * error's message (in cxt).  A cancel is raised again.
 */
static char *
verify_one(const MigRev *r, MemoryContext cxt)
{
	char	   *volatile failure = NULL;

	PG_TRY();
	{
		verify_run(r);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			PG_RE_THROW();
		FlushErrorState();
		failure = edata->message;
	}
	PG_END_TRY();
	return failure;
}

/*
 * verify_report: run the verify of every applied revision that target
 * (revisions and their ancestors: "heads" for all) includes, oldest
 * first; one MigVerifyRow per revision.  Reads without locking, as reports
 * do.  The caller is connected to SPI.
 */
List *
verify_report(Oid fn_oid, const char *target)
{
	MemoryContext cxt = CurrentMemoryContext;
	MigCatalog	cat;
	MigSet		current;
	MigSet		targets;
	MigGraph   *g = catalog_read(&cat, fn_oid, MIG_LOAD_BODIES, &current);
	bool	   *todo;
	bool	   *applied;
	List	   *order;
	List	   *rows = NIL;

	target_get_revisions(g, target, &targets);
	todo = graph_ancestors(g, targets.items, targets.n, MIG_EDGES_ALL);
	applied = graph_ancestors(g, current.items, current.n, MIG_EDGES_ALL);
	for (int i = 0; i < g->nrevs; i++)
		todo[i] = todo[i] && applied[i];
	order = graph_sort(g, todo, current.items, current.n);
	for (int k = list_length(order) - 1; k >= 0; k--)
	{
		MigRev	   *r = &g->revs[list_nth_int(order, k)];
		MigVerifyRow *row = palloc0(sizeof(MigVerifyRow));

		row->revision = r->id;
		row->has_verify = r->verify != NULL;
		row->detail = verify_one(r, cxt);
		row->ok = row->detail == NULL;
		rows = lappend(rows, row);
	}
	return rows;
}
