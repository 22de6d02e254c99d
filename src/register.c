/*-------------------------------------------------------------------------
 *
 * register.c
 *	  Registering revisions: one (mig_revision, mig_merge, mig_import of
 *	  one file, mig_autogenerate) or a batch of revision files (mig_import).
 *
 * A revision is checked completely before it is stored: its id and
 * labels, its parents as the target grammar resolves them, the graph with
 * it added (graph_build), and every body parsed.  Registering a revision
 * again is accepted when its content is identical.  All of it runs under
 * the catalog's lock.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "body.h"
#include "import.h"
#include "register.h"
#include "repeatable.h"
#include "target.h"
#include "verify.h"

/* What the error context of a batch import names. */
typedef struct ImportContext
{
	char	  **filenames;		/* NULL: none given */
	int			n;
	int			current;		/* the script, or -1: none */
	bool		parsing;
} ImportContext;

/* same_strings: whether two arrays of C strings are equal, in order. */
static bool
same_strings(char **a, int na, char **b, int nb)
{
	if (na != nb)
		return false;
	for (int i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* What of a revision registered again differs from the stored one. */
typedef enum RegisterField
{
	FIELD_REPEATABLE,
	FIELD_PARENTS,
	FIELD_LABELS,
	FIELD_DEPENDS_ON,
	FIELD_MESSAGE,
	FIELD_UPGRADE,
	FIELD_DOWNGRADE,
	FIELD_TRANSACTIONAL,
	FIELD_CONFLICTS,
	FIELD_VERIFY
} RegisterField;

/* conflict_message: the primary message of error_conflict for field. */
static int
conflict_message(const char *id, RegisterField field)
{
	switch (field)
	{
		case FIELD_REPEATABLE:
			return errmsg("revision %s is already registered with a different repeatable attribute", id);
		case FIELD_PARENTS:
			return errmsg("revision %s is already registered with a different down_revision", id);
		case FIELD_LABELS:
			return errmsg("revision %s is already registered with different branch_labels", id);
		case FIELD_DEPENDS_ON:
			return errmsg("revision %s is already registered with a different depends_on", id);
		case FIELD_MESSAGE:
			return errmsg("revision %s is already registered with a different message", id);
		case FIELD_UPGRADE:
			return errmsg("revision %s is already registered with a different upgrade body", id);
		case FIELD_DOWNGRADE:
			return errmsg("revision %s is already registered with a different downgrade body", id);
		case FIELD_TRANSACTIONAL:
			return errmsg("revision %s is already registered with a different transactional attribute", id);
		case FIELD_CONFLICTS:
			return errmsg("revision %s is already registered with a different list of conflicts", id);
		case FIELD_VERIFY:
			return errmsg("revision %s is already registered with a different verify body", id);
	}
	pg_unreachable();
}

/* error_conflict: revision id registered again with a different field. */
static void
error_conflict(const char *id, RegisterField field)
{
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_OBJECT),
			 conflict_message(id, field),
			 errdetail("Registering an existing revision again is allowed only with identical content."),
			 errhint("Register the change as a new revision instead of editing %s.", id)));
}

/*
 * resolve_parents: turn the parents as written ("label@head", prefixes;
 * for a merge, "heads" too) into revision ids over graph g.
 */
static void
resolve_parents(MigGraph *g, MigRev *r, bool merge)
{
	MigSet		parents;

	graph_set_init(&parents);
	for (int i = 0; i < r->ndown; i++)
	{
		MigSet		named;

		if (merge)
			target_get_revisions(g, r->down_names[i], &named);
		else
		{
			graph_set_init(&named);
			if (target_get_revision(g, r->down_names[i]) != MIG_NO_REV)
				graph_set_add(&named, target_get_revision(g, r->down_names[i]));
		}
		if (named.n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("down revision \"%s\" names no revision", r->down_names[i]),
					 errhint("Pass down_revision => '{}' for a new base.")));
		for (int k = 0; k < named.n; k++)
			graph_set_add(&parents, named.items[k]);
	}
	if (merge && parents.n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a merge needs at least two revisions"),
				 errdetail("The revisions given name only %s.",
						   parents.n ? g->revs[parents.items[0]].id : "base"),
				 errhint("There is nothing to merge while the graph has a single head.")));
	r->ndown = parents.n;
	r->down_names = palloc(sizeof(char *) * Max(parents.n, 1));
	for (int i = 0; i < parents.n; i++)
		r->down_names[i] = g->revs[parents.items[i]].id;
}

/*
 * register_graph: the graph that registering r is checked against.  When
 * r's parents are written as plain names (not symbols, prefixes,
 * "label@head" or relative steps), that is only the revisions whose id or
 * a label is among r's id, labels, parents and dependencies, each taken
 * without parents and dependencies of its own: whatever graph_build and
 * the target grammar find for r over it, they find over the whole
 * catalog, and reading it costs the same at any catalog size.  Otherwise,
 * or when a parent names none of them (it may be a prefix), the whole
 * graph.  Either way the array has a spare slot for r.
 */
