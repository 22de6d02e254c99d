/*-------------------------------------------------------------------------
 *
 * target.c
 *	  Alembic's revision identifiers and target grammar.
 *
 * Resolves "head", "heads", "base", ids, unique prefixes, labels,
 * "label@rev", and the relative forms "+N", "-N", "rev+N", "rev-N",
 * "label@+N", "label@-N" against a MigGraph and the current version rows,
 * following alembic/script/revision.py.  Where Alembic warns and guesses,
 * this refuses.  Pure C over the graph: no SPI, no catalog.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <limits.h>

#include "lib/stringinfo.h"

#include "target.h"

/* What _walk starts from besides a revision: nothing yet, or "base". */

/* A target split into Alembic's pieces: [branch@]name. */
typedef struct Ident
{
	const char *full;			/* as the user wrote it */
	char	   *branch;			/* NULL when no '@' */
	char	   *name;
} Ident;

static int	revision_for_ident(MigGraph *g, const char *full, const char *name,
							   const char *branch);
static bool resolve_symbol(MigGraph *g, Ident *id, MigSet *out);

/* is_illegal_char: a character a revision id or label may not hold. */
static bool
is_illegal_char(char c)
{
	return c == '@' || c == '-' || c == '+' || c == ':' ||
		isspace((unsigned char) c);
}

/* is_reserved: whether name is a symbol of the target grammar. */
static bool
is_reserved(const char *name)
{
	return strcmp(name, "head") == 0 || strcmp(name, "heads") == 0 ||
		strcmp(name, "base") == 0 || strcmp(name, "current") == 0;
}

/*
 * target_is_name: whether target is a plain name, which the grammar
 * resolves by looking up an id or label of that exact name before
 * anything else: not empty, not reserved, no character of the grammar.
 */
bool
target_is_name(const char *target)
{
	if (target[0] == '\0' || is_reserved(target))
		return false;
	for (const char *p = target; *p; p++)
		if (is_illegal_char(*p))
			return false;
	return true;
}

/*
 * target_check_id: reject an id (a revision identifier or a branch label,
 * as kind says) that could not be named as a target: empty, too long,
 * reserved, or holding whitespace, '@', '-', '+' or ':'.
 */
void
target_check_id(const char *id, MigIdKind kind)
{
	bool		is_label = kind == MIG_ID_LABEL;
	StringInfoData bad;

	if (id[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 is_label ? errmsg("branch label must not be empty") :
				 errmsg("revision identifier must not be empty")));
	if (strlen(id) > MIG_MAX_ID_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 is_label ? errmsg("branch label is too long") :
				 errmsg("revision identifier is too long"),
				 is_label ?
				 errdetail("A branch label is at most %d bytes; this one has %zu.",
						   MIG_MAX_ID_LEN, strlen(id)) :
				 errdetail("A revision identifier is at most %d bytes; this one has %zu.",
						   MIG_MAX_ID_LEN, strlen(id))));
	initStringInfo(&bad);
	for (const char *p = id; *p; p++)
		if (is_illegal_char(*p) && strchr(bad.data, *p) == NULL)
			appendStringInfoChar(&bad, isspace((unsigned char) *p) ? ' ' : *p);
	if (bad.len > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 is_label ?
				 errmsg("character(s) \"%s\" not allowed in branch label \"%s\"", bad.data, id) :
				 errmsg("character(s) \"%s\" not allowed in revision identifier \"%s\"", bad.data, id),
				 errhint("Use letters, digits and punctuation other than \"@\", \"-\", \"+\" and \":\"; no white space.")));
	if (is_reserved(id))
		ereport(ERROR,
				(errcode(ERRCODE_RESERVED_NAME),
				 is_label ? errmsg("branch label \"%s\" is reserved", id) :
				 errmsg("revision identifier \"%s\" is reserved", id)));
}

/*
 * split_ident: cut "branch@name" at the first '@'.  Both sides must be
 * non-empty when there is an '@'.
 */
static Ident
split_ident(const char *full)
{
	Ident		id;
	const char *at = strchr(full, '@');

	id.full = full;
	if (at == NULL)
	{
		id.branch = NULL;
		id.name = pstrdup(full);
	}
	else
	{
		id.branch = pnstrdup(full, at - full);
		id.name = pstrdup(at + 1);
	}
	if ((id.branch && id.branch[0] == '\0') || id.name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("malformed revision target \"%s\"", full),
				 errhint("Write a target as \"rev\", \"label@rev\", \"head\", \"heads\", \"base\", \"+N\", \"-N\", \"rev+N\" or \"label@+N\".")));
	return id;
}

