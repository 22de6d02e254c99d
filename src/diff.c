/*-------------------------------------------------------------------------
 *
 * diff.c
 *	  Autogenerate: compare a desired schema, given as DDL, with a live one.
 *
 * The desired DDL runs, statement by statement and with the caller's
 * rights, in a scratch schema put first on the search_path (in place of
 * the target schema, which it must not reach), inside a subtransaction
 * that is always rolled back: nothing it creates survives.  While the
 * scratch objects exist, mig_autogen_diff (SQL, in the install script)
 * compares the system catalogs of the two schemas and writes the
 * statements, with every scratch-schema name mapped to the target schema;
 * the objects it replaces are rehearsed in the scratch schema and compared
 * again, so that a definition differing only as the server prints it back
 * converges.  desired.c makes the DDL ready first (names qualified by the
 * target schema read as the scratch schema's, writes elsewhere refused)
 * and validates function bodies once all is built.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "body.h"
#include "compat.h"
#include "catalog.h"
#include "desired.h"
#include "diff.h"
#include "drift.h"
#include "spi_exec.h"

/* The scratch schema: an identifier that needs no quoting. */
#define DIFF_SCRATCH "mig_desired"

/*
 * sandbox_path: the search_path the desired DDL runs with: the scratch
 * schema, then the schemas of the current search_path but target, which
 * the desired DDL describes and must not reach.
 */
static char *
sandbox_path(Oid target)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoString(&buf, DIFF_SCRATCH);
	foreach(lc, fetch_search_path(false))
	{
		if (lfirst_oid(lc) != target)
			appendStringInfo(&buf, ", %s", quote_identifier(get_namespace_name(lfirst_oid(lc))));
	}
	return buf.data;
}

/*
 * build_desired: create the scratch schema, put it first on the
 * search_path (for the current subtransaction) instead of schema target,
 * and run the statements of body in it (errors quoting them from
 * as_written), with function bodies checked once all is built (as pg_dump
 * restores them); returns the scratch schema's OID.
 */
static Oid
build_desired(MigBody *body, MigBody *as_written, Oid target)
{
	ErrorContextCallback errcb;
	DesiredContext dc;
	Oid			scratch;
	char	   *desired_path = sandbox_path(target);

	if (mig_database_aclcheck(MyDatabaseId, GetUserId(), ACL_CREATE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to build the desired schema"),
				 errdetail("The desired DDL runs in a scratch schema, which needs the CREATE privilege on database \"%s\".",
						   get_database_name(MyDatabaseId)),
				 errhint("Run it as a role that may create schemas in this database; nothing created survives the call.")));
	spi_exec_caller("CREATE SCHEMA " DIFF_SCRATCH, 0, NULL, NULL, NULL, false);
	scratch = get_namespace_oid(DIFF_SCRATCH, false);
	desired_set_local(desired_path, false);

	dc.body = as_written;
	errcb.callback = desired_error_context;
	errcb.arg = &dc;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	for (dc.stmt = 1; dc.stmt <= body->nstmts; dc.stmt++)
	{
		const char *stmt = body->stmts[dc.stmt - 1];

		if (stmt == NULL)
			continue;			/* left out by desired_prepare */
		desired_check_drop(stmt, scratch);
		spi_exec_caller(stmt, 0, NULL, NULL, NULL, false);
		SPI_freetuptable(SPI_tuptable);
	}
	error_context_stack = errcb.previous;
	desired_validate_functions(scratch, desired_path);
	return scratch;
}

/*
 * read_diff: the rows of mig_autogen_diff(scratch, target) in the schema
 * of catalog cat, allocated in cxt.  The mig_autogen_* functions are not
 * executable by PUBLIC, so the query runs as the catalog owner (in a
 * security-restricted operation, as every statement of spi_exec.c): it
 * reads nothing but system catalogs, which every role may read, with its
 * search_path pinned.
 */
static List *
read_diff(MigCatalog *cat, Oid scratch, Oid target, MemoryContext cxt)
{
	Oid			types[2] = {OIDOID, OIDOID};
	Datum		values[2] = {ObjectIdGetDatum(scratch), ObjectIdGetDatum(target)};
	List	   *rows = NIL;
	MemoryContext old;

	spi_exec_once(psprintf("SELECT * FROM %s.mig_autogen_diff($1, $2)", cat->qnsp),
				  cat->owner, 2, types, values, NULL);
	old = MemoryContextSwitchTo(cxt);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MigDiffRow *r = palloc(sizeof(MigDiffRow));
		bool		isnull;

		r->change = SPI_getvalue(tup, desc, 1);
		r->object = SPI_getvalue(tup, desc, 2);
		r->upgrade = SPI_getvalue(tup, desc, 3);
		r->downgrade = SPI_getvalue(tup, desc, 4);
		r->loses_data = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
		r->downgrade_loses_data = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));
		rows = lappend(rows, r);
	}
	MemoryContextSwitchTo(old);
	SPI_freetuptable(SPI_tuptable);
	return rows;
}

/* What rows do to an object: drop it, add it, both (object_changes). */
#define CHANGES_DROP	0x01
#define CHANGES_ADD		0x02

