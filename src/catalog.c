/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Reading and writing the mig_* tables: the only code that does.
 *
 * Every statement is schema-qualified, compares with OPERATOR(pg_catalog.=)
 * and takes its values as parameters, so nothing a user creates on the
 * search_path changes what it reads or writes.  Statements run as the
 * owner of the catalog tables (a local user-id change, as RI triggers
 * do), so callers need EXECUTE on the functions but no rights on the
 * tables, and cannot forge rows by other means.  The caller must be
 * connected to SPI.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
#include "utils/xid8.h"

#include "catalog.h"

/* The number of columns of rev_select's query. */
#define REV_COLUMNS 9

/* A plan kept for the session, and the quoted schema it was made for. */
typedef struct KeptPlan
{
	SPIPlanPtr	plan;
	char	   *qnsp;
} KeptPlan;

/*
 * plan_is_ready: whether executing plan (a generic plan, see prepare)
 * would use the plan already made rather than plan again: it is valid and
 * the search_path is the one it was made under, the checks GetCachedPlan
 * starts with.  Planning again is the only time the settings that
 * run_as_owner changes for by_key statements matter.
 */
static bool
plan_is_ready(SPIPlanPtr plan)
{
	CachedPlanSource *source = linitial(SPI_plan_get_plan_sources(plan));

	return source->is_valid && source->gplan != NULL && source->gplan->is_valid &&
		OverrideSearchPathMatchesCurrent(source->search_path);
}

/*
 * run_as_owner: execute sql (or plan, when given) with parameters as the
 * catalog owner, without JIT (the planner's estimates for the recursive
 * drift query are far above jit_above_cost, and compiling costs more than
 * these small queries), and either (by_key false) with search_path limited
 * to pg_catalog (the statements qualify everything anyway) or (by_key
 * true, for fully qualified statements that must find their rows through
 * an index) with sequential scans disabled: mig_version gains a dead row
 * version at every step of a call, all kept until the transaction ends,
 * and a plan made while the table looked empty would scan every one of
 * them at every step (quadratic); the primary key finds the row directly.
 * These keep the caller's search_path: the version-row statements run
 * once per step, and a change would recompute the path twice per step.
 * Both settings matter only to the planner, so a by_key plan that is
 * ready (plan_is_ready) runs without changing them.  A plan may run under
 * snapshot (else InvalidSnapshot).  Returns the SPI result code, with the
 * caller's memory context current again.
 */
static int
run_as_owner(MigCatalog *cat, SPIPlanPtr plan, const char *sql, int nargs,
			 Oid *types, Datum *values, const char *nulls, Snapshot snapshot,
			 bool by_key)
{
	Oid			save_user;
	int			save_sec;
	int			save_nestlevel = 0;
	bool		set_gucs = !by_key || plan == NULL || !plan_is_ready(plan);
	int			rc;
	MemoryContext callcxt = CurrentMemoryContext;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(cat->owner, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	if (set_gucs)
	{
		save_nestlevel = NewGUCNestLevel();
		if (by_key)
			(void) set_config_option("enable_seqscan", "off", PGC_USERSET,
									 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
		else
			(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET,
									 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
		(void) set_config_option("jit", "off", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	}
	/* read_only = false: a fresh snapshot sees what the lock waited for */
	if (snapshot != InvalidSnapshot)
		rc = SPI_execute_snapshot(plan, values, nulls, snapshot, InvalidSnapshot,
								  false, false, 0);
	else if (plan)
		rc = SPI_execute_plan(plan, values, nulls, false, 0);
	else
		rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	if (set_gucs)
		AtEOXact_GUC(true, save_nestlevel);
	SetUserIdAndSecContext(save_user, save_sec);
	/* SPI leaves its procedure context current: go back to the caller's */
	MemoryContextSwitchTo(callcxt);
	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("mig_ext catalog statement failed: %s", SPI_result_code_string(rc))));
	return rc;
}

/* run_sql: run_as_owner under the usual snapshot. */
static int
run_sql(MigCatalog *cat, SPIPlanPtr plan, const char *sql, int nargs,
		Oid *types, Datum *values, const char *nulls)
{
	return run_as_owner(cat, plan, sql, nargs, types, values, nulls, InvalidSnapshot, false);
}

/*
 * prepare: a plan for sql kept for the rest of the SPI connection; a
 * generic plan, made once (the catalog statements gain nothing from
 * plans for particular values).
 */
static SPIPlanPtr
prepare(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_GENERIC_PLAN);

	if (plan == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("mig_ext could not prepare a catalog statement: %s",
						SPI_result_code_string(SPI_result))));
	return plan;
}

/*
 * text_array: the elements of a text[] datum as C strings; none (and
 * NULL) when it is SQL NULL (isnull) or empty.
 */
