/*-------------------------------------------------------------------------
 *
 * rehearse.h
 *	  Running migrations for real and rolling them back: the up/down/up
 *	  self-test and the rehearsal that reports locks and rewrites.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_REHEARSE_H
#define MIG_REHEARSE_H

#include "nodes/pg_list.h"

#include "plan.h"

/* One check of mig_test. */
typedef struct MigTestRow
{
	char	   *revision;		/* NULL for a check of the whole graph */
	const char *check;
	bool		ok;
	char	   *detail;			/* NULL when there is nothing to say */
} MigTestRow;

/* One step of mig_rehearse. */
typedef struct MigRehearsalRow
{
	int			step;			/* 1-based */
	char	   *revision;
	MigDirection direction;
	const char *half;			/* of a revision with operations: "start"
								 * or "complete" (shown as its direction),
								 * else NULL */
	int64		usecs;			/* how long the body ran */
	List	   *locks;			/* of char *: "mode on relation" */
	List	   *rewrites;		/* of char *: "relation (size before)" */
	char	   *detail;			/* the error of a failed step, else NULL */
	char	   *advice;			/* what to do instead (advice.c), or NULL */
} MigRehearsalRow;

extern List *rehearse_test(Oid fn_oid, const char *target);
extern List *rehearse_run(Oid fn_oid, const char *target);

#endif							/* MIG_REHEARSE_H */
