/*-------------------------------------------------------------------------
 *
 * diff.h
 *	  Autogenerate: compare a desired schema, given as DDL, with a live one.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_DIFF_H
#define MIG_DIFF_H

#include "catalog.h"

/* One difference, with the statements that apply and revert it. */
typedef struct MigDiffRow
{
	char	   *change;			/* "add", "drop" or "alter" */
	char	   *object;			/* e.g. "column public.todo.title" */
	char	   *upgrade;
	char	   *downgrade;
	bool		loses_data;		/* the upgrade statement loses data */
	bool		downgrade_loses_data;	/* the downgrade statement does */
} MigDiffRow;

extern List *diff_compute(MigCatalog *cat, const char *desired, const char *schema);
extern char *diff_map_schema(const char *txt, const char *from, const char *as);
extern char *diff_body(List *rows, bool upgrade);
extern char *diff_summary(List *rows);

#endif							/* MIG_DIFF_H */
