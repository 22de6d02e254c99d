/*-------------------------------------------------------------------------
 *
 * expand.h
 *	  Expand and contract: CALL mig_start, mig_complete, mig_rollback.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_EXPAND_H
#define MIG_EXPAND_H

#include "catalog.h"
#include "deploy.h"
#include "runner.h"

extern bool expand_is_running(void);
extern void expand_check_none_started(MigCatalog *cat);
extern void expand_mark_started(MigCatalog *cat, MigGraph *g);
extern bool expand_rehearse_start(MigRun *run, const MigStep *st, char **detail);
extern List *expand_rehearse_complete(MigRun *run, const MigStep *st);
extern void expand_start(Oid fn_oid, const char *target, int batch_size,
						 const MigDeployOptions *opt);
extern void expand_complete(Oid fn_oid, const MigDeployOptions *opt);
extern void expand_rollback(Oid fn_oid, const MigDeployOptions *opt);

#endif							/* MIG_EXPAND_H */
