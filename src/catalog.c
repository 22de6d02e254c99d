/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Reading and writing the mig_* tables: the only code that does.
 *
 * Every statement is schema-qualified, compares with OPERATOR(pg_catalog.=)
 * and takes its values as parameters, so nothing a user creates on the
 * search_path changes what it reads or writes.  Statements run through
 * spi_exec.c as the owner of the catalog tables, so callers need EXECUTE
 * on the functions but no rights on the tables, and cannot forge rows by
 * other means; each is kept prepared for the session.  The caller must be
 * connected to SPI.
 *
 * The catalog of an install is locked by an advisory lock on its schema
 * (MIG_LOCK_CLASS): every command that changes it holds the lock for its
 * transaction (catalog_lock) or, CALL mig_deploy, for the session.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/typcache.h"

#include "catalog.h"
#include "spi_exec.h"

/* How often a wait for the migration lock checks who waits for it (ms). */
#define CATALOG_CYCLE_CHECK_MS	100

/* The timeout that checks a wait for the migration lock, once registered. */
static TimeoutId cycle_timeout = MAX_TIMEOUTS;

/* Set by the check when another transaction waits for this one. */
static volatile sig_atomic_t cycle_found = false;

/*
 * The columns fill_rev reads, over every revision: with the upgrade and
 * downgrade texts and their stored checksum, or NULLs in their place.  A
 * catalog created before 1.2 that was not updated has none of 1.2's
 * columns (transactional, conflicts, verify, repeatable): its statements read what a revision
 * registered without them has in their place (REV_NEW_OLD).  The verify
 * body is read with the other bodies; the upgrade of a repeatable revision
 * always (REV_REPEATABLE_BODY), for planning it needs its checksum.
 */
#define REV_COLUMNS 13
#define REV_COLUMN_LIST(bodies, checksum, new) \
	"revision, down_revisions, branch_labels, depends_on, message, " \
	bodies ", downgrade IS NOT NULL, " checksum ", " new
#define REV_SELECT(bodies, checksum, new) \
	"SELECT " REV_COLUMN_LIST(bodies, checksum, new) " FROM %1$s.mig_revisions"
#define REV_BODIES "upgrade, downgrade"
#define REV_NO_BODIES "NULL::pg_catalog.text, NULL::pg_catalog.text"
#define REV_NEW_COLUMNS "NOT transactional, conflicts, verify, repeatable"
#define REV_NEW_NO_VERIFY "NOT transactional, conflicts, NULL::pg_catalog.text, repeatable"
#define REV_NEW_OLD "false, '{}'::pg_catalog.text[], NULL::pg_catalog.text, false"
#define REV_REPEATABLE_BODY "CASE WHEN repeatable THEN upgrade END, NULL::pg_catalog.text"

/*
 * The statements that move version rows ($1 the row's revision, $2 the
 * new one), indexed by MigRowOp, as offline scripts write them.
 */
#define ROW_INSERT_SQL "INSERT INTO %1$s.mig_version (revision) VALUES ($2)"
#define ROW_DELETE_SQL "DELETE FROM %1$s.mig_version WHERE revision OPERATOR(pg_catalog.=) $1"
const char *const catalog_row_sql[] = {
	[MIG_ROW_INSERT] = ROW_INSERT_SQL,
	[MIG_ROW_DELETE] = ROW_DELETE_SQL,
	[MIG_ROW_UPDATE] = "UPDATE %1$s.mig_version SET revision = $2 WHERE revision OPERATOR(pg_catalog.=) $1"
};

/*
 * During a call, mig_version gains a dead row version at every step, all
 * kept until the transaction ends, and a plan that finds a row by a scan
 * of the table (which the planner prefers while the table is one page)
 * would visit every one of them at every step.  So a call finds the rows
 * it moves through the primary key, whatever the table looked like when
 * the plan was made: an update is an insert of the old row whose conflict
 * on the primary key (always looked up in the index) updates it; a delete,
 * rarer, is planned for the table as it is at that point.  An update
 * whose row was missing inserts it instead: catalog_check_versions finds
 * that at the end of the call.
 */
#define ROW_MOVE_SQL \
	"INSERT INTO %1$s.mig_version (revision) VALUES ($1) " \
	"ON CONFLICT (revision) DO UPDATE SET revision = $2"

/*
 * The columns of mig_log a step's row fills, indexed by MigLogColumn, and
 * their types.
 */
static const char *const log_columns[MIG_LOG_NUM_COLUMNS] = {
	"revision", "direction", "from_revisions", "to_revisions", "applied_by",
	"session_user_name", "application_name", "xid", "started_at", "duration", "checksum"
};
static const Oid log_types[MIG_LOG_NUM_COLUMNS] = {
	TEXTOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID, NAMEOID,
	NAMEOID, TEXTOID, XID8OID, TIMESTAMPTZOID, INTERVALOID, TEXTOID
};

/* The catalog's statements, each kept prepared for the session. */
/*
 * The catalog's statements, each kept prepared for the session; those on
 * mig_revisions for a catalog with the transactional column (index true)
 * and without (false).
 */