static MigGraph *
register_graph(MigCatalog *cat, MigRev *r, MigParents parents)
{
	bool		named = parents != MIG_PARENTS_HEAD;

	for (int i = 0; named && i < r->ndown; i++)
		named = target_is_name(r->down_names[i]);
	if (named)
	{
		char	  **names = palloc(sizeof(char *) * (1 + r->nlabels + r->ndown + r->ndep_names));
		int			n = 0;
		int			nrevs;
		MigRev	   *revs;
		MigGraph   *g;

		names[n++] = r->id;
		for (int i = 0; i < r->nlabels; i++)
			names[n++] = r->labels[i];
		for (int i = 0; i < r->ndown; i++)
			names[n++] = r->down_names[i];
		for (int i = 0; i < r->ndep_names; i++)
			names[n++] = r->dep_names[i];
		revs = catalog_load_named(cat, names, n, &nrevs);
		for (int i = 0; i < nrevs; i++)
			revs[i].ndown = revs[i].ndep_names = 0;
		g = graph_build(revs, nrevs);
		for (int i = 0; named && i < r->ndown; i++)
			named = graph_lookup(g, r->down_names[i]) != MIG_NO_REV;
		if (named)
			return g;
	}
	return catalog_load_graph(cat, MIG_LOAD_HEADERS);
}

/*
 * check_bodies: parse the bodies of r (its verify body too), a revision
 * being registered, so that a syntax error, transaction control, statements that split
 * otherwise under the other standard_conforming_strings, or (in a
 * transactional revision) a statement that needs to run outside a
 * transaction block is refused before it is stored rather than when it
 * would run.
 */
static void
check_bodies(MigRev *r)
{
	for (MigDirection d = MIG_UPGRADE; d <= MIG_DOWNGRADE; d++)
	{
		MigBody    *b;

		if (body_text(r, d) == NULL)
			continue;
		b = body_split_revision(r, d);
		body_check_split(r, d, b);
		body_check_transactional(r, d, b);
	}
	verify_check(r);
}

/*
 * register_locked: register r (id, bodies, parents, labels and
 * dependencies filled in; id NULL for a new random one) in the locked
 * catalog cat, or accept it again when an identical revision exists.
 * Parents are as written (MIG_PARENTS_GIVEN), several targets each
 * (MIG_PARENTS_MERGE), or the single head (MIG_PARENTS_HEAD).  Returns the
 * id.
 */
static char *
register_locked(MigCatalog *cat, MigRev *r, MigParents parents)
{
	MigRev		old;
	MigGraph   *g;

	if (r->id == NULL)
	{
		uint8		bytes[6];

		do
		{
			char	   *hex = palloc(sizeof(bytes) * 2 + 1);

			if (!pg_strong_random(bytes, sizeof(bytes)))
				elog(ERROR, "could not generate a random revision id");
			hex[hex_encode((const char *) bytes, sizeof(bytes), hex)] = '\0';
			r->id = hex;
		} while (catalog_find_revision(cat, r->id, &old));
	}
	else if (catalog_find_revision(cat, r->id, &old))
	{
		if (r->repeatable != old.repeatable)
			error_conflict(r->id, FIELD_REPEATABLE);
		if (r->repeatable)
			return repeatable_register_again(cat, r, &old);
		if (parents != MIG_PARENTS_HEAD &&
			!same_strings(r->down_names, r->ndown, old.down_names, old.ndown))
		{
			g = register_graph(cat, r, parents);
			resolve_parents(g, r, parents == MIG_PARENTS_MERGE);
			if (!same_strings(r->down_names, r->ndown, old.down_names, old.ndown))
				error_conflict(r->id, FIELD_PARENTS);
		}
		if (!same_strings(r->labels, r->nlabels, old.labels, old.nlabels))
			error_conflict(r->id, FIELD_LABELS);
		if (!same_strings(r->dep_names, r->ndep_names, old.dep_names, old.ndep_names))
			error_conflict(r->id, FIELD_DEPENDS_ON);
		if (strcmp(r->message, old.message) != 0)
			error_conflict(r->id, FIELD_MESSAGE);
		if (strcmp(r->upgrade, old.upgrade) != 0)
			error_conflict(r->id, FIELD_UPGRADE);
		if ((r->downgrade == NULL) != (old.downgrade == NULL) ||
			(r->downgrade && strcmp(r->downgrade, old.downgrade) != 0))
			error_conflict(r->id, FIELD_DOWNGRADE);
		if (r->non_transactional != old.non_transactional)
			error_conflict(r->id, FIELD_TRANSACTIONAL);
		if (!same_strings(r->conflict_names, r->nconflicts, old.conflict_names, old.nconflicts))
			error_conflict(r->id, FIELD_CONFLICTS);
		if ((r->verify == NULL) != (old.verify == NULL) ||
			(r->verify && strcmp(r->verify, old.verify) != 0))
			error_conflict(r->id, FIELD_VERIFY);
		return r->id;
	}

	target_check_id(r->id, MIG_ID_REVISION);
	for (int i = 0; i < r->nlabels; i++)
		target_check_id(r->labels[i], MIG_ID_LABEL);
	if (r->repeatable)
	{
		repeatable_check_new(r);
		check_bodies(r);
		catalog_insert_revision(cat, r, body_revision_checksum(r->upgrade, r->downgrade));
		return r->id;
	}

	g = register_graph(cat, r, parents);
	if (parents != MIG_PARENTS_HEAD)
		resolve_parents(g, r, parents == MIG_PARENTS_MERGE);
	else
	{
		MigSet		heads;

		graph_heads(g, false, &heads);
		if (heads.n > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("multiple heads are present"),
					 errdetail("The heads are %s.", graph_format_ids(g, heads.items, heads.n)),
					 errhint("Specify the head revision on which the new revision should be based with down_revision, or perform a merge with mig_merge().")));
		r->ndown = heads.n;
		r->down_names = palloc(sizeof(char *));
		if (heads.n)
			r->down_names[0] = g->revs[heads.items[0]].id;
	}

	/* the graph with the new revision must still be valid */
	if (g->nrepeatables > 0)
	{
		/* (the spare slot holds the first repeatable revision: keep it) */
		MigRev	   *revs = palloc(sizeof(MigRev) * (g->nrevs + 1));

		memcpy(revs, g->revs, sizeof(MigRev) * g->nrevs);
		g->revs = revs;
	}
	g->revs[g->nrevs] = *r;
	(void) graph_build(g->revs, g->nrevs + 1);
	check_bodies(r);
	catalog_insert_revision(cat, r, body_revision_checksum(r->upgrade, r->downgrade));
	return r->id;
}