static char **
text_array(Datum d, bool isnull, int *n)
{
	ArrayType  *a;
	Datum	   *elems;
	bool	   *nulls;
	char	  **out;

	*n = 0;
	if (isnull)
		return NULL;
	a = DatumGetArrayTypeP(d);
	if (ARR_NDIM(a) == 0)
		return NULL;
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, n);
	out = palloc(sizeof(char *) * *n);
	for (int i = 0; i < *n; i++)
		out[i] = nulls[i] ? "" : TextDatumGetCString(elems[i]);
	return out;
}

/* catalog_text_array: a text[] datum of n C strings. */
Datum
catalog_text_array(char **items, int n)
{
	Datum	   *d;

	if (n == 0)
		return PointerGetDatum(construct_empty_array(TEXTOID));
	d = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
		d[i] = CStringGetTextDatum(items[i]);
	return PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* rows_array: a text[] datum of the ids of a set of version rows. */
static Datum
rows_array(MigGraph *g, const MigSet *s)
{
	char	  **ids = palloc(sizeof(char *) * Max(s->n, 1));

	for (int i = 0; i < s->n; i++)
		ids[i] = g->revs[s->items[i]].id;
	return catalog_text_array(ids, s->n);
}

/* nullable_text: a text datum as a C string, NULL when isnull. */
static char *
nullable_text(Datum d, bool isnull)
{
	return isnull ? NULL : TextDatumGetCString(d);
}

/* column_text: column col of row i of the last result, or NULL. */
static char *
column_text(int i, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, col, &isnull);

	return nullable_text(d, isnull);
}

/* catalog_table: the oid of the catalog table name, which must exist. */
static Oid
catalog_table(MigCatalog *cat, const char *name)
{
	Oid			relid = get_relname_relid(name, cat->nsp);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table %s.%s of extension mig_ext does not exist", cat->qnsp, name),
				 errhint("Recreate the extension with DROP EXTENSION mig_ext; CREATE EXTENSION mig_ext;")));
	return relid;
}

/*
 * catalog_open: find the catalog for the function being called (its
 * schema is the extension's) and the tables' owner.
 */
void
catalog_open(MigCatalog *cat, Oid fn_oid)
{
	Oid			relid;
	HeapTuple	tup;

	memset(cat, 0, sizeof(MigCatalog));
	cat->logcxt = AllocSetContextCreate(CurrentMemoryContext, "mig_ext log rows",
										ALLOCSET_SMALL_SIZES);
	cat->nsp = get_func_namespace(fn_oid);
	cat->qnsp = (char *) quote_identifier(get_namespace_name(cat->nsp));
	relid = catalog_table(cat, "mig_revisions");
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("cache lookup failed for relation %u", relid)));
	cat->owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
}

/*
 * fill_rev: a MigRev from row i of a revision query (the columns of
 * rev_select), read in one pass over the row.
 */
static void
fill_rev(MigRev *r, int i)
{
	Datum		v[REV_COLUMNS];
	bool		isnull[REV_COLUMNS];

	Assert(SPI_tuptable->tupdesc->natts == REV_COLUMNS);
	heap_deform_tuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, v, isnull);
	memset(r, 0, sizeof(MigRev));
	r->id = nullable_text(v[0], isnull[0]);
	r->down_names = text_array(v[1], isnull[1], &r->ndown);
	r->labels = text_array(v[2], isnull[2], &r->nlabels);
	r->dep_names = text_array(v[3], isnull[3], &r->ndep_names);
	r->message = nullable_text(v[4], isnull[4]);
	r->upgrade = nullable_text(v[5], isnull[5]);
	r->downgrade = nullable_text(v[6], isnull[6]);
	r->has_downgrade = DatumGetBool(v[7]);
	r->checksum = nullable_text(v[8], isnull[8]);
}

/*
 * rev_select: the query of fill_rev's columns over every revision, to be
 * followed by a WHERE or ORDER BY clause; with_bodies selects the upgrade
 * and downgrade texts and their stored checksum (else NULLs).
 */
static char *
rev_select(MigCatalog *cat, bool with_bodies)
{
	return psprintf("SELECT revision, down_revisions, branch_labels, depends_on, message, "
					"%s, downgrade IS NOT NULL, %s FROM %s.mig_revisions",
					with_bodies ? "upgrade, downgrade" : "NULL::pg_catalog.text, NULL::pg_catalog.text",
					with_bodies ? "checksum" : "NULL::pg_catalog.text",
					cat->qnsp);
}

/*
 * result_revs: the rows of the last revision query as an array with one
 * spare slot (for a revision being registered).
 */
