/*-------------------------------------------------------------------------
 *
 * offline.h
 *	  Plans shown without running them, offline SQL scripts, and the DOT
 *	  picture of the revision graph.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_OFFLINE_H
#define MIG_OFFLINE_H

#include "catalog.h"
#include "plan.h"

extern char *offline_script(MigCatalog *cat, MigGraph *g, const MigSet *current,
							List *steps, MigDirection direction,
							const char *target);
extern char *offline_graph_dot(MigGraph *g, const MigSet *current);

#endif							/* MIG_OFFLINE_H */
