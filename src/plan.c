/*-------------------------------------------------------------------------
 *
 * plan.c
 *	  What an upgrade, downgrade, stamp or history range covers, in which
 *	  order, and how the version rows move at each step.
 *
 * The sets follow Alembic's _collect_upgrade_revisions,
 * _collect_downgrade_revisions and _stamp_revs; the version rows follow
 * its HeadMaintainer.update_to_step, simulated here so that a plan is
 * complete (and checked) before anything runs.  Pure C over the graph.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "conflict.h"
#include "plan.h"
#include "target.h"

/*
 * plan_step_line: Alembic's log line for a step that runs a body,
 * "running upgrade A -> B, message".
 */
char *
plan_step_line(MigGraph *g, const MigStep *st)
{
	MigRev	   *r = &g->revs[st->rev];
	char	   *parents = graph_format_ids(g, r->down, r->ndown);
	bool		up = st->direction == MIG_UPGRADE;

	return psprintf("running %s %s -> %s%s%s", graph_direction_name(st->direction),
					up ? parents : r->id, up ? r->id : parents,
					r->message[0] ? ", " : "", r->message);
}

/* set_copy: a copy of s that later changes to s do not touch. */
static MigSet
set_copy(const MigSet *s)
{
	MigSet		c;

	graph_set_init(&c);
	for (int i = 0; i < s->n; i++)
		graph_set_add(&c, s->items[i]);
	return c;
}

/*
 * check_overlap: Alembic's upgrade (and history) refuses a set of
 * revisions in which one is an ancestor of another; so do stamps here,
 * which Alembic would leave with both as version rows.
 */
static void
check_overlap(MigGraph *g, const MigSet *s)
{
	if (s->n < 2)
		return;
	for (int i = 0; i < s->n; i++)
	{
		bool	   *anc = graph_ancestors(g, &s->items[i], 1, MIG_EDGES_ALL);
		MigSet		hit;

		graph_set_init(&hit);
		for (int j = 0; j < s->n; j++)
			if (j != i && anc[s->items[j]])
				graph_set_add(&hit, s->items[j]);
		if (hit.n > 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("requested revision %s overlaps with other requested revisions %s",
							g->revs[s->items[i]].id,
							graph_format_ids(g, hit.items, hit.n))));
		pfree(anc);
	}
}

/*
 * plan_check_rows: refuse version rows of which one lies below another
 * (which Alembic before 1.13.1 and mig_ext before 1.2 could leave after a
 * downgrade), naming the rows to remove and the statement that removes
 * them from table (column: the column that holds the ids).
 */
void
plan_check_rows(MigGraph *g, const MigSet *rows, const char *table, const char *column)
{
	bool	   *below;
	MigSet		implied;
	StringInfoData ids;

	if (rows->n < 2)
		return;
	below = graph_below(g, rows->items, rows->n);
	graph_set_init(&implied);
	initStringInfo(&ids);
	for (int i = 0; i < rows->n; i++)
		if (below[rows->items[i]])
		{
			graph_set_add(&implied, rows->items[i]);
			appendStringInfo(&ids, "%s%s", implied.n > 1 ? ", " : "",
							 quote_literal_cstr(g->revs[rows->items[i]].id));
		}
	pfree(below);
	if (implied.n > 0)
	{
		bool	   *above = graph_descendants(g, implied.items, 1, MIG_EDGES_ALL);
		int			other = MIG_NO_REV;

		for (int i = 0; i < rows->n && other == MIG_NO_REV; i++)
			if (rows->items[i] != implied.items[0] && above[rows->items[i]])
				other = rows->items[i];
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("version row %s is an ancestor of version row %s",
						g->revs[implied.items[0]].id, g->revs[other].id),
				 errdetail("The version rows are: %s. A row below another row is implied by it, and no upgrade or downgrade starts from such rows; Alembic before 1.13.1 and mig_ext before 1.2 could leave them after a downgrade.",
						   graph_format_ids(g, rows->items, rows->n)),
				 implied.n == 1 ?
				 errhint("Remove the implied row: DELETE FROM %s WHERE %s = %s;",
						 table, column, ids.data) :
				 errhint("Remove the implied rows: DELETE FROM %s WHERE %s IN (%s);",
						 table, column, ids.data)));
	}
}

/* new_step: a step for rev starting from the version rows in heads. */
static MigStep *
new_step(MigDirection direction, int rev, const MigSet *heads)
{
	MigStep    *st = palloc0(sizeof(MigStep));

	st->direction = direction;
	st->rev = rev;
	st->rows_before = set_copy(heads);
	return st;
}

