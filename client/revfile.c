/*-------------------------------------------------------------------------
 *
 * revfile.c
 *	  mig revision and mig merge: writing new revision files.
 *
 * A new file is DIR/<id>_<slug of the message>.sql in the "-- mig:"
 * format (see mig_import), with empty bodies for the user to fill in.
 * The parents are the single head, the revision --head names, or for a
 * merge the revisions the arguments name: among the files of DIR
 * (revdir.c), as Alembic finds them in its script directory, or, with
 * --from-db, in the database, where a merge is then registered too.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/logging.h"
#include "pqexpbuffer.h"

#include "mig.h"

/* The longest slug of a message in a file name. */
#define SLUG_MAX 40

/* new_id: a random 12-hex-digit revision id. */
static char *
new_id(void)
{
	unsigned char bytes[6];
	char	   *id = pg_malloc(sizeof(bytes) * 2 + 1);
	int			fd = open("/dev/urandom", O_RDONLY, 0);

	if (fd < 0 || read(fd, bytes, sizeof(bytes)) != sizeof(bytes))
	{
		pg_log_error("could not read random bytes from \"/dev/urandom\": %m");
		mig_exit(1);
	}
	close(fd);
	for (int i = 0; i < (int) sizeof(bytes); i++)
		sprintf(id + 2 * i, "%02x", bytes[i]);
	return id;
}

/* slug: msg as a file name part: lower case, other runs of characters as "_". */
static char *
slug(const char *msg)
{
	char	   *out = pg_malloc(strlen(msg) + 1);
	int			n = 0;

	for (const char *p = msg; *p; p++)
	{
		char		c = (char) tolower((unsigned char) *p);

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			out[n++] = c;
		else if (n > 0 && out[n - 1] != '_')
			out[n++] = '_';
	}
	while (n > 0 && out[n - 1] == '_')
		n--;
	out[Min(n, SLUG_MAX)] = '\0';
	return out;
}

/* check_dir: exit with an error unless dir is a directory. */
static void
check_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
	{
		pg_log_error("directory \"%s\" does not exist", dir);
		mig_exit(1);
	}
}

/*
 * write_file: write a new revision file in dir (refusing to overwrite
 * one) and say so; returns its path.
 */
static char *
write_file(const char *dir, const char *id, const char *down, const char *labels,
		   const char *depends, const char *msg)
{
	char	   *path = psprintf("%s/%s_%s.sql", dir, id, slug(msg));
	int			fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	FILE	   *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (f == NULL)
	{
		pg_log_error("could not create file \"%s\": %m", path);
		mig_exit(1);
	}
	fprintf(f, "-- mig:revision: %s\n", id);
	fprintf(f, "-- mig:down_revisions:%s%s\n", down[0] ? " " : "", down);
	fprintf(f, "-- mig:branch_labels:%s%s\n", labels ? " " : "", labels ? labels : "");
	fprintf(f, "-- mig:depends_on:%s%s\n", depends ? " " : "", depends ? depends : "");
	fprintf(f, "-- mig:message: %s\n", msg);
	fprintf(f, "\n-- mig:upgrade\n\n");
	fprintf(f, "\n-- mig:downgrade\n\n");
	if (fclose(f) != 0)
	{
		pg_log_error("could not write file \"%s\": %m", path);
		mig_exit(1);
	}
	mig_say(psprintf("Generating %s ... done", path));
	return path;
}

/*
 * resolve: the revisions target names (among the files of dir, or with
 * from_db mig_show's), appended to ids (joined with ", ") unless already
 * there; returns how many it names.
 */
static int
resolve(const char *dir, bool from_db, const char *target, PQExpBuffer ids)
{
	const char *values[1] = {target};
	PGresult   *res;
	int			n;

	if (!from_db)
		return mig_dir_resolve(dir, target, ids);
	res = mig_query(mig_sql("SELECT revision FROM %1$s.mig_show($1)"), 1, values);
	n = PQntuples(res);

	for (int i = 0; i < n; i++)
	{
		const char *id = PQgetvalue(res, i, 0);
		char	   *padded = psprintf(", %s, ", id);
		char	   *have = psprintf(", %s, ", ids->data);

		if (strstr(have, padded) == NULL)
			appendPQExpBuffer(ids, "%s%s", ids->len ? ", " : "", id);
	}
	PQclear(res);
	return n;
}

/*
 * mig_cmd_revision: mig revision -m MSG [DIR] [--head REV] [--rev-id ID]
 * [--branch-label L] [--depends-on REV] [--from-db]: a new file on top of
 * the head.
 */
void
mig_cmd_revision(const MigArgs *a)
{
	const char *dir = a->npos > 0 ? a->pos[0] : (a->dir ? a->dir : ".");
	PQExpBufferData down;

	check_dir(dir);
	initPQExpBuffer(&down);
	if (a->head && strcmp(a->head, "base") == 0)
		 /* a new base */ ;
	else if (a->head)
	{
		if (resolve(dir, a->from_db, a->head, &down) > 1)
		{
			pg_log_error("--head %s names several revisions: %s", a->head, down.data);
			mig_exit(1);
		}
	}
	else if (a->from_db)
	{
		PGresult   *res = mig_query(mig_sql("SELECT revision FROM %1$s.mig_heads()"), 0, NULL);

		for (int i = 0; i < PQntuples(res); i++)
			appendPQExpBuffer(&down, "%s%s", i ? ", " : "", PQgetvalue(res, i, 0));
		PQclear(res);
	}
	else
		mig_dir_heads(dir, &down);
	if (!a->head && strchr(down.data, ',') != NULL)
	{
		pg_log_error("multiple heads are present: %s", down.data);
		pg_log_error_hint("Give --head REV, or merge the heads with mig merge.");
		mig_exit(1);
	}
	write_file(dir, a->rev_id ? a->rev_id : new_id(), down.data, a->labels, a->depends,
			   a->message);
}

/*
 * mig_cmd_merge: mig merge -m MSG [--dir DIR] [--rev-id ID]
 * [--branch-label L] [--from-db] [REV...]: write a merge of the revisions
 * REVs name (default: the heads); with --from-db, found in the database
 * and registered there.
 */
void
mig_cmd_merge(const MigArgs *a)
{
	const char *dir = a->dir ? a->dir : ".";
	PQExpBufferData down;
	char	   *path;

	check_dir(dir);
	initPQExpBuffer(&down);
	if (a->npos == 0)
		resolve(dir, a->from_db, "heads", &down);
	for (int i = 0; i < a->npos; i++)
		resolve(dir, a->from_db, a->pos[i], &down);
	if (strchr(down.data, ',') == NULL)
	{
		pg_log_error("a merge needs at least two revisions, but the arguments name only %s",
					 down.len ? down.data : "base");
		mig_exit(1);
	}
	path = write_file(dir, a->rev_id ? a->rev_id : new_id(), down.data, a->labels, NULL,
					  a->message);
	if (a->from_db)
		mig_import_file(path);
}
