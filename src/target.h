/*-------------------------------------------------------------------------
 *
 * target.h
 *	  Alembic's revision identifiers and target grammar over a MigGraph.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_TARGET_H
#define MIG_TARGET_H

#include "graph.h"

/* The longest a revision identifier or a branch label may be, in bytes. */
#define MIG_MAX_ID_LEN 1024

/* What target_check_id checks. */
typedef enum MigIdKind
{
	MIG_ID_REVISION,			/* a revision identifier */
	MIG_ID_LABEL				/* a branch label */
} MigIdKind;

extern void target_get_revisions(MigGraph *g, const char *id, MigSet *out);
extern bool target_get_revisions_counted(MigGraph *g, const char *id, MigSet *out);
extern int	target_get_revision(MigGraph *g, const char *id);
extern int	target_resolve_branch(MigGraph *g, const char *label);
extern void target_filter_lineage(MigGraph *g, const MigSet *in,
								  const char *check_against,
								  MigEdges edges, MigSet *out);
extern void target_parse_upgrade(MigGraph *g, const MigSet *current,
								 const char *target, bool stay, MigSet *out);
extern int	target_parse_downgrade(MigGraph *g, const MigSet *current,
								   const char *target, char **branch_label);
extern char **target_split_list(const char *value, int *n);
extern bool target_is_name(const char *target);
extern void target_check_id(const char *id, MigIdKind kind);

#endif							/* MIG_TARGET_H */
