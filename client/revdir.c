/*-------------------------------------------------------------------------
 *
 * revdir.c
 *	  The revisions of a directory of revision files, read from their
 *	  headers alone, for mig revision and mig merge without a database.
 *
 * Only the "-- mig:" header lines before "-- mig:upgrade" are read:
 * revision, down_revisions, branch_labels and repeatable (a repeatable
 * revision stands outside the graph).  The server reads the whole file
 * when it is loaded, and refuses what is wrong with it then.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>

#include "common/logging.h"

#include "mig.h"

/* One revision file's header. */
typedef struct DirRev
{
	const char *path;
	char	   *id;
	char	  **down;
	int			ndown;
	char	  **labels;
	int			nlabels;
	bool		repeatable;
} DirRev;

/* The revisions of a directory and which of them are heads. */
typedef struct DirGraph
{
	DirRev	   *revs;
	int			n;
	bool	   *head;
} DirGraph;

/* split_list: the names of a header value, separated by commas or blanks. */
static char **
split_list(const char *value, int *n)
{
	char	  **out = pg_malloc(sizeof(char *) * (strlen(value) / 2 + 1));
	const char *p = value;

	*n = 0;
	while (*p)
	{
		const char *start;

		while (*p == ',' || isspace((unsigned char) *p))
			p++;
		start = p;
		while (*p && *p != ',' && !isspace((unsigned char) *p))
			p++;
		if (p > start)
			out[(*n)++] = pnstrdup(start, p - start);
	}
	return out;
}

/*
 * header_line: whether line is "-- mig:KEY[: VALUE]"; sets key and value
 * (NULL without a colon), both trimmed.
 */
static bool
header_line(char *line, char **key, char **value)
{
	char	   *p = line;
	char	   *end;

	if (strncmp(p, "--", 2) != 0)
		return false;
	p += 2;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "mig:", 4) != 0)
		return false;
	p += 4;
	while (*p == ' ' || *p == '\t')
		p++;
	*key = p;
	while (isalnum((unsigned char) *p) || *p == '_')
		p++;
	end = p;
	while (*p == ' ' || *p == '\t')
		p++;
	*value = NULL;
	if (*p == ':')
	{
		char	   *v = p + 1;
		size_t		len;

		while (*v == ' ' || *v == '\t')
			v++;
		len = strlen(v);
		while (len > 0 && isspace((unsigned char) v[len - 1]))
			v[--len] = '\0';
		*value = v;
	}
	*end = '\0';
	return true;
}

/* parse_header: the header of one revision file's text. */
static void
parse_header(const char *path, char *text, DirRev *r)
{
	memset(r, 0, sizeof(DirRev));
	r->path = path;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
	{
		char	   *key,
				   *value;

		if (!header_line(line, &key, &value))
			continue;
		if (strcmp(key, "upgrade") == 0)
			break;
		if (value == NULL)
			continue;
		if (strcmp(key, "revision") == 0)
			r->id = pg_strdup(value);
		else if (strcmp(key, "down_revisions") == 0)
			r->down = split_list(value, &r->ndown);
		else if (strcmp(key, "branch_labels") == 0)
			r->labels = split_list(value, &r->nlabels);
		else if (strcmp(key, "repeatable") == 0)
			r->repeatable = pg_strcasecmp(value, "true") == 0 || pg_strcasecmp(value, "on") == 0;
	}
	if (r->id == NULL)
	{
		pg_log_error("file \"%s\" has no \"-- mig:revision\" header", path);
		mig_exit(1);
	}
}

/* read_graph: the revisions of the files of dir, and their heads. */
static DirGraph
read_graph(const char *dir)
{
	MigFiles	files;
	DirGraph	g;

	mig_read_dir(dir, &files);
	g.n = files.n;
	g.revs = pg_malloc(sizeof(DirRev) * Max(g.n, 1));
	g.head = pg_malloc(sizeof(bool) * Max(g.n, 1));
	for (int i = 0; i < g.n; i++)
		parse_header(files.paths[i], files.texts[i], &g.revs[i]);
	for (int i = 0; i < g.n; i++)
	{
		g.head[i] = !g.revs[i].repeatable;
		for (int j = 0; j < g.n && g.head[i]; j++)
			for (int k = 0; k < g.revs[j].ndown; k++)
				if (strcmp(g.revs[j].down[k], g.revs[i].id) == 0)
					g.head[i] = false;
	}
	return g;
}

