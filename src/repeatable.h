/*-------------------------------------------------------------------------
 *
 * repeatable.h
 *	  Repeatable revisions: run again whenever their upgrade changes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_REPEATABLE_H
#define MIG_REPEATABLE_H

#include "catalog.h"

extern void repeatable_check_new(const MigRev *r);
extern char *repeatable_register_again(MigCatalog *cat, MigRev *r, const MigRev *old);
extern List *repeatable_steps(MigCatalog *cat, MigGraph *g, const MigSet *current,
							  List *steps);

#endif							/* MIG_REPEATABLE_H */
