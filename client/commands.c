/*-------------------------------------------------------------------------
 *
 * commands.c
 *	  The mig commands that read or move the catalog: upgrade, downgrade,
 *	  plan, current, history, heads, branches, show, stamp, adopt-alembic,
 *	  graph, test and rehearse.
 *
 * Each is one call of a mig_ext function, its rows formatted by the
 * server as Alembic prints them.  "%1$s" in a statement stands for the
 * extension's schema (see mig_sql).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <sys/wait.h>
#include <unistd.h>

#include "common/logging.h"

#include "mig.h"

/* The formatted name of a revision, from a row with the mig_history columns. */
#define TAG \
	"h.revision" \
	" || CASE WHEN pg_catalog.cardinality(h.branch_labels) > 0" \
	"    THEN ' (' || pg_catalog.array_to_string(h.branch_labels, ', ') || ')' ELSE '' END" \
	" || CASE WHEN h.is_head AND NOT h.is_effective_head THEN ' (head)' ELSE '' END" \
	" || CASE WHEN h.is_effective_head THEN ' (effective head)' ELSE '' END"

/* Branch and merge points. */
#define TREE \
	"CASE WHEN h.is_branch_point THEN ' (branchpoint)' ELSE '' END" \
	" || CASE WHEN h.is_merge_point THEN ' (mergepoint)' ELSE '' END"

/* The parents, "<base>" for none. */
#define PARENTS \
	"CASE WHEN pg_catalog.cardinality(h.down_revisions) = 0 THEN '<base>'" \
	" ELSE pg_catalog.array_to_string(h.down_revisions, ', ') END"

/* arg: positional argument i, or dflt when there are fewer. */
static const char *
arg(const MigArgs *a, int i, const char *dflt)
{
	return i < a->npos ? a->pos[i] : dflt;
}

/* print_query: run sql with params and print the first column of its rows. */
static void
print_query(const char *sql, int nparams, const char *const *values)
{
	PGresult   *res = mig_query(mig_sql(sql), nparams, values);

	mig_print_column(res);
	PQclear(res);
}

/*
 * mig_migrate: mig_upgrade(target) or mig_downgrade(target), the
 * server's "running ..." lines printed as they arrive; on a terminal, the
 * progress against the plan's step count.  When every step of the plan
 * goes that way and one is non-transactional, CALL mig_deploy(target)
 * runs it instead, a step per transaction (so not inside a transaction
 * block of the caller's).
 */
void
mig_migrate(const char *target, bool up)
{
	const char *values[2] = {target, up ? "upgrade" : "downgrade"};
	PGresult   *res = mig_query(mig_sql("SELECT pg_catalog.count(*),"
										" pg_catalog.bool_or(NOT transactional) IS TRUE"
										" AND pg_catalog.bool_and(direction OPERATOR(pg_catalog.=) $2)"
										" FROM %1$s.mig_plan($1)"), 2, values);
	int			total = atoi(PQgetvalue(res, 0, 0));
	bool		stepwise = PQgetvalue(res, 0, 1)[0] == 't';

	PQclear(res);
	mig_progress_start(values[1], total);
	if (stepwise)
		PQclear(mig_query(mig_sql("CALL %1$s.mig_deploy($1)"), 1, values));
	else
		PQclear(mig_query(mig_sql(up ? "SELECT pg_catalog.count(*) FROM %1$s.mig_upgrade($1)" :
								  "SELECT pg_catalog.count(*) FROM %1$s.mig_downgrade($1)"),
						  1, values));
	mig_progress_end();
}

/* mig_cmd_migrate: mig upgrade [TARGET] [--sql], mig downgrade TARGET [--sql]. */
void
mig_cmd_migrate(const MigArgs *a, bool up)
{
	const char *values[1] = {arg(a, 0, "head")};

	if (a->sql)
		print_query(up ? "SELECT %1$s.mig_upgrade_sql($1)" : "SELECT %1$s.mig_downgrade_sql($1)",
					1, values);
	else
		mig_migrate(values[0], up);
}