/*
 * error_multiple_heads: Alembic's MultipleHeads, for argument arg; the
 * hint suggests narrowing the part after any '@'.
 */
static void
error_multiple_heads(MigGraph *g, const MigSet *heads, const char *arg)
{
	const char *at = strrchr(arg, '@');

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("multiple head revisions are present for given argument \"%s\"", arg),
			 errdetail("The heads are %s.", graph_format_ids(g, heads->items, heads->n)),
			 errhint("Specify a specific target revision, \"<branchname>@%s\" to narrow to a specific head, or \"heads\" for all heads.",
					 at ? at + 1 : arg)));
}

/*
 * find_prefix: the revision whose id or label starts with prefix, among
 * names longer than three characters and (when lineage is not NULL) in
 * that lineage.  Returns -1 when none; errors when several names match,
 * even names of one revision.
 */
static int
find_prefix(MigGraph *g, const char *prefix, const bool *lineage)
{
	size_t		plen = strlen(prefix);
	StringInfoData names;
	int			found = -1;
	int			nfound = 0;

	initStringInfo(&names);
	for (int i = 0; i < g->nrevs; i++)
	{
		MigRev	   *r = &g->revs[i];

		if (lineage && !lineage[i])
			continue;
		for (int k = -1; k < r->nlabels; k++)
		{
			const char *name = k < 0 ? r->id : r->labels[k];

			if (strlen(name) <= 3 || strncmp(name, prefix, plen) != 0)
				continue;
			/* like Alembic, an id and a label of one revision are two names */
			if (nfound < 10)
				appendStringInfo(&names, "%s\"%s\"", nfound ? ", " : "", name);
			else if (nfound == 10)
				appendStringInfoString(&names, ", ...");
			nfound++;
			found = i;
		}
	}
	if (nfound > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("multiple revisions start with \"%s\"", prefix),
				 errdetail("Candidates: %s.", names.data),
				 errhint("Give more characters of the revision id.")));
	return found;
}

/*
 * starts_short_name: whether name begins a revision id or label of three
 * characters or fewer, one that find_prefix never matches by a prefix.
 */
static bool
starts_short_name(MigGraph *g, const char *name)
{
	size_t		len = strlen(name);

	for (int i = 0; i < g->nrevs; i++)
		for (int k = -1; k < g->revs[i].nlabels; k++)
		{
			const char *n = k < 0 ? g->revs[i].id : g->revs[i].labels[k];

			if (strlen(n) <= 3 && strncmp(n, name, len) == 0)
				return true;
		}
	return false;
}

/*
 * target_resolve_branch: the revision a branch name stands for: a label,
 * an id, or a unique prefix of either (Alembic's _resolve_branch).
 */
int
target_resolve_branch(MigGraph *g, const char *label)
{
	int			r = graph_lookup(g, label);

	if (r < 0)
		r = find_prefix(g, label, NULL);
	if (r < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no such branch: \"%s\"", label)));
	return r;
}

/*
 * revision_for_ident: one revision by id, label or unique prefix; when
 * branch is given, it must lie on that branch's lineage.
 */
static int
revision_for_ident(MigGraph *g, const char *full, const char *name,
				   const char *branch)
{
	int			branch_rev = branch ? target_resolve_branch(g, branch) : MIG_NO_REV;
	bool	   *lineage = NULL;
	int			r;

	for (const char *p = name; *p; p++)
		if (is_illegal_char(*p))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("malformed revision target \"%s\"", full),
					 errhint("Write a target as \"rev\", \"label@rev\", \"head\", \"heads\", \"base\", \"+N\", \"-N\", \"rev+N\" or \"label@+N\".")));
	if (branch_rev >= 0)
		lineage = graph_lineage(g, branch_rev, MIG_EDGES_VERSIONED);

	r = graph_lookup(g, name);
	if (r < 0)
	{
		r = find_prefix(g, name, lineage);
		if (r < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("no such revision or branch \"%s\"", name),
					 starts_short_name(g, name) ?
					 errhint("Only revision identifiers and branch labels of four or more characters are matched by prefix.") : 0));
	}
	if (lineage && !lineage[r])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("revision %s is not a member of branch \"%s\"",
						g->revs[r].id, branch)));
	return r;
}

