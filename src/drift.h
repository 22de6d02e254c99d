/*-------------------------------------------------------------------------
 *
 * drift.h
 *	  Schema drift: DDL run outside mig_ext, recorded by an event trigger.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_DRIFT_H
#define MIG_DRIFT_H

#include "fmgr.h"

#include "catalog.h"

extern void drift_define_settings(void);
extern bool drift_pause(bool paused);
extern void drift_record(FunctionCallInfo fcinfo);
extern List *drift_since_last_step(MigCatalog *cat);
extern void drift_enforce(MigCatalog *cat);

#endif							/* MIG_DRIFT_H */