/* mig_cmd_plan: mig plan [TARGET]: the steps with their version rows. */
void
mig_cmd_plan(const MigArgs *a)
{
	const char *values[1] = {arg(a, 0, "head")};

	print_query("SELECT p.step || '. ' || p.direction || ' '"
				" || CASE WHEN p.direction OPERATOR(pg_catalog.=) 'upgrade'"
				"    THEN pg_catalog.array_to_string(h.down_revisions, ', ') || ' -> ' || p.revision"
				"    ELSE p.revision || ' -> ' || pg_catalog.array_to_string(h.down_revisions, ', ') END"
				" || CASE WHEN p.message OPERATOR(pg_catalog.=) '' THEN '' ELSE ', ' || p.message END"
				" || ' (version rows: ' || pg_catalog.array_to_string(p.version_rows_before, ', ')"
				" || ' -> ' || pg_catalog.array_to_string(p.version_rows_after, ', ') || ')'"
				" FROM %1$s.mig_plan($1) AS p"
				" JOIN %1$s.mig_history() AS h USING (revision)"
				" ORDER BY p.step", 1, values);
}

/* mig_cmd_current: mig current. */
void
mig_cmd_current(const MigArgs *a)
{
	print_query("SELECT h.revision"
				" || CASE WHEN h.is_head AND NOT h.is_effective_head THEN ' (head)' ELSE '' END"
				" || CASE WHEN h.is_effective_head THEN ' (effective head)' ELSE '' END"
				" || " TREE
				" FROM %1$s.mig_current() AS h", 0, NULL);
}

/* mig_cmd_history: mig history [-r RANGE] [-i]. */
void
mig_cmd_history(const MigArgs *a)
{
	const char *values[2] = {a->range, a->indicate ? "true" : "false"};

	print_query("SELECT " PARENTS
				" || CASE WHEN pg_catalog.cardinality(h.depends_on) > 0"
				"    THEN ' (' || pg_catalog.array_to_string(h.depends_on, ', ') || ')' ELSE '' END"
				" || ' -> ' || " TAG
				" || CASE WHEN h.is_current AND $2::pg_catalog.bool THEN ' (current)' ELSE '' END"
				" || " TREE
				" || ', ' || h.message"
				" FROM %1$s.mig_history($1) WITH ORDINALITY AS h"
				" ORDER BY h.ordinality", 2, values);
}

/* mig_cmd_heads: mig heads. */
void
mig_cmd_heads(const MigArgs *a)
{
	print_query("SELECT " TAG
				" FROM %1$s.mig_heads() WITH ORDINALITY AS x"
				" JOIN %1$s.mig_history() AS h USING (revision)"
				" ORDER BY x.ordinality", 0, NULL);
}

/* mig_cmd_branches: mig branches: each branch point and its children. */
void
mig_cmd_branches(const MigArgs *a)
{
	print_query("SELECT " TAG " || " TREE " || E'\\n'"
				" || (SELECT pg_catalog.string_agg(pg_catalog.repeat(' ', pg_catalog.length(b.revision))"
				"      || ' -> ' || (SELECT " TAG " || " TREE " FROM %1$s.mig_history() AS h"
				"                     WHERE h.revision OPERATOR(pg_catalog.=) c.rev),"
				"      E'\\n' ORDER BY c.ord)"
				"     FROM pg_catalog.unnest(b.children) WITH ORDINALITY AS c(rev, ord))"
				" || E'\\n'"
				" FROM %1$s.mig_branches() WITH ORDINALITY AS b"
				" JOIN %1$s.mig_history() AS h USING (revision)"
				" ORDER BY b.ordinality", 0, NULL);
}