/*
 * The objects some rows are about: a hash table whose entries are an
 * object's name (keysize bytes, the longest name's) then, at
 * MAXALIGN(keysize), the CHANGES_* flags (int) of what the rows do to it.
 */
typedef struct ObjectChanges
{
	HTAB	   *h;
	Size		keysize;
} ObjectChanges;

/*
 * object_changes: the objects rows (MigDiffRow *) are about, so that a
 * comparison of thousands of rows looks each object up once.
 */
static ObjectChanges
object_changes(List *rows)
{
	ObjectChanges oc;
	HASHCTL		ctl;
	ListCell   *lc;

	oc.keysize = 1;
	foreach(lc, rows)
		oc.keysize = Max(oc.keysize, strlen(((MigDiffRow *) lfirst(lc))->object) + 1);
	ctl.keysize = oc.keysize;
	ctl.entrysize = MAXALIGN(oc.keysize) + sizeof(int);
	ctl.hcxt = CurrentMemoryContext;
	oc.h = hash_create("mig_ext diff objects", Max(list_length(rows), 16), &ctl,
					   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	foreach(lc, rows)
	{
		MigDiffRow *r = lfirst(lc);
		bool		found;
		char	   *entry = hash_search(oc.h, r->object, HASH_ENTER, &found);
		int		   *flags = (int *) (entry + MAXALIGN(oc.keysize));

		if (!found)
			*flags = 0;
		if (strcmp(r->change, "drop") == 0)
			*flags |= CHANGES_DROP;
		else if (strcmp(r->change, "add") == 0)
			*flags |= CHANGES_ADD;
	}
	return oc;
}

/*
 * changes_flags: the CHANGES_* flags of object in oc; -1 when no row is
 * about it.  (A name longer than the table's keys is that of no row.)
 */
static int
changes_flags(ObjectChanges *oc, const char *object)
{
	char	   *entry;

	if (strlen(object) >= oc->keysize)
		return -1;
	entry = hash_search(oc->h, object, HASH_FIND, NULL);
	return entry ? *(int *) (entry + MAXALIGN(oc->keysize)) : -1;
}

/* has_change: whether one of rows (MigDiffRow *) has change change. */
static bool
has_change(List *rows, const char *change)
{
	ListCell   *lc;

	foreach(lc, rows)
	{
		if (strcmp(((MigDiffRow *) lfirst(lc))->change, change) == 0)
			return true;
	}
	return false;
}

/*
 * replaced: whether row r drops or adds an object that the rows of
 * changes (their object_changes) both drop and add.
 */
static bool
replaced(ObjectChanges *changes, MigDiffRow *r)
{
	if (strcmp(r->change, "drop") != 0 && strcmp(r->change, "add") != 0)
		return false;
	return changes_flags(changes, r->object) == (CHANGES_DROP | CHANGES_ADD);
}

/*
 * run_statements: run each statement of arg, a List of them, through SPI
 * (a MigSubxactFn).
 */
static void
run_statements(void *arg)
{
	List	   *stmts = arg;
	ListCell   *lc;

	foreach(lc, stmts)
	{
		spi_exec_caller(lfirst(lc), 0, NULL, NULL, NULL, false);
		SPI_freetuptable(SPI_tuptable);
	}
}

/*
 * rehearse_replaced: run in the scratch schema the statements of rows
 * that replace an object (a drop and an add of it), with names mapped back
 * to the scratch schema (kept as desired_requalify keeps them), so that
 * those desired objects read as the server prints back what was generated
 * from them; returns whether any ran.  When one fails, as the replacement
 * would, nothing is changed.  The caller is connected to SPI, in the
 * subtransaction holding the scratch schema.
 */
static bool
rehearse_replaced(List *rows, const char *schema, List *kept)
{
	List	   *stmts = NIL;
	ListCell   *lc;

	ObjectChanges changes;

	/* (most comparisons only add, or only drop) */
	if (!has_change(rows, "drop") || !has_change(rows, "add"))
		return false;
	changes = object_changes(rows);
	foreach(lc, rows)
	{
		MigDiffRow *r = lfirst(lc);

		if (replaced(&changes, r))
			stmts = lappend(stmts, desired_requalify(r->upgrade, schema, DIFF_SCRATCH, kept));
	}
	return stmts != NIL && spi_exec_subxact(run_statements, stmts, true) == NULL;
}

/*
 * settle_replaced: rows without the replacements of objects that rehearsed
 * (the rows of the same comparison after rehearse_replaced) no longer
 * show: their definitions differ only as the server prints them back.
 */
static List *
settle_replaced(List *rows, List *rehearsed)
{
	ObjectChanges changes = object_changes(rows);
	ObjectChanges settled = object_changes(rehearsed);
	List	   *res = NIL;
	ListCell   *lc;

	foreach(lc, rows)
	{
		MigDiffRow *r = lfirst(lc);

		if (!replaced(&changes, r) || changes_flags(&settled, r->object) >= 0)
			res = lappend(res, r);
	}
	return res;
}

/*
 * check_supported: refuse rows holding objects that mig_autogen_diff
 * cannot compare or change (its "unsupported" rows, which come first).
 */
static void
check_supported(List *rows)
{
	StringInfoData buf;
	ListCell   *lc;
	int			n = 0;

	initStringInfo(&buf);
	foreach(lc, rows)
	{
		MigDiffRow *r = lfirst(lc);

		if (strcmp(r->change, "unsupported") == 0)
			appendStringInfo(&buf, "%s%s", n++ ? "; " : "", r->object);
	}
	if (n > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot compare %s", ((MigDiffRow *) linitial(rows))->object),
				 errdetail_plural("%d object or change is not supported: %s.",
								  "%d objects or changes are not supported: %s.",
								  n, n, buf.data),
				 errhint("Keep such objects out of the schemas compared, or write their migration by hand.")));
}

