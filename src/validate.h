/*-------------------------------------------------------------------------
 *
 * validate.h
 *	  What is wrong with a catalog: mig_validate's problems.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_VALIDATE_H
#define MIG_VALIDATE_H

#include "catalog.h"

/* What validation can find wrong with a catalog. */
typedef enum MigProblemKind
{
	MIG_PROBLEM_UNKNOWN_VERSION,	/* a version row names no revision */
	MIG_PROBLEM_MISSING,		/* an applied revision is not registered */
	MIG_PROBLEM_EDITED,			/* bodies differ from the stored checksum */
	MIG_PROBLEM_CHANGED,		/* upgrade differs from the one that ran */
	MIG_PROBLEM_INVALID_INDEX,	/* an index a concurrent build left invalid */
	MIG_PROBLEM_DRIFT			/* DDL ran outside mig_ext since the last
								 * step */
} MigProblemKind;

/* One problem found by validate_catalog. */
typedef struct MigProblem
{
	MigProblemKind kind;
	char	   *revision;		/* NULL: about no revision */
	char	   *detail;			/* a full sentence */
} MigProblem;

extern const char *validate_problem_name(MigProblemKind kind);
extern List *validate_catalog(Oid fn_oid);
extern void validate_bodies(MigCatalog *cat, MigGraph *g, const MigSet *current);

#endif							/* MIG_VALIDATE_H */