static MigRev *
result_revs(int *nrevs)
{
	MigRev	   *revs;

	*nrevs = (int) SPI_processed;
	revs = palloc(sizeof(MigRev) * (*nrevs + 1));
	for (int i = 0; i < *nrevs; i++)
		fill_rev(&revs[i], i);
	SPI_freetuptable(SPI_tuptable);
	return revs;
}

/*
 * keep_plan: the plan in *kp for sql, prepared and kept for the session
 * the first time, and again when the catalog's schema is another one.
 */
static SPIPlanPtr
keep_plan(KeptPlan *kp, MigCatalog *cat, const char *sql, int nargs, Oid *types)
{
	if (kp->plan == NULL || strcmp(kp->qnsp, cat->qnsp) != 0)
	{
		SPIPlanPtr	plan = prepare(sql, nargs, types);

		if (kp->plan)
		{
			SPI_freeplan(kp->plan);
			pfree(kp->qnsp);
		}
		SPI_keepplan(plan);
		kp->plan = plan;
		kp->qnsp = MemoryContextStrdup(TopMemoryContext, cat->qnsp);
	}
	return kp->plan;
}

/*
 * catalog_load_revisions: every registered revision, in registration
 * order, in an array with one spare slot; with_bodies as for rev_select.
 * One query.
 */
static MigRev *
catalog_load_revisions(MigCatalog *cat, bool with_bodies, int *nrevs)
{
	run_sql(cat, NULL, psprintf("%s ORDER BY seq", rev_select(cat, with_bodies)),
			0, NULL, NULL, NULL);
	return result_revs(nrevs);
}

/*
 * The plans of catalog_load_named and catalog_find_revision, kept for the
 * session: registering a file of revisions runs them once per call.
 */
static KeptPlan named_plan;
static KeptPlan find_plan;

/*
 * catalog_load_named: the revisions whose id or one of whose branch labels
 * is among the n names, in registration order, in an array with one spare
 * slot; without bodies.  Found through the primary key and the index of
 * the labels, so the cost does not grow with the catalog.
 */
MigRev *
catalog_load_named(MigCatalog *cat, char **names, int n, int *nrevs)
{
	Oid			types[1] = {TEXTARRAYOID};
	Datum		values[1] = {catalog_text_array(names, n)};
	SPIPlanPtr	plan;

	plan = keep_plan(&named_plan, cat,
					 psprintf("%s WHERE revision OPERATOR(pg_catalog.=) ANY ($1) "
							  "OR (branch_labels OPERATOR(pg_catalog.<>) '{}'::pg_catalog.text[] "
							  "AND branch_labels OPERATOR(pg_catalog.&&) $1) ORDER BY seq",
							  rev_select(cat, false)),
					 1, types);
	run_as_owner(cat, plan, NULL, 1, types, values, NULL, InvalidSnapshot, true);
	return result_revs(nrevs);
}

/* catalog_load_graph: the graph of every registered revision. */
MigGraph *
catalog_load_graph(MigCatalog *cat, bool with_bodies)
{
	int			n;
	MigRev	   *revs = catalog_load_revisions(cat, with_bodies, &n);

	return graph_build(revs, n);
}

/* cmp_int: qsort comparator for ints. */
static int
cmp_int(const void *a, const void *b)
{
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	return (x > y) - (x < y);
}

/*
 * catalog_load_versions: the current version rows as revision indexes, in
 * registration order.  A row naming no registered revision is an error.
 */
void
catalog_load_versions(MigCatalog *cat, MigGraph *g, MigSet *out)
{
	run_sql(cat, NULL, psprintf("SELECT revision FROM %s.mig_version", cat->qnsp),
			0, NULL, NULL, NULL);
	set_init(out);
	for (int i = 0; i < (int) SPI_processed; i++)
	{
		char	   *id = column_text(i, 1);
		int			r = graph_lookup_id(g, id);

		if (r < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("version row names unknown revision \"%s\"", id),
					 errdetail("Table %s.mig_version holds \"%s\", which is not in %s.mig_revisions.",
							   cat->qnsp, id, cat->qnsp),
					 errhint("Register that revision again, or reset the rows with mig_stamp(target, purge => true).")));
		set_add(out, r);
	}
	SPI_freetuptable(SPI_tuptable);
	qsort(out->items, out->n, sizeof(int), cmp_int);
}

/* catalog_find_revision: the registered revision with this id, if any. */
bool
catalog_find_revision(MigCatalog *cat, const char *id, MigRev *out)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(id)};
	SPIPlanPtr	plan;
	bool		found;

	plan = keep_plan(&find_plan, cat,
					 psprintf("%s WHERE revision OPERATOR(pg_catalog.=) $1",
							  rev_select(cat, true)),
					 1, types);
	run_sql(cat, plan, NULL, 1, types, values, NULL);
	found = SPI_processed > 0;
	if (found)
		fill_rev(out, 0);
	SPI_freetuptable(SPI_tuptable);
	return found;
}