static MigKeptPlan load_plans[2][2] = {
	[false] = {
		[MIG_LOAD_HEADERS] = {REV_SELECT(REV_NO_BODIES, "NULL::pg_catalog.text", REV_NEW_OLD) " ORDER BY seq", 0},
		[MIG_LOAD_BODIES] = {REV_SELECT(REV_BODIES, "checksum", REV_NEW_OLD) " ORDER BY seq", 0}
	},
	[true] = {
		[MIG_LOAD_HEADERS] = {REV_SELECT(REV_REPEATABLE_BODY, "NULL::pg_catalog.text", REV_NEW_NO_VERIFY) " ORDER BY seq", 0},
		[MIG_LOAD_BODIES] = {REV_SELECT(REV_BODIES, "checksum", REV_NEW_COLUMNS) " ORDER BY seq", 0}
	}
};
/*
 * One index probe per name, whatever the table looked like when the plan
 * was made: a plan for a whole-table condition, made while the catalog was
 * small, would scan it all at every registration of a growing batch.
 * (Registration's partial graph needs only the repeatable attribute of
 * 1.2's.)
 */
#define NAMED_SQL(new) \
	"SELECT DISTINCT ON (seq) " \
	REV_COLUMN_LIST(REV_NO_BODIES, "NULL::pg_catalog.text", new) \
	" FROM pg_catalog.unnest($1) AS n(name), LATERAL (" \
	"SELECT * FROM %1$s.mig_revisions WHERE revision OPERATOR(pg_catalog.=) n.name" \
	" UNION ALL SELECT * FROM %1$s.mig_revisions" \
	" WHERE branch_labels OPERATOR(pg_catalog.<>) '{}'::pg_catalog.text[]" \
	" AND branch_labels OPERATOR(pg_catalog.@>) ARRAY[n.name]) AS r ORDER BY seq"
static MigKeptPlan named_plans[2] = {
	[false] = {NAMED_SQL(REV_NEW_OLD), 1},
	[true] = {NAMED_SQL("false, '{}'::pg_catalog.text[], NULL::pg_catalog.text, repeatable"), 1}
};
#define FIND_SQL(notx) \
	REV_SELECT(REV_BODIES, "checksum", notx) " WHERE revision OPERATOR(pg_catalog.=) $1"
static MigKeptPlan find_plans[2] = {
	[false] = {FIND_SQL(REV_NEW_OLD), 1},
	[true] = {FIND_SQL(REV_NEW_COLUMNS), 1}
};
#define INSERT_SQL(extra_column, extra_value) \
	"INSERT INTO %1$s.mig_revisions (revision, down_revisions, branch_labels, " \
	"depends_on, message, upgrade, downgrade, checksum, registered_by" extra_column ") " \
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9" extra_value ")"
static MigKeptPlan insert_plans[2] = {
	[false] = {INSERT_SQL("", ""), 9},
	[true] = {INSERT_SQL(", transactional, conflicts, verify, repeatable", ", $10, $11, $12, $13"), 13}
};
static MigKeptPlan update_repeatable_plan = {
	.sql = "UPDATE %1$s.mig_revisions SET message = $2, upgrade = $3, downgrade = $4, checksum = $5,"
	" registered_by = $6, registered_at = pg_catalog.now()"
	" WHERE revision OPERATOR(pg_catalog.=) $1 AND repeatable",
	.nargs = 6
};
/*
 * DDL run outside mig_ext (drift.c): recorded from the event trigger's
 * functions, and read since the last step logged ($1: every row when
 * false).  Temporary objects and extension scripts' objects are left out.
 */
#define DRIFT_INSERT \
	"INSERT INTO %1$s.mig_drift_log (role_name, session_user_name, command_tag," \
	" object_type, object_identity, statement) "