/* mig_cmd_show: mig show REV: one revision and its bodies. */
void
mig_cmd_show(const MigArgs *a)
{
	const char *values[1] = {a->pos[0]};

	print_query("SELECT 'Rev: ' || h.revision"
				" || CASE WHEN h.is_head THEN ' (head)' ELSE '' END || " TREE
				" || CASE WHEN h.is_current THEN ' (current)' ELSE '' END || E'\\n'"
				" || CASE WHEN h.is_merge_point THEN 'Merges: ' ELSE 'Parent: ' END || " PARENTS " || E'\\n'"
				" || CASE WHEN pg_catalog.cardinality(h.depends_on) > 0"
				"    THEN 'Also depends on: ' || pg_catalog.array_to_string(h.depends_on, ', ') || E'\\n' ELSE '' END"
				" || CASE WHEN pg_catalog.cardinality(h.branch_labels) > 0"
				"    THEN 'Branch names: ' || pg_catalog.array_to_string(h.branch_labels, ', ') || E'\\n' ELSE '' END"
				" || E'\\n    ' || pg_catalog.replace(h.message, E'\\n', E'\\n    ') || E'\\n\\n'"
				" || E'-- mig:upgrade\\n' || h.upgrade || E'\\n'"
				" || CASE WHEN h.downgrade IS NULL THEN '' ELSE E'\\n-- mig:downgrade\\n' || h.downgrade || E'\\n' END"
				" FROM %1$s.mig_show($1) AS h", 1, values);
}

/*
 * mig_cmd_stamp: mig stamp TARGET... [--purge]: set the version rows,
 * printing them before and after, in one transaction.
 */
void
mig_cmd_stamp(const MigArgs *a)
{
	const char *current = "SELECT COALESCE(pg_catalog.string_agg(revision, ', '), '')"
		" FROM %1$s.mig_current()";
	const char *values[2] = {a->pos[0], a->purge ? "true" : "false"};
	PGresult   *before;
	PGresult   *after;

	for (int i = 1; i < a->npos; i++)
		values[0] = psprintf("%s %s", values[0], a->pos[i]);
	mig_exec("BEGIN");
	before = mig_query(mig_sql(current), 0, NULL);
	PQclear(mig_query(mig_sql("SELECT %1$s.mig_stamp($1, $2::pg_catalog.bool)"), 2, values));
	after = mig_query(mig_sql(current), 0, NULL);
	mig_exec("COMMIT");
	mig_say(psprintf("running stamp_revision %s -> %s",
					 PQgetvalue(before, 0, 0), PQgetvalue(after, 0, 0)));
	PQclear(before);
	PQclear(after);
}

/* mig_cmd_adopt: mig adopt-alembic [TABLE]. */
void
mig_cmd_adopt(const MigArgs *a)
{
	const char *values[1] = {arg(a, 0, NULL)};

	print_query("SELECT 'Adopted Alembic version rows: '"
				" || COALESCE(NULLIF(pg_catalog.array_to_string(a, ', '), ''), '<base>')"
				" FROM %1$s.mig_adopt_alembic($1::pg_catalog.regclass) AS a", 1, values);
}

/*
 * draw_dot: run Graphviz's dot on the DOT text, writing file in format
 * (svg, png, pdf); no shell in between.
 */
static bool
draw_dot(const char *dot, const char *file, const char *format)
{
	int			fds[2];
	pid_t		pid;
	int			status;
	FILE	   *in;
	bool		written;

	if (pipe(fds) != 0)
		return false;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0)
	{
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		execlp("dot", "dot", psprintf("-T%s", format), "-o", file, (char *) NULL);
		_exit(127);
	}
	close(fds[0]);
	in = fdopen(fds[1], "w");
	written = in != NULL && fputs(dot, in) >= 0;
	if (in == NULL || fclose(in) != 0)
		written = false;
	if (waitpid(pid, &status, 0) != pid)
		return false;
	return written && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * mig_cmd_graph: mig graph [-o FILE]: the DOT text on stdout or in FILE;
 * FILE.svg, .png or .pdf drawn by Graphviz's dot.
 */
