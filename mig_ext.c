/*-------------------------------------------------------------------------
 *
 * mig_ext.c
 *	  The SQL-callable functions of mig_ext: argument checks and result
 *	  rows.  The work is done by src/runner.c (commands that change
 *	  something) and by src/plan.c over src/catalog.c (reports).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "src/adopt.h"
#include "src/catalog.h"
#include "src/compat.h"
#include "src/deploy.h"
#include "src/expand.h"
#include "src/diff.h"
#include "src/drift.h"
#include "src/import.h"
#include "src/offline.h"
#include "src/plan.h"
#include "src/privilege.h"
#include "src/rehearse.h"
#include "src/repeatable.h"
#include "src/runner.h"
#include "src/target.h"
#include "src/verify.h"

PG_MODULE_MAGIC;

/* The SQL-callable functions: the only symbols exported besides PG_MODULE_MAGIC's. */
extern PGDLLEXPORT Datum mig_revision(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_merge(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_upgrade(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_downgrade(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_stamp(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_current(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_heads(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_branches(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_history(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_show(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_validate(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_diff(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_autogenerate(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_check(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_autogen_map(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_plan(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_upgrade_sql(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_downgrade_sql(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_import(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_import_batch(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_adopt_alembic(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_graph(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_test(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_rehearse(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_deploy(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_start(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_complete(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_rollback(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_verify(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_drift_record(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mig_drift(PG_FUNCTION_ARGS);
extern PGDLLEXPORT void _PG_init(void);


/* The longest target, target list or history range an argument may be. */
#define MIG_MAX_TARGET_LEN 8192

PG_FUNCTION_INFO_V1(mig_revision);
PG_FUNCTION_INFO_V1(mig_merge);
PG_FUNCTION_INFO_V1(mig_upgrade);
PG_FUNCTION_INFO_V1(mig_downgrade);
PG_FUNCTION_INFO_V1(mig_stamp);
PG_FUNCTION_INFO_V1(mig_current);
PG_FUNCTION_INFO_V1(mig_heads);
PG_FUNCTION_INFO_V1(mig_branches);
PG_FUNCTION_INFO_V1(mig_history);
PG_FUNCTION_INFO_V1(mig_show);
PG_FUNCTION_INFO_V1(mig_validate);
PG_FUNCTION_INFO_V1(mig_diff);
PG_FUNCTION_INFO_V1(mig_autogenerate);
PG_FUNCTION_INFO_V1(mig_check);
PG_FUNCTION_INFO_V1(mig_autogen_map);

/* A report over the graph and the version rows, read without locking. */
typedef struct MigReport
{
	MigCatalog	cat;
	MigGraph   *g;
	MigSet		current;
	bool	   *is_current;
} MigReport;

/* arg_not_null: refuse a NULL argument argno, named argname. */
static void
arg_not_null(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", argname)));
}

/* arg_text_or_null: argument argno as a C string, or NULL when it is NULL. */
static char *
arg_text_or_null(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/* arg_text: argument argno as a C string; NULL is an error. */
static char *
arg_text(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	arg_not_null(fcinfo, argno, argname);
	return arg_text_or_null(fcinfo, argno);
}

/*
 * check_target_length: a target (or a list or range of them) longer than
 * any valid one is refused here, so that no error message quotes it.
 */
static void
check_target_length(const char *target, const char *argname)
{
	if (strlen(target) > MIG_MAX_TARGET_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is too long", argname),
				 errdetail("It is %zu bytes long; revision identifiers and branch labels are at most %d bytes, and a %s at most %d.",
						   strlen(target), MIG_MAX_ID_LEN, argname, MIG_MAX_TARGET_LEN)));
}

/* arg_target: a target argument: not NULL, not empty, not too long. */
static char *
arg_target(FunctionCallInfo fcinfo, int argno)
{
	char	   *target = arg_text(fcinfo, argno, "target");

	if (target[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target must not be empty"),
				 errhint("Use \"head\" for the newest revision or \"base\" for none.")));
	check_target_length(target, "target");
	return target;
}

/*
 * arg_strings: a text[] argument as C strings (NULL array: none); NULL
 * elements are an error.
 */
static char **
arg_strings(FunctionCallInfo fcinfo, int argno, const char *argname, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	char	  **out;

	*n = 0;
	if (PG_ARGISNULL(argno))
		return NULL;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(argno), TEXTOID, -1, false,
					  TYPALIGN_INT, &elems, &nulls, n);
	out = palloc(sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain null elements", argname)));
		out[i] = TextDatumGetCString(elems[i]);
	}
	return out;
}

/*
 * open_report: connect to SPI, set up the result set, and read the graph
 * (with bodies or not, as load says) and the version rows.
 */
static void
open_report(FunctionCallInfo fcinfo, MigReport *rep, MigLoad load)
{
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	rep->g = catalog_read(&rep->cat, fcinfo->flinfo->fn_oid, load, &rep->current);
	expand_mark_started(&rep->cat, rep->g);
	rep->is_current = palloc0(sizeof(bool) * Max(rep->g->nrevs, 1));
	for (int i = 0; i < rep->current.n; i++)
		rep->is_current[rep->current.items[i]] = true;
}

/* put_row: append one row to the materialized result. */
static void
put_row(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * put_row_transactional: put_row, with r's transactional attribute as
 * column ncols (0-based) when the result has it (the SQL functions of
 * 1.0 and 1.1 do not; values past the result's columns are left out).
 */
static void
put_row_transactional(FunctionCallInfo fcinfo, Datum *values, bool *nulls, int ncols,
					  const MigRev *r)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	if (rsinfo->setDesc->natts > ncols)
	{
		values[ncols] = BoolGetDatum(!r->non_transactional);
		nulls[ncols] = false;
	}
	put_row(fcinfo, values, nulls);
}

/*
 * mig_revision(message, upgrade, downgrade, revision, down_revision,
 * branch_labels, depends_on, transactional, conflicts, verify, repeatable)
 * returns text: registers a
 * revision (or accepts an identical one again) and returns its id.
 */
Datum
mig_revision(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = CurrentMemoryContext;
	MigRev		r;
	MigParents	parents = PG_ARGISNULL(4) ? MIG_PARENTS_HEAD : MIG_PARENTS_GIVEN;
	char	   *id;

	runner_check_idle("mig_revision");
	privilege_check_bodies(fcinfo->flinfo->fn_oid);
	memset(&r, 0, sizeof(r));
	r.message = arg_text(fcinfo, 0, "message");
	r.upgrade = arg_text(fcinfo, 1, "upgrade");
	r.downgrade = arg_text_or_null(fcinfo, 2);
	r.has_downgrade = r.downgrade != NULL;
	r.id = arg_text_or_null(fcinfo, 3);
	r.down_names = arg_strings(fcinfo, 4, "down_revision", &r.ndown);
	r.labels = arg_strings(fcinfo, 5, "branch_labels", &r.nlabels);
	r.dep_names = arg_strings(fcinfo, 6, "depends_on", &r.ndep_names);
	/* (the SQL function of 1.0 and 1.1 has no transactional argument) */
	if (PG_NARGS() > 7)
	{
		arg_not_null(fcinfo, 7, "transactional");
		r.non_transactional = !PG_GETARG_BOOL(7);
		r.conflict_names = arg_strings(fcinfo, 8, "conflicts", &r.nconflicts);
		r.verify = arg_text_or_null(fcinfo, 9);
		arg_not_null(fcinfo, 10, "repeatable");
		r.repeatable = PG_GETARG_BOOL(10);
	}

	SPI_connect();
	id = MemoryContextStrdup(callcxt,
							 runner_register(fcinfo->flinfo->fn_oid, &r, parents));
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

/*
 * mig_merge(message, revisions, revision, branch_labels) returns text:
 * registers a revision whose parents are the given heads, with empty
 * bodies, and returns its id.
 */
Datum
mig_merge(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = CurrentMemoryContext;
	MigRev		r;
	char	   *id;

	runner_check_idle("mig_merge");
	privilege_check_bodies(fcinfo->flinfo->fn_oid);
	memset(&r, 0, sizeof(r));
	r.message = arg_text(fcinfo, 0, "message");
	r.upgrade = "";
	r.downgrade = "";
	r.has_downgrade = true;
	arg_not_null(fcinfo, 1, "revisions");
	r.down_names = arg_strings(fcinfo, 1, "revisions", &r.ndown);
	r.id = arg_text_or_null(fcinfo, 2);
	r.labels = arg_strings(fcinfo, 3, "branch_labels", &r.nlabels);

	SPI_connect();
	id = MemoryContextStrdup(callcxt,
							 runner_register(fcinfo->flinfo->fn_oid, &r, MIG_PARENTS_MERGE));
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

/*
 * open_target_run: the start of a function fname that runs bodies to the
 * target in its first argument: refuse inside a body and without the
 * right to read bodies, set up the result set, connect to SPI; returns
 * the target.
 */
static char *
open_target_run(FunctionCallInfo fcinfo, const char *fname)
{
	char	   *target;

	runner_check_idle(fname);
	privilege_check_bodies(fcinfo->flinfo->fn_oid);
	target = arg_target(fcinfo, 0);
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	return target;
}

/*
 * migrate: the body of mig_upgrade and mig_downgrade: run to the target
 * and return one row per step run (revision, direction, message).
 */
static Datum
migrate(FunctionCallInfo fcinfo, MigDirection direction, const char *fname)
{
	MigRun		run;
	char	   *target;
	ListCell   *lc;

	target = open_target_run(fcinfo, fname);
	runner_migrate(&run, fcinfo->flinfo->fn_oid, direction, target);
	foreach(lc, run.steps)
	{
		MigStep    *st = lfirst(lc);
		MigRev	   *r = &run.g->revs[st->rev];
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(r->id);
		values[1] = CStringGetTextDatum(plan_direction_name(direction));
		values[2] = CStringGetTextDatum(r->message);
		put_row(fcinfo, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/* mig_upgrade(target): upgrade to target; one row per step run. */
Datum
mig_upgrade(PG_FUNCTION_ARGS)
{
	return migrate(fcinfo, MIG_UPGRADE, "mig_upgrade");
}

/* mig_downgrade(target): downgrade to target; one row per step run. */
Datum
mig_downgrade(PG_FUNCTION_ARGS)
{
	return migrate(fcinfo, MIG_DOWNGRADE, "mig_downgrade");
}

/*
 * mig_stamp(target, purge): set the version rows to target (several
 * targets separated by white space or commas) without running anything.
 */
Datum
mig_stamp(PG_FUNCTION_ARGS)
{
	MigRun		run;
	char	   *target;
	bool		purge;

	runner_check_idle("mig_stamp");
	target = arg_target(fcinfo, 0);
	arg_not_null(fcinfo, 1, "purge");
	purge = PG_GETARG_BOOL(1);
	SPI_connect();
	runner_stamp(&run, fcinfo->flinfo->fn_oid, target, purge);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * mig_current(): the version rows: revision, is_head, message,
 * branch_labels, is_effective_head, is_branch_point, is_merge_point.
 */
Datum
mig_current(PG_FUNCTION_ARGS)
{
	MigReport	rep;

	runner_check_idle("mig_current");
	open_report(fcinfo, &rep, MIG_LOAD_HEADERS);
	for (int i = 0; i < rep.current.n; i++)
	{
		MigRev	   *r = &rep.g->revs[rep.current.items[i]];
		Datum		values[7];
		bool		nulls[7] = {0};

		values[0] = CStringGetTextDatum(r->id);
		values[1] = BoolGetDatum(rev_is_head(r));
		values[2] = CStringGetTextDatum(r->message);
		values[3] = catalog_text_array(r->labels, r->nlabels);
		values[4] = BoolGetDatum(rev_is_head(r) && !rev_is_real_head(r));
		values[5] = BoolGetDatum(rev_is_branch_point(r));
		values[6] = BoolGetDatum(rev_is_merge_point(r));
		put_row(fcinfo, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * mig_heads(): the heads of the graph: revision, message, branch_labels,
 * is_effective_head (only dependents above it), is_current.
 */
Datum
mig_heads(PG_FUNCTION_ARGS)
{
	MigReport	rep;
	MigSet		heads;

	runner_check_idle("mig_heads");
	open_report(fcinfo, &rep, MIG_LOAD_HEADERS);
	graph_heads(rep.g, false, &heads);
	for (int i = 0; i < heads.n; i++)
	{
		MigRev	   *r = &rep.g->revs[heads.items[i]];
		Datum		values[5];
		bool		nulls[5] = {0};

		values[0] = CStringGetTextDatum(r->id);
		values[1] = CStringGetTextDatum(r->message);
		values[2] = catalog_text_array(r->labels, r->nlabels);
		values[3] = BoolGetDatum(!rev_is_real_head(r));
		values[4] = BoolGetDatum(rep.is_current[heads.items[i]]);
		put_row(fcinfo, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * mig_branches(): the branch points: revision, message, branch_labels,
 * and the children that branch from it.
 */
Datum
mig_branches(PG_FUNCTION_ARGS)
{
	MigReport	rep;

	runner_check_idle("mig_branches");
	open_report(fcinfo, &rep, MIG_LOAD_HEADERS);
	for (int i = rep.g->nrevs - 1; i >= 0; i--)
	{
		MigRev	   *r = &rep.g->revs[i];
		Datum		values[4];
		bool		nulls[4] = {0};

		if (!rev_is_branch_point(r))
			continue;
		values[0] = CStringGetTextDatum(r->id);
		values[1] = CStringGetTextDatum(r->message);
		values[2] = catalog_text_array(r->labels, r->nlabels);
		values[3] = catalog_ids_array(rep.g, r->next, r->nnext);
		put_row(fcinfo, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * describe: the columns mig_history and mig_show share for revision i:
 * revision, down_revisions, message, branch_labels, depends_on, is_head,
 * is_effective_head, is_base, is_branch_point, is_merge_point, is_current.
 */
static void
describe(MigReport *rep, int i, Datum *values)
{
	MigRev	   *r = &rep->g->revs[i];

	values[0] = CStringGetTextDatum(r->id);
	values[1] = catalog_ids_array(rep->g, r->down, r->ndown);
	values[2] = CStringGetTextDatum(r->message);
	values[3] = catalog_text_array(r->labels, r->nlabels);
	values[4] = catalog_text_array(r->dep_names, r->ndep_names);
	values[5] = BoolGetDatum(rev_is_head(r));
	values[6] = BoolGetDatum(rev_is_head(r) && !rev_is_real_head(r));
	values[7] = BoolGetDatum(rev_is_base(r));
	values[8] = BoolGetDatum(rev_is_branch_point(r));
	values[9] = BoolGetDatum(rev_is_merge_point(r));
	values[10] = BoolGetDatum(rep->is_current[i]);
}

#define DESCRIBE_COLUMNS 11

/*
 * describe_repeatable: the describe() columns for repeatable revision r,
 * which stands outside the graph: no parent, label or dependency, and no
 * head, base or current row.
 */
static void
describe_repeatable(const MigRev *r, Datum *values)
{
	values[0] = CStringGetTextDatum(r->id);
	values[1] = catalog_text_array(NULL, 0);
	values[2] = CStringGetTextDatum(r->message);
	values[3] = catalog_text_array(NULL, 0);
	values[4] = catalog_text_array(NULL, 0);
	for (int c = 5; c < DESCRIBE_COLUMNS; c++)
		values[c] = BoolGetDatum(false);
}

/*
 * mig_history(range): the revisions of an Alembic history range, newest
 * first (for the whole history, then the repeatable revisions): the
 * describe() columns, applied_at (when the upgrade last ran),
 * transactional and repeatable (the SQL function of 1.2 has both).
 */
Datum
mig_history(PG_FUNCTION_ARGS)
{
	MigReport	rep;
	char	   *range = arg_text_or_null(fcinfo, 0);
	MigLastUpgrade *last;
	ListCell   *lc;

	runner_check_idle("mig_history");
	if (range)
		check_target_length(range, "range");
	open_report(fcinfo, &rep, MIG_LOAD_HEADERS);
	last = catalog_last_upgrades(&rep.cat, rep.g);
	foreach(lc, plan_history(rep.g, &rep.current, range))
	{
		int			i = lfirst_int(lc);
		Datum		values[DESCRIBE_COLUMNS + 3];
		bool		nulls[DESCRIBE_COLUMNS + 3] = {0};

		describe(&rep, i, values);
		values[DESCRIBE_COLUMNS] = TimestampTzGetDatum(last[i].at);
		nulls[DESCRIBE_COLUMNS] = !last[i].known;
		values[DESCRIBE_COLUMNS + 2] = BoolGetDatum(false);
		put_row_transactional(fcinfo, values, nulls, DESCRIBE_COLUMNS + 1, &rep.g->revs[i]);
	}
	/* the whole history ends with the repeatable revisions (1.2's column says so) */
	if (range == NULL && rep.g->nrepeatables > 0)
	{
		MigLastUpgrade *rlast = catalog_last_repeatables(&rep.cat, rep.g);

		for (int k = 0; k < rep.g->nrepeatables; k++)
		{
			MigRev	   *r = &rep.g->revs[rep.g->nrevs + k];
			Datum		values[DESCRIBE_COLUMNS + 3] = {0};
			bool		nulls[DESCRIBE_COLUMNS + 3] = {0};

			describe_repeatable(r, values);
			values[DESCRIBE_COLUMNS] = TimestampTzGetDatum(rlast[k].at);
			nulls[DESCRIBE_COLUMNS] = !rlast[k].known;
			values[DESCRIBE_COLUMNS + 2] = BoolGetDatum(true);
			put_row_transactional(fcinfo, values, nulls, DESCRIBE_COLUMNS + 1, r);
		}
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * mig_show(revision): every revision the identifier names: the describe()
 * columns, the upgrade and downgrade bodies, and transactional.
 */
Datum
mig_show(PG_FUNCTION_ARGS)
{
	MigReport	rep;
	char	   *target;
	MigSet		revs;

	runner_check_idle("mig_show");
	privilege_check_bodies(fcinfo->flinfo->fn_oid);
	target = arg_text(fcinfo, 0, "revision");
	check_target_length(target, "revision");
	open_report(fcinfo, &rep, MIG_LOAD_BODIES);
	target_get_revisions(rep.g, target, &revs);
	for (int k = 0; k < revs.n; k++)
	{
		MigRev	   *r = &rep.g->revs[revs.items[k]];
		Datum		values[DESCRIBE_COLUMNS + 3];
		bool		nulls[DESCRIBE_COLUMNS + 3] = {0};

		describe(&rep, revs.items[k], values);
		values[DESCRIBE_COLUMNS] = CStringGetTextDatum(r->upgrade);
		values[DESCRIBE_COLUMNS + 1] = r->downgrade ? CStringGetTextDatum(r->downgrade) : (Datum) 0;
		nulls[DESCRIBE_COLUMNS + 1] = r->downgrade == NULL;
		put_row_transactional(fcinfo, values, nulls, DESCRIBE_COLUMNS + 2, r);
	}
	SPI_finish();
	return (Datum) 0;
}

/* Plans, offline scripts, revision files, adoption and the graph picture. */
PG_FUNCTION_INFO_V1(mig_plan);
PG_FUNCTION_INFO_V1(mig_upgrade_sql);
PG_FUNCTION_INFO_V1(mig_downgrade_sql);
PG_FUNCTION_INFO_V1(mig_import);
PG_FUNCTION_INFO_V1(mig_import_batch);
PG_FUNCTION_INFO_V1(mig_adopt_alembic);
PG_FUNCTION_INFO_V1(mig_graph);
PG_FUNCTION_INFO_V1(mig_test);
PG_FUNCTION_INFO_V1(mig_rehearse);
PG_FUNCTION_INFO_V1(mig_verify);
PG_FUNCTION_INFO_V1(mig_drift_record);
PG_FUNCTION_INFO_V1(mig_drift);

/*
 * mig_plan(target): the steps a move to target would take, run nothing:
 * step, direction, revision, message, version_rows_before,
 * version_rows_after, transactional.  offline_plan decides the direction.
 */
Datum
mig_plan(PG_FUNCTION_ARGS)
{
	MigReport	rep;
	char	   *target;
	MigDirection direction;
	ListCell   *lc;
	int			n = 0;
	List	   *steps;

	runner_check_idle("mig_plan");
	target = arg_target(fcinfo, 0);
	open_report(fcinfo, &rep, MIG_LOAD_HEADERS);
	catalog_check_rows(&rep.cat, rep.g, &rep.current);
	steps = offline_plan(rep.g, &rep.current, target, &direction);
	if (direction == MIG_UPGRADE)
		steps = repeatable_steps(&rep.cat, rep.g, &rep.current, steps);
	foreach(lc, steps)
	{
		MigStep    *st = lfirst(lc);
		MigRev	   *r = &rep.g->revs[st->rev];
		Datum		values[7];
		bool		nulls[7] = {0};

		values[0] = Int32GetDatum(++n);
		values[1] = CStringGetTextDatum(plan_direction_name(direction));
		values[2] = CStringGetTextDatum(r->id);
		values[3] = CStringGetTextDatum(r->message);
		values[4] = catalog_ids_array(rep.g, st->rows_before.items, st->rows_before.n);
		values[5] = catalog_ids_array(rep.g, st->rows_after.items, st->rows_after.n);
		put_row_transactional(fcinfo, values, nulls, 6, r);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * offline_sql: the body of mig_upgrade_sql and mig_downgrade_sql: the
 * script doing what the call would do to the target, as text.
 */
static Datum
offline_sql(FunctionCallInfo fcinfo, MigDirection direction, const char *fname)
{
	MemoryContext callcxt = CurrentMemoryContext;
	MigCatalog	cat;
	MigGraph   *g;
	MigSet		current;
	List	   *steps;
	char	   *target;
	char	   *script;

	runner_check_idle(fname);
	privilege_check_bodies(fcinfo->flinfo->fn_oid);
	target = arg_target(fcinfo, 0);
	SPI_connect();
	g = catalog_read(&cat, fcinfo->flinfo->fn_oid, MIG_LOAD_BODIES, &current);
	catalog_check_rows(&cat, g, &current);
	steps = plan_migration(g, &current, target, direction);
	if (direction == MIG_UPGRADE)
		steps = repeatable_steps(&cat, g, &current, steps);
	script = MemoryContextStrdup(callcxt,
								 offline_script(&cat, g, &current, steps, direction, target));
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(script));
}

/* mig_upgrade_sql(target): the script of mig_upgrade(target). */
Datum
mig_upgrade_sql(PG_FUNCTION_ARGS)
{
	return offline_sql(fcinfo, MIG_UPGRADE, "mig_upgrade_sql");
}

/* mig_downgrade_sql(target): the script of mig_downgrade(target). */
Datum
mig_downgrade_sql(PG_FUNCTION_ARGS)
{
	return offline_sql(fcinfo, MIG_DOWNGRADE, "mig_downgrade_sql");
}

/*
 * mig_import(script, filename) returns text: registers the revision a
 * revision file describes, as mig_revision does (an identical revision is
 * accepted again), and returns its id; filename only names the file in
 * errors.
 */
Datum
mig_import(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = CurrentMemoryContext;
	MigRev		r;
	char	   *id;

	runner_check_idle("mig_import");
	privilege_check_bodies(fcinfo->flinfo->fn_oid);
	import_parse(arg_text(fcinfo, 0, "script"),
				 arg_text_or_null(fcinfo, 1), &r);
	SPI_connect();
	id = MemoryContextStrdup(callcxt,
							 runner_register(fcinfo->flinfo->fn_oid, &r, MIG_PARENTS_GIVEN));
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

/*
 * mig_import(scripts, filenames) returns text[]: registers the revisions
 * that revision files describe, in one statement and whatever order they
 * are given in, and returns their ids in the order registered; filenames
 * (one per script, or NULL) name the files in errors.
 */
Datum
mig_import_batch(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = CurrentMemoryContext;
	char	  **scripts;
	char	  **filenames;
	char	  **ids;
	int			n;
	int			nnames;
	Datum		result;

	runner_check_idle("mig_import");
	privilege_check_bodies(fcinfo->flinfo->fn_oid);
	arg_not_null(fcinfo, 0, "scripts");
	scripts = arg_strings(fcinfo, 0, "scripts", &n);
	filenames = arg_strings(fcinfo, 1, "filenames", &nnames);
	if (filenames && nnames != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("filenames must have one element per script"),
				 errdetail("There are %d scripts and %d filenames.", n, nnames)));
	SPI_connect();
	ids = runner_import(fcinfo->flinfo->fn_oid, scripts, filenames, n);
	MemoryContextSwitchTo(callcxt);
	result = catalog_text_array(ids, n);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * mig_adopt_alembic(version_table) returns text[]: stamps the revisions
 * an Alembic version table holds (alembic_version on the search path
 * when NULL), which must be registered with the same ids, and returns
 * them.  The version rows must be empty or already the same.
 */
Datum
mig_adopt_alembic(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = CurrentMemoryContext;
	Oid			relid;
	char	  **ids;
	int			n;
	Datum		result;

	runner_check_idle("mig_adopt_alembic");
	relid = PG_ARGISNULL(0) ?
		RangeVarGetRelid(makeRangeVar(NULL, "alembic_version", -1), NoLock, false) :
		PG_GETARG_OID(0);
	SPI_connect();
	ids = adopt_alembic(fcinfo->flinfo->fn_oid, relid, &n);
	MemoryContextSwitchTo(callcxt);
	result = catalog_text_array(ids, n);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/* mig_graph() returns text: the revision graph as Graphviz DOT. */
Datum
mig_graph(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = CurrentMemoryContext;
	MigCatalog	cat;
	MigGraph   *g;
	MigSet		current;
	char	   *dot;

	runner_check_idle("mig_graph");
	SPI_connect();
	g = catalog_read(&cat, fcinfo->flinfo->fn_oid, MIG_LOAD_HEADERS, &current);
	dot = MemoryContextStrdup(callcxt, offline_graph_dot(g, &current));
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(dot));
}

/*
 * mig_validate(): one row (revision, problem, detail) per problem of the
 * catalog: a version row naming an unknown revision, an applied revision
 * missing from the catalog, a body edited after registration, an applied
 * upgrade that differs from the one that ran, an invalid index (no
 * revision) that a failed concurrent build left.  No rows when all is well.
 * Checksums in the details are withheld from roles that may not read the
 * bodies.
 */
Datum
mig_validate(PG_FUNCTION_ARGS)
{
	ListCell   *lc;
	bool		may_read;

	runner_check_idle("mig_validate");
	may_read = privilege_may_read_bodies(fcinfo->flinfo->fn_oid);
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	foreach(lc, runner_validate(fcinfo->flinfo->fn_oid))
	{
		MigProblem *p = lfirst(lc);
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = p->revision ? CStringGetTextDatum(p->revision) : (Datum) 0;
		nulls[0] = p->revision == NULL;
		values[1] = CStringGetTextDatum(runner_problem_name(p->kind));
		/* the checksums of bodies are only for roles that may read them */
		values[2] = CStringGetTextDatum(p->kind == MIG_PROBLEM_CHANGED && !may_read ?
										"The upgrade differs from the last one logged for it; the checksums are shown to roles that may read mig_revisions." :
										p->detail);
		put_row(fcinfo, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * arg_diff: the differences between the desired DDL (argument 0) and the
 * schema named by argument schema_argno; the caller is connected to SPI.
 */
static List *
arg_diff(FunctionCallInfo fcinfo, int schema_argno)
{
	char	   *desired = arg_text(fcinfo, 0, "desired");

	arg_not_null(fcinfo, schema_argno, "schema");
	return diff_compute(fcinfo->flinfo->fn_oid, desired,
						NameStr(*PG_GETARG_NAME(schema_argno)));
}

/*
 * mig_diff(desired, schema): one row per difference between the objects
 * the desired DDL creates and those of schema, in apply order (change,
 * object, upgrade, downgrade, loses_data).
 */
Datum
mig_diff(PG_FUNCTION_ARGS)
{
	ListCell   *lc;
	List	   *rows;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	rows = arg_diff(fcinfo, 1);
	foreach(lc, rows)
	{
		MigDiffRow *r = lfirst(lc);
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(r->change);
		values[1] = CStringGetTextDatum(r->object);
		values[2] = CStringGetTextDatum(r->upgrade);
		values[3] = CStringGetTextDatum(r->downgrade);
		values[4] = BoolGetDatum(r->loses_data);
		put_row(fcinfo, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * mig_autogen_map(txt, from_nsp, as_nsp) returns text: txt with the
 * qualifications by schema from_nsp rewritten to as_nsp (internal to
 * mig_diff).
 */
Datum
mig_autogen_map(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(diff_map_schema(text_to_cstring(PG_GETARG_TEXT_PP(0)),
													 NameStr(*PG_GETARG_NAME(1)),
													 NameStr(*PG_GETARG_NAME(2)))));
}

/*
 * mig_autogenerate(desired, message, schema, revision) returns text:
 * registers, on top of the single head (which must be current), a
 * revision whose bodies are the statements of mig_diff; returns its id,
 * or NULL (and a notice) when schema already matches.
 */
Datum
mig_autogenerate(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = CurrentMemoryContext;
	MigRev		r;
	List	   *rows;
	char	   *id;

	runner_check_idle("mig_autogenerate");
	privilege_check_bodies(fcinfo->flinfo->fn_oid);
	memset(&r, 0, sizeof(r));
	r.message = arg_text(fcinfo, 1, "message");
	r.id = arg_text_or_null(fcinfo, 3);

	SPI_connect();
	runner_lock_up_to_date(fcinfo->flinfo->fn_oid);
	rows = arg_diff(fcinfo, 2);
	if (rows == NIL)
	{
		SPI_finish();
		ereport(NOTICE,
				(errmsg("no changes detected: schema \"%s\" matches the desired schema",
						NameStr(*PG_GETARG_NAME(2))),
				 errdetail("No revision was registered.")));
		PG_RETURN_NULL();
	}
	r.upgrade = diff_body(rows, true);
	r.downgrade = diff_body(rows, false);
	r.has_downgrade = true;
	id = MemoryContextStrdup(callcxt,
							 runner_register(fcinfo->flinfo->fn_oid, &r, MIG_PARENTS_HEAD));
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

/*
 * mig_check(desired, schema): nothing when schema matches the desired
 * DDL; otherwise an error listing the pending operations.
 */
Datum
mig_check(PG_FUNCTION_ARGS)
{
	List	   *rows;

	SPI_connect();
	rows = arg_diff(fcinfo, 1);
	if (rows != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("schema \"%s\" does not match the desired schema",
						NameStr(*PG_GETARG_NAME(1))),
				 errdetail("%d operations are pending:\n%s",
						   list_length(rows), diff_summary(rows)),
				 errhint("Generate a revision with mig_autogenerate() and apply it with mig_upgrade().")));
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * mig_test(target): upgrade, downgrade and upgrade again each revision up
 * to target, all rolled back; one row per check (revision, check, ok,
 * detail).
 */
Datum
mig_test(PG_FUNCTION_ARGS)
{
	char	   *target;
	ListCell   *lc;
	List	   *rows;

	target = open_target_run(fcinfo, "mig_test");
	rows = rehearse_test(fcinfo->flinfo->fn_oid, target);
	foreach(lc, rows)
	{
		MigTestRow *r = lfirst(lc);
		Datum		values[4];
		bool		nulls[4] = {r->revision == NULL, false, false, r->detail == NULL};

		values[0] = r->revision ? CStringGetTextDatum(r->revision) : (Datum) 0;
		values[1] = CStringGetTextDatum(r->check);
		values[2] = BoolGetDatum(r->ok);
		values[3] = r->detail ? CStringGetTextDatum(r->detail) : (Datum) 0;
		put_row(fcinfo, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/* text_list_array: a text[] of a List of C strings. */
static Datum
text_list_array(List *items)
{
	char	  **elems = palloc(sizeof(char *) * Max(list_length(items), 1));
	ListCell   *lc;

	foreach(lc, items)
		elems[foreach_current_index(lc)] = lfirst(lc);
	return catalog_text_array(elems, list_length(items));
}

/*
 * mig_rehearse(target): run the upgrade to target and roll it back; one
 * row per step (step, revision, direction, duration, locks, rewrites,
 * detail, advice), up to a step that failed.
 */
Datum
mig_rehearse(PG_FUNCTION_ARGS)
{
	char	   *target;
	ListCell   *lc;
	List	   *rows;

	target = open_target_run(fcinfo, "mig_rehearse");
	rows = rehearse_run(fcinfo->flinfo->fn_oid, target);
	foreach(lc, rows)
	{
		MigRehearsalRow *r = lfirst(lc);
		Interval   *duration = palloc0(sizeof(Interval));
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, r->detail == NULL,
		r->advice == NULL};

		duration->time = r->usecs;
		values[0] = Int32GetDatum(r->step);
		values[1] = CStringGetTextDatum(r->revision);
		values[2] = CStringGetTextDatum(r->half ? r->half : plan_direction_name(r->direction));
		values[3] = IntervalPGetDatum(duration);
		values[4] = text_list_array(r->locks);
		values[5] = text_list_array(r->rewrites);
		values[6] = r->detail ? CStringGetTextDatum(r->detail) : (Datum) 0;
		values[7] = r->advice ? CStringGetTextDatum(r->advice) : (Datum) 0;
		put_row(fcinfo, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/* Production deploys. */
PG_FUNCTION_INFO_V1(mig_deploy);

/*
 * arg_lock_timeout: the lock_timeout argument in milliseconds, -1 when it
 * is NULL (the session's setting stays).
 */
static int
arg_lock_timeout(FunctionCallInfo fcinfo, int argno)
{
	Interval   *iv;
	int64		ms;

	if (PG_ARGISNULL(argno))
		return -1;
	iv = PG_GETARG_INTERVAL_P(argno);
	ms = (iv->time / 1000) +
		((int64) iv->month * DAYS_PER_MONTH + iv->day) * SECS_PER_DAY * 1000;
	if (ms < 1 || ms > INT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lock_timeout must be between 1 millisecond and %d milliseconds",
						INT_MAX)));
	return (int) ms;
}

/*
 * has_set_clause: whether the procedure fn_oid has settings of its own
 * (ALTER PROCEDURE ... SET) or is SECURITY DEFINER, which make PostgreSQL
 * run it as one transaction.
 */
static bool
has_set_clause(Oid fn_oid)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	bool		found;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", fn_oid);
	found = !heap_attisnull(tup, Anum_pg_proc_proconfig, NULL) ||
		((Form_pg_proc) GETSTRUCT(tup))->prosecdef;
	ReleaseSysCache(tup);
	return found;
}

/*
 * check_nonatomic: refuse to run fname, a procedure that commits, where
 * it cannot (a transaction block, a function, a procedure with settings).
 */
static void
check_nonatomic(FunctionCallInfo fcinfo, const char *fname)
{
	if (fcinfo->context == NULL || !IsA(fcinfo->context, CallContext) ||
		castNode(CallContext, fcinfo->context)->atomic)
	{
		if (has_set_clause(fcinfo->flinfo->fn_oid))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s cannot commit: the procedure has a SET clause or is SECURITY DEFINER", fname),
					 errdetail("PostgreSQL runs a procedure with settings of its own or SECURITY DEFINER in a single transaction, and %s commits after each step.", fname),
					 errhint("Remove them with ALTER PROCEDURE %s RESET ALL (and SECURITY INVOKER); the steps run with the caller's search_path and settings, so set them in the session.",
							 format_procedure(fcinfo->flinfo->fn_oid))));
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s cannot run inside a transaction block", fname),
				 errdetail("%s commits after each step.", fname),
				 errhint("Run CALL %s() on its own, not inside BEGIN ... COMMIT or a function; mig_upgrade() runs a plan in the caller's transaction.", fname)));
	}
}

/*
 * arg_deploy_options: the lock_timeout and max_retries arguments, at
 * argno and argno + 1.
 */
static void
arg_deploy_options(FunctionCallInfo fcinfo, int argno, MigDeployOptions *opt)
{
	opt->lock_timeout = arg_lock_timeout(fcinfo, argno);
	arg_not_null(fcinfo, argno + 1, "max_retries");
	opt->max_retries = PG_GETARG_INT32(argno + 1);
	if (opt->max_retries < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_retries must not be negative")));
}

/*
 * mig_deploy(target, lock_timeout, max_retries), a procedure: move to
 * target in the direction mig_plan shows, committing after each step;
 * non-transactional statements run outside any transaction block.
 */
Datum
mig_deploy(PG_FUNCTION_ARGS)
{
	MigDeployOptions opt;
	char	   *target;

	runner_check_idle("mig_deploy");
	privilege_check_bodies(fcinfo->flinfo->fn_oid);
	target = arg_target(fcinfo, 0);
	arg_deploy_options(fcinfo, 1, &opt);
	check_nonatomic(fcinfo, "mig_deploy");
	deploy_run(fcinfo->flinfo->fn_oid, target, &opt);
	PG_RETURN_VOID();
}

/*
 * mig_verify(target): run the verify body of every applied revision the
 * target includes, each rolled back; one row per revision (revision, ok,
 * detail), oldest first, ok NULL where there is no verify body.
 */
Datum
mig_verify(PG_FUNCTION_ARGS)
{
	char	   *target;
	ListCell   *lc;
	List	   *rows;

	target = open_target_run(fcinfo, "mig_verify");
	rows = verify_report(fcinfo->flinfo->fn_oid, target);
	foreach(lc, rows)
	{
		MigVerifyRow *r = lfirst(lc);
		Datum		values[3];
		bool		nulls[3] = {false, !r->has_verify, r->detail == NULL};

		values[0] = CStringGetTextDatum(r->revision);
		values[1] = BoolGetDatum(r->ok);
		values[2] = r->detail ? CStringGetTextDatum(r->detail) : (Datum) 0;
		put_row(fcinfo, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/* _PG_init: the settings of the library (drift.c). */
void
_PG_init(void)
{
	drift_define_settings();
}

/*
 * mig_drift_record(): the function of the event triggers mig_drift_ddl and
 * mig_drift_drop: records DDL run outside mig_ext.
 */
Datum
mig_drift_record(PG_FUNCTION_ARGS)
{
	drift_record(fcinfo);
	PG_RETURN_VOID();
}

/*
 * mig_drift(since_last_step): the DDL recorded outside mig_ext, oldest
 * first (at, role_name, session_user_name, command_tag, object_type,
 * object_identity, statement); the statement only to a role that may read
 * migration bodies, or that ran it.
 */
Datum
mig_drift(PG_FUNCTION_ARGS)
{
	MigCatalog	cat;
	bool		since = !PG_ARGISNULL(0) && PG_GETARG_BOOL(0);
	bool		may_read;
	char	   *me = GetUserNameFromId(GetUserId(), false);
	ListCell   *lc;

	runner_check_idle("mig_drift");
	may_read = privilege_may_read_bodies(fcinfo->flinfo->fn_oid);
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	catalog_open(&cat, fcinfo->flinfo->fn_oid);
	foreach(lc, catalog_read_drift(&cat, since))
	{
		MigDrift   *d = lfirst(lc);
		Datum		values[7];
		bool		nulls[7] = {0};

		values[0] = TimestampTzGetDatum(d->at);
		values[1] = DirectFunctionCall1(namein, CStringGetDatum(d->role));
		values[2] = DirectFunctionCall1(namein, CStringGetDatum(d->session_user));
		values[3] = CStringGetTextDatum(d->tag);
		nulls[4] = d->object_type == NULL;
		values[4] = d->object_type ? CStringGetTextDatum(d->object_type) : (Datum) 0;
		nulls[5] = d->identity == NULL;
		values[5] = d->identity ? CStringGetTextDatum(d->identity) : (Datum) 0;
		nulls[6] = d->statement == NULL || !(may_read || strcmp(d->role, me) == 0);
		values[6] = nulls[6] ? (Datum) 0 : CStringGetTextDatum(d->statement);
		put_row(fcinfo, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/* Expand and contract. */
PG_FUNCTION_INFO_V1(mig_start);
PG_FUNCTION_INFO_V1(mig_complete);
PG_FUNCTION_INFO_V1(mig_rollback);

/*
 * mig_start(target, batch_size, lock_timeout, max_retries), a procedure:
 * upgrade to target and start its last revision.
 */
Datum
mig_start(PG_FUNCTION_ARGS)
{
	MigDeployOptions opt;
	char	   *target;
	int			batch_size;

	runner_check_idle("mig_start");
	privilege_check_bodies(fcinfo->flinfo->fn_oid);
	target = arg_target(fcinfo, 0);
	arg_not_null(fcinfo, 1, "batch_size");
	batch_size = PG_GETARG_INT32(1);
	if (batch_size < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size must be at least 1")));
	arg_deploy_options(fcinfo, 2, &opt);
	check_nonatomic(fcinfo, "mig_start");
	expand_start(fcinfo->flinfo->fn_oid, target, batch_size, &opt);
	PG_RETURN_VOID();
}

/*
 * mig_complete(lock_timeout, max_retries), a procedure: the contract
 * halves of the started revision.
 */
Datum
mig_complete(PG_FUNCTION_ARGS)
{
	MigDeployOptions opt;

	runner_check_idle("mig_complete");
	privilege_check_bodies(fcinfo->flinfo->fn_oid);
	arg_deploy_options(fcinfo, 0, &opt);
	check_nonatomic(fcinfo, "mig_complete");
	expand_complete(fcinfo->flinfo->fn_oid, &opt);
	PG_RETURN_VOID();
}

/*
 * mig_rollback(lock_timeout, max_retries), a procedure: undo the started
 * revision.
 */
Datum
mig_rollback(PG_FUNCTION_ARGS)
{
	MigDeployOptions opt;

	runner_check_idle("mig_rollback");
	privilege_check_bodies(fcinfo->flinfo->fn_oid);
	arg_deploy_options(fcinfo, 0, &opt);
	check_nonatomic(fcinfo, "mig_rollback");
	expand_rollback(fcinfo->flinfo->fn_oid, &opt);
	PG_RETURN_VOID();
}
