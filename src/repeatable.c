/*-------------------------------------------------------------------------
 *
 * repeatable.c
 *	  Repeatable revisions (Flyway's R__ migrations): views, functions and
 *	  grants kept in one revision each, run again whenever their upgrade
 *	  changes.
 *
 * A repeatable revision has no parents, labels, dependencies or conflicts
 * (nor a verify body: its upgrade can check what it needs) and is no
 * one's parent: it stands outside the graph (catalog.c loads it
 * after the graph's revisions, at g->revs[g->nrevs + k]) and never has a
 * version row.  Registering it again with another body or message
 * replaces them (a new checksum) rather than being refused.  After an
 * upgrade that leaves every head applied (but heads that conflicts keep
 * out: conflict.c), every repeatable
 * revision whose upgrade differs from the one its last log row ran (or
 * that never ran) runs, in the order of the ids, each as a step of the
 * same call that moves no version row and logs its checksum.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "body.h"
#include "conflict.h"
#include "repeatable.h"

/*
 * repeatable_check_new: refuse a new repeatable revision r that names
 * anything of the graph or cannot run in the caller's transaction.
 */
void
repeatable_check_new(const MigRev *r)
{
	const char *what = r->ndown ? "down_revision" : r->nlabels ? "branch_labels" :
		r->ndep_names ? "depends_on" : r->nconflicts ? "conflicts" :
		r->verify ? "a verify body" :
		r->non_transactional ? "transactional => false" : NULL;

	if (what)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a repeatable revision cannot have %s", what),
				 errdetail("Repeatable revision %s stands outside the graph of revisions and runs in the transaction of the upgrade that reaches the heads.",
						   r->id),
				 errhint("Register it with an upgrade body, an optional downgrade body and a message only.")));
}

/*
 * repeatable_register_again: r, repeatable, has the id of the registered
 * repeatable revision old: keep old when nothing changed, else store r's
 * message and bodies (a new checksum) and say so.  Returns the id.
 */
char *
repeatable_register_again(MigCatalog *cat, MigRev *r, const MigRev *old)
{
	char	   *checksum;

	repeatable_check_new(r);
	checksum = body_revision_checksum(r->upgrade, r->downgrade);
	if (strcmp(checksum, old->checksum) == 0 && strcmp(r->message, old->message) == 0)
		return r->id;
	catalog_update_repeatable(cat, r, checksum);
	ereport(NOTICE,
			(errmsg("repeatable revision %s changed", r->id),
			 errdetail("Its bodies had sha256 %s and now have sha256 %s; the next upgrade that reaches the heads runs it.",
					   old->checksum, checksum)));
	return r->id;
}

/* compare_ids: qsort's order of repeatable revisions, by id. */
static int
compare_ids(const void *a, const void *b)
{
	return strcmp((*(MigRev *const *) a)->id, (*(MigRev *const *) b)->id);
}

/*
 * repeatable_steps: steps, the plan of an upgrade from current, followed
 * by a step for each repeatable revision of g to run after it: none
 * unless the plan leaves every head applied (but those that a conflict
 * with an applied revision keeps out for good); then those whose
 * upgrade differs from the last one logged for them, in the order of
 * their ids.  Reads the log only when g has repeatable revisions.
 */
List *
repeatable_steps(MigCatalog *cat, MigGraph *g, const MigSet *current, List *steps)
{
	const MigSet *rows = steps ? &((MigStep *) llast(steps))->rows_after : current;
	MigSet		heads;
	bool	   *have;
	MigLastUpgrade *last;
	MigRev	  **order;

	if (g->nrepeatables == 0)
		return steps;
	graph_heads(g, false, &heads);
	have = graph_ancestors(g, rows->items, rows->n, MIG_EDGES_ALL);
	for (int i = 0; i < heads.n; i++)
		if (!have[heads.items[i]] && !conflict_blocks(g, have, heads.items[i]))
			return steps;

	last = catalog_last_repeatables(cat, g);
	order = palloc(sizeof(MigRev *) * g->nrepeatables);
	for (int k = 0; k < g->nrepeatables; k++)
		order[k] = &g->revs[g->nrevs + k];
	qsort(order, g->nrepeatables, sizeof(MigRev *), compare_ids);
	for (int k = 0; k < g->nrepeatables; k++)
	{
		int			rev = order[k] - g->revs;
		MigLastUpgrade *l = &last[rev - g->nrevs];
		MigStep    *st;

		if (l->known && strcmp(l->checksum, body_checksum(order[k]->upgrade)) == 0)
			continue;
		st = palloc0(sizeof(MigStep));
		st->direction = MIG_UPGRADE;
		st->rev = rev;
		graph_set_init(&st->rows_before);
		graph_set_init(&st->rows_after);
		for (int i = 0; i < rows->n; i++)
		{
			graph_set_add(&st->rows_before, rows->items[i]);
			graph_set_add(&st->rows_after, rows->items[i]);
		}
		steps = lappend(steps, st);
	}
	return steps;
}
