/*-------------------------------------------------------------------------
 *
 * import.c
 *	  Reading a revision file: the "-- mig:" header and its sections.
 *
 * A revision file is plain SQL that psql can read.  Directive lines are
 * SQL comments of the form "-- mig:KEY" or "-- mig:KEY: VALUE" (white
 * space allowed after "--" and after "mig:").  The header holds
 * revision, down_revisions (none for a repeatable revision),
 * branch_labels, depends_on, message, transactional, conflicts and
 * repeatable; then
 * "-- mig:upgrade" opens the upgrade body and an optional
 * "-- mig:downgrade" opens the downgrade body, and an optional
 * "-- mig:verify" (after the upgrade, before or after the downgrade) the
 * verify body.  Before "-- mig:upgrade"
 * only directives, blank lines and other comments may appear.  Each body
 * is the text of its section without leading and trailing blank lines.
 * Directive lines are recognised wherever they are, SQL quoting aside.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "import.h"
#include "target.h"

/* Where the parser is in the file. */
typedef enum ImportSection
{
	IMPORT_HEADER,
	IMPORT_UPGRADE,
	IMPORT_DOWNGRADE,
	IMPORT_VERIFY
} ImportSection;

/* The header keys, in the order a file lists them. */
static const char *const header_keys[] = {
	"revision", "down_revisions", "branch_labels", "depends_on", "message",
	"transactional", "conflicts", "repeatable"
};

#define NUM_HEADER_KEYS lengthof(header_keys)

/* The file being parsed, for the error context. */
typedef struct ImportFile
{
	const char *name;			/* NULL: a script without a name */
	int			lineno;			/* 1-based */
	const char *line;
} ImportFile;

/*
 * import_error_context: names the file and quotes the line an error is
 * about (arg is the ImportFile), as COPY names the line of its input.
 */
static void
import_error_context(void *arg)
{
	const ImportFile *f = arg;

	if (f->line == NULL)
		return;					/* no line read yet */
	if (f->name)
		errcontext("revision file \"%s\", line %d: %s", f->name, f->lineno, f->line);
	else
		errcontext("revision script, line %d: %s", f->lineno, f->line);
}

/*
 * parse_directive: whether line is a directive "-- mig:KEY[: VALUE]"; sets
 * key (the word after "mig:"), value (NULL when no colon follows the key)
 * and rest (what follows the key when no colon does, "" when nothing).
 */
static bool
parse_directive(const char *line, char **key, char **value, char **rest)
{
	const char *p = line;
	const char *start;
	int			len;

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
	start = p;
	while (isalnum((unsigned char) *p) || *p == '_')
		p++;
	*key = pnstrdup(start, p - start);
	while (*p == ' ' || *p == '\t')
		p++;
	*value = NULL;
	*rest = "";
	if (*p != ':')
	{
		len = strlen(p);
		while (len > 0 && isspace((unsigned char) p[len - 1]))
			len--;
		*rest = pnstrdup(p, len);
		return true;
	}
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	len = strlen(p);
	while (len > 0 && isspace((unsigned char) p[len - 1]))
		len--;
	*value = pnstrdup(p, len);
	return true;
}

/* is_blank: whether a line holds only white space. */
static bool
is_blank(const char *line)
{
	for (const char *p = line; *p; p++)
		if (!isspace((unsigned char) *p))
			return false;
	return true;
}

/* section_text: the lines of a section without leading and trailing blank lines. */
static char *
section_text(List *lines)
{
	StringInfoData out;
	int			first = 0;
	int			last = list_length(lines) - 1;

	while (first <= last && is_blank(list_nth(lines, first)))
		first++;
	while (last >= first && is_blank(list_nth(lines, last)))
		last--;
	initStringInfo(&out);
	for (int i = first; i <= last; i++)
		appendStringInfo(&out, "%s%s", i > first ? "\n" : "", (char *) list_nth(lines, i));
	return out.data;
}

/*
 * set_header: store the value of header key k (an index into
 * header_keys) in out.
 */
static void
set_header(MigRev *out, int k, const char *value)
{
	int			n;

	switch (k)
	{
		case 0:
			{
				char	  **ids = target_split_list(value, &n);

				if (n != 1)
					ereport(ERROR,
							(errcode(ERRCODE_SYNTAX_ERROR),
							 errmsg("the revision header needs exactly one revision id"),
							 errhint("Write it as \"-- mig:revision: <id>\".")));
				out->id = ids[0];
				break;
			}
		case 1:
			out->down_names = target_split_list(value, &out->ndown);
			break;
		case 2:
			out->labels = target_split_list(value, &out->nlabels);
			break;
		case 3:
			out->dep_names = target_split_list(value, &out->ndep_names);
			break;
		case 4:
			out->message = pstrdup(value);
			break;
		case 6:
			out->conflict_names = target_split_list(value, &out->nconflicts);
			break;
		case 7:
			if (!parse_bool(value, &out->repeatable))
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("the repeatable header needs true or false"),
						 errhint("Write it as \"-- mig:repeatable: true\" for a revision that runs again whenever its upgrade changes.")));
			break;
		default:
			{
				bool		transactional;

				if (!parse_bool(value, &transactional))
					ereport(ERROR,
							(errcode(ERRCODE_SYNTAX_ERROR),
							 errmsg("the transactional header needs true or false"),
							 errhint("Write it as \"-- mig:transactional: false\" for a revision whose statements must run outside a transaction block.")));
				out->non_transactional = !transactional;
				break;
			}
	}
}

