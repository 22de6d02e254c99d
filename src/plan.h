/*-------------------------------------------------------------------------
 *
 * plan.h
 *	  Planning upgrades, downgrades, stamps and history ranges.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_PLAN_H
#define MIG_PLAN_H

#include "graph.h"

typedef enum MigRowOp
{
	MIG_ROW_INSERT,				/* add row "to" */
	MIG_ROW_DELETE,				/* remove row "from" */
	MIG_ROW_UPDATE				/* change row "from" into "to" */
} MigRowOp;

/* One change to the version rows; from/to are revision indexes or MIG_NO_REV. */
typedef struct MigRowChange
{
	MigRowOp	op;
	int			from;
	int			to;
} MigRowChange;

/*
 * One step: the revision whose body runs (for a stamp step, the one it
 * stamps or whose row it removes), and the version rows before and after
 * it with the changes between them.
 */
typedef struct MigStep
{
	MigDirection direction;
	int			rev;
	MigSet		rows_before;
	MigSet		rows_after;
	List	   *changes;		/* of MigRowChange *, in order */
} MigStep;

extern char *plan_step_line(MigGraph *g, const MigStep *st);
extern void plan_check_rows(MigGraph *g, const MigSet *rows, const char *table,
							const char *column);
extern MigStep *plan_revision_step(MigGraph *g, const MigSet *rows, int rev,
								   MigDirection direction);
extern List *plan_upgrade(MigGraph *g, const MigSet *current, const char *target);
extern List *plan_downgrade(MigGraph *g, const MigSet *current, const char *target);
extern List *plan_migration(MigGraph *g, const MigSet *current, const char *target,
							 MigDirection direction);
extern List *plan_move(MigGraph *g, const MigSet *current, const char *target,
					   MigDirection *direction);
extern List *plan_stamp(MigGraph *g, const MigSet *current, const char *targets);
extern List *plan_history(MigGraph *g, const MigSet *current, const char *range);

#endif							/* MIG_PLAN_H */
