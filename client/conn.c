/*-------------------------------------------------------------------------
 *
 * conn.c
 *	  The mig command's connection: queries, errors, notices, progress.
 *
 * One connection per run.  Statements name mig_ext's functions by the
 * extension's schema (--schema, or found in pg_extension) and take their
 * values as parameters.  Server errors are printed as PostgreSQL's client
 * tools print them ("mig: error: ..." with detail, hint and context), with
 * the SQLSTATE in verbose mode.  The "running upgrade A -> B" notices of
 * mig_ext go to stdout as they arrive; other notices to stderr as psql
 * shows them.  On a terminal, operations over a second get a progress
 * line.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <time.h>
#include <unistd.h>

#include "common/logging.h"
#include "common/string.h"
#include "pqexpbuffer.h"

#include "mig.h"

bool		mig_verbose = false;

static PGconn *conn = NULL;
static char *schema = NULL;		/* quoted */

/* The progress line: shown on a terminal after a second. */
static struct
{
	bool		active;
	bool		shown;
	const char *verb;
	int			total;			/* 0: unknown */
	int			done;
	struct timespec start;
	struct timespec drawn;
} progress;

/* elapsed_ms: milliseconds from t to now. */
static double
elapsed_ms(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000.0 + (now.tv_nsec - t->tv_nsec) / 1e6;
}

/* progress_clear: erase the progress line, if one is on the screen. */
static void
progress_clear(void)
{
	if (progress.shown)
	{
		fputs("\r\033[K", stdout);
		fflush(stdout);
		progress.shown = false;
	}
}

/*
 * mig_progress_start: begin an operation of total steps (0 when not
 * known).  Nothing when stdout is not a terminal.
 */
void
mig_progress_start(const char *verb, int total)
{
	memset(&progress, 0, sizeof(progress));
	if (!isatty(fileno(stdout)))
		return;
	progress.active = true;
	progress.verb = verb;
	progress.total = total;
	clock_gettime(CLOCK_MONOTONIC, &progress.start);
}

/* mig_progress_step: one step done, on what (a file, a revision). */
void
mig_progress_step(const char *what)
{
	if (!progress.active)
		return;
	progress.done++;
	if (elapsed_ms(&progress.start) < 1000 ||
		(progress.shown && elapsed_ms(&progress.drawn) < 100))
		return;
	if (progress.total > 0)
		printf("\r\033[K%s %d/%d %.60s", progress.verb, progress.done, progress.total, what);
	else
		printf("\r\033[K%s %d %.60s", progress.verb, progress.done, what);
	fflush(stdout);
	progress.shown = true;
	clock_gettime(CLOCK_MONOTONIC, &progress.drawn);
}

/* mig_progress_end: the operation is over; erase its line. */
void
mig_progress_end(void)
{
	progress_clear();
	progress.active = false;
}

/* mig_say: print a line on stdout, above the progress line. */
void
mig_say(const char *line)
{
	progress_clear();
	puts(line);
}

/*
 * notice_receiver: mig_ext's step notices to stdout (each a step of the
 * progress line), other notices to stderr.
 */
static void
notice_receiver(void *arg, const PGresult *res)
{
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	if (msg && severity && strcmp(severity, "NOTICE") == 0 &&
		(strncmp(msg, "running upgrade ", 16) == 0 || strncmp(msg, "running downgrade ", 18) == 0))
	{
		mig_say(msg);
		mig_progress_step(msg);
		return;
	}
	progress_clear();
	fputs(PQresultErrorMessage(res), stderr);
}

/* mig_exit: close the connection and exit with code. */
void
mig_exit(int code)
{
	progress_clear();
	fflush(stdout);
	if (conn)
		PQfinish(conn);
	exit(code);
}

/*
 * find_schema: the schema mig_ext is installed in, quoted; an error when
 * it is not installed.
 */
static char *
find_schema(void)
{
	PGresult   *res;
	char	   *name;

	res = mig_query("SELECT n.nspname FROM pg_catalog.pg_extension e"
					" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace"
					" WHERE e.extname OPERATOR(pg_catalog.=) 'mig_ext'", 0, NULL);
	if (PQntuples(res) == 0)
	{
		pg_log_error("extension mig_ext is not installed in database \"%s\"", PQdb(conn));
		pg_log_error_hint("Run CREATE EXTENSION mig_ext in it, or give --schema.");
		mig_exit(1);
	}
	name = PQescapeIdentifier(conn, PQgetvalue(res, 0, 0), strlen(PQgetvalue(res, 0, 0)));
	PQclear(res);
	return name;
}

