/*-------------------------------------------------------------------------
 *
 * record.h
 *	  Recording the steps of a call: version rows and log rows.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_RECORD_H
#define MIG_RECORD_H

#include "catalog.h"

/* The recording state of one call: mig_log's row type and the rows pending. */
typedef struct MigRecorder
{
	MigCatalog *cat;
	MigLogType *lt;
	MemoryContext rowcxt;		/* holds the pending rows */
	Datum	   *values;			/* a row being formed, lt->desc->natts long */
	bool	   *nulls;
	Datum	   *rows;			/* the pending rows, RECORD_BATCH at most */
	int			nrows;
	MigGraph   *g;				/* of the steps recorded */
	const MigSet *rows_after;	/* the version rows the last step left, or
								 * NULL before the first */
} MigRecorder;

extern void record_open(MigRecorder *rec, MigCatalog *cat);
extern void record_step(MigRecorder *rec, MigGraph *g, const MigStep *st,
						TimestampTz started, const char *checksum);
extern void record_forget(MigRecorder *rec);
extern void record_finish(MigRecorder *rec);

#endif							/* MIG_RECORD_H */
