/*-------------------------------------------------------------------------
 *
 * record.c
 *	  Recording the steps of a call: version rows and log rows.
 *
 * A step's version rows move as soon as its body has run, so that the
 * next body sees them, and are checked once at the end of the call; its
 * log row is queued, and the queue is written to mig_log RECORD_BATCH
 * rows at a time and at the end of the call.  All of it goes through
 * catalog.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/xid8.h"

#include "record.h"

/*
 * Log rows are written in batches of this many, and at the end of a
 * command: few statements, and a batch small enough (tens of kB) to reuse
 * the memory of the batch before, where 1024 rows took fresh memory from
 * the kernel each time (a few hundred page faults per call).
 */
#define RECORD_BATCH 256

/*
 * record_open: find mig_log's row type and make room for RECORD_BATCH
 * pending rows, in the memory context of the call; before the first step,
 * so that a mig_log changed by hand is refused before any step runs.
 */
void
record_open(MigRecorder *rec, MigCatalog *cat)
{
	rec->cat = cat;
	rec->lt = catalog_log_type(cat);
	rec->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "mig_ext log rows",
										ALLOCSET_SMALL_SIZES);
	rec->values = palloc(sizeof(Datum) * rec->lt->desc->natts);
	rec->nulls = palloc(sizeof(bool) * rec->lt->desc->natts);
	rec->rows = palloc(sizeof(Datum) * RECORD_BATCH);
	rec->nrows = 0;
	rec->g = NULL;
	rec->rows_after = NULL;
}

/* write_rows: append the pending rows to mig_log, in order. */
static void
write_rows(MigRecorder *rec)
{
	MemoryContext oldcxt;

	if (rec->nrows == 0)
		return;
	oldcxt = MemoryContextSwitchTo(rec->rowcxt);
	catalog_insert_log(rec->cat, rec->lt, rec->rows, rec->nrows);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(rec->rowcxt);
	rec->nrows = 0;
}

/* name_datum: a name datum of a role's name. */
static Datum
name_datum(Oid roleid)
{
	return DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(roleid, false)));
}

/*
 * record_step: move the version rows of a step that started at started
 * and ends now, and queue its log row; checksum is that of the body that
 * ran (NULL for a stamp).
 */
void
record_step(MigRecorder *rec, MigGraph *g, const MigStep *st,
			TimestampTz started, const char *checksum)
{
	const char *appname = GetConfigOption("application_name", true, false);
	const MigLogType *lt = rec->lt;
	MemoryContext oldcxt;
	Interval   *duration;
	Datum		values[MIG_LOG_NUM_COLUMNS];
	bool		nulls[MIG_LOG_NUM_COLUMNS] = {0};

	catalog_move_rows(rec->cat, g, st);
	rec->g = g;
	rec->rows_after = &st->rows_after;

	oldcxt = MemoryContextSwitchTo(rec->rowcxt);
	duration = palloc0(sizeof(Interval));
	duration->time = GetCurrentTimestamp() - started;
	values[MIG_LOG_REVISION] = CStringGetTextDatum(g->revs[st->rev].id);
	values[MIG_LOG_DIRECTION] = CStringGetTextDatum(graph_direction_name(st->direction));
	values[MIG_LOG_FROM_REVISIONS] = catalog_ids_array(g, st->rows_before.items,
													   st->rows_before.n);
	values[MIG_LOG_TO_REVISIONS] = catalog_ids_array(g, st->rows_after.items,
													 st->rows_after.n);
	values[MIG_LOG_APPLIED_BY] = name_datum(GetUserId());
	values[MIG_LOG_SESSION_USER] = name_datum(GetSessionUserId());
	values[MIG_LOG_APPLICATION_NAME] = CStringGetTextDatum(appname ? appname : "");
	values[MIG_LOG_XID] = FullTransactionIdGetDatum(GetTopFullTransactionId());
	values[MIG_LOG_STARTED_AT] = TimestampTzGetDatum(started);
	values[MIG_LOG_DURATION] = IntervalPGetDatum(duration);
	values[MIG_LOG_CHECKSUM] = checksum ? CStringGetTextDatum(checksum) : (Datum) 0;
	nulls[MIG_LOG_CHECKSUM] = checksum == NULL;
	/* other columns (id, any added by hand) are NULL here: the INSERT omits them */
	memset(rec->nulls, true, sizeof(bool) * lt->desc->natts);
	for (int c = 0; c < MIG_LOG_NUM_COLUMNS; c++)
	{
		rec->values[lt->attno[c]] = values[c];
		rec->nulls[lt->attno[c]] = nulls[c];
	}
	rec->rows[rec->nrows++] = HeapTupleGetDatum(heap_form_tuple(lt->desc, rec->values,
																 rec->nulls));
	MemoryContextSwitchTo(oldcxt);
	if (rec->nrows == RECORD_BATCH)
		write_rows(rec);
}

/*
 * record_forget: drop the log rows queued since the last write, whose
 * step was rolled back (mig_deploy, before it runs the step again).
 */
void
record_forget(MigRecorder *rec)
{
	MemoryContextReset(rec->rowcxt);
	rec->nrows = 0;
}

/*
 * record_finish: once the last step is done, write the log rows still
 * pending and check that the version rows are those the steps left.
 */
void
record_finish(MigRecorder *rec)
{
	write_rows(rec);
	if (rec->rows_after != NULL)
		catalog_check_versions(rec->cat, rec->g, rec->rows_after);
}
