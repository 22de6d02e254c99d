/*-------------------------------------------------------------------------
 *
 * expand.h
 *	  Expand and contract: CALL mig_start, mig_complete, mig_rollback.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_EXPAND_H
#define MIG_EXPAND_H

#include "utils/tuplestore.h"

#include "catalog.h"
#include "deploy.h"
#include "runner.h"

extern void expand_mark_started(MigCatalog *cat, MigGraph *g);
extern const char *expand_op_context(const char *fname);
extern void expand_op_record(Oid fn_oid, Oid type, Datum o);
extern void expand_op_forget(Oid fn_oid);
extern void expand_ops_of(Oid fn_oid, const char *revision, Tuplestorestate *ts);
extern bool expand_rehearse_start(MigRun *run, const MigStep *st, char **detail);
extern List *expand_rehearse_complete(MigRun *run, const MigStep *st);
extern void expand_start(Oid fn_oid, const char *target, int batch_size,
						 const MigDeployOptions *opt);
extern void expand_complete(Oid fn_oid, const MigDeployOptions *opt);
extern void expand_rollback(Oid fn_oid, const MigDeployOptions *opt);

#endif							/* MIG_EXPAND_H */