/* What diff_compute works with in its subtransaction. */
typedef struct DiffRun
{
	MigCatalog *cat;
	const char *schema;			/* the target schema */
	Oid			target;			/* its OID */
	MigBody    *body;			/* the desired DDL, ready to run */
	MigBody    *as_written;		/* the same, as written */
	List	   *kept;			/* qualifications desired_prepare kept */
	MemoryContext cxt;			/* of the caller: the rows */
	List	   *rows;			/* the result */
} DiffRun;

/*
 * compare: build the desired schema of a DiffRun (arg) and compare it
 * with the target, with the replacements rehearsed (a MigSubxactFn).
 */
static void
compare(void *arg)
{
	DiffRun    *dr = arg;
	Oid			scratch = build_desired(dr->body, dr->as_written, dr->target);

	dr->rows = read_diff(dr->cat, scratch, dr->target, dr->cxt);
	if (rehearse_replaced(dr->rows, dr->schema, dr->kept))
		dr->rows = settle_replaced(dr->rows, read_diff(dr->cat, scratch, dr->target, dr->cxt));
}

/*
 * diff_compute: the differences (MigDiffRow *, in apply order) that take
 * schema to the objects the desired DDL creates, with the functions of
 * catalog cat; the caller is connected to SPI.  The desired DDL runs in a subtransaction always rolled back: it
 * leaves nothing behind, even when it fails.
 */
List *
diff_compute(MigCatalog *cat, const char *desired, const char *schema)
{
	DiffRun		dr;
	ErrorData  *edata;
	bool		was_paused;

	dr.cat = cat;
	dr.schema = schema;
	dr.target = get_namespace_oid(schema, false);
	dr.body = desired_prepare(desired, schema, DIFF_SCRATCH, &dr.kept, &dr.as_written);
	dr.cxt = CurrentMemoryContext;
	dr.rows = NIL;
	/* (what runs in the subtransaction is no drift: it never commits) */
	was_paused = drift_pause(true);
	edata = spi_exec_subxact(compare, &dr, false);
	drift_pause(was_paused);
	if (edata != NULL)
		ReThrowError(edata);
	check_supported(dr.rows);
	return dr.rows;
}

/*
 * diff_map_schema: txt with every qualification by schema from (an
 * identifier that needs no quoting) not preceded by a character of an
 * identifier or a double quote rewritten to schema as, quoted.
 */
char *
diff_map_schema(const char *txt, const char *from, const char *as)
{
	size_t		flen = strlen(from);
	const char *qas = quote_identifier(as);
	StringInfoData buf;

	if (strcmp(from, as) == 0)
		return pstrdup(txt);
	initStringInfo(&buf);
	for (const char *p = txt; *p;)
	{
		if (strncmp(p, from, flen) == 0 && p[flen] == '.' &&
			(p == txt || !(isalnum((unsigned char) p[-1]) || p[-1] == '_' || p[-1] == '$' ||
						   p[-1] == '"' || IS_HIGHBIT_SET(p[-1]))))
		{
			appendStringInfo(&buf, "%s.", qas);
			p += flen + 1;
		}
		else
			appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

/*
 * diff_body: the upgrade (or, in reverse order, downgrade) body of rows:
 * one statement per row, each destructive one after a comment saying
 * what it loses.
 */
char *
diff_body(List *rows, bool upgrade)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < list_length(rows); i++)
	{
		MigDiffRow *r = list_nth(rows, upgrade ? i : list_length(rows) - 1 - i);
		const char *undo = strcmp(r->change, "add") == 0 ? "drop" :
			strcmp(r->change, "drop") == 0 ? "add" : r->change;

		if (upgrade ? r->loses_data : r->downgrade_loses_data)
			appendStringInfo(&buf, "-- loses data: %s %s\n",
							 upgrade ? r->change : undo, r->object);
		appendStringInfo(&buf, "%s;\n", upgrade ? r->upgrade : r->downgrade);
	}
	return buf.data;
}

/* diff_summary: one line per row, "change object", for messages. */
char *
diff_summary(List *rows)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, rows)
	{
		MigDiffRow *r = lfirst(lc);

		appendStringInfo(&buf, "%s%s %s%s", buf.len ? "\n" : "", r->change, r->object,
						 r->loses_data ? " (loses data)" : "");
	}
	return buf.data;
}