/* catalog_insert_revision: add a new revision, registered by the caller. */
void
catalog_insert_revision(MigCatalog *cat, const MigRev *r, const char *checksum)
{
	Oid			types[9] = {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID, NAMEOID};
	Datum		values[9];
	char		nulls[9] = "         ";

	values[0] = CStringGetTextDatum(r->id);
	values[1] = catalog_text_array(r->down_names, r->ndown);
	values[2] = catalog_text_array(r->labels, r->nlabels);
	values[3] = catalog_text_array(r->dep_names, r->ndep_names);
	values[4] = CStringGetTextDatum(r->message);
	values[5] = CStringGetTextDatum(r->upgrade);
	values[6] = r->downgrade ? CStringGetTextDatum(r->downgrade) : (Datum) 0;
	nulls[6] = r->downgrade ? ' ' : 'n';
	values[7] = CStringGetTextDatum(checksum);
	values[8] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	run_sql(cat, NULL,
			psprintf("INSERT INTO %s.mig_revisions (revision, down_revisions, branch_labels, "
					 "depends_on, message, upgrade, downgrade, checksum, registered_by) "
					 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", cat->qnsp),
			9, types, values, nulls);
}

/*
 * catalog_apply_step: make the version-row changes of a step; each must
 * touch exactly one row.
 */
void
catalog_apply_step(MigCatalog *cat, MigGraph *g, const MigStep *st)
{
	static const char *const sql[3] = {
		"INSERT INTO %s.mig_version (revision) VALUES ($2)",
		"DELETE FROM %s.mig_version WHERE revision OPERATOR(pg_catalog.=) $1",
		"UPDATE %s.mig_version SET revision = $2 WHERE revision OPERATOR(pg_catalog.=) $1"
	};

	for (int i = 0; i < st->nchanges; i++)
	{
		const MigRowChange *c = &st->changes[i];
		Oid			types[2] = {TEXTOID, TEXTOID};
		Datum		values[2];
		char		nulls[2];

		if (cat->row_plans[c->op] == NULL)
			cat->row_plans[c->op] = prepare(psprintf(sql[c->op], cat->qnsp), 2, types);
		values[0] = c->from >= 0 ? CStringGetTextDatum(g->revs[c->from].id) : (Datum) 0;
		values[1] = c->to >= 0 ? CStringGetTextDatum(g->revs[c->to].id) : (Datum) 0;
		nulls[0] = c->from >= 0 ? ' ' : 'n';
		nulls[1] = c->to >= 0 ? ' ' : 'n';
		run_as_owner(cat, cat->row_plans[c->op], NULL, 2, NULL, values, nulls,
					 InvalidSnapshot, true);
		if (SPI_processed != 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("expected to change one version row for revision %s, changed " UINT64_FORMAT,
							g->revs[c->from >= 0 ? c->from : c->to].id, SPI_processed),
					 errhint("Something else changed %s.mig_version during the call.", cat->qnsp)));
	}
}

/*
 * Log rows are written in batches of this many, and at the end of a
 * command: few statements, and a batch small enough (tens of kB) to reuse
 * the memory of the batch before, where 1024 rows took fresh memory from
 * the kernel each time (a few hundred page faults per call).
 */
#define LOG_BATCH 256
#define LOG_COLUMNS 11

/*
 * The columns of mig_log a step's row fills (id takes its default), and
 * their types.
 */
static const char *const log_columns[LOG_COLUMNS] = {
	"revision", "direction", "from_revisions", "to_revisions", "applied_by",
	"session_user_name", "application_name", "xid", "started_at", "duration", "checksum"
};
static const Oid log_types[LOG_COLUMNS] = {
	TEXTOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID, NAMEOID,
	NAMEOID, TEXTOID, XID8OID, TIMESTAMPTZOID, INTERVALOID, TEXTOID
};

/* mig_log's row type, where log_columns are in it, and the pending rows. */
typedef struct MigLogType
{
	Oid			type;
	Oid			array_type;		/* of the batch parameter */
	TupleDesc	desc;
	int			attno[LOG_COLUMNS]; /* 0-based */
	Datum	   *values;			/* a row being formed, desc->natts long */
	bool	   *nulls;
	Datum	   *rows;			/* LOG_BATCH composite values */
} MigLogType;

/*
 * catalog_log_open: find mig_log's row type and where each of log_columns
 * is in it, and make room for LOG_BATCH pending rows, in the memory
 * context of the call; before the first catalog_log_step, so that a
 * mig_log changed by hand is refused before any step runs.  Pending rows
 * are values of that type, so that a batch is one array parameter: no
 * text round trip of the from/to arrays, one function scan.
 */
