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

/* The advisory lock class; the object is the extension schema's OID. */
#define MIG_LOCK_CLASS 1835624293	/* 'mige' */

/* What the drift check can find wrong with a revision. */
typedef enum MigProblemKind
{
	MIG_PROBLEM_UNKNOWN_VERSION,	/* a version row names no revision */
	MIG_PROBLEM_MISSING,		/* an applied revision is not registered */
	MIG_PROBLEM_EDITED,			/* bodies differ from the stored checksum */
	MIG_PROBLEM_CHANGED,		/* upgrade differs from the one that ran */
	MIG_PROBLEM_INVALID_INDEX,	/* an index a concurrent build left invalid */
	MIG_PROBLEM_DRIFT			/* DDL ran outside mig_ext since the last
								 * step */
} MigProblemKind;

/* One problem found by runner_validate. */
typedef struct MigProblem
{
	MigProblemKind kind;
	char	   *revision;		/* NULL: about no revision */
	char	   *detail;			/* a full sentence */
} MigProblem;

extern const char *runner_problem_name(MigProblemKind kind);
extern List *runner_validate(Oid fn_oid);
extern bool runner_is_busy(void);
extern const MigRev *runner_running(MigDirection *direction);
extern void runner_check_idle(const char *fname);
extern void runner_mark_busy(void);
extern void runner_lock(MigCatalog *cat);
extern void runner_lock_up_to_date(Oid fn_oid);
/* Runs statement i of body b, with arg (runner_step). */
typedef void (*MigExec) (const MigBody *b, int i, void *arg);

extern MigBody **runner_prepare(MigRun *run, Oid fn_oid, const char *target,
								const MigDirection *direction, bool session_lock);
extern void runner_unlock_session(MigRun *run);
extern void runner_step(MigRun *run, const MigStep *st, MigBody *b, MigExec exec,
						void *arg);
extern char *runner_rehearse_step(MigRun *run, const MigStep *st, bool *wrote);
extern void runner_migrate(MigRun *run, Oid fn_oid, MigDirection direction,
						   const char *target);
extern void runner_stamp(MigRun *run, Oid fn_oid, const char *targets, bool purge);
/* How runner_register finds the parents of a new revision. */
typedef enum MigParents
{
	MIG_PARENTS_HEAD,			/* on top of the single head */
	MIG_PARENTS_GIVEN,			/* one revision per element */
	MIG_PARENTS_MERGE			/* several revisions per element */
} MigParents;

extern char *runner_register(Oid fn_oid, MigRev *r, MigParents parents);
extern char **runner_import(Oid fn_oid, char **scripts, char **filenames, int n);

#endif							/* MIG_RUNNER_H */
