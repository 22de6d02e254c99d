/*-------------------------------------------------------------------------
 *
 * conflict.c
 *	  Revisions that must never be applied together.
 *
 * A revision may name others it conflicts with (Sqitch's conflicts):
 * mig_revision(..., conflicts => ...) or "-- mig:conflicts:" in a file.
 * Conflicts name revision ids.  The relation is symmetric, and an id that
 * is not registered (yet) stands for a revision that is not applied.  An
 * upgrade is refused while it is planned, before any step runs, when it
 * would leave two conflicting revisions applied and applies at least one
 * of them.  Pure C over the graph.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "conflict.h"

/*
 * error_conflict: refuse a plan that would leave revisions a (which
 * declares the conflict) and b applied; need[] are those it applies.
 */
static void
error_conflict(MigGraph *g, int a, int b, const bool *need)
{
	MigRev	   *ra = &g->revs[a];
	MigRev	   *rb = &g->revs[b];
	int			kept = need[a] ? b : a;

	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("revision %s conflicts with revision %s", ra->id, rb->id),
			 need[a] && need[b] ?
			 errdetail("Revision %s (\"%s\") declares a conflict with revision %s (\"%s\"), and the upgrade would apply both.",
					   ra->id, ra->message, rb->id, rb->message) :
			 errdetail("Revision %s (\"%s\") declares a conflict with revision %s (\"%s\"), and the upgrade would apply %s while %s is applied.",
					   ra->id, ra->message, rb->id, rb->message,
					   g->revs[need[a] ? a : b].id, g->revs[kept].id),
			 need[a] && need[b] ?
			 errhint("Upgrade to a target that includes only one of them.") :
			 errhint("Downgrade past revision %s first, or upgrade to a target that does not include revision %s.",
					 g->revs[kept].id, g->revs[need[a] ? a : b].id)));
}

/*
 * find_conflict: whether applying the revisions need[] (none of them
 * applied yet) over the applied revisions have[] leaves two conflicting
 * revisions applied, one of them from need[]; sets *a (which declares the
 * conflict) and *b.  Linear in the revisions and their declared conflicts.
 */
static bool
find_conflict(MigGraph *g, const bool *have, const bool *need, int *a, int *b)
{
	for (int i = 0; i < g->nrevs; i++)
	{
		MigRev	   *r = &g->revs[i];

		if (!have[i] && !need[i])
			continue;
		for (int k = 0; k < r->nconflicts; k++)
		{
			int			c = graph_lookup_id(g, r->conflict_names[k]);

			if (c == MIG_NO_REV || c == i || !(have[c] || need[c]))
				continue;
			if (need[i] || need[c])
			{
				*a = i;
				*b = c;
				return true;
			}
		}
	}
	return false;
}

/*
 * conflict_check: refuse an upgrade that applies the revisions need[]
 * (none of them applied yet) over the applied revisions have[] when that
 * leaves two conflicting revisions applied.
 */
void
conflict_check(MigGraph *g, const bool *have, const bool *need)
{
	int			a;
	int			b;

	if (find_conflict(g, have, need, &a, &b))
		error_conflict(g, a, b, need);
}

/*
 * conflict_blocks: whether revision rev can never be applied over the
 * applied revisions have[]: it or one of its ancestors not applied yet
 * conflicts with an applied revision, or two of them with each other.
 */
bool
conflict_blocks(MigGraph *g, const bool *have, int rev)
{
	bool	   *need = graph_ancestors(g, &rev, 1, MIG_EDGES_ALL);
	int			a;
	int			b;

	for (int i = 0; i < g->nrevs; i++)
		need[i] = need[i] && !have[i];
	return find_conflict(g, have, need, &a, &b);
}