static MigKeptPlan drift_ddl_plan = {
	.sql = DRIFT_INSERT "SELECT $1, $2, c.command_tag, c.object_type, c.object_identity, $3"
	" FROM pg_catalog.pg_event_trigger_ddl_commands() c"
	" WHERE NOT c.in_extension"
	" AND NOT COALESCE(c.schema_name OPERATOR(pg_catalog.~) '^pg_(toast_)?temp', false)",
	.nargs = 3
};
static MigKeptPlan drift_drop_plan = {
	.sql = DRIFT_INSERT "SELECT $1, $2, $4, d.object_type, d.object_identity, $3"
	" FROM pg_catalog.pg_event_trigger_dropped_objects() d"
	" WHERE d.original AND NOT d.is_temporary",
	.nargs = 4
};
static MigKeptPlan drift_read_plan = {
	.sql = "SELECT d.at, d.role_name::pg_catalog.text, d.session_user_name::pg_catalog.text,"
	" d.command_tag, d.object_type,"
	" d.object_identity, d.statement FROM %1$s.mig_drift_log d"
	" WHERE NOT $1 OR d.at OPERATOR(pg_catalog.>) COALESCE("
	"  (SELECT pg_catalog.max(l.started_at) FROM %1$s.mig_log l), '-infinity')"
	" ORDER BY d.id",
	.nargs = 1
};
static MigKeptPlan last_repeatable_plan = {
	.sql = "SELECT l.revision, l.started_at, l.checksum FROM %1$s.mig_log l"
	" WHERE l.direction OPERATOR(pg_catalog.=) $1"
	" AND l.revision OPERATOR(pg_catalog.=) ANY ($2) ORDER BY l.id",
	.nargs = 2
};
static MigKeptPlan versions_plan = {.sql = "SELECT revision FROM %1$s.mig_version", .nargs = 0};
static MigKeptPlan row_insert_plan = {.sql = ROW_INSERT_SQL, .nargs = 2};
static MigKeptPlan row_move_plan = {.sql = ROW_MOVE_SQL, .nargs = 2};
static MigKeptPlan clear_plan = {.sql = "DELETE FROM %1$s.mig_version", .nargs = 0};
static MigKeptPlan log_plan = {.sql = NULL, .nargs = 1};
static MigKeptPlan last_plan = {
	.sql = "SELECT l.id, l.revision, l.started_at, l.checksum FROM %1$s.mig_log l "
	"WHERE l.direction OPERATOR(pg_catalog.=) $1",
	.nargs = 1
};
static MigKeptPlan validate_plan = {
	.sql = "WITH RECURSIVE applied(revision, child) AS ("
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
	"  FROM %1$s.mig_log l WHERE l.direction OPERATOR(pg_catalog.=) $1"
	"  ORDER BY l.revision, l.id DESC)"
	" SELECT COALESCE(r.revision, app.revision), r.revision IS NOT NULL,"
	"  app.revision IS NOT NULL, COALESCE(app.version_row, false), app.child,"
	"  r.upgrade, r.downgrade, r.checksum, lg.checksum"
	" FROM %1$s.mig_revisions r"
	" FULL JOIN app ON app.revision OPERATOR(pg_catalog.=) r.revision"
	" LEFT JOIN logged lg ON lg.revision OPERATOR(pg_catalog.=)"
	"  COALESCE(r.revision, app.revision)"
	" ORDER BY r.seq NULLS LAST, 1",
	.nargs = 1
};
static MigKeptPlan stale_plan = {
	.sql = "SELECT pg_catalog.concat_ws('/',"
	" (SELECT pg_catalog.max(l.id) FROM %1$s.mig_log l),"
	" (SELECT pg_catalog.max(r.seq) FROM %1$s.mig_revisions r),"
	" (SELECT pg_catalog.array_agg(v.revision ORDER BY v.revision)"
	"  FROM %1$s.mig_version v))",
	.nargs = 0
};

static MigKeptPlan invalid_plan = {
	.sql = "SELECT i.indexrelid::pg_catalog.regclass::pg_catalog.text,"
	" i.indrelid::pg_catalog.regclass::pg_catalog.text"
	" FROM pg_catalog.pg_index i WHERE NOT i.indisvalid ORDER BY 1",
	.nargs = 0
};

/* run: the kept statement kp on cat's catalog, under the usual snapshot. */
static int
run(MigCatalog *cat, MigKeptPlan *kp, const Oid *argtypes, Datum *values,
	const char *nulls)
{
	return spi_exec_kept(kp, cat->qnsp, cat->owner, argtypes, values, nulls,
						 InvalidSnapshot);
}

/*
 * run_upgrades: run kp, whose $1 is the direction of the log rows it
 * reads: those of upgrades.
 */
static void
run_upgrades(MigCatalog *cat, MigKeptPlan *kp)
{
	static const Oid types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(graph_direction_name(MIG_UPGRADE))};

	run(cat, kp, types, values, NULL);
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

