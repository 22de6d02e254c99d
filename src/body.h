/*-------------------------------------------------------------------------
 *
 * body.h
 *	  Migration bodies: splitting into statements, checking, checksums.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_BODY_H
#define MIG_BODY_H

#include "nodes/primnodes.h"

#include "graph.h"

/*
 * A body cut into its statements, each with its own text; for a
 * statement PostgreSQL runs only outside a transaction block, the name of
 * the command (else NULL); for a CREATE INDEX CONCURRENTLY that names its
 * index, the table and the index's name (else NULL).
 */
typedef struct MigBody
{
	char	  **stmts;
	const char **outside_only;
	RangeVar  **index_table;
	char	  **index_name;
	int			nstmts;
} MigBody;

extern MigBody *body_split(const char *body, const char *context);
extern char *body_in_transaction(const char *sql, const char *outside);
extern const char *body_text(const MigRev *r, MigDirection direction);
extern MigBody *body_split_revision(const MigRev *r, MigDirection direction);
extern void body_check_split(const MigRev *r, MigDirection direction, const MigBody *b);
extern void body_check_transactional(const MigRev *r, MigDirection direction,
									 const MigBody *b);
extern char *body_checksum(const char *body);
extern char *body_revision_checksum(const char *upgrade, const char *downgrade);

#endif							/* MIG_BODY_H */