/* add_change: append a version-row change to st. */
static void
add_change(MigStep *st, MigRowOp op, int from, int to)
{
	MigRowChange *c = palloc(sizeof(MigRowChange));

	c->op = op;
	c->from = from;
	c->to = to;
	st->changes = lappend(st->changes, c);
}

/* What error_rows reports. */
typedef enum RowsProblem
{
	ROWS_HAVE,					/* a row for rev exists already */
	ROWS_LACK,					/* the row of rev is missing */
	ROWS_NOT_STAMPED			/* no row to stamp to rev */
} RowsProblem;

/* error_rows: the version rows cannot move as the step needs. */
static void
error_rows(MigGraph *g, const MigSet *heads, RowsProblem problem, int rev)
{
	const char *id = g->revs[rev].id;

	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 problem == ROWS_HAVE ? errmsg("version rows already include revision %s", id) :
			 problem == ROWS_LACK ? errmsg("version rows do not include revision %s", id) :
			 errmsg("version rows cannot be stamped to revision %s", id),
			 heads->n ?
			 errdetail("The version rows are: %s.", graph_format_ids(g, heads->items, heads->n)) :
			 errdetail("There are no version rows."),
			 errhint("Check the version rows with mig_current(); mig_stamp() can set them.")));
}

/* row_insert: add a version row for rev. */
static void
row_insert(MigGraph *g, MigStep *st, MigSet *heads, int rev)
{
	if (graph_set_contains(heads, rev))
		error_rows(g, heads, ROWS_HAVE, rev);
	graph_set_add(heads, rev);
	add_change(st, MIG_ROW_INSERT, MIG_NO_REV, rev);
}

/* row_delete: remove the version row of rev. */
static void
row_delete(MigGraph *g, MigStep *st, MigSet *heads, int rev)
{
	if (!graph_set_contains(heads, rev))
		error_rows(g, heads, ROWS_LACK, rev);
	graph_set_remove(heads, rev);
	add_change(st, MIG_ROW_DELETE, rev, MIG_NO_REV);
}

/* row_update: move the version row of from to to. */
static void
row_update(MigGraph *g, MigStep *st, MigSet *heads, int from, int to)
{
	if (!graph_set_contains(heads, from))
		error_rows(g, heads, ROWS_LACK, from);
	if (graph_set_contains(heads, to))
		error_rows(g, heads, ROWS_HAVE, to);
	for (int i = 0; i < heads->n; i++)
		if (heads->items[i] == from)
			heads->items[i] = to;
	add_change(st, MIG_ROW_UPDATE, from, to);
}

/*
 * The ancestors of the last set of version rows without_ancestors_of_others
 * walked from, kept while one plan is made: on a graph with long-lived
 * branches, every unmerge step asks about the same other rows, and walking
 * their ancestors each time made plans quadratic.
 */
typedef struct AncestorCache
{
	MigSet		rows;
	bool	   *anc;			/* NULL until the first walk */
} AncestorCache;

/*
 * without_ancestors_of_others: the members of revs that are not ancestors
 * of the version rows other than skip (Alembic's _unmerge_to_revisions).
 * cache belongs to the plan being made.
 */
static MigSet
without_ancestors_of_others(MigGraph *g, const int *revs, int nrevs,
							const MigSet *heads, int skip, AncestorCache *cache)
{
	MigSet		others,
				out;
	bool	   *anc = NULL;

	graph_set_init(&others);
	for (int i = 0; i < heads->n; i++)
		if (heads->items[i] != skip)
			graph_set_add(&others, heads->items[i]);
	if (others.n > 0)
	{
		if (cache->anc == NULL || cache->rows.n != others.n ||
			memcmp(cache->rows.items, others.items, sizeof(int) * others.n) != 0)
		{
			if (cache->anc)
				pfree(cache->anc);
			cache->anc = graph_ancestors(g, others.items, others.n, MIG_EDGES_ALL);
			cache->rows = set_copy(&others);
		}
		anc = cache->anc;
	}
	graph_set_init(&out);
	for (int i = 0; i < nrevs; i++)
		if (anc == NULL || !anc[revs[i]])
			graph_set_add(&out, revs[i]);
	return out;
}

/*
 * without_implied: s without its members that lie below another member.
 * A row below another row is implied by it, and is never written: Alembic
 * 1.8 wrote both of a revision's parents when one depends on the other
 * (fixed in 1.13.1, but only when no other version row remains).
 */
