/*-------------------------------------------------------------------------
 *
 * graph.c
 *	  Building and walking the revision graph.
 *
 * The rules follow Alembic's RevisionMap: heads count down_revision
 * children only, depends_on adds edges that are not parents, labels name
 * lineages, and the topological order is Alembic's depth-first one with
 * registration order breaking ties.  Everything is linear in the size of
 * the graph except where noted.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "lib/stringinfo.h"

#include "graph.h"

/*
 * Hash table entry: an id or a label, and the revision it names.  The
 * hash is stored: probing then compares hashes, not strings, and never
 * rehashes an entry's name.
 */
typedef struct MigNameEntry
{
	const char *name;
	uint32		hash;
	int			rev;
	bool		is_label;
	char		status;
} MigNameEntry;

#define SH_PREFIX		mignames
#define SH_ELEMENT_TYPE MigNameEntry
#define SH_KEY_TYPE		const char *
#define SH_KEY			name
#define SH_HASH_KEY(tb, key) hash_bytes((const unsigned char *) (key), strlen(key))
#define SH_EQUAL(tb, a, b) (strcmp((a), (b)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

struct MigRevHash
{
	mignames_hash *tab;
};

/*
 * int_array_add: append value to the n ints of *arr unless it is there
 * already; the array (NULL when n is 0) grows to the next power of two.
 * The one growable int array: MigSet and the graph's edge lists.
 */
static void
int_array_add(int **arr, int *n, int value)
{
	for (int i = 0; i < *n; i++)
		if ((*arr)[i] == value)
			return;
	if (*n == 0)
		*arr = palloc(sizeof(int));
	else if ((*n & (*n - 1)) == 0)
		*arr = repalloc(*arr, sizeof(int) * (*n) * 2);
	(*arr)[(*n)++] = value;
}

/* graph_set_init: an empty set. */
void
graph_set_init(MigSet *s)
{
	s->items = NULL;
	s->n = 0;
}

/* graph_set_add: append item unless present, keeping insertion order. */
void
graph_set_add(MigSet *s, int item)
{
	int_array_add(&s->items, &s->n, item);
}

/* graph_set_contains: a linear search (sets of version rows are small). */
bool
graph_set_contains(const MigSet *s, int item)
{
	for (int i = 0; i < s->n; i++)
		if (s->items[i] == item)
			return true;
	return false;
}

/* graph_set_remove: drop item if present, keeping the order of the others. */
void
graph_set_remove(MigSet *s, int item)
{
	for (int i = 0; i < s->n; i++)
		if (s->items[i] == item)
		{
			memmove(&s->items[i], &s->items[i + 1],
					sizeof(int) * (s->n - i - 1));
			s->n--;
			return;
		}
}

/* graph_lookup: index of the revision an id or label names, or MIG_NO_REV. */
int
graph_lookup(MigGraph *g, const char *name)
{
	MigNameEntry *e = mignames_lookup(g->byname->tab, name);

	return e ? e->rev : MIG_NO_REV;
}

/* graph_lookup_id: index of the revision with exactly this id, or MIG_NO_REV. */
int
graph_lookup_id(MigGraph *g, const char *id)
{
	MigNameEntry *e = mignames_lookup(g->byname->tab, id);

	return (e && !e->is_label) ? e->rev : MIG_NO_REV;
}

/* graph_is_label: whether name is a branch label. */
bool
graph_is_label(MigGraph *g, const char *name)
{
	MigNameEntry *e = mignames_lookup(g->byname->tab, name);

	return e && e->is_label;
}

/* graph_format_ids: "a, b, c" for a list of revision indexes. */
char *
graph_format_ids(MigGraph *g, const int *items, int n)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", g->revs[items[i]].id);
	return buf.data;
}

/*
 * report_cycle: raise the error for revisions that a topological pass
 * could not order (done[i] false), sorted by id as Alembic lists them.
 */