void
mig_cmd_graph(const MigArgs *a)
{
	PGresult   *res = mig_query(mig_sql("SELECT %1$s.mig_graph()"), 0, NULL);
	const char *dot = PQgetvalue(res, 0, 0);
	const char *ext = a->output ? strrchr(a->output, '.') : NULL;
	FILE	   *out;

	if (a->output == NULL)
		mig_say(dot);
	else if (ext && (strcmp(ext, ".svg") == 0 || strcmp(ext, ".png") == 0 || strcmp(ext, ".pdf") == 0))
	{
		if (!draw_dot(dot, a->output, ext + 1))
		{
			pg_log_error("dot could not draw \"%s\"", a->output);
			mig_exit(1);
		}
	}
	else
	{
		out = fopen(a->output, "w");
		if (out == NULL || fprintf(out, "%s\n", dot) < 0 || fclose(out) != 0)
		{
			pg_log_error("could not write file \"%s\": %m", a->output);
			mig_exit(1);
		}
	}
	PQclear(res);
}

/*
 * print_checks: run sql with target, print the first column of its rows
 * and, when the second (boolean) is false in any, say how many and exit 1.
 * The rows are steps (mig rehearse) or else checks (mig test).  The
 * server's "running ..." notices are left out: they are not kept.
 */
static void
print_checks(const char *sql, const char *target, bool steps)
{
	const char *values[1] = {target};
	PGresult   *res;
	int			failed = 0;
	int			n;

	mig_exec("SET client_min_messages = warning");
	res = mig_query(mig_sql(sql), 1, values);
	mig_print_column(res);
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
		failed += strcmp(PQgetvalue(res, i, 1), "t") != 0;
	PQclear(res);
	if (failed == 0)
		return;
	if (steps)
		pg_log_error("%d of %d steps failed", failed, n);
	else
		pg_log_error("%d of %d checks failed", failed, n);
	mig_exit(1);
}

/*
 * mig_cmd_test: mig test [TARGET]: one line per check of mig_test, "ok"
 * or "not ok" with the detail; exit 1 when one is not ok.
 */
void
mig_cmd_test(const MigArgs *a)
{
	print_checks("SELECT CASE WHEN t.ok THEN 'ok' ELSE 'not ok' END || ' - '"
				 " || COALESCE(t.revision || ' ', '') || t.\"check\""
				 " || COALESCE(': ' || t.detail, ''), t.ok"
				 " FROM %1$s.mig_test($1) AS t",
				 arg(a, 0, "heads"), false);
}

/*
 * mig_cmd_rehearse: mig rehearse [TARGET]: each step of mig_rehearse with
 * its time, then one line per lock and rewrite, its advice and its error;
 * exit 1 when a step failed.
 */
void
mig_cmd_rehearse(const MigArgs *a)
{
	print_checks("SELECT r.step || '. ' || r.direction || ' ' || r.revision || ', '"
				 " || pg_catalog.round((pg_catalog.date_part('epoch', r.duration) * 1000)::pg_catalog.numeric, 1)"
				 " || ' ms'"
				 " || COALESCE((SELECT pg_catalog.string_agg(E'\\n    lock: ' || l, '' ORDER BY o)"
				 "              FROM pg_catalog.unnest(r.locks) WITH ORDINALITY AS u(l, o)), '')"
				 " || COALESCE((SELECT pg_catalog.string_agg(E'\\n    rewrite: ' || w, '' ORDER BY o)"
				 "              FROM pg_catalog.unnest(r.rewrites) WITH ORDINALITY AS u(w, o)), '')"
				 " || COALESCE(E'\\n    advice: ' || r.advice, '')"
				 " || COALESCE(E'\\n    error: ' || r.detail, ''), r.detail IS NULL"
				 " FROM %1$s.mig_rehearse($1) AS r ORDER BY r.step",
				 arg(a, 0, "head"), true);
}