/*
 * target_filter_lineage: the members of in that share a lineage with what
 * check_against names (Alembic's filter_for_lineage): "head", "heads" and
 * "base" as symbols, anything else as one revision (no walking: "-1"
 * names nothing), plus the branch before an '@'.  As in Alembic, the
 * symbols are resolved even when in is empty, names only when needed.
 */
void
target_filter_lineage(MigGraph *g, const MigSet *in, const char *check_against,
					  MigEdges edges, MigSet *out)
{
	Ident		id = split_ident(check_against);
	MigSet		shares;
	bool	   *mask = NULL;

	graph_set_init(out);
	if (!resolve_symbol(g, &id, &shares) && in->n > 0)
		graph_set_add(&shares, revision_for_ident(g, check_against, id.name, NULL));
	if (id.branch && in->n > 0)
		graph_set_add(&shares, revision_for_ident(g, check_against, id.branch, NULL));
	if (shares.n == 0)
	{
		/* nothing to compare with: everything passes */
		for (int i = 0; i < in->n; i++)
			graph_set_add(out, in->items[i]);
		return;
	}
	for (int i = 0; i < shares.n; i++)
	{
		bool	   *m = graph_lineage(g, shares.items[i], edges);

		if (mask == NULL)
			mask = m;
		else
		{
			for (int k = 0; k < g->nrevs; k++)
				mask[k] |= m[k];
			pfree(m);
		}
	}
	for (int i = 0; i < in->n; i++)
		if (mask[in->items[i]])
			graph_set_add(out, in->items[i]);
	pfree(mask);
}

/*
 * current_head: the single head, on branch's lineage when branch is
 * given; MIG_NO_REV for an empty graph.
 */
static int
current_head(MigGraph *g, const char *branch, const char *arg)
{
	MigSet		heads;

	graph_heads(g, false, &heads);
	if (branch)
	{
		MigSet		all = heads;

		target_filter_lineage(g, &all, branch, MIG_EDGES_VERSIONED, &heads);
	}
	if (heads.n > 1)
		error_multiple_heads(g, &heads, arg);
	return heads.n ? heads.items[0] : MIG_NO_REV;
}

/*
 * resolve_symbol: Alembic's _resolve_revision_number for the symbols
 * "heads", "head" and "base": fills out and returns true; returns false
 * for anything else.
 */
static bool
resolve_symbol(MigGraph *g, Ident *id, MigSet *out)
{
	graph_set_init(out);
	if (strcmp(id->name, "heads") == 0)
	{
		if (id->branch)
		{
			MigSet		heads;

			graph_heads(g, false, &heads);
			target_filter_lineage(g, &heads, id->branch, MIG_EDGES_VERSIONED, out);
		}
		else
			graph_heads(g, true, out);
		return true;
	}
	if (strcmp(id->name, "head") == 0)
	{
		int			h = current_head(g, id->branch,
									 id->branch ? psprintf("%s@head", id->branch) : "head");

		if (h != MIG_NO_REV)
			graph_set_add(out, h);
		return true;
	}
	if (strcmp(id->name, "base") == 0)
	{
		if (id->branch)
			(void) target_resolve_branch(g, id->branch);
		return true;
	}
	return false;
}

/*
 * parse_steps: the signed step count of a relative target; errors when it
 * does not fit in an int.
 */
static int
parse_steps(const char *s, const char *full)
{
	long		v;
	char	   *end;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == ERANGE || v > INT_MAX || v < -INT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("relative step count in target \"%s\" is out of range", full)));
	return (int) v;
}

/*
 * match_relative: whether target has the form [branch@][symbol](+|-)digits
 * (Alembic's _relative_destination, but anchored at both ends).  Sets
 * branch and symbol (NULL when absent) and the signed step string.
 */
static bool
match_relative(const char *target, char **branch, char **symbol, char **steps)
{
	const char *start = target;

	for (;;)
	{
		const char *p = start;
		const char *sym = p;
		const char *at;

		while (*p && !is_illegal_char(*p))
			p++;
		if ((*p == '+' || *p == '-') && isdigit((unsigned char) p[1]))
		{
			const char *d = p + 1;

			while (isdigit((unsigned char) *d))
				d++;
			if (*d == '\0')
			{
				*branch = start == target ? NULL : pnstrdup(target, start - target - 1);
				*symbol = p > sym ? pnstrdup(sym, p - sym) : NULL;
				*steps = pstrdup(p);
				return true;
			}
		}
		/* try again with the branch ending at the next '@' */
		at = strchr(start, '@');
		if (at == NULL || at == target)
			return false;
		start = at + 1;
	}
}