static void
report_cycle(MigGraph *g, const bool *done, bool through_deps)
{
	int		   *left = palloc(sizeof(int) * g->nrevs);
	int			nleft = 0;

	for (int i = 0; i < g->nrevs; i++)
		if (!done[i])
			left[nleft++] = i;
	/* insertion sort by id: only the revisions caught in the cycle */
	for (int i = 1; i < nleft; i++)
		for (int j = i; j > 0 && strcmp(g->revs[left[j - 1]].id, g->revs[left[j]].id) > 0; j--)
		{
			int			t = left[j];

			left[j] = left[j - 1];
			left[j - 1] = t;
		}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_RECURSION),
			 through_deps ?
			 errmsg("dependency cycle is detected in revisions (%s)", graph_format_ids(g, left, nleft)) :
			 errmsg("cycle is detected in revisions (%s)", graph_format_ids(g, left, nleft)),
			 errhint("Fix the down_revisions or depends_on of these revisions in the catalog.")));
}

/*
 * check_acyclic: Kahn's algorithm over parents (and, when through_deps,
 * dependencies); errors out naming the revisions it cannot order.
 */
static void
check_acyclic(MigGraph *g, bool through_deps)
{
	int			n = g->nrevs;
	int		   *indeg = palloc0(sizeof(int) * n);
	int		   *queue = palloc(sizeof(int) * n);
	bool	   *done = palloc0(sizeof(bool) * n);
	int			qh = 0,
				qt = 0;

	for (int i = 0; i < n; i++)
	{
		MigRev	   *r = &g->revs[i];

		indeg[i] = r->ndown + (through_deps ? r->ndeps : 0);
		if (indeg[i] == 0)
			queue[qt++] = i;
	}
	while (qh < qt)
	{
		MigRev	   *r = &g->revs[queue[qh]];

		done[queue[qh++]] = true;
		for (int k = 0; k < r->nallnext; k++)
		{
			int			c = r->allnext[k];
			MigRev	   *cr = &g->revs[c];
			int			edges = 0;

			/* count the edges from c to r this pass follows */
			for (int j = 0; j < cr->ndown; j++)
				edges += (cr->down[j] == r - g->revs);
			if (through_deps)
				for (int j = 0; j < cr->ndeps; j++)
					edges += (cr->deps[j] == r - g->revs);
			if (edges > 0 && (indeg[c] -= edges) == 0)
				queue[qt++] = c;
		}
	}
	if (qt < n)
		report_cycle(g, done, through_deps);
}

/*
 * normalize_deps: Alembic's normalized down revisions: parents, plus the
 * dependencies that no strict ancestor (by down_revision) already has.
 * Costs one ancestor walk per revision that has dependencies.
 */
static void
normalize_deps(MigGraph *g)
{
	bool	   *implied = palloc0(sizeof(bool) * Max(g->nrevs, 1));

	for (int i = 0; i < g->nrevs; i++)
	{
		MigRev	   *r = &g->revs[i];
		bool	   *anc = NULL;

		r->norm = NULL;
		r->nnorm = 0;
		for (int j = 0; j < r->ndown; j++)
			int_array_add(&r->norm, &r->nnorm, r->down[j]);
		if (r->ndeps > 0)
		{
			/* flag every dependency some strict ancestor already has */
			anc = graph_ancestors(g, &i, 1, MIG_EDGES_VERSIONED);
			anc[i] = false;
			for (int a = 0; a < g->nrevs; a++)
				if (anc[a])
					for (int k = 0; k < g->revs[a].ndeps; k++)
						implied[g->revs[a].deps[k]] = true;
		}
		r->nnormdeps = 0;
		for (int j = 0; j < r->ndeps; j++)
		{
			if (implied[r->deps[j]])
				continue;
			r->nnormdeps++;
			int_array_add(&r->norm, &r->nnorm, r->deps[j]);
		}
		if (anc)
			for (int a = 0; a < g->nrevs; a++)
				if (anc[a])
					for (int k = 0; k < g->revs[a].ndeps; k++)
						implied[g->revs[a].deps[k]] = false;
		if (anc)
			pfree(anc);
	}
}

/*
 * graph_build: index the revisions (ids and labels in one hash table),
 * resolve parents and dependencies, derive children, and reject unknown
 * references, duplicate labels, self-loops and cycles.  revs must be in
 * registration order; the array becomes the graph's.
 */
