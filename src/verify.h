/*-------------------------------------------------------------------------
 *
 * verify.h
 *	  Verify bodies: queries that prove a revision's upgrade is there.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_VERIFY_H
#define MIG_VERIFY_H

#include "nodes/pg_list.h"

#include "body.h"

/* One revision checked by mig_verify. */
typedef struct MigVerifyRow
{
	char	   *revision;
	bool		has_verify;		/* false: nothing to run (ok is NULL) */
	bool		ok;
	char	   *detail;			/* the error of a failed verify, else NULL */
} MigVerifyRow;

extern MigBody *verify_split(const MigRev *r);
extern void verify_check(const MigRev *r);
extern void verify_run(const MigRev *r);
extern List *verify_report(Oid fn_oid, const char *target);

#endif							/* MIG_VERIFY_H */