static MigSet
without_implied(MigGraph *g, const MigSet *s)
{
	bool	   *below;
	MigSet		kept;

	if (s->n < 2)
		return *s;
	below = graph_below(g, s->items, s->n);
	graph_set_init(&kept);
	for (int i = 0; i < s->n; i++)
		if (!below[s->items[i]])
			graph_set_add(&kept, s->items[i]);
	pfree(below);
	return kept;
}

/*
 * revision_step: the version-row changes for running rev up or down from
 * the rows in heads, which it updates (HeadMaintainer.update_to_step, but
 * never leaving a row below another row); cache is the plan's (see
 * AncestorCache).
 */
static MigStep *
revision_step(MigGraph *g, MigSet *heads, int rev, bool up, AncestorCache *cache)
{
	MigRev	   *r = &g->revs[rev];
	MigStep    *st = new_step(up ? MIG_UPGRADE : MIG_DOWNGRADE, rev, heads);

	if (!up)
	{
		MigSet		to;

		if (!graph_set_contains(heads, rev))
			error_rows(g, heads, ROWS_LACK, rev);
		to = without_ancestors_of_others(g, r->norm, r->nnorm, heads, rev, cache);
		to = without_implied(g, &to);
		if (to.n == 0)
			row_delete(g, st, heads, rev);	/* a base, or implied elsewhere */
		else
		{
			/* the parents' rows come back: ours moves to one, the rest are new */
			for (int i = 0; i < to.n - 1; i++)
				row_insert(g, st, heads, to.items[i]);
			row_update(g, st, heads, rev, to.items[to.n - 1]);
		}
	}
	else
	{
		MigSet		from;

		/*
		 * The parents' rows go, and ours comes: a new base or branch is
		 * inserted, a merge keeps one of its parents' rows to update.
		 * (Alembic's merge also takes a dependency that lies below another
		 * parent, which has no row, and fails on it.)
		 */
		graph_set_init(&from);
		for (int k = 0; k < r->nnorm; k++)
			if (graph_set_contains(heads, r->norm[k]))
				graph_set_add(&from, r->norm[k]);
		if (from.n == 0)
			row_insert(g, st, heads, rev);
		else
		{
			for (int i = 0; i < from.n - 1; i++)
				row_delete(g, st, heads, from.items[i]);
			row_update(g, st, heads, from.items[from.n - 1], rev);
		}
	}
	st->rows_after = set_copy(heads);
	return st;
}

/*
 * plan_revision_step: the step that runs rev alone, up or down as
 * direction says, from the version rows in rows.
 */
MigStep *
plan_revision_step(MigGraph *g, const MigSet *rows, int rev, MigDirection direction)
{
	AncestorCache cache = {0};
	MigSet		heads = set_copy(rows);

	return revision_step(g, &heads, rev, direction == MIG_UPGRADE, &cache);
}

/*
 * plan_upgrade: the steps of an upgrade to target: the target's ancestors
 * (parents and dependencies) that the current rows do not already imply,
 * oldest first; refused when it would leave conflicting revisions applied.
 */
List *
plan_upgrade(MigGraph *g, const MigSet *current, const char *target)
{
	MigSet		targets;
	MigSet		heads = set_copy(current);
	AncestorCache cache = {0};
	bool	   *need;
	bool	   *have;
	List	   *order;
	List	   *steps = NIL;

	target_parse_upgrade(g, current, target, false, &targets);
	check_overlap(g, &targets);
	need = graph_ancestors(g, targets.items, targets.n, MIG_EDGES_ALL);
	have = graph_ancestors(g, current->items, current->n, MIG_EDGES_ALL);
	for (int i = 0; i < g->nrevs; i++)
		need[i] = need[i] && !have[i];
	conflict_check(g, have, need);
	order = graph_sort(g, need, targets.items, targets.n);
	for (int i = list_length(order) - 1; i >= 0; i--)
		steps = lappend(steps, revision_step(g, &heads, list_nth_int(order, i), true, &cache));
	return steps;
}

/*
 * plan_downgrade: the steps of a downgrade to target: the applied
 * descendants (and dependents) of the target's children, newest first.
 * Every one of them must have a downgrade body.
 */
