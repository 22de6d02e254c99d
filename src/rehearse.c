/*-------------------------------------------------------------------------
 *
 * rehearse.c
 *	  Running migrations for real and rolling them back: the up/down/up
 *	  self-test (mig_test) and the rehearsal that reports locks and
 *	  rewrites (mig_rehearse).
 *
 * Both lock the catalog and plan like mig_upgrade (runner_prepare), then run
 * the steps inside one subtransaction that is always rolled back: schema,
 * data and version rows are as they were, and no log row is written.
 * (Sequences a body advances stay advanced, as in any rolled-back
 * transaction.)
 *
 * mig_test compares schema snapshots: the rows of mig_autogen_objects,
 * autogenerate's description of every object of a schema, over every
 * schema but the system's, with each column's position among its table's
 * columns.  Objects of extensions, mig_ext's own tables among them, are
 * not in it.  The schema is read in full once, before the first step;
 * then only the rows of the relations the transaction may have changed
 * are read again (and all rows of other objects: types, functions, ...),
 * and compared or put in place of the snapshot's.  Those relations are
 * the ones this backend holds a lock on stronger than AccessShareLock
 * (every statement that changes or drops a relation takes one), those
 * whose pg_class row the transaction wrote (a GRANT takes no lock), and
 * those whose definition names any of these or a type, function,
 * collation, operator or operator class the transaction wrote (as
 * pg_depend records it); with their indexes, their tables, and their
 * partitions' parents.  A schema renamed makes every row read again.
 *
 * mig_rehearse reads this backend's relation locks from the lock manager
 * (what pg_locks shows) and the relations' storage from pg_class before
 * and after each body.  A lock on an index that existed before the first
 * step counts as a lock on its table, but for an AccessShareLock: the one
 * every query planned on the table takes on all its indexes (the step's
 * own internal queries among them, whatever their plan), which blocks
 * nothing a SELECT on the table would not.  An index the run created is
 * seen by this transaction alone: its locks block no one.
 *
 * A revision whose body runs operations (mig_op_*) is rehearsed as
 * mig_start and mig_complete run it, a row per half (expand.c): the start
 * half's locks read as any step's; the complete half's from its
 * statements, as the start half already holds its locks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "advice.h"
#include "expand.h"
#include "rehearse.h"
#include "runner.h"
#include "spi_exec.h"

/* What the statements of a rehearsed step did. */
typedef struct RehearsedStep
{
	StringInfoData said;		/* what ran instead, in whole sentences */
	bool		wrote;			/* whether a statement wrote anything */
} RehearsedStep;

/* A statement spi_statement_wrote runs, and whether it wrote. */
typedef struct WroteStatement
{
	const MigBody *b;
	int			i;
	bool		wrote;
} WroteStatement;

/* run_wrote: run the statement of arg, a WroteStatement (a MigSubxactFn). */
static void
run_wrote(void *arg)
{
	WroteStatement *ws = arg;

	spi_exec_caller(ws->b->stmts[ws->i], 0, NULL, NULL, NULL, false);
	SPI_freetuptable(SPI_tuptable);
	ws->wrote = TransactionIdIsValid(GetCurrentTransactionIdIfAny());
}

/*
 * spi_statement_wrote: run statement i of body b through SPI in a
 * subtransaction of its own; whether it wrote anything (took a
 * transaction id), so that a step that wrote nothing is known to have
 * left the schema as it was.
 */