/*
 * walk_steps: Alembic's _walk: steps up (children) or down (parents) from start,
 * a revision, MIG_NO_REV (nothing applied) or MIG_BASE_REV.  Returns the
 * revision reached, MIG_BASE_REV, or, when the walk runs past the end,
 * MIG_NO_REV (or, with stay, where it stopped: Alembic's no_overwalk off).
 */
static int
walk_steps(MigGraph *g, int start, int steps, const char *branch, bool stay)
{
	for (int s = 0; s < abs(steps); s++)
	{
		MigSet		children;

		graph_set_init(&children);
		if (steps > 0)
		{
			if (start == MIG_BASE_REV)
				return MIG_NO_REV;
			if (start == MIG_NO_REV)
			{
				for (int i = 0; i < g->nrevs; i++)
					if (graph_rev_is_base(&g->revs[i]))
						graph_set_add(&children, i);
			}
			else
				for (int k = 0; k < g->revs[start].nnext; k++)
					graph_set_add(&children, g->revs[start].next[k]);
			if (branch)
			{
				MigSet		all = children;

				target_filter_lineage(g, &all, branch, MIG_EDGES_VERSIONED, &children);
			}
		}
		else if (start != MIG_BASE_REV)
		{
			if (start == MIG_NO_REV)
				graph_heads(g, false, &children);
			else
				for (int k = 0; k < g->revs[start].ndown; k++)
					graph_set_add(&children, g->revs[start].down[k]);
			if (children.n == 0)
			{
				start = MIG_BASE_REV;
				continue;
			}
		}
		if (children.n == 0)
			return stay ? start : MIG_NO_REV;
		if (children.n > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ambiguous walk"),
					 errdetail("Revision %s has %d %s: %s.",
							   start >= 0 ? g->revs[start].id : "base",
							   children.n, steps > 0 ? "children" : "parents",
							   graph_format_ids(g, children.items, children.n)),
					 errhint("Name the revision to go to, or a branch as \"<branchname>@%+d\".", steps)));
		start = children.items[0];
	}
	return start;
}

/* error_not_produced: Alembic's "Relative revision X didn't produce N migrations". */
static void
error_not_produced(const char *steps)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("relative revision %s didn't produce %d migrations",
					steps, abs(atoi(steps)))));
}

/* error_walked_too_far: Alembic's "Walked too far". */
static void
error_walked_too_far(const char *target)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("walked too far"),
			 errdetail("Target \"%s\" goes past the end of the revision graph.", target)));
}

/*
 * error_reaches_base: a relative target that lands exactly on base where
 * a revision is needed (Alembic fails on an assertion there).
 */
static void
error_reaches_base(const char *target)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("relative target \"%s\" reaches base", target),
			 errdetail("The walk ends below the first revision, where a revision is needed."),
			 errhint("Write \"base\" to mean no revision, or walk fewer steps.")));
}

/*
 * target_get_revisions_counted: every revision an identifier names
 * (Alembic's get_revisions): "heads", "head", "base", an id, label or
 * prefix, with an optional "branch@"; "-N" and "branch@-N" walk down from
 * the heads.  Returns whether a walk reached a revision already named
 * (Alembic keeps both; a set holds it once).
 */
bool
target_get_revisions_counted(MigGraph *g, const char *target, MigSet *out)
{
	Ident		id = split_ident(target);
	char	   *branch,
			   *symbol,
			   *steps;
	bool		repeated = false;

	if (resolve_symbol(g, &id, out))
	{
		/* like Alembic, the branch must exist once a head names it */
		if (id.branch && out->n > 0)
			(void) target_resolve_branch(g, id.branch);
		return false;
	}

	if (match_relative(id.name, &branch, &symbol, &steps) &&
		branch == NULL && symbol == NULL && steps[0] == '-')
	{
		int			n = parse_steps(steps, target);
		MigSet		heads;
		bool	   *mask = NULL;

		graph_heads(g, true, &heads);
		if (id.branch)
		{
			int			b = graph_lookup(g, id.branch);

			/* only the heads carrying the label */
			if (b < 0 || !graph_is_label(g, id.branch))
				heads.n = 0;
			else
				mask = graph_label_members(g, b);
		}
		for (int i = 0; i < heads.n; i++)
		{
			int			r;

			if (mask && !mask[heads.items[i]])
				continue;
			/* walking past base names nothing; landing on it is refused */
			r = walk_steps(g, heads.items[i], n, NULL, false);
			if (r == MIG_BASE_REV)
				error_reaches_base(target);
			if (r >= 0 && graph_set_contains(out, r))
				repeated = true;
			if (r >= 0)
				graph_set_add(out, r);
		}
		return repeated;
	}
	graph_set_add(out, revision_for_ident(g, target, id.name, id.branch));
	return false;
}