void
catalog_log_open(MigCatalog *cat)
{
	MemoryContext callcxt = MemoryContextGetParent(cat->logcxt);
	MigLogType *lt = MemoryContextAlloc(callcxt, sizeof(MigLogType));

	lt->type = get_rel_type_id(catalog_table(cat, "mig_log"));
	lt->array_type = get_array_type(lt->type);
	lt->desc = lookup_rowtype_tupdesc_copy(lt->type, -1);
	for (int c = 0; c < LOG_COLUMNS; c++)
	{
		int			i;

		for (i = 0; i < lt->desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(lt->desc, i);

			if (!att->attisdropped && strcmp(NameStr(att->attname), log_columns[c]) == 0)
				break;
		}
		if (i == lt->desc->natts || TupleDescAttr(lt->desc, i)->atttypid != log_types[c])
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column %s of table %s.mig_log does not exist or has another type",
							log_columns[c], cat->qnsp),
					 errhint("Recreate the extension with DROP EXTENSION mig_ext; CREATE EXTENSION mig_ext;")));
		lt->attno[c] = i;
	}
	lt->values = MemoryContextAlloc(callcxt, sizeof(Datum) * lt->desc->natts);
	lt->nulls = MemoryContextAlloc(callcxt, sizeof(bool) * lt->desc->natts);
	lt->rows = MemoryContextAlloc(callcxt, sizeof(Datum) * LOG_BATCH);
	cat->log = lt;
}

/*
 * catalog_log_step: queue the audit row of a step that started at started
 * and ends now; checksum is that of the body that ran (NULL for a stamp);
 * catalog_log_open was called.
 * The rows are written by catalog_write_log, in order, LOG_BATCH at a time:
 * the caller must call it once the last step is done.
 */
void
catalog_log_step(MigCatalog *cat, MigGraph *g, const MigStep *st,
				 TimestampTz started, const char *checksum)
{
	static const char *const directions[3] = {"upgrade", "downgrade", "stamp"};
	const char *appname = GetConfigOption("application_name", true, false);
	MigLogType *lt = cat->log;
	MemoryContext oldcxt = MemoryContextSwitchTo(cat->logcxt);
	Interval   *duration = palloc0(sizeof(Interval));
	Datum		values[LOG_COLUMNS];
	bool		nulls[LOG_COLUMNS] = {0};

	duration->time = GetCurrentTimestamp() - started;
	values[0] = CStringGetTextDatum(g->revs[st->rev].id);
	values[1] = CStringGetTextDatum(directions[st->direction]);
	values[2] = rows_array(g, &st->rows_before);
	values[3] = rows_array(g, &st->rows_after);
	values[4] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	values[5] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetSessionUserId(), false)));
	values[6] = CStringGetTextDatum(appname ? appname : "");
	values[7] = FullTransactionIdGetDatum(GetTopFullTransactionId());
	values[8] = TimestampTzGetDatum(started);
	values[9] = IntervalPGetDatum(duration);
	values[10] = checksum ? CStringGetTextDatum(checksum) : (Datum) 0;
	nulls[10] = checksum == NULL;
	/* other columns (id, any added by hand) are NULL here: the INSERT omits them */
	memset(lt->nulls, true, sizeof(bool) * lt->desc->natts);
	for (int c = 0; c < LOG_COLUMNS; c++)
	{
		lt->values[lt->attno[c]] = values[c];
		lt->nulls[lt->attno[c]] = nulls[c];
	}
	lt->rows[cat->nlog++] = HeapTupleGetDatum(heap_form_tuple(lt->desc, lt->values, lt->nulls));
	MemoryContextSwitchTo(oldcxt);
	if (cat->nlog == LOG_BATCH)
		catalog_write_log(cat);
}

/*
 * catalog_write_log: append the queued log rows to mig_log, in the order
 * they were queued, with one statement.
 */
void
catalog_write_log(MigCatalog *cat)
{
	MigLogType *lt = cat->log;
	Oid			types[1];
	Datum		values[1];
	MemoryContext oldcxt;

	if (cat->nlog == 0)
		return;
	oldcxt = MemoryContextSwitchTo(cat->logcxt);
	types[0] = lt->array_type;
	values[0] = PointerGetDatum(construct_array(lt->rows, cat->nlog, lt->type,
												-1, false, TYPALIGN_DOUBLE));
	if (cat->log_plan == NULL)
	{
		StringInfoData cols;
		StringInfoData exprs;

		initStringInfo(&cols);
		initStringInfo(&exprs);
		for (int c = 0; c < LOG_COLUMNS; c++)
		{
			appendStringInfo(&cols, "%s%s", c ? ", " : "", log_columns[c]);
			appendStringInfo(&exprs, "%su.%s", c ? ", " : "", log_columns[c]);
		}
		cat->log_plan = prepare(psprintf("INSERT INTO %s.mig_log (%s) SELECT %s "
										 "FROM pg_catalog.unnest($1) WITH ORDINALITY AS u "
										 "ORDER BY u.ordinality",
										 cat->qnsp, cols.data, exprs.data), 1, types);
	}
	run_sql(cat, cat->log_plan, NULL, 1, types, values, NULL);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(cat->logcxt);
	cat->nlog = 0;
}