/* catalog_ids_array: a text[] datum of the ids of n revision indexes. */
Datum
catalog_ids_array(MigGraph *g, const int *items, int n)
{
	char	  **ids = palloc(sizeof(char *) * Max(n, 1));

	for (int i = 0; i < n; i++)
		ids[i] = g->revs[items[i]].id;
	return catalog_text_array(ids, n);
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

/* column_datum: column col (not null) of row i of the last result. */
static Datum
column_datum(int i, int col)
{
	bool		isnull;

	return SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, col, &isnull);
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
 * schema is the extension's), the tables' owner, and whether it has 1.2's
 * transactional column.
 */
void
catalog_open(MigCatalog *cat, Oid fn_oid)
{
	Oid			relid;
	HeapTuple	tup;

	cat->nsp = get_func_namespace(fn_oid);
	cat->qnsp = (char *) quote_identifier(get_namespace_name(cat->nsp));
	relid = catalog_table(cat, "mig_revisions");
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	cat->owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	cat->has_transactional = get_attnum(relid, "transactional") != InvalidAttrNumber;
}

/*
 * fill_rev: a MigRev from row i of a revision query (the columns of
 * REV_COLUMN_LIST), read in one pass over the row.
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
	r->non_transactional = DatumGetBool(v[9]);
	r->conflict_names = text_array(v[10], isnull[10], &r->nconflicts);
	r->verify = nullable_text(v[11], isnull[11]);
	r->repeatable = DatumGetBool(v[12]);
}

/*
 * result_revs: the rows of the last revision query as an array with one
 * spare slot (for a revision being registered): the versioned revisions
 * (*nrevs of them) in order, then the repeatable ones (*nrepeatables).
 */
static MigRev *
result_revs(int *nrevs, int *nrepeatables)
{
	int			n = (int) SPI_processed;
	MigRev	   *revs = palloc(sizeof(MigRev) * (n + 1));
	int			k = n;

	*nrevs = 0;
	for (int i = 0; i < n; i++)
	{
		MigRev		r;

		fill_rev(&r, i);
		if (r.repeatable)
			revs[--k] = r;
		else
			revs[(*nrevs)++] = r;
	}
	/* the repeatable ones were placed from the end: back in order */
	for (int i = k, j = n - 1; i < j; i++, j--)
	{
		MigRev		t = revs[i];

		revs[i] = revs[j];
		revs[j] = t;
	}
	*nrepeatables = n - *nrevs;
	SPI_freetuptable(SPI_tuptable);
	return revs;
}

/*
 * catalog_load_named: the versioned revisions whose id or one of whose
 * branch labels is among the n names, in registration order, in an array
 * with one spare slot; without bodies.  The primary key and the index of
 * the labels find them, so the cost does not grow with the catalog.
 */
MigRev *
catalog_load_named(MigCatalog *cat, char **names, int n, int *nrevs)
{
	Oid			types[1] = {TEXTARRAYOID};
	Datum		values[1] = {catalog_text_array(names, n)};
	int			nrepeatables;

	/* (the repeatable ones after them are no one's parents or dependencies) */
	run(cat, &named_plans[cat->has_transactional], types, values, NULL);
	return result_revs(nrevs, &nrepeatables);
}

/*
 * catalog_load_graph: the graph of every registered versioned revision,
 * in registration order, followed by the repeatable ones; with or without
 * bodies (load).  One query.
 */
MigGraph *
catalog_load_graph(MigCatalog *cat, MigLoad load)
{
	int			n;
	int			nrepeatables;
	MigRev	   *revs;
	MigGraph   *g;

	run(cat, &load_plans[cat->has_transactional][load], NULL, NULL, NULL);
	revs = result_revs(&n, &nrepeatables);
	g = graph_build(revs, n);
	g->nrepeatables = nrepeatables;
	return g;
}

/*
 * catalog_read: open the catalog of the function fn_oid and load its graph
 * (with or without bodies, as load says) and its version rows (current),
 * without locking: what a report reads.
 */
MigGraph *
catalog_read(MigCatalog *cat, Oid fn_oid, MigLoad load, MigSet *current)
{
	MigGraph   *g;

	catalog_open(cat, fn_oid);
	g = catalog_load_graph(cat, load);
	catalog_load_versions(cat, g, current);
	return g;
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
	run(cat, &versions_plan, NULL, NULL, NULL);
	graph_set_init(out);
	for (int i = 0; i < (int) SPI_processed; i++)
	{
		char	   *id = column_text(i, 1);
		int			r = graph_lookup_id(g, id);

		if (r == MIG_NO_REV)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("version row names unknown revision \"%s\"", id),
					 errdetail("Table %s.mig_version holds \"%s\", which is not in %s.mig_revisions.",
							   cat->qnsp, id, cat->qnsp),
					 errhint("Register that revision again, or reset the rows with mig_stamp(target, purge => true).")));
		graph_set_add(out, r);
	}
	SPI_freetuptable(SPI_tuptable);
	qsort(out->items, out->n, sizeof(int), cmp_int);
}

/*
 * catalog_check_rows: refuse version rows of which one lies below
 * another, before a plan starts from them (plan_check_rows).
 */
void
catalog_check_rows(MigCatalog *cat, MigGraph *g, const MigSet *rows)
{
	plan_check_rows(g, rows, psprintf("%s.mig_version", cat->qnsp), "revision");
}

/* catalog_find_revision: the registered revision with this id, if any. */
bool
catalog_find_revision(MigCatalog *cat, const char *id, MigRev *out)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(id)};
	bool		found;

	run(cat, &find_plans[cat->has_transactional], types, values, NULL);
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
	Oid			types[13] = {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID, NAMEOID, BOOLOID, TEXTARRAYOID, TEXTOID, BOOLOID};
	Datum		values[13];
	char		nulls[13] = "             ";

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
	values[9] = BoolGetDatum(!r->non_transactional);
	values[10] = catalog_text_array(r->conflict_names, r->nconflicts);
	values[11] = r->verify ? CStringGetTextDatum(r->verify) : (Datum) 0;
	nulls[11] = r->verify ? ' ' : 'n';
	values[12] = BoolGetDatum(r->repeatable);
	if ((r->non_transactional || r->nconflicts > 0 || r->verify || r->repeatable) &&
		!cat->has_transactional)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 r->non_transactional ?
				 errmsg("non-transactional revisions need mig_ext 1.2") :
				 r->nconflicts > 0 ?
				 errmsg("conflicts between revisions need mig_ext 1.2") :
				 r->verify ?
				 errmsg("verify bodies need mig_ext 1.2") :
				 errmsg("repeatable revisions need mig_ext 1.2"),
				 errhint("Update the extension with ALTER EXTENSION mig_ext UPDATE.")));
	run(cat, &insert_plans[cat->has_transactional], types, values, nulls);
}

/*
 * catalog_update_repeatable: store the new message and bodies of the
 * registered repeatable revision r, with their checksum, as registered by
 * the caller now.
 */
