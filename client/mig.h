/*-------------------------------------------------------------------------
 *
 * mig.h
 *	  The mig command: declarations shared by its files.
 *
 * mig.c parses the command line, conn.c owns the connection (queries,
 * errors, notices, the progress line), commands.c runs the commands that
 * read or move the catalog, load.c sends a directory of revision files
 * and revfile.c writes new revision files.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_H
#define MIG_H

#include "libpq-fe.h"
#include "pqexpbuffer.h"

/* The command line, once parsed. */
typedef struct MigArgs
{
	const char *command;
	char	  **pos;			/* positional arguments after the command */
	int			npos;
	const char *message;		/* -m */
	const char *dir;			/* --dir */
	const char *rev_id;			/* --rev-id */
	const char *head;			/* --head */
	const char *labels;			/* --branch-label, joined with ", " */
	const char *depends;		/* --depends-on, joined with ", " */
	const char *range;			/* -r */
	const char *output;			/* -o */
	bool		sql;			/* --sql */
	bool		indicate;		/* -i */
	bool		purge;			/* --purge */
	bool		from_db;		/* --from-db */
} MigArgs;

/* The revision files of a directory, in name order. */
typedef struct MigFiles
{
	int			n;
	char	  **paths;
	char	  **texts;
	size_t	   *lengths;
} MigFiles;

/* How to reach the server. */
typedef struct MigConnOpts
{
	const char *host;
	const char *port;
	const char *user;
	const char *dbname;
	const char *schema;			/* NULL: where the extension is */
	int			prompt;			/* 0 when needed, 1 never (-w), 2 always (-W) */
} MigConnOpts;

/* conn.c */
extern bool mig_verbose;
extern void mig_connect(const MigConnOpts *opts);
extern char *mig_sql(const char *fmt);
extern PGresult *mig_try(const char *sql, int nparams, const char *const *values);
extern PGresult *mig_query(const char *sql, int nparams, const char *const *values);
extern PGresult *mig_query_binary(const char *sql, int nparams, const Oid *types,
								  const char *const *values, const int *lengths,
								  const int *formats);
extern void mig_exec(const char *sql);
extern void mig_report(const PGresult *res, const char *file);
extern void mig_print_column(const PGresult *res);
extern void mig_progress_start(const char *verb, int total);
extern void mig_progress_step(const char *what);
extern void mig_progress_end(void);
extern void mig_say(const char *line);
/* PostgreSQL 18 spells the attribute pg_noreturn, before the declaration */
#if PG_VERSION_NUM >= 180000
extern pg_noreturn void mig_exit(int code);
#else
extern void mig_exit(int code) pg_attribute_noreturn();
#endif

/* commands.c */
extern void mig_cmd_migrate(const MigArgs *a, bool up);
extern void mig_cmd_plan(const MigArgs *a);
extern void mig_cmd_current(const MigArgs *a);
extern void mig_cmd_history(const MigArgs *a);
extern void mig_cmd_heads(const MigArgs *a);
extern void mig_cmd_branches(const MigArgs *a);
extern void mig_cmd_show(const MigArgs *a);
extern void mig_cmd_stamp(const MigArgs *a);
extern void mig_cmd_adopt(const MigArgs *a);
extern void mig_cmd_graph(const MigArgs *a);
extern void mig_cmd_test(const MigArgs *a);
extern void mig_cmd_rehearse(const MigArgs *a);
extern void mig_migrate(const char *target, bool up);

/* load.c */
extern void mig_cmd_load(const MigArgs *a);
extern void mig_cmd_deploy(const MigArgs *a);
extern void mig_import_file(const char *path);
extern void mig_read_dir(const char *dir, MigFiles *files);

/* revdir.c */
extern void mig_dir_heads(const char *dir, PQExpBuffer out);
extern int	mig_dir_resolve(const char *dir, const char *name, PQExpBuffer out);

/* revfile.c */
extern void mig_cmd_revision(const MigArgs *a);
extern void mig_cmd_merge(const MigArgs *a);

#endif							/* MIG_H */