/* catalog_clear_versions: remove every version row (stamp's purge). */
void
catalog_clear_versions(MigCatalog *cat)
{
	run_sql(cat, NULL, psprintf("DELETE FROM %s.mig_version", cat->qnsp),
			0, NULL, NULL, NULL);
}

/*
 * catalog_last_upgrades: for each revision of g, its last upgrade in the
 * log (the one with the highest id): when it started and the checksum of
 * the body that ran; known is false when it never ran (a stamp is not an
 * upgrade).  One query over the log; the latest row per revision is found
 * here, through the graph's hash table, rather than by a GROUP BY or
 * DISTINCT ON, which sorts the whole log by revision text.
 */
MigLastUpgrade *
catalog_last_upgrades(MigCatalog *cat, MigGraph *g)
{
	MigLastUpgrade *last = palloc0(sizeof(MigLastUpgrade) * Max(g->nrevs, 1));
	int		   *row = palloc(sizeof(int) * Max(g->nrevs, 1));

	run_sql(cat, NULL,
			psprintf("SELECT l.id, l.revision, l.started_at, l.checksum FROM %s.mig_log l "
					 "WHERE l.direction OPERATOR(pg_catalog.=) 'upgrade'",
					 cat->qnsp),
			0, NULL, NULL, NULL);
	for (int i = 0; i < (int) SPI_processed; i++)
	{
		int			r = graph_lookup_id(g, column_text(i, 2));
		bool		isnull;
		int64		id;

		if (r < 0)
			continue;
		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
										 SPI_tuptable->tupdesc, 1, &isnull));
		if (!last[r].known || id > last[r].id)
		{
			last[r].known = true;
			last[r].id = id;
			row[r] = i;
		}
	}
	for (int r = 0; r < g->nrevs; r++)
	{
		bool		isnull;

		if (!last[r].known)
			continue;
		last[r].at = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[row[r]],
													   SPI_tuptable->tupdesc, 3, &isnull));
		last[r].checksum = column_text(row[r], 4);
	}
	SPI_freetuptable(SPI_tuptable);
	pfree(row);
	return last;
}

/*
 * Offline scripts (mig_upgrade_sql, mig_downgrade_sql): the statements
 * below write into a script what catalog_apply_step and catalog_log_step
 * do during a call, with the values as literals.  The script runs as
 * whoever applies it, who must be able to write the tables (their owner
 * or a superuser).
 */

/* The setting in which a script keeps the start time of its current step. */
#define SCRIPT_STEP_STARTED "mig_offline.step_started"

/* script_ids: "ARRAY['a', 'b']::pg_catalog.text[]" for a set of revisions. */
static char *
script_ids(MigGraph *g, const MigSet *s)
{
	StringInfoData buf;

	if (s->n == 0)
		return "'{}'::pg_catalog.text[]";
	initStringInfo(&buf);
	appendStringInfoString(&buf, "ARRAY[");
	for (int i = 0; i < s->n; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "",
						 quote_literal_cstr(g->revs[s->items[i]].id));
	appendStringInfoString(&buf, "]::pg_catalog.text[]");
	return buf.data;
}