/* target_get_revisions: target_get_revisions_counted, each revision once. */
void
target_get_revisions(MigGraph *g, const char *target, MigSet *out)
{
	(void) target_get_revisions_counted(g, target, out);
}

/*
 * target_get_revision: the single revision an identifier names, or
 * MIG_NO_REV for base; several (as "heads" may give) is an error.
 */
int
target_get_revision(MigGraph *g, const char *target)
{
	Ident		id = split_ident(target);
	MigSet		revs;

	if (!resolve_symbol(g, &id, &revs))
		return revision_for_ident(g, target, id.name, id.branch);
	if (revs.n > 1)
		error_multiple_heads(g, &revs, target);
	if (id.branch && revs.n > 0)
		(void) target_resolve_branch(g, id.branch);
	return revs.n ? revs.items[0] : MIG_NO_REV;
}

/* get_revision_on: target_get_revision of "branch@symbol" or of symbol. */
static int
get_revision_on(MigGraph *g, const char *branch, const char *symbol)
{
	return target_get_revision(g, branch ? psprintf("%s@%s", branch, symbol) : symbol);
}

/*
 * target_parse_upgrade: the revisions an upgrade goes to (Alembic's
 * _parse_upgrade_target), given the current version rows.  stay: a
 * relative walk that runs out of revisions stops there instead of failing
 * (as the history command does).
 */
void
target_parse_upgrade(MigGraph *g, const MigSet *current, const char *target,
					 bool stay, MigSet *out)
{
	char	   *branch,
			   *symbol,
			   *steps;
	int			n;
	int			r;

	if (!match_relative(target, &branch, &symbol, &steps))
	{
		target_get_revisions(g, target, out);
		return;
	}
	n = parse_steps(steps, target);
	graph_set_init(out);
	if (n > 0 && symbol == NULL)
	{
		/* +N from the current rows, narrowed to the branch if one is named */
		MigSet		start = *current;

		if (branch)
		{
			target_filter_lineage(g, current, branch, MIG_EDGES_VERSIONED, &start);
			if (start.n == 0 && current->n > 0)
			{
				/* the branch is not current: start from its applied tips */
				bool	   *applied = graph_ancestors(g, current->items, current->n,
													  MIG_EDGES_ALL);
				bool	   *below = palloc0(sizeof(bool) * g->nrevs);
				MigSet		all,
							active;

				graph_set_init(&all);
				for (int i = 0; i < g->nrevs; i++)
					if (applied[i])
						graph_set_add(&all, i);
				target_filter_lineage(g, &all, branch, MIG_EDGES_VERSIONED, &active);
				for (int i = 0; i < active.n; i++)
					for (int k = 0; k < g->revs[active.items[i]].nnorm; k++)
						below[g->revs[active.items[i]].norm[k]] = true;
				for (int i = 0; i < active.n; i++)
					if (!below[active.items[i]])
						graph_set_add(&start, active.items[i]);
			}
		}
		if (start.n > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ambiguous upgrade from multiple current revisions"),
					 errdetail("The current revisions are %s.",
							   graph_format_ids(g, start.items, start.n)),
					 errhint("Name the branch, as \"<branchname>@%s\", or give a revision.", steps)));
		r = walk_steps(g, start.n ? start.items[0] : MIG_NO_REV, n, branch, stay);
		if (r == MIG_NO_REV)
			error_not_produced(steps);
	}
	else if (n > 0)
	{
		r = walk_steps(g, get_revision_on(g, NULL, symbol), n, branch, stay);
		if (r == MIG_NO_REV)
			error_walked_too_far(target);
	}
	else
	{
		if (symbol == NULL)
			error_not_produced(steps);
		r = walk_steps(g, get_revision_on(g, branch, symbol), n, NULL, stay);
		if (r == MIG_NO_REV)
			error_walked_too_far(target);
		if (r == MIG_BASE_REV)
			error_reaches_base(target);
	}
	if (r >= 0)
		graph_set_add(out, r);
}