void
catalog_update_repeatable(MigCatalog *cat, const MigRev *r, const char *checksum)
{
	Oid			types[6] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, NAMEOID};
	Datum		values[6];
	char		nulls[6] = "      ";

	values[0] = CStringGetTextDatum(r->id);
	values[1] = CStringGetTextDatum(r->message);
	values[2] = CStringGetTextDatum(r->upgrade);
	values[3] = r->downgrade ? CStringGetTextDatum(r->downgrade) : (Datum) 0;
	nulls[3] = r->downgrade ? ' ' : 'n';
	values[4] = CStringGetTextDatum(checksum);
	values[5] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	run(cat, &update_repeatable_plan, types, values, nulls);
}

/*
 * catalog_move_rows: make the version-row changes of a step; each touches
 * one row (see ROW_MOVE_SQL for updates).
 */
void
catalog_move_rows(MigCatalog *cat, MigGraph *g, const MigStep *st)
{
	static const Oid types[2] = {TEXTOID, TEXTOID};
	ListCell   *lc;

	foreach(lc, st->changes)
	{
		const MigRowChange *c = lfirst(lc);
		Datum		values[2];
		char		nulls[2];

		values[0] = c->from != MIG_NO_REV ? CStringGetTextDatum(g->revs[c->from].id) : (Datum) 0;
		values[1] = c->to != MIG_NO_REV ? CStringGetTextDatum(g->revs[c->to].id) : (Datum) 0;
		nulls[0] = c->from != MIG_NO_REV ? ' ' : 'n';
		nulls[1] = c->to != MIG_NO_REV ? ' ' : 'n';
		if (c->op == MIG_ROW_INSERT)
			run(cat, &row_insert_plan, types, values, nulls);
		else if (c->op == MIG_ROW_UPDATE)
			run(cat, &row_move_plan, types, values, nulls);
		else
			spi_exec_once(psprintf(ROW_DELETE_SQL, cat->qnsp), cat->owner,
						  2, types, values, nulls);
		if (c->op == MIG_ROW_DELETE && SPI_processed != 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("version row for revision %s is missing", g->revs[c->from].id),
					 errhint("Something else changed %s.mig_version during the call.", cat->qnsp)));
	}
}

/*
 * catalog_check_versions: refuse unless the version rows are exactly
 * expected, the rows the call's steps leave.
 */
void
catalog_check_versions(MigCatalog *cat, MigGraph *g, const MigSet *expected)
{
	MigSet		rows;
	bool		same;

	catalog_load_versions(cat, g, &rows);
	same = rows.n == expected->n;
	for (int i = 0; same && i < rows.n; i++)
		same = graph_set_contains(expected, rows.items[i]);
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("version rows differ from those the steps of the call left"),
				 errhint("Something else changed %s.mig_version during the call.", cat->qnsp)));
}

/* catalog_clear_versions: remove every version row (stamp's purge). */
void
catalog_clear_versions(MigCatalog *cat)
{
	run(cat, &clear_plan, NULL, NULL, NULL);
}

/* catalog_log_column_list: "revision, direction, ...", the log's columns. */
char *
catalog_log_column_list(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int c = 0; c < MIG_LOG_NUM_COLUMNS; c++)
		appendStringInfo(&buf, "%s%s", c ? ", " : "", log_columns[c]);
	return buf.data;
}

/*
 * catalog_log_type: mig_log's row type and where each MigLogColumn is in
 * it, in the current memory context; a mig_log changed by hand is refused.
 */
MigLogType *
catalog_log_type(MigCatalog *cat)
{
	MigLogType *lt = palloc(sizeof(MigLogType));

	lt->type = get_rel_type_id(catalog_table(cat, "mig_log"));
	lt->array_type = get_array_type(lt->type);
	lt->desc = lookup_rowtype_tupdesc_copy(lt->type, -1);
	for (int c = 0; c < MIG_LOG_NUM_COLUMNS; c++)
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
	return lt;
}

/*
 * catalog_insert_log: append rows, nrows values of mig_log's row type, to
 * mig_log in their order, with one statement: no text round trip of the
 * from/to arrays, one function scan.
 */
void
catalog_insert_log(MigCatalog *cat, const MigLogType *lt, Datum *rows, int nrows)
{
	Datum		values[1];

	if (log_plan.sql == NULL)
	{
		char	   *cols = catalog_log_column_list();

		log_plan.sql = MemoryContextStrdup(TopMemoryContext,
										   psprintf("INSERT INTO %%1$s.mig_log (%s) SELECT %s "
													"FROM pg_catalog.unnest($1) WITH ORDINALITY AS u "
													"ORDER BY u.ordinality", cols, cols));
	}
	values[0] = PointerGetDatum(construct_array(rows, nrows, lt->type,
												-1, false, TYPALIGN_DOUBLE));
	run(cat, &log_plan, &lt->array_type, values, NULL);
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

	run_upgrades(cat, &last_plan);
	for (int i = 0; i < (int) SPI_processed; i++)
	{
		int			r = graph_lookup_id(g, column_text(i, 2));
		int64		id;

		if (r == MIG_NO_REV)
			continue;
		id = DatumGetInt64(column_datum(i, 1));
		if (!last[r].known || id > last[r].id)
		{
			last[r].known = true;
			last[r].id = id;
			row[r] = i;
		}
	}
	for (int r = 0; r < g->nrevs; r++)
	{
		if (!last[r].known)
			continue;
		last[r].at = DatumGetTimestampTz(column_datum(row[r], 3));
		last[r].checksum = column_text(row[r], 4);
	}
	SPI_freetuptable(SPI_tuptable);
	pfree(row);
	return last;
}