MigGraph *
graph_build(MigRev *revs, int nrevs)
{
	MigGraph   *g = palloc0(sizeof(MigGraph));

	g->revs = revs;
	g->nrevs = nrevs;
	g->byname = palloc(sizeof(MigRevHash));
	g->byname->tab = mignames_create(CurrentMemoryContext, nrevs + 16, NULL);

	for (int i = 0; i < nrevs; i++)
	{
		bool		found;
		MigNameEntry *e = mignames_insert(g->byname->tab, revs[i].id, &found);

		if (found)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("revision \"%s\" is present more than once", revs[i].id)));
		e->rev = i;
		e->is_label = false;
	}
	for (int i = 0; i < nrevs; i++)
		for (int j = 0; j < revs[i].nlabels; j++)
		{
			bool		found;
			MigNameEntry *e = mignames_insert(g->byname->tab, revs[i].labels[j], &found);

			if (found)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_OBJECT),
						 errmsg("branch name \"%s\" in revision %s already used by revision %s",
								revs[i].labels[j], revs[i].id, revs[e->rev].id)));
			e->rev = i;
			e->is_label = true;
		}

	for (int i = 0; i < nrevs; i++)
	{
		MigRev	   *r = &revs[i];

		r->down = palloc(sizeof(int) * Max(r->ndown, 1));
		for (int j = 0; j < r->ndown; j++)
		{
			int			p = graph_lookup_id(g, r->down_names[j]);

			if (p == i)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_RECURSION),
						 errmsg("self-loop is detected in revisions (%s)", r->id)));
			if (p == MIG_NO_REV)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("revision %s referenced from %s is not present",
								r->down_names[j], r->id)));
			r->down[j] = p;
		}
		r->deps = NULL;
		r->ndeps = 0;
		for (int j = 0; j < r->ndep_names; j++)
		{
			int			d = graph_lookup(g, r->dep_names[j]);

			if (d == i)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_RECURSION),
						 errmsg("dependency self-loop is detected in revisions (%s)", r->id)));
			if (d == MIG_NO_REV)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("dependency %s of revision %s is not present",
								r->dep_names[j], r->id)));
			int_array_add(&r->deps, &r->ndeps, d);
		}
		r->next = r->allnext = NULL;
		r->nnext = r->nallnext = 0;
	}

	/* children: a dependency that is also a parent counts once */
	for (int i = 0; i < nrevs; i++)
	{
		MigRev	   *r = &revs[i];

		for (int j = 0; j < r->ndown; j++)
		{
			MigRev	   *p = &revs[r->down[j]];

			int_array_add(&p->next, &p->nnext, i);
			int_array_add(&p->allnext, &p->nallnext, i);
		}
		for (int j = 0; j < r->ndeps; j++)
		{
			MigRev	   *p = &revs[r->deps[j]];

			int_array_add(&p->allnext, &p->nallnext, i);
		}
	}

	check_acyclic(g, false);
	check_acyclic(g, true);
	normalize_deps(g);
	return g;
}

/*
 * graph_order_batch: an order in which n revisions about to be registered
 * together can be: each after the revisions of the batch whose id or
 * label its parents and dependencies name (other names are the
 * registration's to resolve), ties in the given order (Kahn's algorithm,
 * linear).  Fills order with indexes into revs and returns how many it
 * placed; fewer than n when a cycle runs through the batch, and then the
 * revisions left out are those the cycle holds back.
 */
int
graph_order_batch(const MigRev *revs, int n, int *order)
{
	mignames_hash *names = mignames_create(CurrentMemoryContext, n + 16, NULL);
	List	  **waiting = palloc0(sizeof(List *) * Max(n, 1));
	int		   *npending = palloc0(sizeof(int) * Max(n, 1));
	int			done = 0;
	int			placed = 0;

	/* the first revision of an id or label answers for it */
	for (int i = 0; i < n; i++)
	{
		bool		found;
		MigNameEntry *e = mignames_insert(names, revs[i].id, &found);

		if (!found)
			e->rev = i;
		for (int j = 0; j < revs[i].nlabels; j++)
		{
			e = mignames_insert(names, revs[i].labels[j], &found);
			if (!found)
				e->rev = i;
		}
	}

	/* a name given twice is an edge counted twice, and released twice */
	for (int i = 0; i < n; i++)
		for (int j = 0; j < revs[i].ndown + revs[i].ndep_names; j++)
		{
			const char *name = j < revs[i].ndown ? revs[i].down_names[j] :
				revs[i].dep_names[j - revs[i].ndown];
			MigNameEntry *e = mignames_lookup(names, name);

			if (e == NULL || e->rev == i)
				continue;
			waiting[e->rev] = lappend_int(waiting[e->rev], i);
			npending[i]++;
		}

	for (int i = 0; i < n; i++)
		if (npending[i] == 0)
			order[placed++] = i;
	while (done < placed)
	{
		ListCell   *lc;

		foreach(lc, waiting[order[done++]])
		{
			if (--npending[lfirst_int(lc)] == 0)
				order[placed++] = lfirst_int(lc);
		}
	}
	return placed;
}

