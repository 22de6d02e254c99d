/*-------------------------------------------------------------------------
 *
 * spi_exec.c
 *	  The one SPI execution layer: the catalog's statements as the catalog
 *	  owner, everything else with the caller's rights, and subtransactions.
 *
 * Every statement on the mig_* tables runs here, as the owner of the
 * tables (a local user-id change, as RI triggers do), so that callers need
 * EXECUTE on the functions but no rights on the tables.  The statements
 * qualify every name and operator, so that the caller's search_path
 * cannot change what they mean.
 *
 * Each statement is prepared once for the session (MigKeptPlan) and
 * planned right away as a generic plan (the catalog statements gain
 * nothing from plans for particular values), with JIT off: the planner's
 * estimates for the recursive query of validation are far above jit_above_cost,
 * and compiling costs more than these small queries.  JIT matters only to
 * the planner, so a run uses the plan made then and changes no setting:
 * the version-row statements run once per step.  A plan is made again
 * when the catalog's schema or the parameter types differ from the last
 * run's; PostgreSQL's plan cache also makes it again after a change to the
 * tables or to the search_path, then under the caller's settings, which
 * can change nothing but whether a large read is compiled.  The caller
 * must be connected to SPI.
 *
 * Every other statement (migration bodies, verify bodies, the desired
 * DDL of autogenerate, reads of the caller's tables and of the system
 * catalogs) runs through spi_exec_caller, with the caller's rights and
 * settings.  spi_exec_subxact runs a function in a subtransaction and
 * returns its error, as PL/pgSQL's exception blocks do.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/resowner.h"

#include "spi_exec.h"

/*
 * make_plan: prepare sql with nargs parameters of argtypes, keep it for the
 * session and make its generic plan now, with JIT off.
 */
