/*-------------------------------------------------------------------------
 *
 * deploy.h
 *	  CALL mig_deploy: a move to a target that commits after each step.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_DEPLOY_H
#define MIG_DEPLOY_H

#include "runner.h"

/* How mig_deploy waits for locks. */
typedef struct MigDeployOptions
{
	int			lock_timeout;	/* in ms; -1: the session's setting */
	int			max_retries;	/* after a lock timeout */
} MigDeployOptions;

extern void deploy_set_lock_timeout(const MigDeployOptions *opt);
extern void deploy_retrying(void (*work) (void *arg), void *arg, MigRecorder *rec,
							const MigDeployOptions *opt);
extern void deploy_transactional_step(MigRun *run, const MigStep *st, MigBody *b,
									  const MigDeployOptions *opt);
extern void deploy_in_workers(MigRun *run, const MigStep *st, const MigBody *b,
							  const MigDeployOptions *opt);
extern void deploy_run(Oid fn_oid, const char *target, const MigDeployOptions *opt);

#endif							/* MIG_DEPLOY_H */
