/*-------------------------------------------------------------------------
 *
 * register.h
 *	  Registering revisions.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_REGISTER_H
#define MIG_REGISTER_H

#include "catalog.h"

/* How register_revision finds the parents of a new revision. */
typedef enum MigParents
{
	MIG_PARENTS_HEAD,			/* on top of the single head */
	MIG_PARENTS_GIVEN,			/* one revision per element */
	MIG_PARENTS_MERGE			/* several revisions per element */
} MigParents;

extern char *register_revision(MigCatalog *cat, MigRev *r, MigParents parents);
extern char **register_import(MigCatalog *cat, char **scripts, char **filenames,
							  int n);

#endif							/* MIG_REGISTER_H */
