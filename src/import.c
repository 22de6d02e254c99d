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
#include "plan.h"
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

/* The file being parsed, for error messages. */
typedef struct ImportFile
{
	const char *name;			/* NULL: "the script" */
	int			lineno;			/* 1-based */
	const char *line;
} ImportFile;

/*
 * error_at: a syntax error on the current line of f; the detail quotes
 * the line.
 */
static void
error_at(const ImportFile *f, const char *msg, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 f->name ?
			 errmsg("%s at line %d of file \"%s\"", msg, f->lineno, f->name) :
			 errmsg("%s at line %d of the script", msg, f->lineno),
			 errdetail("Line %d is: %s", f->lineno, f->line),
			 hint ? errhint("%s", hint) : 0));
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
set_header(MigRev *out, int k, const char *value, const ImportFile *f)
{
	int			n;

	switch (k)
	{
		case 0:
			{
				char	  **ids = target_split_list(value, &n);

				if (n != 1)
					error_at(f, "the revision header needs exactly one revision id",
							 "Write it as \"-- mig:revision: <id>\".");
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
				error_at(f, "the repeatable header needs true or false",
						 "Write it as \"-- mig:repeatable: true\" for a revision that runs again whenever its upgrade changes.");
			break;
		default:
			{
				bool		transactional;

				if (!parse_bool(value, &transactional))
					error_at(f, "the transactional header needs true or false",
							 "Write it as \"-- mig:transactional: false\" for a revision whose statements must run outside a transaction block.");
				out->non_transactional = !transactional;
				break;
			}
	}
}

/*
 * import_parse: the revision described by one file's text (filename, or
 * NULL, names it in errors).  Errors name the line they are about.
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
				error_at(&f, "SQL before the \"-- mig:upgrade\" line",
						 "Only \"-- mig:\" header lines, comments and blank lines may come before \"-- mig:upgrade\".");
		}
		else if (value == NULL && rest[0] == '\0' && strcmp(key, plan_direction_name(MIG_UPGRADE)) == 0)
		{
			if (section != IMPORT_HEADER)
				error_at(&f, "second \"-- mig:upgrade\" line", NULL);
			section = IMPORT_UPGRADE;
		}
		else if (value == NULL && rest[0] == '\0' && strcmp(key, plan_direction_name(MIG_DOWNGRADE)) == 0)
		{
			if (section == IMPORT_HEADER)
				error_at(&f, "\"-- mig:downgrade\" before \"-- mig:upgrade\"",
						 "Put the upgrade section first.");
			if (out->has_downgrade)
				error_at(&f, "second \"-- mig:downgrade\" line", NULL);
			section = IMPORT_DOWNGRADE;
			out->has_downgrade = true;
		}
		else if (value == NULL && rest[0] == '\0' && strcmp(key, "verify") == 0)
		{
			if (section == IMPORT_HEADER)
				error_at(&f, "\"-- mig:verify\" before \"-- mig:upgrade\"",
						 "Put the upgrade section first.");
			if (has_verify)
				error_at(&f, "second \"-- mig:verify\" line", NULL);
			section = IMPORT_VERIFY;
			has_verify = true;
		}
		else
		{
			int			k = 0;

			while (k < (int) NUM_HEADER_KEYS && strcmp(key, header_keys[k]) != 0)
				k++;
			if (k == (int) NUM_HEADER_KEYS)
				error_at(&f, psprintf("unknown directive \"-- mig:%s%s%s\"",
									  key, rest[0] ? " " : "", rest),
						 "The directives are revision, down_revisions, branch_labels, depends_on, message, transactional, conflicts, repeatable (each followed by a colon and its value), upgrade, downgrade and verify.");
			if (value == NULL)
				error_at(&f, psprintf("header \"%s\" has no colon", key),
						 psprintf("Write it as \"-- mig:%s: <value>\".", key));
			if (section != IMPORT_HEADER)
				error_at(&f, psprintf("header \"%s\" after \"-- mig:upgrade\"", key),
						 "Put every header line before the upgrade section.");
			if (seen[k])
				error_at(&f, psprintf("header \"%s\" given twice", key), NULL);
			seen[k] = true;
			set_header(out, k, value, &f);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}

	f.line = "(end of file)";
	f.lineno++;
	if (section == IMPORT_HEADER)
		error_at(&f, "no \"-- mig:upgrade\" line", "A revision file needs an upgrade section, even an empty one.");
	if (!seen[0])
		error_at(&f, "no \"-- mig:revision\" header", "Give the revision id as \"-- mig:revision: <id>\".");
	if (!seen[1] && !out->repeatable)
		error_at(&f, "no \"-- mig:down_revisions\" header",
				 "Name the parent revisions as \"-- mig:down_revisions: <id>\"; leave the value empty for a base revision.");
	out->upgrade = section_text(lines[0]);
	out->downgrade = out->has_downgrade ? section_text(lines[1]) : NULL;
	out->verify = has_verify ? section_text(lines[2]) : NULL;
}
