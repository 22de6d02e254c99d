/*-------------------------------------------------------------------------
 *
 * offline.c
 *	  Plans shown without running them (mig_plan), offline SQL scripts
 *	  (mig_upgrade_sql, mig_downgrade_sql) and the Graphviz picture of the
 *	  revision graph (mig_graph).
 *
 * Everything here works from the plans of plan.c, the same ones the
 * runner executes: a script is the runner's steps written out, with the
 * bodies split as the runner splits them and the bookkeeping statements
 * catalog.c runs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "body.h"
#include "offline.h"
#include "target.h"
#include "verify.h"

/* one_line: s with line breaks turned into spaces, for a comment. */
static char *
one_line(const char *s)
{
	char	   *out = pstrdup(s);

	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return out;
}

/*
 * append_statement: one statement of a body (as body_split trims it) and
 * its terminating semicolon, on a line of its own when the statement's
 * last line could end in a comment.
 */
static void
append_statement(StringInfo out, const char *stmt)
{
	const char *last = strrchr(stmt, '\n');

	last = last ? last + 1 : stmt;
	appendStringInfo(out, "%s%s;\n", stmt, strstr(last, "--") ? "\n" : "");
}

/* The setting in which a script keeps the start time of its current step. */
#define SCRIPT_STEP_STARTED "mig_offline.step_started"

/* script_ids: "ARRAY['a', 'b']::pg_catalog.text[]" for a set of revisions. */
static char *
script_ids(MigGraph *g, const MigSet *s)
{
	StringInfoData buf;

	if (s->n == 0)
		return "'{}'::pg_catalog.text[]";
	initStringInfo(&buf);
	appendStringInfoString(&buf, "ARRAY[");
	for (int i = 0; i < s->n; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "",
						 quote_literal_cstr(g->revs[s->items[i]].id));
	appendStringInfoString(&buf, "]::pg_catalog.text[]");
	return buf.data;
}

/*
 * script_guard: the opening statements of a script: take the advisory
 * lock a call takes and refuse to go on unless the version rows are
 * exactly current, the rows the script was made for.
 */
static void
script_guard(MigCatalog *cat, MigGraph *g, const MigSet *current, StringInfo out)
{
	MigSet		sorted;
	char	  **ids = palloc(sizeof(char *) * Max(current->n, 1));

	for (int i = 0; i < current->n; i++)
		ids[i] = g->revs[current->items[i]].id;
	qsort(ids, current->n, sizeof(char *), pg_qsort_strcmp);
	graph_set_init(&sorted);
	for (int i = 0; i < current->n; i++)
		graph_set_add(&sorted, graph_lookup_id(g, ids[i]));

	appendStringInfo(out,
					 "DO $mig$\nBEGIN\n"
					 "    PERFORM pg_catalog.pg_advisory_xact_lock(%d, %s::pg_catalog.regnamespace::pg_catalog.oid::pg_catalog.int4);\n"
					 "    IF (SELECT pg_catalog.array_agg(revision ORDER BY revision COLLATE \"C\") FROM %s.mig_version)\n"
					 "       IS DISTINCT FROM NULLIF(%s, '{}') THEN\n"
					 "        RAISE EXCEPTION 'version rows differ from those this script was made for'\n"
					 "            USING ERRCODE = '55000',\n"
					 "                  DETAIL = %s,\n"
					 "                  HINT = 'Make the script again from the database it is for.';\n"
					 "    END IF;\n"
					 "END\n$mig$;\n",
					 MIG_LOCK_CLASS, quote_literal_cstr(cat->qnsp),
					 cat->qnsp, script_ids(g, &sorted),
					 quote_literal_cstr(current->n ?
										psprintf("The script expects the version rows %s.",
												 graph_format_ids(g, sorted.items, sorted.n)) :
										"The script expects the version rows to be empty."));
}

/*
 * script_statement: catalog statement sql (%1$s the schema, $1 and $2
 * its parameters) with the literals p1 and p2 for the parameters.
 */
static void
script_statement(StringInfo out, MigCatalog *cat, const char *sql,
				 const char *p1, const char *p2)
{
	for (const char *p = psprintf(sql, cat->qnsp); *p; p++)
	{
		if (p[0] == '$' && (p[1] == '1' || p[1] == '2'))
			appendStringInfoString(out, *++p == '1' ? p1 : p2);
		else
			appendStringInfoChar(out, *p);
	}
	appendStringInfoString(out, ";\n");
}

/*
 * script_step_end: the version-row statements of a step and its log row,
 * as record_step makes them during a call; checksum as for record_step.
 */
