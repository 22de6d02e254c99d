/*-------------------------------------------------------------------------
 *
 * load.c
 *	  mig load and mig deploy: a directory of revision files into the
 *	  catalog, in one transaction.
 *
 * The files' texts go to the server as two binary text[] parameters of
 * one call of mig_import(text[], text[]) (no quoting, no size limit below
 * the server's own), and only the server reads their headers: it
 * registers each revision after those of the batch it names, whatever
 * the names' order, and an error names the file it is about.  The load
 * is one statement, so it shows no progress line.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/pg_type_d.h"
#include "common/logging.h"
#include "port/pg_bswap.h"
#include "pqexpbuffer.h"

#include "mig.h"

/* read_file: the whole text of path into *text and *len; exits on failure. */
static void
read_file(const char *path, char **text, size_t *len)
{
	int			fd = open(path, O_RDONLY, 0);
	struct stat st;
	size_t		done = 0;

	if (fd < 0 || fstat(fd, &st) != 0)
	{
		pg_log_error("could not open file \"%s\": %m", path);
		mig_exit(1);
	}
	*text = pg_malloc(st.st_size + 1);
	while (done < (size_t) st.st_size)
	{
		ssize_t		r = read(fd, *text + done, st.st_size - done);

		if (r < 0)
		{
			pg_log_error("could not read file \"%s\": %m", path);
			mig_exit(1);
		}
		if (r == 0)
			break;
		done += r;
	}
	close(fd);
	(*text)[done] = '\0';
	*len = done;
}

/* compare_names: qsort order of file names. */
static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* mig_read_dir: every file of dir whose name ends in ".sql", in name order. */
void
mig_read_dir(const char *dir, MigFiles *files)
{
	DIR		   *d = opendir(dir);
	struct dirent *de;
	int			cap = 64;
	char	  **names = pg_malloc(sizeof(char *) * cap);
	int			n = 0;

	if (d == NULL)
	{
		pg_log_error("could not open directory \"%s\": %m", dir);
		mig_exit(1);
	}
	while ((de = readdir(d)) != NULL)
	{
		size_t		len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		if (n == cap)
			names = pg_realloc(names, sizeof(char *) * (cap *= 2));
		names[n++] = pg_strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(char *), compare_names);
	files->n = n;
	files->paths = pg_malloc(sizeof(char *) * Max(n, 1));
	files->texts = pg_malloc(sizeof(char *) * Max(n, 1));
	files->lengths = pg_malloc(sizeof(size_t) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		files->paths[i] = psprintf("%s/%s", dir, names[i]);
		read_file(files->paths[i], &files->texts[i], &files->lengths[i]);
	}
}

/* put_int32: append a 32-bit integer in network order. */
static void
put_int32(PQExpBuffer buf, uint32 v)
{
	uint32		n = pg_hton32(v);

	appendBinaryPQExpBuffer(buf, (const char *) &n, 4);
}

/* text_array: the binary form of a one-dimensional text[] of n strings. */
static void
text_array(PQExpBuffer buf, int n, char *const *strs, const size_t *lens)
{
	put_int32(buf, n > 0 ? 1 : 0);	/* dimensions */
	put_int32(buf, 0);			/* no nulls */
	put_int32(buf, TEXTOID);
	if (n > 0)
	{
		put_int32(buf, n);
		put_int32(buf, 1);		/* lower bound */
	}
	for (int i = 0; i < n; i++)
	{
		put_int32(buf, (uint32) lens[i]);
		appendBinaryPQExpBuffer(buf, strs[i], lens[i]);
	}
}

/*
 * load_files: register the files of dir inside the open transaction;
 * exits with the server's error, which names the file, when one cannot
 * be loaded.  Returns the number of files.
 */
static int
load_files(const char *dir)
{
	MigFiles	files;
	PQExpBufferData scripts;
	PQExpBufferData paths;
	size_t	   *pathlens;
	const char *values[2];
	int			lengths[2];
	int			formats[2] = {1, 1};
	Oid			types[2] = {TEXTARRAYOID, TEXTARRAYOID};
	PGresult   *res;

	mig_read_dir(dir, &files);
	if (files.n == 0)
		return 0;
	pathlens = pg_malloc(sizeof(size_t) * files.n);
	for (int i = 0; i < files.n; i++)
		pathlens[i] = strlen(files.paths[i]);
	initPQExpBuffer(&scripts);
	initPQExpBuffer(&paths);
	text_array(&scripts, files.n, files.texts, files.lengths);
	text_array(&paths, files.n, files.paths, pathlens);
	if (PQExpBufferBroken(&scripts) || PQExpBufferBroken(&paths))
	{
		pg_log_error("out of memory");
		mig_exit(1);
	}
	values[0] = scripts.data;
	lengths[0] = scripts.len;
	values[1] = paths.data;
	lengths[1] = paths.len;

	res = mig_query_binary(mig_sql("SELECT %1$s.mig_import($1, $2)"),
						   2, types, values, lengths, formats);
	PQclear(res);
	return files.n;
}

/*
 * mig_import_file: register one revision file (mig merge's), exiting with
 * its error, naming the file, when it fails.
 */
void
mig_import_file(const char *path)
{
	char	   *text;
	size_t		len;
	const char *values[2];
	PGresult   *res;

	read_file(path, &text, &len);
	values[0] = text;
	values[1] = path;
	res = mig_try(mig_sql("SELECT %1$s.mig_import($1, $2)"), 2, values);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		mig_report(res, path);
		mig_exit(1);
	}
	PQclear(res);
}

/* say_loaded: the summary line of a load. */
static void
say_loaded(int n, const char *dir)
{
	if (n == 0)
		mig_say(psprintf("No revision files in %s", dir));
	else
		mig_say(psprintf("Loaded %d revision file(s) from %s", n, dir));
}

/* mig_cmd_load: mig load [DIR]. */
void
mig_cmd_load(const MigArgs *a)
{
	const char *dir = a->npos > 0 ? a->pos[0] : (a->dir ? a->dir : ".");
	int			n;

	mig_exec("BEGIN");
	n = load_files(dir);
	mig_exec("COMMIT");
	say_loaded(n, dir);
}

/*
 * mig_cmd_deploy: mig deploy [--dir DIR] [TARGET]: load and upgrade in
 * one transaction; on any error nothing is registered and nothing run.
 * When the plan has a non-transactional step, the load commits and CALL
 * mig_deploy runs the steps, each committed.
 */
void
mig_cmd_deploy(const MigArgs *a)
{
	const char *dir = a->dir ? a->dir : ".";
	const char *values[1] = {a->npos > 0 ? a->pos[0] : "head"};
	PGresult   *res;
	bool		stepwise;
	int			n;

	mig_exec("BEGIN");
	n = load_files(dir);
	say_loaded(n, dir);
	res = mig_query(mig_sql("SELECT pg_catalog.bool_or(NOT transactional) IS TRUE"
							" FROM %1$s.mig_plan($1)"), 1, values);
	stepwise = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (!stepwise)
		mig_migrate(values[0], true);
	mig_exec("COMMIT");
	if (stepwise)
	{
		mig_progress_start("deploy", 0);
		PQclear(mig_query(mig_sql("CALL %1$s.mig_deploy($1)"), 1, values));
		mig_progress_end();
	}
}