List *
plan_downgrade(MigGraph *g, const MigSet *current, const char *target)
{
	char	   *branch;
	int			dest = target_parse_downgrade(g, current, target, &branch);
	MigSet		roots;
	MigSet		heads = set_copy(current);
	AncestorCache cache = {0};
	bool	   *drop;
	bool	   *applied;
	bool		any = false;
	List	   *order;
	List	   *steps = NIL;
	ListCell   *lc;

	graph_set_init(&roots);
	if (dest == MIG_NO_REV)
	{
		for (int i = 0; i < g->nrevs; i++)
			if (graph_rev_is_base(&g->revs[i]))
				graph_set_add(&roots, i);
	}
	else
		for (int k = 0; k < g->revs[dest].nnext; k++)
			graph_set_add(&roots, g->revs[dest].next[k]);

	if (branch && roots.n > 1)
	{
		int			b = target_resolve_branch(g, branch);
		bool	   *anc = graph_ancestors(g, &b, 1, MIG_EDGES_VERSIONED);
		MigSet		all = roots;

		graph_set_init(&roots);
		for (int i = 0; i < all.n; i++)
			if (anc[all.items[i]])
				graph_set_add(&roots, all.items[i]);
		if (roots.n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"%s\" is not a valid downgrade target from current heads", target)));
	}

	drop = graph_descendants(g, roots.items, roots.n, MIG_EDGES_ALL);
	applied = graph_ancestors(g, current->items, current->n, MIG_EDGES_ALL);
	for (int i = 0; i < g->nrevs; i++)
	{
		drop[i] = drop[i] && applied[i];
		any |= drop[i];
	}
	if (!any && dest != MIG_NO_REV && !graph_set_contains(current, dest))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("destination %s is not a valid downgrade target from current head(s)",
						g->revs[dest].id),
				 errdetail("The current revisions are: %s.",
						   current->n ? graph_format_ids(g, current->items, current->n) : "none"),
				 errhint("A downgrade goes to an ancestor of the current revisions; use mig_upgrade() to go up.")));

	order = graph_sort(g, drop, current->items, current->n);
	foreach(lc, order)
	{
		MigRev	   *r = &g->revs[lfirst_int(lc)];

		if (!r->has_downgrade)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision %s has no downgrade", r->id),
					 errdetail("The downgrade to \"%s\" would run through revision %s (\"%s\"), which was registered without a downgrade body.",
							   target, r->id, r->message),
					 errhint("Register a new revision that undoes it, or stamp past it with mig_stamp().")));
	}
	foreach(lc, order)
		steps = lappend(steps, revision_step(g, &heads, lfirst_int(lc), false, &cache));
	return steps;
}

/* How stamp_step moves the rows (flags). */
typedef enum StampMove
{
	STAMP_DOWN = 0,
	STAMP_UP = 1 << 0,			/* towards dest's descendants */
	STAMP_BRANCH = 1 << 1		/* a new branch, or a deletion to base */
} StampMove;

/* plan_migration: plan_upgrade or plan_downgrade, as direction says. */
List *
plan_migration(MigGraph *g, const MigSet *current, const char *target,
			   MigDirection direction)
{
	Assert(direction != MIG_STAMP);
	return direction == MIG_UPGRADE ? plan_upgrade(g, current, target) :
		plan_downgrade(g, current, target);
}

/*
 * stamp_step: one of Alembic's StampSteps: move the rows in from to dest
 * (MIG_NO_REV: delete them) as move says.
 */
static MigStep *
stamp_step(MigGraph *g, MigSet *heads, const MigSet *from, int dest, int move)
{
	bool		up = (move & STAMP_UP) != 0;
	bool		branch_move = (move & STAMP_BRANCH) != 0;
	MigStep    *st = new_step(MIG_STAMP, dest >= 0 ? dest : from->items[0], heads);
	bool		from_missing = false;

	for (int i = 0; i < from->n; i++)
		from_missing |= !graph_set_contains(heads, from->items[i]);

	if (!up && branch_move)
		row_delete(g, st, heads, from->items[0]);
	else if (up && (branch_move || from_missing) && !graph_set_contains(heads, dest))
		row_insert(g, st, heads, dest);
	else
	{
		for (int i = 0; i < from->n - 1; i++)
			row_delete(g, st, heads, from->items[i]);
		if (from->n == 0)
			error_rows(g, heads, ROWS_NOT_STAMPED, dest);
		row_update(g, st, heads, from->items[from->n - 1], dest);
	}
	st->rows_after = set_copy(heads);
	return st;
}