/* cmp_ids: qsort comparator for C strings, byte order. */
static int
cmp_ids(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * catalog_script_guard: the opening statements of a script: take the
 * advisory lock a call takes (class lock_class) and refuse to go on unless
 * the version rows are exactly current, the rows the script was made for.
 */
void
catalog_script_guard(MigCatalog *cat, MigGraph *g, const MigSet *current,
					 int32 lock_class, StringInfo out)
{
	MigSet		sorted;
	char	  **ids = palloc(sizeof(char *) * Max(current->n, 1));

	for (int i = 0; i < current->n; i++)
		ids[i] = g->revs[current->items[i]].id;
	qsort(ids, current->n, sizeof(char *), cmp_ids);
	set_init(&sorted);
	for (int i = 0; i < current->n; i++)
		set_add(&sorted, graph_lookup_id(g, ids[i]));

	appendStringInfo(out,
					 "DO $mig$\nBEGIN\n"
					 "    PERFORM pg_catalog.pg_advisory_xact_lock(%d, %s::pg_catalog.regnamespace::pg_catalog.oid::pg_catalog.int4);\n"
					 "    IF (SELECT pg_catalog.array_agg(revision ORDER BY revision COLLATE \"C\") FROM %s.mig_version)\n"
					 "       IS DISTINCT FROM NULLIF(%s, '{}') THEN\n"
					 "        RAISE EXCEPTION 'version rows differ from those this script was made for'\n"
					 "            USING ERRCODE = '55000',\n"
					 "                  DETAIL = %s,\n"
					 "                  HINT = 'Make the script again from the database it is for.';\n"
					 "    END IF;\n"
					 "END\n$mig$;\n",
					 lock_class, quote_literal_cstr(cat->qnsp),
					 cat->qnsp, script_ids(g, &sorted),
					 quote_literal_cstr(psprintf("The script expects the version rows %s.",
												 current->n ? graph_format_ids(g, sorted.items, sorted.n) : "to be empty")));
}

/* catalog_script_step_begin: note in the script when a step starts. */
void
catalog_script_step_begin(StringInfo out)
{
	appendStringInfoString(out,
						   "DO $mig$ BEGIN PERFORM pg_catalog.set_config('" SCRIPT_STEP_STARTED "', "
						   "pg_catalog.clock_timestamp()::pg_catalog.text, true); END $mig$;\n");
}

/*
 * catalog_script_step_end: the version-row statements of a step and its
 * log row, as catalog_apply_step and catalog_log_step write them; checksum
 * as for catalog_log_step.
 */
void
catalog_script_step_end(MigCatalog *cat, MigGraph *g, const MigStep *st,
						const char *checksum, StringInfo out)
{
	static const char *const directions[3] = {"upgrade", "downgrade", "stamp"};
	const char *started = "pg_catalog.current_setting('" SCRIPT_STEP_STARTED "')::pg_catalog.timestamptz";

	for (int i = 0; i < st->nchanges; i++)
	{
		const MigRowChange *c = &st->changes[i];
		char	   *from = c->from >= 0 ? quote_literal_cstr(g->revs[c->from].id) : NULL;
		char	   *to = c->to >= 0 ? quote_literal_cstr(g->revs[c->to].id) : NULL;

		if (c->op == MIG_ROW_INSERT)
			appendStringInfo(out, "INSERT INTO %s.mig_version (revision) VALUES (%s);\n",
							 cat->qnsp, to);
		else if (c->op == MIG_ROW_DELETE)
			appendStringInfo(out, "DELETE FROM %s.mig_version WHERE revision OPERATOR(pg_catalog.=) %s;\n",
							 cat->qnsp, from);
		else
			appendStringInfo(out, "UPDATE %s.mig_version SET revision = %s WHERE revision OPERATOR(pg_catalog.=) %s;\n",
							 cat->qnsp, to, from);
	}
	appendStringInfo(out,
					 "INSERT INTO %s.mig_log (revision, direction, from_revisions, to_revisions, "
					 "applied_by, session_user_name, application_name, xid, started_at, duration, checksum)\n"
					 "    VALUES (%s, '%s', %s, %s,\n"
					 "            CURRENT_USER, SESSION_USER, pg_catalog.current_setting('application_name'),\n"
					 "            pg_catalog.pg_current_xact_id(), %s,\n"
					 "            pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) %s,\n"
					 "            %s);\n",
					 cat->qnsp, quote_literal_cstr(g->revs[st->rev].id),
					 directions[st->direction],
					 script_ids(g, &st->rows_before), script_ids(g, &st->rows_after),
					 started, started,
					 checksum ? quote_literal_cstr(checksum) : "NULL");
}

/*
 * catalog_read_alembic: the version_num values of an Alembic version
 * table, read with the caller's rights (not as the catalog owner), sorted
 * by byte order.
 */
char **
catalog_read_alembic(Oid relid, int *n)
{
	char	   *relname = get_rel_name(relid);
	char	  **ids;

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (get_attnum(relid, "version_num") == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table %s has no column \"version_num\"",
						quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												   relname)),
				 errdetail("An Alembic version table has one text column, version_num, with one row per current head.")));
	if (SPI_execute(psprintf("SELECT version_num::pg_catalog.text FROM %s",
							 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
														relname)),
					true, 0) != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not read the Alembic version table")));
	*n = (int) SPI_processed;
	ids = palloc(sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		ids[i] = column_text(i, 1);
		if (ids[i] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the Alembic version table holds a null version_num")));
	}
	SPI_freetuptable(SPI_tuptable);
	qsort(ids, *n, sizeof(char *), cmp_ids);
	return ids;
}