static void
script_step_end(MigCatalog *cat, MigGraph *g, const MigStep *st,
				const char *checksum, StringInfo out)
{
	const char *started = "pg_catalog.current_setting('" SCRIPT_STEP_STARTED "')::pg_catalog.timestamptz";
	ListCell   *lc;

	foreach(lc, st->changes)
	{
		const MigRowChange *c = lfirst(lc);

		script_statement(out, cat, catalog_row_sql[c->op],
						 c->from != MIG_NO_REV ? quote_literal_cstr(g->revs[c->from].id) : NULL,
						 c->to != MIG_NO_REV ? quote_literal_cstr(g->revs[c->to].id) : NULL);
	}
	appendStringInfo(out,
					 "INSERT INTO %s.mig_log (%s)\n"
					 "    VALUES (%s, '%s', %s, %s,\n"
					 "            CURRENT_USER, SESSION_USER, pg_catalog.current_setting('application_name'),\n"
					 "            pg_catalog.pg_current_xact_id(), %s,\n"
					 "            pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) %s,\n"
					 "            %s);\n",
					 cat->qnsp, catalog_log_column_list(),
					 quote_literal_cstr(g->revs[st->rev].id),
					 graph_direction_name(st->direction),
					 script_ids(g, &st->rows_before), script_ids(g, &st->rows_after),
					 started, started,
					 checksum ? quote_literal_cstr(checksum) : "NULL");
}

/*
 * offline_script: the SQL script that does what the call making steps
 * (planned by plan_upgrade or plan_downgrade from current) would do: one
 * transaction that takes the call's lock, checks that the version rows
 * are still current, and then per step runs the body, moves the version
 * rows and writes the log row.  A non-transactional step ends that
 * transaction, runs its statements outside any, and starts another.  An
 * upgrade's verify body runs before its bookkeeping.  Every body is split by body_split, as the
 * runner splits it, so a body that does not parse gives an error, no script.
 */
char *
offline_script(MigCatalog *cat, MigGraph *g, const MigSet *current,
			   List *steps, MigDirection direction, const char *target)
{
	StringInfoData out;
	ListCell   *lc;

	initStringInfo(&out);
	appendStringInfo(&out,
					 "-- mig_ext offline script: %s to \"%s\", %d step(s).\n"
					 "-- Apply it as is (psql -f FILE), as the owner of the %s.mig_* tables or a superuser;\n"
					 "-- it refuses to run unless the version rows are still %s.\n",
					 graph_direction_name(direction), one_line(target),
					 list_length(steps), cat->qnsp,
					 current->n ? graph_format_ids(g, current->items, current->n) : "empty");
	foreach(lc, steps)
	{
		if (g->revs[((MigStep *) lfirst(lc))->rev].non_transactional)
		{
			appendStringInfoString(&out,
								   "-- Its non-transactional steps commit what came before them: do not apply it with psql -1.\n");
			break;
		}
	}
	appendStringInfoString(&out, "BEGIN;\n");
	script_guard(cat, g, current, &out);
	foreach(lc, steps)
	{
		MigStep    *st = lfirst(lc);
		MigRev	   *r = &g->revs[st->rev];
		MigBody    *b = body_split_revision(r, direction);

		appendStringInfo(&out, "\n-- %s\n", one_line(plan_step_line(g, st)));
		/*
		 * A non-transactional step's statements run between COMMIT and
		 * BEGIN, as Alembic's autocommit blocks; then its bookkeeping runs
		 * under the lock again, once the version rows are checked.
		 */
		if (r->non_transactional)
			appendStringInfoString(&out, "COMMIT;\n");
		/* note in the script when the step starts (for the session, across the COMMIT) */
		appendStringInfo(&out,
						 "DO $mig$ BEGIN PERFORM pg_catalog.set_config('" SCRIPT_STEP_STARTED "', "
						 "pg_catalog.clock_timestamp()::pg_catalog.text, %s); END $mig$;\n",
						 r->non_transactional ? "false" : "true");
		for (int i = 0; i < b->nstmts; i++)
			append_statement(&out, b->stmts[i]);
		if (r->non_transactional)
		{
			appendStringInfoString(&out, "BEGIN;\n");
			script_guard(cat, g, &st->rows_before, &out);
		}
		if (direction == MIG_UPGRADE && r->verify)
		{
			MigBody    *v = verify_split(r);

			appendStringInfo(&out, "-- verify of revision %s\n", r->id);
			for (int i = 0; i < v->nstmts; i++)
				append_statement(&out, v->stmts[i]);
		}
		script_step_end(cat, g, st, body_checksum(body_text(r, direction)), &out);
	}
	appendStringInfoString(&out, "\nCOMMIT;\n");
	return out.data;
}