/*
 * plan_stamp: the version-row steps that set the rows to targets, a list
 * of targets separated by white space or commas (empty: base), following
 * Alembic's per-lineage stamp rules.  Runs nothing.
 */
List *
plan_stamp(MigGraph *g, const MigSet *current, const char *targets)
{
	List	   *names = NIL;
	MigSet		filtered,
				dests,
				twice;
	MigSet		heads = set_copy(current);
	List	   *steps = NIL;
	ListCell   *lc;
	int			nnames;
	char	  **items = target_split_list(targets, &nnames);

	for (int i = 0; i < nnames; i++)
		names = lappend(names, items[i]);
	if (names == NIL)
		names = list_make1("base");

	graph_set_init(&filtered);
	graph_set_init(&dests);
	graph_set_init(&twice);
	foreach(lc, names)
	{
		MigSet		f,
					d;

		target_filter_lineage(g, current, lfirst(lc), MIG_EDGES_ALL, &f);
		for (int i = 0; i < f.n; i++)
			graph_set_add(&filtered, f.items[i]);
		/* Alembic would stamp a revision twice and fail on an assertion */
		if (target_get_revisions_counted(g, lfirst(lc), &d))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stamp target \"%s\" reaches one revision from more than one head",
							(char *) lfirst(lc)),
					 errhint("Name the revisions to stamp.")));
		for (int i = 0; i < d.n; i++)
		{
			if (graph_set_contains(&dests, d.items[i]))
				graph_set_add(&twice, d.items[i]);
			graph_set_add(&dests, d.items[i]);
		}
	}
	/* Alembic would write rows one of which is below another */
	check_overlap(g, &dests);
	/* a revision named twice is harmless only where Alembic skips it: a current row */
	for (int i = 0; i < twice.n; i++)
		if (!graph_set_contains(&filtered, twice.items[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("revision %s is named more than once in the stamp targets",
							g->revs[twice.items[i]].id),
					 errhint("Name each revision once.")));

	if (dests.n == 0)
	{
		for (int i = 0; i < filtered.n; i++)
		{
			MigSet		one;

			graph_set_init(&one);
			graph_set_add(&one, filtered.items[i]);
			steps = lappend(steps, stamp_step(g, &heads, &one, MIG_NO_REV, STAMP_DOWN | STAMP_BRANCH));
		}
		return steps;
	}
	for (int i = 0; i < dests.n; i++)
	{
		int			dest = dests.items[i];
		bool	   *desc,
				   *anc;
		bool		above = false,
					below = false;
		MigSet		none;

		if (graph_set_contains(&filtered, dest))
			continue;
		desc = graph_descendants(g, &dest, 1, MIG_EDGES_ALL);
		anc = graph_ancestors(g, &dest, 1, MIG_EDGES_ALL);
		for (int k = 0; k < filtered.n; k++)
		{
			above |= desc[filtered.items[k]];
			below |= anc[filtered.items[k]];
		}
		graph_set_init(&none);
		if (above && below)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot stamp %s: the version rows on its lineage are both above and below it",
							g->revs[dest].id),
					 errdetail("The version rows are: %s.",
							   graph_format_ids(g, heads.items, heads.n)),
					 errhint("Stamp with purge => true to set the rows from scratch.")));
		if (above)
			steps = lappend(steps, stamp_step(g, &heads, &filtered, dest, STAMP_DOWN));
		else if (below)
			steps = lappend(steps, stamp_step(g, &heads, &filtered, dest, STAMP_UP));
		else
			steps = lappend(steps, stamp_step(g, &heads, &none, dest, STAMP_UP | STAMP_BRANCH));
		pfree(desc);
		pfree(anc);
	}
	return steps;
}

/*
 * keep_label_members: Alembic's history narrowing for a start written
 * "branch@...": keep the range's ends that carry the branch's label (a
 * revision id stands for its single label).
 */
static void
keep_label_members(MigGraph *g, MigSet *ends, const char *start)
{
	char	   *branch = pnstrdup(start, strchr(start, '@') - start);
	int			b = target_get_revision(g, branch);
	bool	   *members;
	MigSet		all = *ends;

	if (b >= 0 && !graph_is_label(g, branch) && g->revs[b].nlabels != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("revision %s does not name a single branch", branch),
				 errdetail("It declares %d branch labels.", g->revs[b].nlabels),
				 errhint("Write the branch label before the \"@\".")));
	members = b >= 0 ? graph_label_members(g, b) : NULL;
	graph_set_init(ends);
	for (int i = 0; members && i < all.n; i++)
		if (members[all.items[i]])
			graph_set_add(ends, all.items[i]);
}