static bool
spi_statement_wrote(const MigBody *b, int i)
{
	WroteStatement ws = {b, i, false};
	ErrorData  *edata = spi_exec_subxact(run_wrote, &ws, true);

	if (edata != NULL)
		ReThrowError(edata);
	return ws.wrote;
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
 * rehearse_step: run step st of run through SPI and move the version rows,
 * logging nothing: its changes are all rolled back.
 * A statement of a non-transactional revision runs in its in-transaction
 * form, or not at all (rehearse_statement); returns what was done instead
 * in whole sentences, or NULL when every statement ran as written, and in
 * *wrote (when not NULL) whether a statement wrote anything.
 */
char *
rehearse_step(MigRun *run, const MigStep *st, bool *wrote)
{
	RehearsedStep rs;

	initStringInfo(&rs.said);
	rs.wrote = false;
	runner_rehearse_body(run, st, body_split_revision(&run->g->revs[st->rev], st->direction),
						 rehearse_statement, &rs);
	if (wrote)
		*wrote = rs.wrote;
	return rs.said.len > 0 ? rs.said.data : NULL;
}

/* The schemas compared and rehearsed: all but the system's. */
#define USER_SCHEMA \
	"n.nspname <> ALL ('{pg_catalog,information_schema}') " \
	"AND n.nspname !~ '^pg_(toast|temp_)'"

/*
 * The relation a row of mig_autogen_objects or a pg_depend row of class
 * classid and OID objid belongs to (the table of a column, a default, a
 * constraint, a trigger, a policy; the view of a rule), or NULL.
 */
#define REL_OF(classid, objid) \
	"CASE " classid \
	" WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN " objid \
	" WHEN 'pg_catalog.pg_attrdef'::pg_catalog.regclass" \
	"  THEN (SELECT x.adrelid FROM pg_catalog.pg_attrdef x WHERE x.oid = " objid ")" \
	" WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass" \
	"  THEN (SELECT NULLIF(x.conrelid, 0) FROM pg_catalog.pg_constraint x WHERE x.oid = " objid ")" \
	" WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass" \
	"  THEN (SELECT x.tgrelid FROM pg_catalog.pg_trigger x WHERE x.oid = " objid ")" \
	" WHEN 'pg_catalog.pg_policy'::pg_catalog.regclass" \
	"  THEN (SELECT x.polrelid FROM pg_catalog.pg_policy x WHERE x.oid = " objid ")" \
	" WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass" \
	"  THEN (SELECT x.ev_class FROM pg_catalog.pg_rewrite x WHERE x.oid = " objid ")" \
	" END"

/* Whether a catalog row x was written by this transaction (or a later one). */
#define WRITTEN(x) "pg_catalog.age(" x ".xmin) <= 0"

/*
 * The relations the transaction may have changed, as the comment at the
 * top says, as an oid[]; NULL when a schema was renamed (or made).
 */
#define TOUCHED_SQL \
	"WITH RECURSIVE changed(classid, objid) AS (" \
	"  SELECT 'pg_catalog.pg_type'::pg_catalog.regclass::oid, t.oid FROM pg_catalog.pg_type t WHERE " WRITTEN("t") \
	"  UNION ALL SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid FROM pg_catalog.pg_proc p WHERE " WRITTEN("p") \
	"  UNION ALL SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass, c.oid FROM pg_catalog.pg_collation c WHERE " WRITTEN("c") \
	"  UNION ALL SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_operator o WHERE " WRITTEN("o") \
	"  UNION ALL SELECT 'pg_catalog.pg_opclass'::pg_catalog.regclass, o.oid FROM pg_catalog.pg_opclass o WHERE " WRITTEN("o") \
	"), f(relid) AS (" \
	"  SELECT l.relation FROM pg_catalog.pg_locks l" \
	"   WHERE l.locktype = 'relation' AND l.pid = pg_catalog.pg_backend_pid() AND l.mode <> 'AccessShareLock'" \
	"  UNION SELECT c.oid FROM pg_catalog.pg_class c WHERE " WRITTEN("c") \
	"  UNION SELECT " REL_OF("d.classid", "d.objid") \
	"   FROM changed JOIN pg_catalog.pg_depend d ON d.refclassid = changed.classid AND d.refobjid = changed.objid" \
	"  UNION SELECT x.relid FROM f CROSS JOIN LATERAL (" \
	"   SELECT " REL_OF("d.classid", "d.objid") " FROM pg_catalog.pg_depend d" \
	"    WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = f.relid" \
	"   UNION ALL SELECT d.refobjid FROM pg_catalog.pg_depend d" \
	"    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = f.relid" \
	"      AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'i'" \
	"   UNION ALL SELECT i.indexrelid FROM pg_catalog.pg_index i WHERE i.indrelid = f.relid" \
	"   UNION ALL SELECT i.indrelid FROM pg_catalog.pg_index i WHERE i.indexrelid = f.relid" \
	"   UNION ALL SELECT h.inhparent FROM pg_catalog.pg_inherits h WHERE h.inhrelid = f.relid) x(relid)" \
	"   WHERE x.relid IS NOT NULL" \
	")" \
	" SELECT CASE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_namespace n WHERE " WRITTEN("n") ")" \
	"        THEN COALESCE(pg_catalog.array_agg(f.relid) FILTER (WHERE f.relid IS NOT NULL), '{}') END" \
	"   FROM f"

/*
 * A schema snapshot: one row per object, named as mig_autogen_objects
 * labels it, with its definition (a column's with its position) and its
 * relation (REL_OF); only the rows of the relations relids lists (a
 * parameter, oid[]) and those of no relation, or all when it is NULL.
 * %1$s is the quoted schema of the catalog.
 */
#define SNAPSHOT_SQL(relids) \
	"SELECT 'schema ' || pg_catalog.quote_ident(n.nspname) AS object, '' AS def, NULL::oid AS rel" \
	"  FROM pg_catalog.pg_namespace n WHERE " USER_SCHEMA \
	" UNION ALL" \
	" SELECT o.label, o.def || CASE WHEN o.kind = 'column' THEN ' at position ' ||" \
	"        pg_catalog.rank() OVER (PARTITION BY o.kind, o.objid ORDER BY o.subid) ELSE '' END," \
	"        " REL_OF("o.classid", "o.objid") \
	"  FROM pg_catalog.pg_namespace n," \
	"       LATERAL %1$s.mig_autogen_objects(n.oid, n.nspname, " relids ") o WHERE " USER_SCHEMA

/* A snapshot given as three arrays $1, $2, $3 (objects, definitions, relations). */
#define SNAPSHOT_ROWS \
	"SELECT * FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[])," \
	"                         pg_catalog.unnest($3::oid[])) b(object, def, rel)"

/*
 * Bring snapshot $1, $2, $3 up to date: the rows of the relations $4
 * lists read again, the others kept; all read again when $4 is NULL.
 */
#define SNAPSHOT_UPDATE_SQL \
	"SELECT pg_catalog.array_agg(object ORDER BY object)," \
	"       pg_catalog.array_agg(def ORDER BY object)," \
	"       pg_catalog.array_agg(rel ORDER BY object) FROM (" \
	SNAPSHOT_ROWS " WHERE b.rel <> ALL ($4::oid[])" \
	" UNION ALL " SNAPSHOT_SQL("$4::oid[]") ") s"

/*
 * Compare the schema now with snapshot $1, $2, $3, over the rows of the
 * relations $4 lists and those of no relation (all when $4 is NULL):
 * what differs, or NULL.
 */
#define SNAPSHOT_DIFF_SQL \
	"WITH s AS (" SNAPSHOT_SQL("$4::oid[]") ")," \
	" b AS (" SNAPSHOT_ROWS " WHERE $4 IS NULL OR b.rel IS NULL OR b.rel = ANY ($4::oid[]))" \
	" SELECT pg_catalog.string_agg(object || CASE WHEN b.def IS NULL THEN ' is extra'" \
	"                                            WHEN s.def IS NULL THEN ' is missing'" \
	"        ELSE ' differs: it was ' || pg_catalog.quote_literal(b.def) ||" \
	"             ', it is ' || pg_catalog.quote_literal(s.def) END, '; ' ORDER BY object)" \
	"   FROM s FULL JOIN b USING (object) WHERE s.def IS DISTINCT FROM b.def"

/*
 * The relations of the schemas rehearsed, but those of extensions (and
 * their indexes): name, storage, the size of the storage, and an index's
 * table.
 */
#define RELATIONS_SQL \
	"SELECT c.oid, c.relfilenode, pg_catalog.format('%I.%I', n.nspname, c.relname)," \
	"       CASE WHEN c.relfilenode <> 0" \
	"            THEN pg_catalog.pg_size_pretty(pg_catalog.pg_table_size(c.oid)) END," \
	"       i.indrelid" \
	"  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace" \
	"  LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid" \
	" WHERE " USER_SCHEMA \
	"   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d" \
	"                   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass" \
	"                     AND d.objid IN (c.oid, i.indrelid) AND d.deptype = 'e')"

/* A schema snapshot, kept in the memory of the call. */
typedef struct SchemaSnapshot
{
	Datum		objects;		/* text[] */
	Datum		defs;			/* text[] */
	Datum		rels;			/* oid[] (REL_OF) */
	bool		isnull;			/* no rows: the three are not set */
} SchemaSnapshot;

/* The longest qualified name format('%I.%I') gives, with its NUL. */
#define QUALIFIED_NAME_LEN (2 * (2 * NAMEDATALEN + 2))

/* A relation of the schemas rehearsed, as pg_class had it, by name. */
typedef struct RelEntry
{
	char		name[QUALIFIED_NAME_LEN];	/* the key */
	Oid			filenode;
	char	   *size;			/* of its storage, when asked for */
} RelEntry;

/* The name of a relation, by OID, and an index's table. */
typedef struct RelName
{
	Oid			relid;			/* the key */
	char	   *name;
	Oid			table;			/* of an index; else InvalidOid */
} RelName;

/* The relations of the schemas rehearsed, by name and by OID. */
typedef struct RelSet
{
	HTAB	   *by_name;		/* of RelEntry */
	HTAB	   *by_oid;			/* of RelName */
} RelSet;

/* The relation locks this backend holds, an index's in its table's. */
typedef struct LockEntry
{
	Oid			relid;			/* the key */
	LOCKMASK	held;
} LockEntry;

/* What a self-test or a rehearsal works with. */
typedef struct Rehearsal
{
	MigRun		run;
	MemoryContext cxt;			/* of the call: the results */
	List	   *rows;			/* MigTestRow * or MigRehearsalRow * */
	/* mig_test */
	SchemaSnapshot before;		/* before the upgrade tested */
	SchemaSnapshot after;		/* after it */
	const char *check;			/* the check running */
	char	   *said;			/* what the upgrade ran instead (run_step) */
	bool		wrote;			/* whether its statements wrote (run_step) */
	/* mig_rehearse */
	MemoryContext stepcxt;		/* what a step needs, reset after it */
	MigRehearsalRow *running;	/* the step running */
	TimestampTz started;		/* when it started */
} Rehearsal;

/* A function run in a subtransaction, and its step. */
typedef void (*SubxactFn) (Rehearsal *rh, const MigStep *st);

/* What in_subxact runs. */
typedef struct SubxactCall
{
	Rehearsal  *rh;
	SubxactFn	fn;
	const MigStep *st;
} SubxactCall;

/* call_fn: run the SubxactCall arg (a MigSubxactFn). */
static void
call_fn(void *arg)
{
	SubxactCall *call = arg;

	call->fn(call->rh, call->st);
}

/*
 * in_subxact: run fn in a subtransaction, kept (released into the parent)
 * when keep says so and fn succeeds, else rolled back.  Returns NULL, or
 * the error fn raised, allocated in rh->cxt; a cancel is raised again.
 */
static ErrorData *
in_subxact(Rehearsal *rh, SubxactFn fn, const MigStep *st, bool keep)
{
	SubxactCall call = {rh, fn, st};

	MemoryContextSwitchTo(rh->cxt);
	return spi_exec_subxact(call_fn, &call, keep);
}

/*
 * run_step: a SubxactFn running step st of the plan; what a statement
 * ran as instead in rh->said, whether the statements wrote in rh->wrote.
 */
static void
run_step(Rehearsal *rh, const MigStep *st)
{
	rh->said = rehearse_step(&rh->run, st, &rh->wrote);
}

/*
 * snapshot_exec: run a query of the snapshots without JIT (compiling one
 * costs far more than it saves here: its estimates are far too high).
 */
static void
snapshot_exec(Rehearsal *rh, const char *sql, int nargs, Oid *types, Datum *values,
			  const char *nulls)
{
	int			level = NewGUCNestLevel();

	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	spi_exec_once(sql, rh->run.cat.owner, nargs, types, values, nulls);
	AtEOXact_GUC(true, level);
	MemoryContextSwitchTo(rh->cxt);
}

/*
 * touched_read: the relations the transaction may have changed (TOUCHED_SQL),
 * an oid[] in rh->cxt, or (Datum) 0 with *isnull set for all.
 */
static Datum
touched_read(Rehearsal *rh, bool *isnull)
{
	Datum		relids;

	snapshot_exec(rh, TOUCHED_SQL, 0, NULL, NULL, NULL);
	relids = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
	relids = *isnull ? (Datum) 0 : datumCopy(relids, false, -1);
	SPI_freetuptable(SPI_tuptable);
	return relids;
}

/*
 * snapshot_query: run sql (SNAPSHOT_UPDATE_SQL or SNAPSHOT_DIFF_SQL) over
 * snap and the relations the transaction may have changed.
 */
static void
snapshot_query(Rehearsal *rh, const char *sql, SchemaSnapshot *snap)
{
	Oid			types[4] = {TEXTARRAYOID, TEXTARRAYOID, OIDARRAYOID, OIDARRAYOID};
	Datum		values[4] = {snap->objects, snap->defs, snap->rels, (Datum) 0};
	char		nulls[4] = {' ', ' ', ' ', ' '};
	bool		all;

	/* the snapshot of nothing: all rows read */
	if (snap->isnull)
		nulls[0] = nulls[1] = nulls[2] = nulls[3] = 'n';
	else
	{
		values[3] = touched_read(rh, &all);
		if (all)
			nulls[3] = 'n';
	}
	snapshot_exec(rh, psprintf(sql, rh->run.cat.qnsp), 4, types, values, nulls);
}

/*
 * snapshot_update: snap brought up to the schema now, in rh->cxt; the
 * snapshot of nothing gives the whole schema.
 */
static SchemaSnapshot
snapshot_update(Rehearsal *rh, SchemaSnapshot *snap)
{
	SchemaSnapshot now;
	HeapTuple	tup;
	TupleDesc	desc;

	snapshot_query(rh, SNAPSHOT_UPDATE_SQL, snap);
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	now.objects = SPI_getbinval(tup, desc, 1, &now.isnull);
	if (!now.isnull)
	{
		now.objects = datumCopy(now.objects, false, -1);
		now.defs = datumCopy(SPI_getbinval(tup, desc, 2, &now.isnull), false, -1);
		now.rels = datumCopy(SPI_getbinval(tup, desc, 3, &now.isnull), false, -1);
	}
	SPI_freetuptable(SPI_tuptable);
	return now;
}

/* snapshot_free: free what snapshot_update allocated for snap. */
static void
snapshot_free(SchemaSnapshot *snap)
{
	if (snap->isnull)
		return;
	pfree(DatumGetPointer(snap->objects));
	pfree(DatumGetPointer(snap->defs));
	pfree(DatumGetPointer(snap->rels));
}

/*
 * snapshot_diff: how the schema now differs from snap, "object is extra;
 * ...", or NULL when it does not.
 */
static char *
snapshot_diff(Rehearsal *rh, SchemaSnapshot *snap)
{
	char	   *diff;

	snapshot_query(rh, SNAPSHOT_DIFF_SQL, snap);
	diff = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	SPI_freetuptable(SPI_tuptable);
	return diff;
}

/* add_check: append a mig_test row. */
static void
add_check(Rehearsal *rh, const MigStep *st, const char *check, bool ok, char *detail)
{
	MigTestRow *row = MemoryContextAlloc(rh->cxt, sizeof(MigTestRow));

	row->revision = st ? rh->run.g->revs[st->rev].id : NULL;
	row->check = check;
	row->ok = ok;
	row->detail = detail;
	rh->rows = lappend(rh->rows, row);
}

/*
 * add_compared: append the check rh->check that the schema now is snap,
 * the schema of what (a phrase: "before the upgrade"); returns whether
 * it is.
 */
static bool
add_compared(Rehearsal *rh, const MigStep *st, SchemaSnapshot *snap, const char *what)
{
	char	   *diff = snapshot_diff(rh, snap);

	add_check(rh, st, rh->check, diff == NULL,
			  diff ? psprintf("Compared with the schema %s: %s.", what, diff) : NULL);
	return diff == NULL;
}

/*
 * test_reversal: a SubxactFn running the downgrade of step st, just
 * upgraded, compared with the schema before the upgrade; when that is
 * the same, the upgrade again, compared with the schema after the first.
 * While no statement has written anything since the upgrade began, the
 * schema is the one before, and is not read again.  rh->check names the
 * phase running, for an error.
 */
static void
test_reversal(Rehearsal *rh, const MigStep *st)
{
	bool		wrote;
	bool		unchanged;

	rh->check = "downgrade";
	(void) rehearse_step(&rh->run, plan_revision_step(rh->run.g, &st->rows_after, st->rev,
														   MIG_DOWNGRADE), &wrote);
	unchanged = !rh->wrote && !wrote;
	if (unchanged)
		add_check(rh, st, rh->check, true, NULL);
	else if (!add_compared(rh, st, &rh->before, "before the upgrade"))
		return;
	rh->check = "re-upgrade";
	(void) rehearse_step(&rh->run, st, &wrote);
	if (unchanged && !wrote)
		add_check(rh, st, rh->check, true, NULL);
	else
		(void) add_compared(rh, st, &rh->after, "after the first upgrade");
}

/*
 * test_steps: a SubxactFn running the self-test of every step planned:
 * the upgrade, kept; then, when the revision has a downgrade,
 * test_reversal, always rolled back.  A failed upgrade ends the test.
 */
static void
test_steps(Rehearsal *rh, const MigStep *unused)
{
	SchemaSnapshot nothing = {.isnull = true};
	ListCell   *lc;

	rh->before = snapshot_update(rh, &nothing);
	foreach(lc, rh->run.steps)
	{
		MigStep    *st = lfirst(lc);
		MigRev	   *r = &rh->run.g->revs[st->rev];
		ErrorData  *edata;

		edata = in_subxact(rh, run_step, st, true);
		add_check(rh, st, "upgrade", edata == NULL, edata ? edata->message : rh->said);
		if (edata)
			return;
		/* statements that wrote nothing left the schema as it was */
		rh->after = rh->wrote ? snapshot_update(rh, &rh->before) : rh->before;
		if (r->repeatable)
			;					/* it runs again when changed, never reversed */
		else if (!r->has_downgrade)
			add_check(rh, st, "irreversible", false,
					  psprintf("Revision %s has no downgrade: its downgrade and re-upgrade were not tested.",
							   r->id));
		else
		{
			edata = in_subxact(rh, test_reversal, st, false);
			if (edata)
				add_check(rh, st, rh->check, false, edata->message);
		}
		/* the reversal was rolled back: the next upgrade starts from after */
		if (rh->wrote)
			snapshot_free(&rh->before);
		rh->before = rh->after;
	}
}

/*
 * rehearse_test: the self-test of the upgrade from the version rows to
 * target (MigTestRow *, in order): a "single head" check of the whole
 * graph, then per revision "upgrade", "downgrade" and "re-upgrade", or
 * "irreversible".  Everything it ran is rolled back.  The caller is
 * connected to SPI.
 */
List *
rehearse_test(Oid fn_oid, const char *target)
{
	const MigDirection upgrade = MIG_UPGRADE;
	Rehearsal	rh = {0};
	MigSet		heads;
	ErrorData  *edata;

	rh.cxt = CurrentMemoryContext;
	(void) runner_prepare(&rh.run, fn_oid, target, &upgrade, false);
	graph_heads(rh.run.g, false, &heads);
	add_check(&rh, NULL, "single head", heads.n <= 1,
			  heads.n > 1 ? psprintf("The heads are %s.",
									 graph_format_ids(rh.run.g, heads.items, heads.n)) : NULL);
	edata = in_subxact(&rh, test_steps, NULL, false);
	if (edata)
		ReThrowError(edata);
	return rh.rows;
}

/* relations_read: the relations of the schemas rehearsed, kept in cxt. */
static RelSet
relations_read(Rehearsal *rh, MemoryContext cxt)
{
	HASHCTL		ctl;
	RelSet		rels;

	ctl.keysize = QUALIFIED_NAME_LEN;
	ctl.entrysize = sizeof(RelEntry);
	ctl.hcxt = cxt;
	rels.by_name = hash_create("mig_ext relations", 256, &ctl,
							   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(RelName);
	rels.by_oid = hash_create("mig_ext relation names", 256, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	spi_exec_caller(RELATIONS_SQL, 0, NULL, NULL, NULL, false);
	MemoryContextSwitchTo(cxt);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		char	   *name = SPI_getvalue(tup, desc, 3);
		RelEntry   *e = hash_search(rels.by_name, name, HASH_ENTER, NULL);
		RelName    *n = hash_search(rels.by_oid, &relid, HASH_ENTER, NULL);

		e->filenode = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
		e->size = SPI_getvalue(tup, desc, 4);
		n->name = e->name;
		n->table = DatumGetObjectId(SPI_getbinval(tup, desc, 5, &isnull));
		if (isnull)
			n->table = InvalidOid;
	}
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(rh->cxt);
	return rels;
}

/*
 * locks_read: the relation locks this backend holds now, by OID, in cxt;
 * those on an index of start, but its AccessShareLock, as its table's.
 */
static HTAB *
locks_read(Rehearsal *rh, MemoryContext cxt, RelSet *start)
{
	HASHCTL		ctl;
	HTAB	   *locks;
	LockData   *data;

	MemoryContextSwitchTo(cxt);
	data = GetLockStatusData();
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(LockEntry);
	ctl.hcxt = cxt;
	locks = hash_create("mig_ext locks", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (int i = 0; i < data->nelements; i++)
	{
		LockInstanceData *l = &data->locks[i];
		Oid			relid = l->locktag.locktag_field2;
		LOCKMASK	held = l->holdMask;
		RelName    *rel;
		LockEntry  *e;
		bool		found;

		if (l->pid != MyProcPid || l->locktag.locktag_type != LOCKTAG_RELATION ||
			l->locktag.locktag_field1 != MyDatabaseId)
			continue;
		rel = hash_search(start->by_oid, &relid, HASH_FIND, NULL);
		if (rel != NULL && OidIsValid(rel->table))
		{
			relid = rel->table;
			held &= ~LOCKBIT_ON(AccessShareLock);
		}
		if (held == 0)
			continue;
		e = hash_search(locks, &relid, HASH_ENTER, &found);
		e->held = (found ? e->held : 0) | held;
	}
	MemoryContextSwitchTo(rh->cxt);
	return locks;
}

/* strongest_mode: the strongest lock mode in mask, or NoLock. */
static LOCKMODE
strongest_mode(LOCKMASK mask)
{
	for (LOCKMODE m = MaxLockMode; m > NoLock; m--)
		if (mask & LOCKBIT_ON(m))
			return m;
	return NoLock;
}

/* compare_strings: list_sort's order of C strings. */
static int
compare_strings(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}

/* compare_locks: list_sort's order of "mode on relation", by relation. */
static int
compare_locks(const ListCell *a, const ListCell *b)
{
	/* a mode's name has no space: the relation follows the first " on " */
	return strcmp(strstr(lfirst(a), " on "), strstr(lfirst(b), " on "));
}

/*
 * step_locks: "mode on relation" for each relation of the schemas
 * rehearsed that existed before the step and on which the step took a
 * lock stronger than any the transaction held (the strongest such mode),
 * in the order of the relations' names.  Locks are as locks_read folds
 * them.
 */
static List *
step_locks(HTAB *before, HTAB *after, RelSet *rels_before)
{
	HASH_SEQ_STATUS seq;
	LockEntry  *e;
	List	   *out = NIL;

	hash_seq_init(&seq, after);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		LockEntry  *b = hash_search(before, &e->relid, HASH_FIND, NULL);
		LOCKMODE	had = b ? strongest_mode(b->held) : NoLock;
		LOCKMODE	now = strongest_mode(e->held & ~(b ? b->held : 0));
		RelName    *rel = hash_search(rels_before->by_oid, &e->relid, HASH_FIND, NULL);

		if (rel != NULL && now > had)
			out = lappend(out, psprintf("%s on %s",
										GetLockmodeName(DEFAULT_LOCKMETHOD, now), rel->name));
	}
	list_sort(out, compare_locks);
	return out;
}

/*
 * step_rewrites: "relation (size before)" for each relation whose storage
 * the step replaced (a new relfilenode, or a relation of the same name
 * made again, as an index rebuilt by ALTER COLUMN TYPE), in order.
 */
static List *
step_rewrites(RelSet *rels_before, RelSet *rels_after)
{
	HASH_SEQ_STATUS seq;
	RelEntry   *e;
	List	   *out = NIL;

	hash_seq_init(&seq, rels_after->by_name);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		RelEntry   *b = hash_search(rels_before->by_name, e->name, HASH_FIND, NULL);

		if (b && b->filenode != InvalidOid && e->filenode != InvalidOid &&
			b->filenode != e->filenode)
			out = lappend(out, psprintf("%s (%s)", e->name, b->size));
	}
	list_sort(out, compare_strings);
	return out;
}

/* What rehearse_steps reads before and after each step. */
typedef struct Readings
{
	RelSet		rels;			/* the relations' storage */
	HTAB	   *locks;			/* the locks held */
	HTAB	   *facts;			/* what advice.c judges a step by */
} Readings;

/*
 * readings_take: what is there after row's step, read into cxt (start:
 * the relations read before the first step), and the relations the step
 * rewrote (since before) in row.
 */
static void
readings_take(Rehearsal *rh, MemoryContext cxt, RelSet *start, Readings *before,
			  Readings *after, MigRehearsalRow *row)
{
	/* the relations first: reading their sizes locks them, as before */
	after->rels = relations_read(rh, cxt);
	after->locks = locks_read(rh, cxt, start);
	row->rewrites = step_rewrites(&before->rels, &after->rels);
	after->facts = advice_read(cxt);
}

/*
 * readings_next: append row, whose step is done, to the rehearsal; what
 * was read after the step (after, in readcxt[*cur]) is what the next one
 * starts from, and the other context is free again.
 */
static void
readings_next(Rehearsal *rh, MigRehearsalRow *row, MemoryContext *readcxt, int *cur,
			  Readings *before, const Readings *after)
{
	MemoryContextSwitchTo(rh->cxt);
	rh->rows = lappend(rh->rows, row);
	rh->running = NULL;
	MemoryContextReset(rh->stepcxt);
	/* what the step started from, unless the start */
	MemoryContextReset(readcxt[1 - *cur]);
	*cur = 1 - *cur;
	*before = *after;
}

/*
 * rehearse_steps: a SubxactFn running every step planned, each between
 * two readings of the relations' storage, of the locks held and of the
 * facts advice.c judges it by (its advice: what to do instead).  What is
 * read after a step is what the next step starts from: the readings
 * alternate between two memory contexts.  The relations read before the
 * first step are kept to the end: locks_read folds the locks on their
 * indexes.  A revision with operations gives a row for its start half
 * and one for its complete half.
 */
static void
rehearse_steps(Rehearsal *rh, const MigStep *unused)
{
	MemoryContext startcxt;
	MemoryContext readcxt[2];
	int			cur = 0;
	RelSet		start;
	Readings	before;
	ListCell   *lc;

	startcxt = AllocSetContextCreate(rh->cxt, "mig_ext rehearsal start",
									 ALLOCSET_DEFAULT_SIZES);
	for (int i = 0; i < 2; i++)
		readcxt[i] = AllocSetContextCreate(rh->cxt, "mig_ext rehearsal readings",
										   ALLOCSET_DEFAULT_SIZES);
	start = relations_read(rh, startcxt);
	before.rels = start;
	before.locks = locks_read(rh, startcxt, &start);
	before.facts = advice_read(startcxt);
	foreach(lc, rh->run.steps)
	{
		MigStep    *st = lfirst(lc);
		MigRehearsalRow *row = MemoryContextAllocZero(rh->cxt, sizeof(MigRehearsalRow));
		Readings	after;
		char	   *advice;

		row->step = foreach_current_index(lc) + 1;
		row->revision = rh->run.g->revs[st->rev].id;
		row->direction = st->direction;
		rh->running = row;
		rh->started = GetCurrentTimestamp();
		MemoryContextSwitchTo(rh->stepcxt);
		row->half = expand_rehearse_start(&rh->run, st, &row->detail) ? "start" : NULL;
		MemoryContextSwitchTo(rh->cxt);
		if (row->detail)
			row->detail = MemoryContextStrdup(rh->cxt, row->detail);
		row->usecs = GetCurrentTimestamp() - rh->started;
		readings_take(rh, readcxt[cur], &start, &before, &after, row);
		row->locks = step_locks(before.locks, after.locks, &before.rels);
		MemoryContextSwitchTo(rh->stepcxt);
		advice = advice_step(before.facts, after.facts, row->locks, row->rewrites);
		row->advice = advice ? MemoryContextStrdup(rh->cxt, advice) : NULL;
		readings_next(rh, row, readcxt, &cur, &before, &after);
		if (row->half != NULL)
		{
			/* its complete half: the locks its statements take */
			MigRehearsalRow *crow = MemoryContextAllocZero(rh->cxt, sizeof(MigRehearsalRow));
			List	   *locks;
			ListCell   *lc2;

			*crow = *row;
			crow->half = "complete";
			crow->detail = crow->advice = NULL;
			rh->running = crow;
			rh->started = GetCurrentTimestamp();
			MemoryContextSwitchTo(rh->stepcxt);
			locks = expand_rehearse_complete(&rh->run, st);
			MemoryContextSwitchTo(rh->cxt);
			crow->locks = NIL;
			foreach(lc2, locks)
				crow->locks = lappend(crow->locks, pstrdup(lfirst(lc2)));
			crow->usecs = GetCurrentTimestamp() - rh->started;
			readings_take(rh, readcxt[cur], &start, &before, &after, crow);
			readings_next(rh, crow, readcxt, &cur, &before, &after);
		}
	}
	MemoryContextDelete(startcxt);
	for (int i = 0; i < 2; i++)
		MemoryContextDelete(readcxt[i]);
}

/*
 * rehearse_run: run the upgrade to target and roll it back; one
 * MigRehearsalRow per step, in order, up to a step that failed (its error
 * in detail).  The caller is connected to SPI.
 */
List *
rehearse_run(Oid fn_oid, const char *target)
{
	const MigDirection upgrade = MIG_UPGRADE;
	Rehearsal	rh = {0};
	ErrorData  *edata;

	rh.cxt = CurrentMemoryContext;
	rh.stepcxt = AllocSetContextCreate(rh.cxt, "mig_ext rehearsal step",
									   ALLOCSET_DEFAULT_SIZES);
	(void) runner_prepare(&rh.run, fn_oid, target, &upgrade, false);
	edata = in_subxact(&rh, rehearse_steps, NULL, false);
	if (edata && rh.running == NULL)
		ReThrowError(edata);
	if (edata)
	{
		rh.running->usecs = GetCurrentTimestamp() - rh.started;
		rh.running->detail = edata->message;
		rh.rows = lappend(rh.rows, rh.running);
	}
	return rh.rows;
}