/*
 * catalog_load_validate: every registered revision (in registration order)
 * and every applied revision missing from mig_revisions (after them, by
 * id), for validation.  Applied means named by a version row or
 * reached from one through down_revisions and depends_on (ids or labels),
 * found by a recursive query that needs no valid graph, so that unknown
 * and missing revisions are reported rather than fatal.  One query; each
 * step of the recursion looks names up by the primary key (a label only
 * when no id matches), so the cost stays linear in the revisions.
 */
MigValidateRev *
catalog_load_validate(MigCatalog *cat, int *n)
{
	MigValidateRev *out;

	run_upgrades(cat, &validate_plan);
	*n = (int) SPI_processed;
	out = palloc(sizeof(MigValidateRev) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		MigValidateRev *c = &out[i];

		c->id = column_text(i, 1);
		c->registered = DatumGetBool(column_datum(i, 2));
		c->applied = DatumGetBool(column_datum(i, 3));
		c->version_row = DatumGetBool(column_datum(i, 4));
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
 * catalog_invalid_indexes: the invalid indexes of the database (left by a
 * CREATE INDEX or REINDEX CONCURRENTLY that failed), each as a pair of
 * names: the index's, its table's.
 */
List *
catalog_invalid_indexes(MigCatalog *cat)
{
	List	   *out = NIL;

	run(cat, &invalid_plan, NULL, NULL, NULL);
	for (int i = 0; i < (int) SPI_processed; i++)
		out = lappend(lappend(out, column_text(i, 1)), column_text(i, 2));
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
static bool
catalog_is_stale(MigCatalog *cat)
{
	char	   *seen;
	char	   *latest;

	run(cat, &stale_plan, NULL, NULL, NULL);
	seen = column_text(0, 1);
	SPI_freetuptable(SPI_tuptable);
	spi_exec_kept(&stale_plan, cat->qnsp, cat->owner, NULL, NULL, NULL,
				  GetLatestSnapshot());
	latest = column_text(0, 1);
	SPI_freetuptable(SPI_tuptable);
	return strcmp(seen, latest) != 0;
}

/*
 * catalog_last_repeatables: for each repeatable revision of g (index k for
 * g->revs[g->nrevs + k]), its last upgrade in the log, as
 * catalog_last_upgrades finds it.  One query over the log rows of those
 * revisions.
 */
MigLastUpgrade *
catalog_last_repeatables(MigCatalog *cat, MigGraph *g)
{
	static const Oid types[2] = {TEXTOID, TEXTARRAYOID};
	MigLastUpgrade *last = palloc0(sizeof(MigLastUpgrade) * Max(g->nrepeatables, 1));
	char	  **ids = palloc(sizeof(char *) * Max(g->nrepeatables, 1));
	Datum		values[2];

	for (int k = 0; k < g->nrepeatables; k++)
		ids[k] = g->revs[g->nrevs + k].id;
	values[0] = CStringGetTextDatum(graph_direction_name(MIG_UPGRADE));
	values[1] = catalog_text_array(ids, g->nrepeatables);
	run(cat, &last_repeatable_plan, (Oid *) types, values, NULL);
	/* oldest first: the last row of a revision is its latest */
	for (int i = 0; i < (int) SPI_processed; i++)
	{
		char	   *id = column_text(i, 1);

		for (int k = 0; k < g->nrepeatables; k++)
			if (strcmp(ids[k], id) == 0)
			{
				last[k].known = true;
				last[k].at = DatumGetTimestampTz(column_datum(i, 2));
				last[k].checksum = column_text(i, 3);
			}
	}
	SPI_freetuptable(SPI_tuptable);
	return last;
}

/*
 * catalog_record_drift: record, for the event trigger firing now (a drop
 * when dropped), the DDL commands of the statement run by the current
 * role, tagged tag.
 */
void
catalog_record_drift(MigCatalog *cat, bool dropped, const char *tag, const char *statement)
{
	static const Oid types[4] = {NAMEOID, NAMEOID, TEXTOID, TEXTOID};
	Datum		values[4];
	char		nulls[4] = "    ";

	values[0] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	values[1] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetSessionUserId(), false)));
	values[2] = statement ? CStringGetTextDatum(statement) : (Datum) 0;
	nulls[2] = statement ? ' ' : 'n';
	values[3] = CStringGetTextDatum(tag);
	run(cat, dropped ? &drift_drop_plan : &drift_ddl_plan, (Oid *) types, values, nulls);
}

/*
 * catalog_read_drift: the DDL recorded outside mig_ext (since the last
 * step logged, when since_last_step), oldest first.
 */