/*
 * plan_history: the revisions of a history range "start:end" (either
 * side optional, "current" allowed; NULL for all), newest first, as
 * Alembic's history command walks them.
 */
List *
plan_history(MigGraph *g, const MigSet *current, const char *range)
{
	MigSet		upper,
				lower;
	bool	   *need;
	const char *colon;
	char	   *start,
			   *end;

	if (range == NULL)
	{
		bool	   *all = palloc(sizeof(bool) * Max(g->nrevs, 1));

		graph_heads(g, true, &upper);
		memset(all, true, sizeof(bool) * g->nrevs);
		return graph_sort(g, all, upper.items, upper.n);
	}

	colon = strchr(range, ':');
	if (colon == NULL || strchr(colon + 1, ':') != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("history range requires [start]:[end], [start]:, or :[end]"),
				 errdetail("The range given was \"%s\".", range)));
	start = pnstrdup(range, colon - range);
	end = pstrdup(colon + 1);
	start = pstrdup(start + strspn(start, " \t\n"));
	while (*end && isspace((unsigned char) end[strlen(end) - 1]))
		end[strlen(end) - 1] = '\0';

	/* "current" with no version rows is no end at all, as in Alembic */
	if (strcmp(end, "current") == 0 && current->n > 0)
		upper = set_copy(current);
	else
		target_parse_upgrade(g, current,
							 *end && strcmp(end, "current") != 0 ? end : "heads",
							 true, &upper);
	if (strchr(start, '@'))
		keep_label_members(g, &upper, start);
	if (strcmp(start, "current") == 0)
		lower = set_copy(current);
	else if (*start)
		target_get_revisions(g, start, &lower);
	else
		graph_set_init(&lower);

	check_overlap(g, &upper);
	check_overlap(g, &lower);
	need = graph_ancestors(g, upper.items, upper.n, MIG_EDGES_ALL);
	if (lower.n > 0)
	{
		bool	   *below,
				   *above;

		for (int i = 0; i < lower.n; i++)
			if (!need[lower.items[i]])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("requested range %s does not refer to ancestor/descendant revisions along the same branch",
								range)));
		below = graph_ancestors(g, lower.items, lower.n, MIG_EDGES_ALL);
		above = graph_descendants(g, lower.items, lower.n, MIG_EDGES_VERSIONED);
		for (int i = 0; i < g->nrevs; i++)
			need[i] = need[i] && above[i] && !below[i];
		for (int i = 0; i < lower.n; i++)
			need[lower.items[i]] = true;
	}
	return graph_sort(g, need, upper.items, upper.n);
}

/*
 * is_relative_down: whether target is "-N" or "branch@-N", a relative
 * downgrade from the current rows.
 */
static bool
is_relative_down(const char *target)
{
	const char *p = strrchr(target, '@');

	p = p ? p + 1 : target;
	if (*p++ != '-' || !isdigit((unsigned char) *p))
		return false;
	while (isdigit((unsigned char) *p))
		p++;
	return *p == '\0';
}

/*
 * plan_move: the steps a move to target would take, and whether they
 * are an upgrade or a downgrade.  "-N" and "branch@-N" are downgrades;
 * anything else is planned as an upgrade, and when that has nothing to do
 * while the target lies strictly below the current rows (an ancestor that
 * is not itself a current row, or base with rows present), as a downgrade.
 */
List *
plan_move(MigGraph *g, const MigSet *current, const char *target,
		  MigDirection *direction)
{
	List	   *steps;
	MigSet		targets;
	bool		below = false;

	*direction = MIG_DOWNGRADE;
	if (is_relative_down(target))
		return plan_downgrade(g, current, target);

	*direction = MIG_UPGRADE;
	steps = plan_upgrade(g, current, target);
	if (steps != NIL || current->n == 0)
		return steps;

	target_parse_upgrade(g, current, target, false, &targets);
	if (targets.n == 0)
		below = true;			/* base */
	else
	{
		bool	   *applied = graph_ancestors(g, current->items, current->n,
											  MIG_EDGES_ALL);

		for (int i = 0; i < targets.n; i++)
			below |= applied[targets.items[i]] &&
				!graph_set_contains(current, targets.items[i]);
	}
	if (!below)
		return steps;
	*direction = MIG_DOWNGRADE;
	return plan_downgrade(g, current, target);
}