/*
 * dot_quoted: s as a DOT double-quoted string: quotes and backslashes
 * escaped, line breaks as \n.
 */
static char *
dot_quoted(const char *s)
{
	StringInfoData out;

	initStringInfo(&out);
	appendStringInfoChar(&out, '"');
	for (const char *p = s; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			appendStringInfoChar(&out, '\\');
		if (*p == '\n')
			appendStringInfoString(&out, "\\n");
		else if (*p != '\r')
			appendStringInfoChar(&out, *p);
	}
	appendStringInfoChar(&out, '"');
	return out.data;
}

/*
 * node_attributes: the shape and style of a node: a box; an inverted
 * trapezium for a branch point, a trapezium for a merge point, a hexagon
 * for both; two outlines for a head; filled green for a current row.
 */
static char *
node_attributes(bool branch, bool merge, bool head, bool current)
{
	return psprintf("shape=%s%s%s",
					branch && merge ? "hexagon" :
					branch ? "invtrapezium" : merge ? "trapezium" : "box",
					head ? ", peripheries=2" : "",
					current ? ", style=filled, fillcolor=palegreen" : "");
}

/*
 * offline_graph_dot: the graph as Graphviz DOT, oldest at the bottom: one
 * node per revision (id, labels, message), solid edges from parent to
 * child, dashed edges from dependency to dependent, and a legend.
 * Revision nodes are named "r:<id>", legend nodes "legend:<what>".
 */
char *
offline_graph_dot(MigGraph *g, const MigSet *current)
{
	StringInfoData out;

	initStringInfo(&out);
	appendStringInfoString(&out,
						   "digraph mig {\n"
						   "    rankdir=BT;\n"
						   "    node [fontname=\"Helvetica\", fontsize=10];\n"
						   "    edge [arrowsize=0.7];\n");
	for (int i = 0; i < g->nrevs; i++)
	{
		MigRev	   *r = &g->revs[i];
		StringInfoData label;

		initStringInfo(&label);
		appendStringInfoString(&label, r->id);
		for (int k = 0; k < r->nlabels; k++)
			appendStringInfo(&label, "%s%s%s", k ? ", " : " (", r->labels[k],
							 k == r->nlabels - 1 ? ")" : "");
		if (r->message[0])
			appendStringInfo(&label, "\n%s", r->message);
		appendStringInfo(&out, "    %s [label=%s, %s];\n",
						 dot_quoted(psprintf("r:%s", r->id)), dot_quoted(label.data),
						 node_attributes(graph_rev_is_branch_point(r), graph_rev_is_merge_point(r),
										 graph_rev_is_head(r), graph_set_contains(current, i)));
	}
	for (int i = 0; i < g->nrevs; i++)
	{
		MigRev	   *r = &g->revs[i];
		char	   *child = dot_quoted(psprintf("r:%s", r->id));

		for (int k = 0; k < r->ndown; k++)
			appendStringInfo(&out, "    %s -> %s;\n",
							 dot_quoted(psprintf("r:%s", g->revs[r->down[k]].id)), child);
		for (int k = 0; k < r->ndeps; k++)
			appendStringInfo(&out, "    %s -> %s [style=dashed];\n",
							 dot_quoted(psprintf("r:%s", g->revs[r->deps[k]].id)), child);
	}
	appendStringInfo(&out,
					 "    subgraph cluster_legend {\n"
					 "        label=\"legend\";\n"
					 "        fontname=\"Helvetica\";\n"
					 "        fontsize=10;\n"
					 "        \"legend:revision\" [label=\"revision\", %s];\n"
					 "        \"legend:head\" [label=\"head\", %s];\n"
					 "        \"legend:branch\" [label=\"branch point\", %s];\n"
					 "        \"legend:merge\" [label=\"merge point\", %s];\n"
					 "        \"legend:current\" [label=\"current\", %s];\n"
					 "        \"legend:revision\" -> \"legend:head\" [label=\"parent\", fontsize=8];\n"
					 "        \"legend:branch\" -> \"legend:merge\" [label=\"depends on\", fontsize=8, style=dashed];\n"
					 "    }\n"
					 "}\n",
					 node_attributes(false, false, false, false),
					 node_attributes(false, false, true, false),
					 node_attributes(true, false, false, false),
					 node_attributes(false, true, false, false),
					 node_attributes(false, false, false, true));
	return out.data;
}