/* graph_direction_name: a direction as mig_log and the messages spell it. */
const char *
graph_direction_name(MigDirection direction)
{
	static const char *const names[] = {
		[MIG_UPGRADE] = "upgrade",
		[MIG_DOWNGRADE] = "downgrade",
		[MIG_STAMP] = "stamp"
	};

	return names[direction];
}

/* graph_rev_is_head: no child through down_revision (Alembic's "heads"). */
bool
graph_rev_is_head(const MigRev *r)
{
	return r->nnext == 0;
}

/* graph_rev_is_real_head: no child and no dependent at all. */
bool
graph_rev_is_real_head(const MigRev *r)
{
	return r->nallnext == 0;
}

/* graph_rev_is_base: no down_revision. */
bool
graph_rev_is_base(const MigRev *r)
{
	return r->ndown == 0;
}

/* graph_rev_is_branch_point: more than one down_revision child. */
bool
graph_rev_is_branch_point(const MigRev *r)
{
	return r->nnext > 1;
}

/* graph_rev_is_merge_point: more than one down_revision. */
bool
graph_rev_is_merge_point(const MigRev *r)
{
	return r->ndown > 1;
}

/* graph_heads: heads in registration order; real: only those without dependents. */
void
graph_heads(MigGraph *g, bool real, MigSet *out)
{
	graph_set_init(out);
	for (int i = 0; i < g->nrevs; i++)
		if (real ? graph_rev_is_real_head(&g->revs[i]) : graph_rev_is_head(&g->revs[i]))
			graph_set_add(out, i);
}

/*
 * reach: mark everything reachable from seeds (inclusive) through the
 * chosen edges, down (ancestors) or up (descendants).  Returns a palloc'd
 * array of nrevs flags.
 */
static bool *
reach(MigGraph *g, const int *seeds, int nseeds, MigEdges edges, bool up)
{
	bool	   *seen = palloc0(sizeof(bool) * Max(g->nrevs, 1));
	int		   *stack = palloc(sizeof(int) * Max(g->nrevs, 1));
	int			top = 0;

	for (int i = 0; i < nseeds; i++)
		if (!seen[seeds[i]])
		{
			seen[seeds[i]] = true;
			stack[top++] = seeds[i];
		}
	while (top > 0)
	{
		MigRev	   *r = &g->revs[stack[--top]];
		int		   *nb;
		int			nnb;

		if (up)
		{
			nb = edges == MIG_EDGES_ALL ? r->allnext : r->next;
			nnb = edges == MIG_EDGES_ALL ? r->nallnext : r->nnext;
		}
		else
		{
			nb = edges == MIG_EDGES_ALL ? r->norm : r->down;
			nnb = edges == MIG_EDGES_ALL ? r->nnorm : r->ndown;
		}
		for (int k = 0; k < nnb; k++)
			if (!seen[nb[k]])
			{
				seen[nb[k]] = true;
				stack[top++] = nb[k];
			}
	}
	pfree(stack);
	return seen;
}

/* graph_ancestors: seeds and everything below them. */
bool *
graph_ancestors(MigGraph *g, const int *seeds, int nseeds, MigEdges edges)
{
	return reach(g, seeds, nseeds, edges, false);
}

/*
 * graph_below: everything strictly below seeds through parents and
 * dependencies: a seed is flagged only when it lies below another seed.
 */
bool *
graph_below(MigGraph *g, const int *seeds, int nseeds)
{
	int		   *parents = NULL;
	int			nparents = 0;
	bool	   *below;

	for (int i = 0; i < nseeds; i++)
		for (int k = 0; k < g->revs[seeds[i]].nnorm; k++)
			int_array_add(&parents, &nparents, g->revs[seeds[i]].norm[k]);
	below = reach(g, parents, nparents, MIG_EDGES_ALL, false);
	if (parents)
		pfree(parents);
	return below;
}

/* graph_descendants: seeds and everything above them. */
bool *
graph_descendants(MigGraph *g, const int *seeds, int nseeds, MigEdges edges)
{
	return reach(g, seeds, nseeds, edges, true);
}