/*
 * catalog_load_check: every registered revision (in registration order)
 * and every applied revision missing from mig_revisions (after them, by
 * id), for the drift check.  Applied means named by a version row or
 * reached from one through down_revisions and depends_on (ids or labels),
 * found by a recursive query that needs no valid graph, so that unknown
 * and missing revisions are reported rather than fatal.  One query; each
 * step of the recursion looks names up by the primary key (a label only
 * when no id matches), so the cost stays linear in the revisions.
 */
MigCheckRev *
catalog_load_check(MigCatalog *cat, int *n)
{
	MigCheckRev *out;

	run_sql(cat, NULL,
			psprintf("WITH RECURSIVE applied(revision, child) AS ("
					 " SELECT v.revision, NULL::pg_catalog.text FROM %1$s.mig_version v"
					 " UNION SELECT COALESCE("
					 "  (SELECT d.revision FROM %1$s.mig_revisions d"
					 "   WHERE d.revision OPERATOR(pg_catalog.=) p.name),"
					 "  (SELECT d.revision FROM %1$s.mig_revisions d"
					 "   WHERE p.name OPERATOR(pg_catalog.=) ANY (d.branch_labels) LIMIT 1),"
					 "  p.name), a.revision FROM applied a"
					 "  CROSS JOIN LATERAL pg_catalog.unnest(("
					 "   SELECT r.down_revisions OPERATOR(pg_catalog.||) r.depends_on"
					 "   FROM %1$s.mig_revisions r WHERE r.revision OPERATOR(pg_catalog.=) a.revision)) AS p(name)),"
					 " app AS (SELECT a.revision, pg_catalog.bool_or(a.child IS NULL) AS version_row,"
					 "  pg_catalog.min(a.child) AS child FROM applied a GROUP BY a.revision),"
					 " logged AS (SELECT DISTINCT ON (l.revision) l.revision, l.checksum"
					 "  FROM %1$s.mig_log l WHERE l.direction OPERATOR(pg_catalog.=) 'upgrade'"
					 "  ORDER BY l.revision, l.id DESC)"
					 " SELECT COALESCE(r.revision, app.revision), r.revision IS NOT NULL,"
					 "  app.revision IS NOT NULL, COALESCE(app.version_row, false), app.child,"
					 "  r.upgrade, r.downgrade, r.checksum, lg.checksum"
					 " FROM %1$s.mig_revisions r"
					 " FULL JOIN app ON app.revision OPERATOR(pg_catalog.=) r.revision"
					 " LEFT JOIN logged lg ON lg.revision OPERATOR(pg_catalog.=)"
					 "  COALESCE(r.revision, app.revision)"
					 " ORDER BY r.seq NULLS LAST, 1", cat->qnsp),
			0, NULL, NULL, NULL);
	*n = (int) SPI_processed;
	out = palloc(sizeof(MigCheckRev) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		MigCheckRev *c = &out[i];
		bool		isnull;

		c->id = column_text(i, 1);
		c->registered = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
												   SPI_tuptable->tupdesc, 2, &isnull));
		c->applied = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
												SPI_tuptable->tupdesc, 3, &isnull));
		c->version_row = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
													SPI_tuptable->tupdesc, 4, &isnull));
		c->child = column_text(i, 5);
		c->upgrade = column_text(i, 6);
		c->downgrade = column_text(i, 7);
		c->checksum = column_text(i, 8);
		c->logged = column_text(i, 9);
	}
	SPI_freetuptable(SPI_tuptable);
	return out;
}

/*
 * catalog_is_stale: whether the transaction snapshot misses changes
 * committed to the catalog after it was taken (possible only under
 * REPEATABLE READ or SERIALIZABLE): compares the newest log row, the
 * newest registration and the version rows as it sees them with what a
 * new snapshot sees.  Call with the catalog locked.
 */
bool
catalog_is_stale(MigCatalog *cat)
{
	SPIPlanPtr	plan;
	char	   *seen;
	char	   *latest;

	plan = prepare(psprintf("SELECT pg_catalog.concat_ws('/',"
							" (SELECT pg_catalog.max(l.id) FROM %1$s.mig_log l),"
							" (SELECT pg_catalog.max(r.seq) FROM %1$s.mig_revisions r),"
							" (SELECT pg_catalog.array_agg(v.revision ORDER BY v.revision)"
							"  FROM %1$s.mig_version v))", cat->qnsp), 0, NULL);
	run_sql(cat, plan, NULL, 0, NULL, NULL, NULL);
	seen = column_text(0, 1);
	SPI_freetuptable(SPI_tuptable);
	run_as_owner(cat, plan, NULL, 0, NULL, NULL, NULL, GetLatestSnapshot(), false);
	latest = column_text(0, 1);
	SPI_freetuptable(SPI_tuptable);
	SPI_freeplan(plan);
	return strcmp(seen, latest) != 0;
}