/*
 * register_revision: register r, as register_locked does, under the lock
 * of catalog cat.
 */
char *
register_revision(MigCatalog *cat, MigRev *r, MigParents parents)
{
	catalog_lock(cat);
	return register_locked(cat, r, parents);
}

/*
 * import_error_context: names the script of a batch import an error is
 * about; a file's name only once its header is read, as errors in the
 * header name it already.
 */
static void
import_error_context(void *arg)
{
	ImportContext *ic = (ImportContext *) arg;

	if (ic->current < 0)
		return;
	if (ic->filenames == NULL)
		errcontext("revision script %d of %d", ic->current + 1, ic->n);
	else if (!ic->parsing)
		errcontext("revision file \"%s\"", ic->filenames[ic->current]);
}

/*
 * error_cycle: the scripts of a batch import that no order registers
 * after the revisions they name; order[nplaced..] are unset.
 */
static void
error_cycle(const ImportContext *ic, const int *order, int nplaced)
{
	bool	   *placed = palloc0(sizeof(bool) * ic->n);
	StringInfoData left;

	for (int i = 0; i < nplaced; i++)
		placed[order[i]] = true;
	initStringInfo(&left);
	for (int i = 0; i < ic->n; i++)
	{
		if (placed[i])
			continue;
		if (left.len > 0)
			appendStringInfoString(&left, ", ");
		if (ic->filenames)
			appendStringInfo(&left, "\"%s\"", ic->filenames[i]);
		else
			appendStringInfo(&left, "%d", i + 1);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_RECURSION),
			 errmsg("the revisions given to mig_import name each other in a cycle"),
			 ic->filenames ?
			 errdetail("No order registers each of the files %s after the revisions of the batch it names.", left.data) :
			 errdetail("No order registers each of the scripts %s after the revisions of the batch it names.", left.data),
			 errhint("Check the down_revisions and depends_on headers of these files.")));
}

/*
 * register_import: register the revisions that n revision files describe
 * (filenames, or NULL, name them in errors), each after the revisions of
 * the batch it names, under one lock of catalog cat.  Returns their ids
 * in the order registered.
 */
char **
register_import(MigCatalog *cat, char **scripts, char **filenames, int n)
{
	MigRev	   *revs = palloc(sizeof(MigRev) * Max(n, 1));
	int		   *order = palloc(sizeof(int) * Max(n, 1));
	char	  **ids = palloc(sizeof(char *) * Max(n, 1));
	ImportContext ic = {filenames, n, -1, true};
	ErrorContextCallback errcb;
	int			nplaced;

	errcb.callback = import_error_context;
	errcb.arg = &ic;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	for (ic.current = 0; ic.current < n; ic.current++)
		import_parse(scripts[ic.current], filenames ? filenames[ic.current] : NULL,
					 &revs[ic.current]);
	ic.current = -1;
	nplaced = graph_order_batch(revs, n, order);
	if (nplaced < n)
		error_cycle(&ic, order, nplaced);

	catalog_lock(cat);
	ic.parsing = false;
	for (int i = 0; i < n; i++)
	{
		ic.current = order[i];
		ids[i] = register_locked(cat, &revs[order[i]], MIG_PARENTS_GIVEN);
	}
	error_context_stack = errcb.previous;
	return ids;
}
