/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  Running one statement top-level in a dynamic background worker.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_WORKER_H
#define MIG_WORKER_H

extern ErrorData *worker_run(const char *sql, const char *activity);

#endif							/* MIG_WORKER_H */