/*
 * graph_lineage: flags for the revisions that share a lineage with rev:
 * its ancestors and its descendants through the chosen edges, as
 * Alembic's _shares_lineage sees them.
 */
bool *
graph_lineage(MigGraph *g, int rev, MigEdges edges)
{
	bool	   *anc = graph_ancestors(g, &rev, 1, edges);
	bool	   *desc = graph_descendants(g, &rev, 1, edges);

	for (int i = 0; i < g->nrevs; i++)
		anc[i] |= desc[i];
	pfree(desc);
	return anc;
}

/*
 * graph_label_members: flags for the revisions that carry the label
 * declared by revision rev, as Alembic's RevisionMap._add_branches spreads
 * it: rev and its descendants through down_revision, and, when those form
 * one line with no merge point and no revision with several children or
 * dependents, the ancestors below rev down to the first such revision.
 */
bool *
graph_label_members(MigGraph *g, int rev)
{
	bool	   *members = graph_descendants(g, &rev, 1, MIG_EDGES_VERSIONED);
	int			tip = rev;
	int			r;

	/* climb to the tip of the line; give up at a fork */
	while (g->revs[tip].nnext == 1)
		tip = g->revs[tip].next[0];
	if (g->revs[tip].nnext > 1)
		return members;
	/* walk down from the tip as Alembic does, labelling on the way */
	for (r = tip;;)
	{
		MigRev	   *mr = &g->revs[r];

		if (mr->nallnext > 1 || mr->ndown > 1)
			break;
		members[r] = true;
		if (mr->ndown == 0)
			break;
		r = mr->down[0];
	}
	return members;
}

/*
 * State of graph_sort.  The branch tips are a doubly linked list of slots
 * in list order; a slot keeps its number when its tip is replaced in
 * place and new slots are appended with higher numbers, so comparing slot
 * numbers compares positions in the list.
 *
 * alive[r] is, for a revision r below the first tips, 1 if r is a tip
 * plus the number of its live children (revisions below the first tips
 * that have r as a normalized parent and a positive count): it is positive
 * exactly when r is live, when some tip is r or above it.  Revisions
 * outside the first tips' ancestors stay at zero, and so does a revision
 * once dead (see graph_sort).
 *
 * path is a chain of revisions from path[0] up to path[npath - 1], each a
 * child of the one before, none emitted, the top one a tip: proof that
 * this tip is above path[0], kept from the last long search so that
 * searching again from path[0] can be skipped.  pathslot is the slot that
 * search found; no tip in an earlier slot was above path[0] then, and none
 * will be: a slot's next tip is a parent of its previous one, and new
 * slots come last.
 */
typedef struct SortState
{
	MigGraph   *g;
	int		   *alive;
	int		   *slotrev;		/* slot -> its tip */
	int		   *slotprev;		/* -1: first slot */
	int		   *slotnext;		/* -1: last slot */
	int			first;			/* first slot, -1: no tip left */
	int			last;
	int			nslots;
	int		   *tipslot;		/* revision -> its slot, -1: not a tip */
	int		   *stack;
	bool	   *seen;
	int		   *touched;
	int		   *path;
	int			npath;
	int			pathslot;
} SortState;

/* Searches that visit fewer revisions than this are not kept as paths. */
#define SORT_PATH_MIN 32

/* sort_add_tip: make rev a tip in slot (a new slot at the end if -1). */
static void
sort_add_tip(SortState *st, int rev, int slot)
{
	if (slot < 0)
	{
		slot = st->nslots++;
		st->slotprev[slot] = st->last;
		st->slotnext[slot] = -1;
		if (st->last >= 0)
			st->slotnext[st->last] = slot;
		else
			st->first = slot;
		st->last = slot;
	}
	st->slotrev[slot] = rev;
	st->tipslot[rev] = slot;
	st->alive[rev]++;
}

/*
 * sort_drop_slot: unlink slot; returns the slot the walk goes on with:
 * the one before, else the new first one (Alembic's max(idx - 1, 0)).
 */
static int
sort_drop_slot(SortState *st, int slot)
{
	int			prev = st->slotprev[slot];
	int			next = st->slotnext[slot];

	if (prev >= 0)
		st->slotnext[prev] = next;
	else
		st->first = next;
	if (next >= 0)
		st->slotprev[next] = prev;
	else
		st->last = prev;
	return prev >= 0 ? prev : next;
}

