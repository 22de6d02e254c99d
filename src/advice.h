/*-------------------------------------------------------------------------
 *
 * advice.h
 *	  What to do instead, from what a rehearsed step really did.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_ADVICE_H
#define MIG_ADVICE_H

#include "nodes/pg_list.h"
#include "utils/hsearch.h"

extern HTAB *advice_read(MemoryContext cxt);
extern char *advice_step(HTAB *before, HTAB *after, List *locks, List *rewrites);

#endif							/* MIG_ADVICE_H */
