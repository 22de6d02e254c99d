/*-------------------------------------------------------------------------
 *
 * import.h
 *	  Reading a revision file: the "-- mig:" header and its sections.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_IMPORT_H
#define MIG_IMPORT_H

#include "graph.h"

extern void import_parse(const char *script, const char *filename, MigRev *out);

#endif							/* MIG_IMPORT_H */