/*
 * mig_connect: connect as opts say (the PG* variables for the rest),
 * prompting for a password when the server asks for one and -w was not
 * given; find the extension's schema.
 */
void
mig_connect(const MigConnOpts *opts)
{
	const char *keywords[7];
	const char *values[7];
	char	   *password = NULL;
	bool		again;

	if (opts->prompt == 2)
		password = simple_prompt("Password: ", false);
	do
	{
		int			i = 0;

		keywords[i] = "host", values[i++] = opts->host;
		keywords[i] = "port", values[i++] = opts->port;
		keywords[i] = "user", values[i++] = opts->user;
		keywords[i] = "password", values[i++] = password;
		keywords[i] = "dbname", values[i++] = opts->dbname;
		keywords[i] = "fallback_application_name", values[i++] = "mig";
		keywords[i] = NULL, values[i] = NULL;
		conn = PQconnectdbParams(keywords, values, true);
		if (conn == NULL)
		{
			pg_log_error("out of memory");
			exit(1);
		}
		again = PQstatus(conn) == CONNECTION_BAD && PQconnectionNeedsPassword(conn) &&
			password == NULL && opts->prompt != 1;
		if (again)
		{
			PQfinish(conn);
			password = simple_prompt("Password: ", false);
		}
	} while (again);
	if (PQstatus(conn) == CONNECTION_BAD)
	{
		pg_log_error("%s", PQerrorMessage(conn));
		mig_exit(1);
	}
	PQsetNoticeReceiver(conn, notice_receiver, NULL);
	if (opts->schema)
		schema = PQescapeIdentifier(conn, opts->schema, strlen(opts->schema));
	else
		schema = find_schema();
}

/*
 * mig_sql: fmt with every "%1$s" replaced by the extension's schema
 * (quoted).
 */
char *
mig_sql(const char *fmt)
{
	PQExpBufferData buf;
	const char *p = fmt;
	const char *hit;

	initPQExpBuffer(&buf);
	while ((hit = strstr(p, "%1$s")) != NULL)
	{
		appendBinaryPQExpBuffer(&buf, p, hit - p);
		appendPQExpBufferStr(&buf, schema);
		p = hit + 4;
	}
	appendPQExpBufferStr(&buf, p);
	return buf.data;
}

/* mig_try: run sql with text parameters; the result, failed or not. */
PGresult *
mig_try(const char *sql, int nparams, const char *const *values)
{
	return PQexecParams(conn, sql, nparams, NULL, values, NULL, NULL, 0);
}

/*
 * mig_report: print the error of res (or the connection's) as
 * PostgreSQL's client tools do; file, when not NULL, is what was being
 * loaded.
 */
void
mig_report(const PGresult *res, const char *file)
{
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	const char *context = res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL;

	progress_clear();
	if (msg == NULL)
	{
		pg_log_error("%s", PQerrorMessage(conn));
		return;
	}
	if (file && mig_verbose && state)
		pg_log_error("could not load file \"%s\": %s: %s", file, state, msg);
	else if (file)
		pg_log_error("could not load file \"%s\": %s", file, msg);
	else if (mig_verbose && state)
		pg_log_error("%s: %s", state, msg);
	else
		pg_log_error("%s", msg);
	if (detail)
		pg_log_error_detail("%s", detail);
	if (hint)
		pg_log_error_hint("%s", hint);
	if (context)
		pg_log_error_detail("%s", context);
}

/* mig_query: mig_try, exiting with the server's error when it fails. */
PGresult *
mig_query(const char *sql, int nparams, const char *const *values)
{
	PGresult   *res = mig_try(sql, nparams, values);

	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		mig_report(res, NULL);
		mig_exit(1);
	}
	return res;
}

/*
 * mig_query_binary: mig_query with parameter types, lengths and formats
 * (binary parameters).
 */
PGresult *
mig_query_binary(const char *sql, int nparams, const Oid *types,
				 const char *const *values, const int *lengths, const int *formats)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, types, values, lengths, formats, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		mig_report(res, NULL);
		mig_exit(1);
	}
	return res;
}

/* mig_exec: run a statement without parameters or result (BEGIN, COMMIT). */
void
mig_exec(const char *sql)
{
	PQclear(mig_query(sql, 0, NULL));
}

/* mig_print_column: print the first column of every row of res. */
void
mig_print_column(const PGresult *res)
{
	for (int i = 0; i < PQntuples(res); i++)
		mig_say(PQgetvalue(res, i, 0));
}
