/*-------------------------------------------------------------------------
 *
 * body.h
 *	  Migration bodies: splitting into statements, checking, checksums.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_BODY_H
#define MIG_BODY_H

#include "plan.h"

/* A body cut into its statements, each with its own text. */
typedef struct MigBody
{
	char	  **stmts;
	int			nstmts;
} MigBody;

extern MigBody *body_split(const char *body, const char *context);
extern const char *body_text(const MigRev *r, MigDirection direction);
extern MigBody *body_split_revision(const MigRev *r, MigDirection direction);
extern char *body_checksum(const char *body);
extern char *body_revision_checksum(const char *upgrade, const char *downgrade);

#endif							/* MIG_BODY_H */