List *
catalog_read_drift(MigCatalog *cat, bool since_last_step)
{
	static const Oid types[1] = {BOOLOID};
	Datum		values[1] = {BoolGetDatum(since_last_step)};
	List	   *out = NIL;

	run(cat, &drift_read_plan, (Oid *) types, values, NULL);
	for (int i = 0; i < (int) SPI_processed; i++)
	{
		MigDrift   *d = palloc(sizeof(MigDrift));

		d->at = DatumGetTimestampTz(column_datum(i, 1));
		d->role = column_text(i, 2);
		d->session_user = column_text(i, 3);
		d->tag = column_text(i, 4);
		d->object_type = column_text(i, 5);
		d->identity = column_text(i, 6);
		d->statement = column_text(i, 7);
		out = lappend(out, d);
	}
	SPI_freetuptable(SPI_tuptable);
	return out;
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
 * cannot see the cycle.  So every CATALOG_CYCLE_CHECK_MS the wait checks
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
						 TimestampTzPlusMilliseconds(GetCurrentTimestamp(), CATALOG_CYCLE_CHECK_MS),
						 CATALOG_CYCLE_CHECK_MS);
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
 * catalog_lock: the transaction-scoped advisory lock of this install,
 * waiting (within lock_timeout, see wait_lock) while another transaction
 * holds it.
 * Under REPEATABLE READ or SERIALIZABLE the transaction's snapshot may
 * predate changes committed to the catalog (by the holder it waited for,
 * or before the call): acting on it could run migrations again, so the
 * call fails with a serialization error and the retry sees them.
 */
void
catalog_lock(MigCatalog *cat)
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

/*
 * catalog_lock_session: the session-level advisory lock of this install,
 * waited for without a snapshot (the caller holds none), within
 * lock_timeout; released by catalog_unlock_session.
 */
void
catalog_lock_session(MigCatalog *cat)
{
	InvalidateCatalogSnapshot();
	advisory(pg_advisory_lock_int4, cat);
}

/* catalog_unlock_session: release the lock catalog_lock_session took. */
void
catalog_unlock_session(MigCatalog *cat)
{
	advisory(pg_advisory_unlock_int4, cat);
}

static MigKeptPlan started_plan = {
	.sql = "SELECT revision, base_schema, version_schema, previous_schema, backfilled"
	" FROM %1$s.mig_expand_state WHERE completed_at IS NULL",
	.nargs = 0
};

/*
 * catalog_load_started: the revision of cat started and not completed, if
 * any, in *s (none before the catalog has 1.2's tables).
 */
void
catalog_load_started(MigCatalog *cat, MigStarted *s)
{
	memset(s, 0, sizeof(MigStarted));
	if (!cat->has_transactional)
		return;
	spi_exec_kept(&started_plan, cat->qnsp, cat->owner, NULL, NULL, NULL, InvalidSnapshot);
	if (SPI_processed == 0)
		return;
	s->revision = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	s->base = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	s->vs = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	s->previous = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);
	s->backfilled = strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5), "t") == 0;
}

/*
 * run_texts: the kept statement kp on cat's catalog, its parameters the
 * texts args (NULL: SQL NULL).
 */
static void
run_texts(MigCatalog *cat, MigKeptPlan *kp, const char *const *args)
{
	Oid			types[SPI_EXEC_MAX_ARGS];
	Datum		values[SPI_EXEC_MAX_ARGS];
	char		nulls[SPI_EXEC_MAX_ARGS];

	for (int i = 0; i < kp->nargs; i++)
	{
		types[i] = TEXTOID;
		values[i] = args[i] ? CStringGetTextDatum(args[i]) : (Datum) 0;
		nulls[i] = args[i] ? ' ' : 'n';
	}
	run(cat, kp, types, values, nulls);
}

static MigKeptPlan expand_log_plan = {
	.sql = "INSERT INTO %1$s.mig_log (revision, direction, from_revisions, to_revisions, applied_by,"
	" session_user_name, application_name, xid, started_at, duration)"
	" SELECT $1, $2, v.rows, v.rows, $3, $4, pg_catalog.current_setting('application_name'),"
	" pg_catalog.pg_current_xact_id(), $5::timestamptz,"
	" pg_catalog.clock_timestamp() - $5::timestamptz"
	" FROM (SELECT ARRAY(SELECT revision FROM %1$s.mig_version ORDER BY revision) AS rows) AS v",
	.nargs = 5
};

/*
 * catalog_expand_log: a mig_log row for the half (direction) of revision
 * that started at started, the version rows as they are.
 */
void
catalog_expand_log(MigCatalog *cat, const char *revision, const char *direction,
				   TimestampTz started)
{
	const char *args[5] = {revision, direction, GetUserNameFromId(GetUserId(), false),
	GetUserNameFromId(GetSessionUserId(), false), timestamptz_to_str(started)};

	run_texts(cat, &expand_log_plan, args);
}

static MigKeptPlan schema_plan = {
	.sql = "SELECT pg_catalog.min(table_schema), pg_catalog.count(*) FROM %1$s.mig_expand_ops WHERE revision = $1",
	.nargs = 1
};

/*
 * catalog_expand_schema_of: the schema of the tables of the operations
 * revision recorded, or NULL when it recorded none.
 */
