/*-------------------------------------------------------------------------
 *
 * graph.h
 *	  The in-memory revision graph of mig_ext.
 *
 * A MigGraph holds every registered revision, indexed by registration
 * order, with parents, dependencies and children resolved to array
 * indexes.  It is built once per call from the catalog rows and is pure
 * C: nothing here touches SPI or the catalog.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_GRAPH_H
#define MIG_GRAPH_H

#include "nodes/pg_list.h"

/* One revision, as registered plus what the graph derives from it. */
typedef struct MigRev
{
	/* as registered (set by the caller of graph_build) */
	char	   *id;
	char	   *message;
	char	   *upgrade;		/* NULL when bodies were not loaded */
	char	   *downgrade;		/* NULL: irreversible (or not loaded) */
	bool		has_downgrade;
	char	   *checksum;		/* as stored; NULL when bodies were not
								 * loaded */
	char	  **down_names;		/* parents, as written */
	int			ndown;
	char	  **labels;			/* branch labels it declares */
	int			nlabels;
	char	  **dep_names;		/* depends_on, ids or labels */
	int			ndep_names;
	bool		non_transactional;	/* each statement runs on its own,
									 * outside a transaction block */
	char	   *verify;			/* NULL: none (or bodies not loaded) */
	bool		repeatable;		/* runs again whenever its upgrade changes;
								 * outside the graph */
	char	  **conflict_names; /* revisions never to be applied with it */
	int			nconflicts;

	/* derived by graph_build */
	int		   *down;			/* parents ("versioned down revisions") */
	int		   *deps;			/* resolved dependencies */
	int			ndeps;
	int		   *norm;			/* parents + dependencies not implied by an
								 * ancestor: Alembic's normalized down
								 * revisions */
	int			nnorm;
	int			nnormdeps;		/* dependencies no ancestor implies (some
								 * may also be parents) */
	int		   *next;			/* children through down_revision */
	int			nnext;
	int		   *allnext;		/* children and dependents */
	int			nallnext;
} MigRev;

/*
 * Revision indexes that name no revision.  MIG_NO_REV: none (an unknown
 * name; base as the result of a lookup, Alembic's None; a version-row
 * change without a row on one side).  MIG_BASE_REV: where a relative walk
 * (target.c) stands once it has stepped below the bases.
 */
#define MIG_NO_REV		(-1)
#define MIG_BASE_REV	(-2)

typedef struct MigRevHash MigRevHash;

/* The whole graph. */
typedef struct MigGraph
{
	MigRev	   *revs;			/* in registration order */
	int			nrevs;
	int			nrepeatables;	/* repeatable revisions, in revs after the
								 * nrevs of the graph (repeatable.c) */
	MigRevHash *byname;			/* ids and labels -> index */
} MigGraph;

/*
 * Which body of a revision a step runs (a stamp runs none): the direction
 * of a step and of its log row.
 */
typedef enum MigDirection
{
	MIG_UPGRADE,
	MIG_DOWNGRADE,
	MIG_STAMP
} MigDirection;

/* Which edges a walk follows. */
typedef enum MigEdges
{
	MIG_EDGES_VERSIONED,		/* down_revision only */
	MIG_EDGES_ALL				/* down_revision and depends_on */
} MigEdges;

/* A set of revisions as an ordered list of indexes (small, usually). */
typedef struct MigSet
{
	int		   *items;
	int			n;
} MigSet;

extern MigGraph *graph_build(MigRev *revs, int nrevs);
extern int	graph_order_batch(const MigRev *revs, int n, int *order);
extern int	graph_lookup(MigGraph *g, const char *name);
extern int	graph_lookup_id(MigGraph *g, const char *id);
extern bool graph_is_label(MigGraph *g, const char *name);

extern void graph_set_init(MigSet *s);
extern void graph_set_add(MigSet *s, int item);
extern bool graph_set_contains(const MigSet *s, int item);
extern void graph_set_remove(MigSet *s, int item);

extern bool *graph_ancestors(MigGraph *g, const int *seeds, int nseeds,
							 MigEdges edges);
extern bool *graph_below(MigGraph *g, const int *seeds, int nseeds);
extern bool *graph_descendants(MigGraph *g, const int *seeds, int nseeds,
							   MigEdges edges);
extern bool *graph_lineage(MigGraph *g, int rev, MigEdges edges);
extern bool *graph_label_members(MigGraph *g, int rev);
extern List *graph_sort(MigGraph *g, const bool *todo,
						const int *heads, int nheads);

extern bool graph_rev_is_head(const MigRev *r);
extern bool graph_rev_is_real_head(const MigRev *r);
extern bool graph_rev_is_base(const MigRev *r);
extern bool graph_rev_is_branch_point(const MigRev *r);
extern bool graph_rev_is_merge_point(const MigRev *r);

extern const char *graph_direction_name(MigDirection direction);
extern void graph_heads(MigGraph *g, bool real, MigSet *out);
extern char *graph_format_ids(MigGraph *g, const int *items, int n);

#endif							/* MIG_GRAPH_H */
