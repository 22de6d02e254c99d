/*-------------------------------------------------------------------------
 *
 * validate.c
 *	  What is wrong with a catalog: mig_validate's problems, and the
 *	  refusal to migrate over edited bodies.
 *
 * A problem is a version row naming an unknown revision, an applied
 * revision that is not registered, bodies that no longer match the
 * checksum stored when they were registered, an applied upgrade that
 * differs from the one logged, an invalid index a concurrent build left,
 * or DDL run outside mig_ext since the last step (drift.c).  Nothing here
 * takes the lock or changes anything.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "body.h"
#include "drift.h"
#include "validate.h"

/* validate_problem_name: the problem column of mig_validate for kind. */
const char *
validate_problem_name(MigProblemKind kind)
{
	static const char *const names[] = {
		"unknown version row", "missing revision", "edited revision", "changed body",
		"invalid index", "schema drift"
	};

	return names[kind];
}

/* add_problem: append a problem of kind about revision to list. */
static List *
add_problem(List *list, MigProblemKind kind, const char *revision, char *detail)
{
	MigProblem *p = palloc(sizeof(MigProblem));

	p->kind = kind;
	p->revision = revision ? pstrdup(revision) : NULL;
	p->detail = detail;
	return lappend(list, p);
}

/*
 * revision_problems: add to problems what is wrong with the registered
 * revision id: bodies that no longer match the checksum stored when it
 * was registered (a hand edit) and, when logged is given (the checksum of
 * its last logged upgrade, for an applied revision), an upgrade that
 * differs from the one that ran.
 */
static List *
revision_problems(List *problems, const char *id, const char *upgrade,
				  const char *downgrade, const char *checksum, const char *logged)
{
	char	   *now;

	if (strcmp(body_revision_checksum(upgrade, downgrade), checksum) != 0)
		problems = add_problem(problems, MIG_PROBLEM_EDITED, id,
							   psprintf("The bodies of revision %s no longer match the checksum stored when it was registered.",
										id));
	if (logged == NULL)
		return problems;
	now = body_checksum(upgrade);
	if (strcmp(now, logged) != 0)
		problems = add_problem(problems, MIG_PROBLEM_CHANGED, id,
							   psprintf("The upgrade of revision %s has sha256 %s, but the last upgrade logged for it ran a body with sha256 %s.",
										id, now, logged));
	return problems;
}

/*
 * find_problems: what is wrong with the catalog of cat: version rows
 * naming unknown revisions, applied revisions missing from it, the
 * problems of each registered revision (revision_problems), then the
 * invalid indexes a failed non-transactional statement may have left, and
 * the DDL run outside mig_ext since the last step (drift.c).
 * Needs no valid graph.  One query, then linear in the revisions; one
 * more for the indexes.
 */
static List *
find_problems(MigCatalog *cat)
{
	List	   *problems = NIL;
	int			n;
	MigValidateRev *revs = catalog_load_validate(cat, &n);
	List	   *indexes = catalog_invalid_indexes(cat);
	List	   *drift;
	ListCell   *lc;

	for (int i = 0; i < n; i++)
	{
		MigValidateRev *c = &revs[i];

		if (!c->registered)
		{
			if (c->version_row)
				problems = add_problem(problems, MIG_PROBLEM_UNKNOWN_VERSION, c->id,
									   psprintf("Table %s.mig_version names revision %s, which is not in %s.mig_revisions.",
												cat->qnsp, c->id, cat->qnsp));
			else
				problems = add_problem(problems, MIG_PROBLEM_MISSING, c->id,
									   psprintf("Applied revision %s names revision %s, which is not in %s.mig_revisions.",
												c->child, c->id, cat->qnsp));
			continue;
		}
		problems = revision_problems(problems, c->id, c->upgrade, c->downgrade,
									 c->checksum, c->applied ? c->logged : NULL);
	}
	for (lc = list_head(indexes); lc != NULL; lc = lnext(indexes, lnext(indexes, lc)))
		problems = add_problem(problems, MIG_PROBLEM_INVALID_INDEX, NULL,
							   psprintf("Index %s on table %s is invalid: a CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY stopped part-way.",
										(char *) lfirst(lc), (char *) lfirst(lnext(indexes, lc))));
	drift = drift_since_last_step(cat);
	foreach(lc, drift)
		problems = add_problem(problems, MIG_PROBLEM_DRIFT, NULL, lfirst(lc));
	return problems;
}

/*
 * validate_catalog: the problems of the catalog of the function fn_oid,
 * read without locking; none when all is well.
 */
List *
validate_catalog(Oid fn_oid)
{
	MigCatalog	cat;

	catalog_open(&cat, fn_oid);
	return find_problems(&cat);
}

/*
 * validate_bodies: refuse to migrate while an applied revision's body
 * differs from what ran or a body was edited by hand.  g is the graph of
 * cat (with bodies) and current its version rows, loaded, so unknown and
 * missing revisions were refused already; what is applied comes from the
 * graph, and the log is read only when something is.
 */
void
validate_bodies(MigCatalog *cat, MigGraph *g, const MigSet *current)
{
	bool	   *applied = graph_ancestors(g, current->items, current->n, MIG_EDGES_ALL);
	MigLastUpgrade *last = current->n > 0 ? catalog_last_upgrades(cat, g) : NULL;
	List	   *problems = NIL;
	MigProblem *p;

	for (int i = 0; i < g->nrevs + g->nrepeatables; i++)
	{
		MigRev	   *r = &g->revs[i];

		/* a repeatable revision is never applied: it runs when changed */
		problems = revision_problems(problems, r->id, r->upgrade, r->downgrade, r->checksum,
									 i < g->nrevs && applied[i] && last[i].known ?
									 last[i].checksum : NULL);
	}
	if (problems == NIL)
		return;
	p = linitial(problems);
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 p->kind == MIG_PROBLEM_EDITED ?
			 errmsg("revision %s was edited after it was registered", p->revision) :
			 errmsg("applied revision %s no longer matches the upgrade that ran", p->revision),
			 list_length(problems) > 1 ?
			 errdetail("%s mig_validate() lists every problem found.", p->detail) :
			 errdetail("%s", p->detail),
			 errhint("Restore the bodies of revision %s as they were registered (the sha256 of the upgrade that ran is in %s.mig_log.checksum) and register any change as a new revision.",
					 p->revision, cat->qnsp)));
}