char *
catalog_expand_schema_of(MigCatalog *cat, const char *revision)
{
	const char *args[1] = {revision};

	run_texts(cat, &schema_plan, args);
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

static MigKeptPlan previous_plan = {
	.sql = "SELECT version_schema FROM %1$s.mig_expand_state WHERE base_schema = $1 AND completed_at IS NOT NULL"
	" AND pg_catalog.to_regnamespace(pg_catalog.quote_ident(version_schema)) IS NOT NULL"
	" ORDER BY completed_at DESC LIMIT 1",
	.nargs = 1
};

/*
 * catalog_expand_previous_schema: the version schema, still there, of the
 * last revision completed on the tables of schema base, or NULL.
 */
char *
catalog_expand_previous_schema(MigCatalog *cat, const char *base)
{
	const char *args[1] = {base};

	run_texts(cat, &previous_plan, args);
	return SPI_processed > 0 ?
		SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : NULL;
}

static MigKeptPlan state_plan = {
	.sql = "INSERT INTO %1$s.mig_expand_state (revision, base_schema, version_schema, previous_schema)"
	" VALUES ($1, $2, $3, $4)",
	.nargs = 4
};

/*
 * catalog_expand_state_insert: record revision as started, its tables in
 * schema base, its new shape in version schema vs, previous the version
 * schema it replaces (NULL: none).
 */
void
catalog_expand_state_insert(MigCatalog *cat, const char *revision, const char *base,
							const char *vs, const char *previous)
{
	const char *args[4] = {revision, base, vs, previous};

	run_texts(cat, &state_plan, args);
}

static MigKeptPlan backfilled_plan = {
	.sql = "UPDATE %1$s.mig_expand_state SET backfilled = true WHERE revision = $1",
	.nargs = 1
};

/* catalog_expand_set_backfilled: record that the backfill of revision ended. */
void
catalog_expand_set_backfilled(MigCatalog *cat, const char *revision)
{
	const char *args[1] = {revision};

	run_texts(cat, &backfilled_plan, args);
}

static MigKeptPlan complete_plan = {
	.sql = "UPDATE %1$s.mig_expand_state SET completed_at = pg_catalog.clock_timestamp() WHERE revision = $1",
	.nargs = 1
};

/* catalog_expand_set_completed: record that revision is complete, now. */
void
catalog_expand_set_completed(MigCatalog *cat, const char *revision)
{
	const char *args[1] = {revision};

	run_texts(cat, &complete_plan, args);
}

static MigKeptPlan forget_plan = {
	.sql = "WITH s AS (DELETE FROM %1$s.mig_expand_state WHERE revision = $1)"
	" DELETE FROM %1$s.mig_expand_ops WHERE revision = $1",
	.nargs = 1
};

/*
 * catalog_expand_forget: forget started revision, its state and its
 * operations (it is rolled back).
 */
void
catalog_expand_forget(MigCatalog *cat, const char *revision)
{
	const char *args[1] = {revision};

	run_texts(cat, &forget_plan, args);
}

static MigKeptPlan record_op_plan = {
	.sql = "INSERT INTO %1$s.mig_expand_ops SELECT $2,"
	" coalesce((SELECT pg_catalog.max(op) FROM %1$s.mig_expand_ops WHERE revision = $2), 0) + 1,"
	" o.kind, o.table_schema, o.table_name, o.column_name, o.new_name, o.shadow_name, o.old_type,"
	" o.old_default, o.old_not_null, o.new_type, o.default_expr, o.not_null, o.check_expr, o.is_unique,"
	" o.up_expr, o.down_expr, o.definition FROM (SELECT ($1::%1$s.mig_expand_ops).*) AS o",
	.nargs = 2
};

/*
 * catalog_expand_record_op: record operation o (a mig_expand_ops row of
 * type type) as the next of revision.
 */
void
catalog_expand_record_op(MigCatalog *cat, const char *revision, Oid type, Datum o)
{
	Oid			types[2] = {type, TEXTOID};
	Datum		values[2] = {o, CStringGetTextDatum(revision)};

	run(cat, &record_op_plan, types, values, NULL);
}

static MigKeptPlan forget_ops_plan = {
	.sql = "DELETE FROM %1$s.mig_expand_ops WHERE revision = $1",
	.nargs = 1
};

/* catalog_expand_forget_ops: forget the operations revision recorded. */
void
catalog_expand_forget_ops(MigCatalog *cat, const char *revision)
{
	const char *args[1] = {revision};

	run_texts(cat, &forget_ops_plan, args);
}

static MigKeptPlan ops_plan = {
	.sql = "SELECT * FROM %1$s.mig_expand_ops WHERE revision = $1 ORDER BY op",
	.nargs = 1
};

/*
 * catalog_expand_ops: the operations revision recorded (mig_expand_ops
 * rows), in order, into tuplestore ts.
 */
void
catalog_expand_ops(MigCatalog *cat, const char *revision, Tuplestorestate *ts)
{
	const char *args[1] = {revision};

	run_texts(cat, &ops_plan, args);
	for (uint64 i = 0; i < SPI_processed; i++)
		tuplestore_puttuple(ts, SPI_tuptable->vals[i]);
}