/*
 * sort_untip: rev, a tip that has just been emitted, stops being one; it
 * and the revisions below it that no tip is above any more lose their
 * count, down through normalized parents.
 */
static void
sort_untip(SortState *st, int rev)
{
	int			top = 0;

	st->tipslot[rev] = -1;
	if (--st->alive[rev] > 0)
		return;
	st->stack[top++] = rev;
	while (top > 0)
	{
		MigRev	   *r = &st->g->revs[st->stack[--top]];

		for (int k = 0; k < r->nnorm; k++)
			if (--st->alive[r->norm[k]] == 0)
				st->stack[top++] = r->norm[k];
	}
}

/*
 * sort_search: the first slot (in list order) whose tip is above cand,
 * found by a walk up from cand over live revisions, through tips too.
 * When the walk is long, keeps a path from cand to that tip: down from
 * the tip, each step to the first normalized parent the walk saw (the one
 * that takes the tip's slot when it is emitted, when it is todo).
 */
static int
sort_search(SortState *st, int cand)
{
	MigGraph   *g = st->g;
	int			top = 0;
	int			ntouched = 0;
	int			best = -1;

	st->seen[cand] = true;
	st->touched[ntouched++] = cand;
	st->stack[top++] = cand;
	while (top > 0)
	{
		MigRev	   *r = &g->revs[st->stack[--top]];

		for (int k = 0; k < r->nallnext; k++)
		{
			int			c = r->allnext[k];

			if (st->alive[c] == 0 || st->seen[c])
				continue;
			st->seen[c] = true;
			st->touched[ntouched++] = c;
			st->stack[top++] = c;
			if (st->tipslot[c] >= 0 && (best < 0 || st->tipslot[c] < best))
				best = st->tipslot[c];
		}
	}
	Assert(best >= 0);

	if (ntouched >= SORT_PATH_MIN)
	{
		int			x = st->slotrev[best];

		/* every seen revision but cand has a seen normalized parent */
		st->npath = 0;
		while (x != cand)
		{
			MigRev	   *r = &g->revs[x];
			int			k = 0;

			st->path[st->npath++] = x;
			while (!st->seen[r->norm[k]])
				k++;
			Assert(k < r->nnorm);
			x = r->norm[k];
		}
		st->path[st->npath++] = cand;
		st->pathslot = best;
		for (int i = 0; i < st->npath / 2; i++)
		{
			int			t = st->path[i];

			st->path[i] = st->path[st->npath - 1 - i];
			st->path[st->npath - 1 - i] = t;
		}
	}
	for (int i = 0; i < ntouched; i++)
		st->seen[st->touched[i]] = false;
	return best;
}

/*
 * graph_sort: the revisions flagged in todo, newest first, in the order of
 * Alembic's RevisionMap._topological_sort.  Alembic keeps a list of branch
 * tips, starting with the heads that are todo in registration order, and
 * the ancestors of each; it walks the current tip down while no other
 * tip's ancestors hold it, else switches to the first tip that does.  When
 * a tip is emitted its first todo normalized parent that is no tip takes
 * its place, the others go to the end of the list; with none, the tip
 * leaves the list and the walk goes on with the tip before it.  A todo
 * revision no head reaches is an error (Alembic fails on an assertion).
 * Returns a List of int indexes.
 *
 * Alembic's ancestor sets are always the full ancestors of their tips, so
 * "another tip holds cand" means "a tip is above cand" (in the plain
 * case the set loses only the emitted revision, which is no ancestor of
 * the parent that replaces it).  A revision with no tip at or above it
 * (a dead one) stays dead: a new tip is a parent of an emitted tip, so the
 * first new tip above a dead revision would have that emitted tip above
 * the dead revision too.  Emitted revisions are dead (no tip was above
 * them when they went, and they are tips no more), so every revision on a
 * path from a tip down to cand is live: counting for each revision its
 * live children (alive[]) answers "is a tip above cand" at once, and the
 * first such tip is found by walking up from cand over live revisions
 * only.  Todo revisions need not be contiguous (history ranges), so the
 * walk crosses revisions that are not todo, but only those below the
 * first tips.  A blocked revision may be checked again and again while
 * another long branch progresses (the root of two long lanes): the path
 * from it to the tip the last long walk found is kept while it stays
 * valid, and while that tip is in the slot the walk found, or the first
 * one, it is the answer.
 */