static SPIPlanPtr
make_plan(const char *sql, int nargs, const Oid *argtypes)
{
	int			save_nestlevel = NewGUCNestLevel();
	SPIPlanPtr	plan;

	(void) set_config_option("jit", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	plan = SPI_prepare_cursor(sql, nargs, (Oid *) argtypes, CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare_cursor failed on a catalog statement: %s",
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	ReleaseCachedPlan(SPI_plan_get_cached_plan(plan), CurrentResourceOwner);
	AtEOXact_GUC(true, save_nestlevel);
	return plan;
}

/*
 * kept_plan: the plan of kp for schema qnsp and argtypes, made when there
 * is none for them yet.
 */
static SPIPlanPtr
kept_plan(MigKeptPlan *kp, const char *qnsp, const Oid *argtypes)
{
	Assert(kp->nargs <= SPI_EXEC_MAX_ARGS);
	if (kp->plan != NULL && strcmp(kp->schema, qnsp) == 0 &&
		(kp->nargs == 0 || memcmp(kp->argtypes, argtypes, sizeof(Oid) * kp->nargs) == 0))
		return kp->plan;
	if (kp->plan != NULL)
	{
		SPI_freeplan(kp->plan);
		pfree(kp->schema);
		kp->plan = NULL;
	}
	kp->plan = make_plan(psprintf(kp->sql, qnsp), kp->nargs, argtypes);
	kp->schema = MemoryContextStrdup(TopMemoryContext, qnsp);
	if (kp->nargs > 0)
		memcpy(kp->argtypes, argtypes, sizeof(Oid) * kp->nargs);
	return kp->plan;
}

/* What a run as the catalog owner restores. */
typedef struct OwnerRun
{
	Oid			save_user;
	int			save_sec;
	MemoryContext callcxt;
} OwnerRun;

/*
 * become_owner: act as owner until leave_owner, in a security-restricted
 * operation (as maintenance commands run a table owner's code): nothing
 * run as the owner can create temporary objects or change the role.
 */
static void
become_owner(OwnerRun *orun, Oid owner)
{
	orun->callcxt = CurrentMemoryContext;
	GetUserIdAndSecContext(&orun->save_user, &orun->save_sec);
	SetUserIdAndSecContext(owner, orun->save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
}

/*
 * leave_owner: act as the caller again, in the caller's memory context
 * (SPI leaves its procedure context current); rc is the SPI result code
 * of what ran, by spi_function, returned when it is not a failure.
 */
static int
leave_owner(OwnerRun *orun, int rc, const char *spi_function)
{
	SetUserIdAndSecContext(orun->save_user, orun->save_sec);
	MemoryContextSwitchTo(orun->callcxt);
	if (rc < 0)
		elog(ERROR, "%s failed on a catalog statement: %s",
			 spi_function, SPI_result_code_string(rc));
	return rc;
}

/*
 * spi_exec_kept: run (and plan, the first time) the kept statement kp on
 * the catalog in schema qnsp, as owner, with parameters of argtypes; under
 * snapshot when given (else InvalidSnapshot: the usual one).  Returns the
 * SPI result code.
 */
int
spi_exec_kept(MigKeptPlan *kp, const char *qnsp, Oid owner, const Oid *argtypes,
			  Datum *values, const char *nulls, Snapshot snapshot)
{
	OwnerRun	orun;
	SPIPlanPtr	plan;

	become_owner(&orun, owner);
	plan = kept_plan(kp, qnsp, argtypes);
	/* read_only = false: a fresh snapshot sees what the lock waited for */
	if (snapshot != InvalidSnapshot)
		return leave_owner(&orun, SPI_execute_snapshot(plan, values, nulls, snapshot,
													 InvalidSnapshot, false, false, 0),
						   "SPI_execute_snapshot");
	return leave_owner(&orun, SPI_execute_plan(plan, values, nulls, false, 0),
					   "SPI_execute_plan");
}

/*
 * spi_exec_once: run sql, planned for this run alone (with the tables as
 * they are now), as owner.  Returns the SPI result code.
 */
int
spi_exec_once(const char *sql, Oid owner, int nargs, const Oid *argtypes,
			  Datum *values, const char *nulls)
{
	OwnerRun	orun;

	become_owner(&orun, owner);
	return leave_owner(&orun, SPI_execute_with_args(sql, nargs, (Oid *) argtypes, values,
												  nulls, false, 0),
					   "SPI_execute_with_args");
}

/*
 * spi_exec_caller: run sql, with nargs parameters of argtypes (none: plain
 * SQL), planned for this run alone, with the caller's rights; read_only
 * as SPI takes it.  Returns the SPI result code, in the caller's memory
 * context (SPI leaves its procedure context current).
 */
int
spi_exec_caller(const char *sql, int nargs, const Oid *argtypes, Datum *values,
				const char *nulls, bool read_only)
{
	MemoryContext callcxt = CurrentMemoryContext;
	int			rc = SPI_execute_with_args(sql, nargs, (Oid *) argtypes, values, nulls,
										   read_only, 0);

	MemoryContextSwitchTo(callcxt);
	if (rc < 0)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
	return rc;
}

/*
 * spi_exec_subxact: run fn(arg) in a subtransaction of its own, released
 * into the current transaction when keep says so and fn succeeds, else
 * rolled back.  Returns NULL, or the error fn raised, copied into the
 * caller's memory context once the subtransaction is rolled back; a
 * cancel is raised again.  fn starts, and the caller goes on, in the
 * caller's memory context and resource owner, as PL/pgSQL's exception
 * blocks do.
 */
ErrorData *
spi_exec_subxact(MigSubxactFn fn, void *arg, bool keep)
{
	MemoryContext callcxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(callcxt);
	PG_TRY();
	{
		fn(arg);
		if (keep)
			ReleaseCurrentSubTransaction();
		else
			RollbackAndReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(callcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(callcxt);
	CurrentResourceOwner = owner;
	if (edata != NULL && edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
		ReThrowError(edata);
	return edata;
}