/* add_id: append id to out (", "-separated) unless it is there. */
static void
add_id(PQExpBuffer out, const char *id)
{
	char	   *have = psprintf(", %s, ", out->data);
	char	   *padded = psprintf(", %s, ", id);

	if (strstr(have, padded) == NULL)
		appendPQExpBuffer(out, "%s%s", out->len ? ", " : "", id);
}

/* find: the index of the revision with this id, or -1. */
static int
find(const DirGraph *g, const char *id)
{
	for (int i = 0; i < g->n; i++)
		if (strcmp(g->revs[i].id, id) == 0)
			return i;
	return -1;
}

/* descends: whether revision i is rev or has it as an ancestor. */
static bool
descends(const DirGraph *g, int i, int rev)
{
	if (i == rev)
		return true;
	for (int k = 0; k < g->revs[i].ndown; k++)
	{
		int			p = find(g, g->revs[i].down[k]);

		if (p >= 0 && descends(g, p, rev))
			return true;
	}
	return false;
}

/* mig_dir_heads: append the heads of the files of dir to out. */
void
mig_dir_heads(const char *dir, PQExpBuffer out)
{
	DirGraph	g = read_graph(dir);

	for (int i = 0; i < g.n; i++)
		if (g.head[i])
			add_id(out, g.revs[i].id);
}

/*
 * mig_dir_resolve: append to out the revisions name stands for among the
 * files of dir: "heads" (all), "head" (the heads), an id, a branch label
 * (the revision declaring it), "LABEL@head" (the heads above it), or an
 * unambiguous prefix of an id; "base" names none.  Returns how many it
 * names; exits when it names nothing.
 */
int
mig_dir_resolve(const char *dir, const char *name, PQExpBuffer out)
{
	DirGraph	g = read_graph(dir);
	const char *at = strchr(name, '@');
	int			found = -1;
	int			n = 0;

	if (strcmp(name, "base") == 0)
		return 0;
	if (strcmp(name, "heads") == 0 || strcmp(name, "head") == 0)
	{
		for (int i = 0; i < g.n; i++)
			if (g.head[i])
			{
				add_id(out, g.revs[i].id);
				n++;
			}
		return n;
	}
	for (int i = 0; i < g.n && found < 0; i++)
	{
		if (at ? strncmp(name, g.revs[i].id, at - name) == 0 && g.revs[i].id[at - name] == '\0' :
			strcmp(name, g.revs[i].id) == 0)
			found = i;
		for (int k = 0; k < g.revs[i].nlabels && found < 0; k++)
			if (at ? strncmp(name, g.revs[i].labels[k], at - name) == 0 &&
				g.revs[i].labels[k][at - name] == '\0' :
				strcmp(name, g.revs[i].labels[k]) == 0)
				found = i;
	}
	for (int i = 0; i < g.n && found < 0 && !at; i++)
		if (strncmp(name, g.revs[i].id, strlen(name)) == 0)
		{
			if (n++ > 0)
			{
				pg_log_error("revision prefix \"%s\" names several revisions in \"%s\"", name, dir);
				mig_exit(1);
			}
			found = i;
		}
	if (found < 0 || g.revs[found].repeatable || (at && strcmp(at, "@head") != 0))
	{
		pg_log_error("no revision file in \"%s\" names revision \"%s\"", dir, name);
		mig_exit(1);
	}
	if (!at)
	{
		add_id(out, g.revs[found].id);
		return 1;
	}
	n = 0;
	for (int i = 0; i < g.n; i++)
		if (g.head[i] && descends(&g, i, found))
		{
			add_id(out, g.revs[i].id);
			n++;
		}
	return n;
}