List *
graph_sort(MigGraph *g, const bool *todo_in, const int *heads, int nheads)
{
	int			n = Max(g->nrevs, 1);
	bool	   *todo = palloc(sizeof(bool) * n);
	int		   *init = palloc(sizeof(int) * n);
	int			ninit = 0;
	bool	   *inscope;
	int			cur;
	SortState	st;
	List	   *out = NIL;

	memcpy(todo, todo_in, sizeof(bool) * g->nrevs);
	st.g = g;
	st.alive = palloc0(sizeof(int) * n);
	st.slotrev = palloc(sizeof(int) * (n + nheads));
	st.slotprev = palloc(sizeof(int) * (n + nheads));
	st.slotnext = palloc(sizeof(int) * (n + nheads));
	st.first = st.last = -1;
	st.nslots = 0;
	st.tipslot = palloc(sizeof(int) * n);
	st.stack = palloc(sizeof(int) * n);
	st.seen = palloc0(sizeof(bool) * n);
	st.touched = palloc(sizeof(int) * n);
	st.path = palloc(sizeof(int) * n);
	st.npath = 0;
	st.pathslot = -1;
	memset(st.tipslot, -1, sizeof(int) * n);

	/* the first tips: the heads that are todo, in registration order */
	for (int i = 0; i < nheads; i++)
		st.seen[heads[i]] = true;
	for (int i = 0; i < g->nrevs; i++)
		if (st.seen[i])
		{
			st.seen[i] = false;
			if (todo[i])
				init[ninit++] = i;
		}
	inscope = graph_ancestors(g, init, ninit, MIG_EDGES_ALL);
	for (int i = 0; i < g->nrevs; i++)
		if (inscope[i])
			for (int k = 0; k < g->revs[i].nnorm; k++)
				st.alive[g->revs[i].norm[k]]++;
	pfree(inscope);
	for (int i = 0; i < ninit; i++)
		sort_add_tip(&st, init[i], -1);

	cur = st.first;
	while (cur >= 0)
	{
		int			cand = st.slotrev[cur];
		MigRev	   *r = &g->revs[cand];
		int			nadd = 0;

		/*
		 * A tip is above cand: go to the first one.  The kept path's top is
		 * that one if it is still in the slot the search found, or first.
		 */
		if (st.alive[cand] > 1)
		{
			int			firstother = st.first == cur ? st.slotnext[cur] : st.first;
			int			topslot = st.npath > 0 ? st.tipslot[st.path[st.npath - 1]] : -1;

			if (st.npath > 0 && st.path[0] == cand &&
				(topslot == st.pathslot || topslot == firstother))
				cur = topslot;
			else
				cur = sort_search(&st, cand);
			continue;
		}

		out = lappend_int(out, cand);
		todo[cand] = false;
		for (int k = 0; k < r->nnorm; k++)
		{
			int			p = r->norm[k];

			if (todo[p] && st.tipslot[p] < 0)
				sort_add_tip(&st, p, nadd++ == 0 ? cur : -1);
		}
		sort_untip(&st, cand);
		if (nadd == 0)
			cur = sort_drop_slot(&st, cur);

		/* keep the path valid: its top may go, its new top must be a tip */
		if (st.npath > 0)
		{
			if (cand == st.path[0])
				st.npath = 0;
			else if (cand == st.path[st.npath - 1])
				st.npath--;
			if (st.npath < 2 || st.tipslot[st.path[st.npath - 1]] < 0)
				st.npath = 0;
		}
	}

	/* Alembic asserts here; name what no head reached (reusing init) */
	ninit = 0;
	for (int i = 0; i < g->nrevs; i++)
		if (todo[i])
			init[ninit++] = i;
	if (ninit > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("revisions %s are not below the revisions the range ends at",
						graph_format_ids(g, init, ninit)),
				 errdetail("The range ends at %s.",
						   nheads ? graph_format_ids(g, heads, nheads) : "base"),
				 errhint("End the range at a revision above all of them.")));

	pfree(todo);
	pfree(init);
	pfree(st.alive);
	pfree(st.slotrev);
	pfree(st.slotprev);
	pfree(st.slotnext);
	pfree(st.tipslot);
	pfree(st.stack);
	pfree(st.seen);
	pfree(st.touched);
	pfree(st.path);
	return out;
}
