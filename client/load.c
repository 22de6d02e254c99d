/*-------------------------------------------------------------------------
 *
 * load.c
 *	  mig load and mig deploy: a directory of revision files into the
 *	  catalog, in one transaction.
 *
 * The files' texts go to the server as two binary text[] parameters of
 * one call (no quoting, no size limit below the server's own), and only
 * the server's mig_import reads their headers.  mig_import needs a
 * revision's parents and dependencies registered first, and the client
 * does not know them, so the call goes to a function created in pg_temp
 * for the session: it imports the files in name order, each in a
 * subtransaction.  A file that fails because a revision it names is not
 * registered yet (SQLSTATE 42704) waits for that revision, whose name the
 * error message gives, and is tried again once a file registers it; the
 * files waiting for a name that no id answers (a label, a prefix, or a
 * message worded otherwise) are all tried again after the queue runs
 * out, as long as something loaded.  So each file fails about once per
 * parent it names, whatever order the names put the files in.  The
 * function returns the files it could not load: the first file that
 * failed for another reason, or all that still miss a revision.  The
 * client then imports the first of them alone, to show the server's error
 * for it, and nothing is committed.
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

/* The revision files of a directory, in name order. */
typedef struct MigFiles
{
	int			n;
	char	  **paths;
	char	  **texts;
	size_t	   *lengths;
} MigFiles;

/* The loader: see the file header.  %1$s is the extension's schema. */
static const char *const load_function =
"CREATE FUNCTION pg_temp.mig_load(scripts text[], files text[], progress boolean)\n"
"RETURNS int[] LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $mig$\n"
"DECLARE\n"
"    queue int[] := ARRAY(SELECT generate_series(1, cardinality(scripts)));\n"
"    k int := 1;\n"
"    waiting jsonb := '{}';\n"
"    loaded boolean := false;\n"
"    i int;\n"
"    id text;\n"
"    msg text;\n"
"    name text;\n"
"BEGIN\n"
"    LOOP\n"
"        IF k > cardinality(queue) THEN\n"
"            -- a revision named by a label or a prefix: retry them all\n"
"            -- while anything loads\n"
"            IF NOT loaded OR waiting = '{}' THEN\n"
"                RETURN ARRAY(SELECT x::int FROM jsonb_each(waiting) w,\n"
"                             jsonb_array_elements_text(w.value) x ORDER BY 1);\n"
"            END IF;\n"
"            queue := ARRAY(SELECT x::int FROM jsonb_each(waiting) w,\n"
"                           jsonb_array_elements_text(w.value) x ORDER BY 1);\n"
"            k := 1;\n"
"            waiting := '{}';\n"
"            loaded := false;\n"
"        END IF;\n"
"        i := queue[k];\n"
"        k := k + 1;\n"
"        BEGIN\n"
"            id := %1$s.mig_import(scripts[i], files[i]);\n"
"            loaded := true;\n"
"            IF waiting ? id THEN\n"
"                queue := queue || ARRAY(SELECT jsonb_array_elements_text(waiting -> id)::int);\n"
"                waiting := waiting - id;\n"
"            END IF;\n"
"            IF progress THEN\n"
"                RAISE NOTICE '%', files[i];\n"
"            END IF;\n"
"        EXCEPTION\n"
"            WHEN undefined_object THEN\n"
"                GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;\n"
"                name := coalesce(substring(msg FROM '^no such revision or branch \"(.*)\"$'),\n"
"                                 substring(msg FROM '^dependency (\\S+) of revision \\S+ is not present$'),\n"
"                                 '');\n"
"                waiting := jsonb_set(waiting, ARRAY[name],\n"
"                                     coalesce(waiting -> name, '[]') || to_jsonb(i));\n"
"            WHEN OTHERS THEN\n"
"                RETURN ARRAY[i];\n"
"        END;\n"
"    END LOOP;\n"
"END\n"
"$mig$";

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

/* read_dir: every file of dir whose name ends in ".sql", in name order. */
static void
read_dir(const char *dir, MigFiles *files)
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
 * import_one: mig_import of one file, exiting with its error (naming the
 * file) when it fails.
 */
static void
import_one(const char *path, const char *text)
{
	const char *values[2] = {text, path};
	PGresult   *res = mig_try(mig_sql("SELECT %1$s.mig_import($1, $2)"), 2, values);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		mig_report(res, path);
		mig_exit(1);
	}
	PQclear(res);
}

/*
 * load_files: register the files of dir inside the open transaction;
 * exits with the server's error, naming the file, when one cannot be
 * loaded.  Returns the number of files.
 */
static int
load_files(const char *dir)
{
	MigFiles	files;
	PQExpBufferData scripts;
	PQExpBufferData paths;
	size_t	   *pathlens;
	const char *values[3];
	int			lengths[3];
	int			formats[3] = {1, 1, 0};
	Oid			types[3] = {TEXTARRAYOID, TEXTARRAYOID, 0};
	PGresult   *res;
	const char *left;

	read_dir(dir, &files);
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
	values[2] = isatty(fileno(stdout)) ? "true" : "false";
	lengths[2] = 0;

	mig_exec(mig_sql(load_function));
	mig_progress_start("load", files.n, true);
	res = mig_query_binary(mig_sql("SELECT pg_temp.mig_load($1, $2, $3::pg_catalog.bool)"),
						   3, types, values, lengths, formats);
	mig_progress_end();
	left = PQgetvalue(res, 0, 0);
	if (strcmp(left, "{}") != 0)
	{
		int			i = atoi(left + 1) - 1;

		import_one(files.paths[i], files.texts[i]);
		pg_log_error("could not load file \"%s\" after the revisions it names", files.paths[i]);
		mig_exit(1);
	}
	PQclear(res);
	return files.n;
}

/* mig_import_file: register one revision file (mig merge's). */
void
mig_import_file(const char *path)
{
	char	   *text;
	size_t		len;

	read_file(path, &text, &len);
	import_one(path, text);
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
		mig_progress_start("deploy", 0, false);
		PQclear(mig_query(mig_sql("CALL %1$s.mig_deploy($1)"), 1, values));
		mig_progress_end();
	}
}
