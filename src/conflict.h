/*-------------------------------------------------------------------------
 *
 * conflict.h
 *	  Revisions that must never be applied together.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_CONFLICT_H
#define MIG_CONFLICT_H

#include "graph.h"

extern void conflict_check(MigGraph *g, const bool *have, const bool *need);
extern bool conflict_blocks(MigGraph *g, const bool *have, int rev);

#endif							/* MIG_CONFLICT_H */
