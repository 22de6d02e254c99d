/*-------------------------------------------------------------------------
 *
 * runner.h
 *	  Lock, plan, execute, record: every command that changes something.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_RUNNER_H
#define MIG_RUNNER_H

#include "body.h"
#include "catalog.h"
#include "plan.h"
#include "record.h"

/* The state of one call: its catalog, graph, version rows and steps. */
typedef struct MigRun
{
	MigCatalog	cat;
	MigRecorder rec;
	MigGraph   *g;
	MigSet		current;
	List	   *steps;			/* of MigStep *, as run */
	bool		session_locked; /* holds the session's lock */
} MigRun;

extern bool runner_is_busy(void);
extern const MigRev *runner_running(MigDirection *direction);
extern void runner_check_idle(const char *fname);
extern void runner_set_lifecycle(bool on);
extern bool runner_in_lifecycle(void);
extern void runner_error_started(const char *revision);
extern void runner_mark_busy(void);
extern void runner_lock_up_to_date(MigCatalog *cat);
/* Runs statement i of body b, with arg (runner_step). */
typedef void (*MigExec) (const MigBody *b, int i, void *arg);

extern MigBody **runner_prepare(MigRun *run, Oid fn_oid, const char *target,
								const MigDirection *direction, bool session_lock);
extern void runner_unlock_session(MigRun *run);
extern void runner_step(MigRun *run, const MigStep *st, MigBody *b, MigExec exec,
						void *arg);
extern void runner_rehearse_body(MigRun *run, const MigStep *st, MigBody *b, MigExec exec,
								 void *arg);
extern void runner_migrate(MigRun *run, Oid fn_oid, MigDirection direction,
						   const char *target);
extern void runner_stamp(MigRun *run, Oid fn_oid, const char *targets, bool purge);

#endif							/* MIG_RUNNER_H */