/*
 * branch_heads_of_current: the current rows plus their ancestors, keeping
 * only those with no descendant in that set (Alembic's _get_all_current).
 */
static void
branch_heads_of_current(MigGraph *g, const MigSet *current, MigSet *out)
{
	bool	   *all = graph_ancestors(g, current->items, current->n, MIG_EDGES_ALL);

	graph_set_init(out);
	for (int i = 0; i < g->nrevs; i++)
	{
		bool		tip = all[i];

		for (int k = 0; tip && k < g->revs[i].nnext; k++)
			if (all[g->revs[i].next[k]])
				tip = false;
		if (tip)
			graph_set_add(out, i);
	}
}

/*
 * target_parse_downgrade: the revision a downgrade goes to (MIG_NO_REV for
 * base) and the branch it is confined to (Alembic's
 * _parse_downgrade_target).  "-N" with several current rows is refused.
 */
int
target_parse_downgrade(MigGraph *g, const MigSet *current, const char *target,
					   char **branch_label)
{
	char	   *branch,
			   *symbol,
			   *steps;
	int			n;
	int			r;

	if (!match_relative(target, &branch, &symbol, &steps))
	{
		const char *at = strrchr(target, '@');

		*branch_label = NULL;
		if (at == NULL)
			return target_get_revision(g, target);
		*branch_label = pnstrdup(target, at - target);
		if (**branch_label == '\0' || at[1] == '\0')
			(void) split_ident(target); /* reports the malformed target */
		(void) target_resolve_branch(g, *branch_label);
		return target_get_revision(g, at + 1);
	}

	n = parse_steps(steps, target);
	*branch_label = branch;
	if (n >= 0)
	{
		if (symbol == NULL)
			error_not_produced(steps);
		r = walk_steps(g, get_revision_on(g, NULL, symbol), n, branch, false);
		if (r == MIG_NO_REV)
			error_walked_too_far(target);
		return r >= 0 ? r : MIG_NO_REV;
	}

	if (symbol == NULL)
	{
		MigSet		on_branch;

		if (branch)
		{
			target_filter_lineage(g, current, branch, MIG_EDGES_VERSIONED, &on_branch);
			if (on_branch.n == 0)
			{
				MigSet		all;

				branch_heads_of_current(g, current, &all);
				target_filter_lineage(g, &all, branch, MIG_EDGES_VERSIONED, &on_branch);
			}
			if (on_branch.n != 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("branch \"%s\" has %s current revision",
								branch, on_branch.n ? "more than one" : "no"),
						 on_branch.n ? errdetail("The current revisions on it are %s.",
												 graph_format_ids(g, on_branch.items, on_branch.n)) : 0));
		}
		else
		{
			if (current->n == 0)
				error_not_produced(steps);
			if (current->n > 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("downgrade %s is ambiguous with several current revisions", steps),
						 errdetail("The current revisions are %s.",
								   graph_format_ids(g, current->items, current->n)),
						 errhint("Name the branch, as \"<branchname>@%s\", or give a revision.", steps)));
			on_branch = *current;
			*branch_label = g->revs[current->items[0]].id;
		}
		r = walk_steps(g, get_revision_on(g, branch, g->revs[on_branch.items[0]].id), n, NULL, false);
		if (r == MIG_NO_REV)
			error_not_produced(steps);
	}
	else
	{
		r = walk_steps(g, get_revision_on(g, branch, symbol), n, NULL, false);
		if (r == MIG_NO_REV)
			error_walked_too_far(target);
	}
	return r >= 0 ? r : MIG_NO_REV;
}

/*
 * target_split_list: the items of a list of revisions or labels,
 * separated by commas or white space; *n is set to their count.
 */
char **
target_split_list(const char *value, int *n)
{
	char	  **items = palloc(sizeof(char *) * (strlen(value) / 2 + 1));
	const char *p = value;

	*n = 0;
	while (*p)
	{
		const char *start;

		while (*p && (isspace((unsigned char) *p) || *p == ','))
			p++;
		start = p;
		while (*p && !isspace((unsigned char) *p) && *p != ',')
			p++;
		if (p > start)
			items[(*n)++] = pnstrdup(start, p - start);
	}
	return items;
}