/*
 * import_parse: the revision described by one file's text (filename, or
 * NULL, names it in errors).  Errors name the line they are about in
 * their context.
 */
void
import_parse(const char *script, const char *filename, MigRev *out)
{
	ImportFile	f = {filename, 0, NULL};
	ImportSection section = IMPORT_HEADER;
	bool		seen[NUM_HEADER_KEYS] = {0};
	List	   *lines[3] = {NIL, NIL, NIL};
	bool		has_verify = false;
	char	   *text = pstrdup(script);
	char	   *p = text;
	ErrorContextCallback errcb;

	errcb.callback = import_error_context;
	errcb.arg = &f;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	memset(out, 0, sizeof(MigRev));
	out->message = "";
	while (*p)
	{
		char	   *nl = strchr(p, '\n');
		char	   *key,
				   *value,
				   *rest;
		int			len;

		if (nl)
			*nl = '\0';
		len = strlen(p);
		if (len > 0 && p[len - 1] == '\r')
			p[len - 1] = '\0';
		f.lineno++;
		f.line = p;

		if (!parse_directive(p, &key, &value, &rest))
		{
			if (section != IMPORT_HEADER)
				lines[section - IMPORT_UPGRADE] = lappend(lines[section - IMPORT_UPGRADE], p);
			else if (!is_blank(p) && strncmp(p, "--", 2) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("SQL comes before the \"-- mig:upgrade\" line"),
						 errhint("Only \"-- mig:\" header lines, comments and blank lines may come before \"-- mig:upgrade\".")));
		}
		else if (value == NULL && rest[0] == '\0' && strcmp(key, graph_direction_name(MIG_UPGRADE)) == 0)
		{
			if (section != IMPORT_HEADER)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("\"-- mig:upgrade\" comes twice")));
			section = IMPORT_UPGRADE;
		}
		else if (value == NULL && rest[0] == '\0' && strcmp(key, graph_direction_name(MIG_DOWNGRADE)) == 0)
		{
			if (section == IMPORT_HEADER)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("\"-- mig:downgrade\" comes before \"-- mig:upgrade\""),
						 errhint("Put the upgrade section first.")));
			if (out->has_downgrade)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("\"-- mig:downgrade\" comes twice")));
			section = IMPORT_DOWNGRADE;
			out->has_downgrade = true;
		}
		else if (value == NULL && rest[0] == '\0' && strcmp(key, "verify") == 0)
		{
			if (section == IMPORT_HEADER)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("\"-- mig:verify\" comes before \"-- mig:upgrade\""),
						 errhint("Put the upgrade section first.")));
			if (has_verify)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("\"-- mig:verify\" comes twice")));
			section = IMPORT_VERIFY;
			has_verify = true;
		}
		else
		{
			int			k = 0;

			while (k < (int) NUM_HEADER_KEYS && strcmp(key, header_keys[k]) != 0)
				k++;
			if (k == (int) NUM_HEADER_KEYS)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("unknown directive \"-- mig:%s%s%s\"", key, rest[0] ? " " : "", rest),
						 errhint("The directives are revision, down_revisions, branch_labels, depends_on, message, transactional, conflicts, repeatable (each followed by a colon and its value), upgrade, downgrade and verify.")));
			if (value == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("header \"%s\" has no colon", key),
						 errhint("Write it as \"-- mig:%s: <value>\".", key)));
			if (section != IMPORT_HEADER)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("header \"%s\" comes after \"-- mig:upgrade\"", key),
						 errhint("Put every header line before the upgrade section.")));
			if (seen[k])
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("header \"%s\" is given twice", key)));
			seen[k] = true;
			set_header(out, k, value);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}

	f.line = "(end of file)";
	f.lineno++;
	if (section == IMPORT_HEADER)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("the file has no \"-- mig:upgrade\" line"),
				 errhint("A revision file needs an upgrade section, even an empty one.")));
	if (!seen[0])
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("the file has no \"-- mig:revision\" header"),
				 errhint("Give the revision id as \"-- mig:revision: <id>\".")));
	if (!seen[1] && !out->repeatable)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("the file has no \"-- mig:down_revisions\" header"),
				 errhint("Name the parent revisions as \"-- mig:down_revisions: <id>\"; leave the value empty for a base revision.")));
	out->upgrade = section_text(lines[0]);
	out->downgrade = out->has_downgrade ? section_text(lines[1]) : NULL;
	out->verify = has_verify ? section_text(lines[2]) : NULL;
	error_context_stack = errcb.previous;
}
