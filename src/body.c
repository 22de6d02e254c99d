/*-------------------------------------------------------------------------
 *
 * body.c
 *	  Migration bodies: splitting into statements, checking, checksums.
 *
 * A body is SQL text with any number of statements.  PostgreSQL's own
 * raw parser splits it, so dollar quoting, comments and string literals
 * behave exactly as in psql, and a syntax error anywhere is found before
 * any statement runs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "mb/pg_wchar.h"
#include "commands/defrem.h"
#include "common/keywords.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "body.h"

/* What a syntax error in a body is reported against. */
typedef struct BodyParse
{
	const char *body;
	const char *context;		/* the CONTEXT line, or NULL */
} BodyParse;

/*
 * body_parse_error_context: an error context callback for parsing a body
 * (arg, a BodyParse): report a syntax error's position inside the body, as
 * an internal query, instead of inside the statement that called mig_ext,
 * and add the caller's context line.
 */
static void
body_parse_error_context(void *arg)
{
	BodyParse  *bp = (BodyParse *) arg;
	int			pos = geterrposition();

	if (pos > 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery(bp->body);
	}
	if (bp->context)
		errcontext("%s", bp->context);
}

/* has_option: whether the option list opts turns option name on. */
static bool
has_option(List *opts, const char *name)
{
	ListCell   *lc;

	foreach(lc, opts)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, name) == 0)
			return opt->arg == NULL || defGetBoolean(opt);
	}
	return false;
}

/*
 * outside_only: the name of the command, as PostgreSQL's error names it,
 * when the raw statement stmt can only run outside a transaction block
 * (PreventInTransactionBlock refuses it elsewhere); NULL otherwise.
 */
static const char *
outside_only(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_IndexStmt:
			return ((IndexStmt *) stmt)->concurrent ? "CREATE INDEX CONCURRENTLY" : NULL;
		case T_DropStmt:
			return ((DropStmt *) stmt)->concurrent ? "DROP INDEX CONCURRENTLY" : NULL;
		case T_ReindexStmt:
			{
				ReindexStmt *rs = (ReindexStmt *) stmt;

				if (has_option(rs->params, "concurrently"))
					return "REINDEX CONCURRENTLY";
				if (rs->kind == REINDEX_OBJECT_SCHEMA)
					return "REINDEX SCHEMA";
				if (rs->kind == REINDEX_OBJECT_SYSTEM)
					return "REINDEX SYSTEM";
				if (rs->kind == REINDEX_OBJECT_DATABASE)
					return "REINDEX DATABASE";
				return NULL;
			}
		case T_VacuumStmt:
			return ((VacuumStmt *) stmt)->is_vacuumcmd ? "VACUUM" : NULL;
		case T_ClusterStmt:
			return ((ClusterStmt *) stmt)->relation == NULL ? "CLUSTER" : NULL;
		case T_CreatedbStmt:
			return "CREATE DATABASE";
		case T_DropdbStmt:
			return "DROP DATABASE";
		case T_AlterDatabaseStmt:
			return has_option(((AlterDatabaseStmt *) stmt)->options, "tablespace") ?
				"ALTER DATABASE SET TABLESPACE" : NULL;
		case T_CreateTableSpaceStmt:
			return "CREATE TABLESPACE";
		case T_DropTableSpaceStmt:
			return "DROP TABLESPACE";
		case T_AlterSystemStmt:
			return "ALTER SYSTEM";
		case T_DiscardStmt:
			return ((DiscardStmt *) stmt)->target == DISCARD_ALL ? "DISCARD ALL" : NULL;
		default:
			return NULL;
	}
}

/*
 * body_split: the statements of body, each as its own text; raises the
 * parser's error for a syntax error and refuses transaction control
 * (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...), which cannot work inside the
 * caller's transaction.  context, if not NULL, is the CONTEXT line of
 * those errors.
 */
MigBody *
body_split(const char *body, const char *context)
{
	MigBody    *b = palloc0(sizeof(MigBody));
	ErrorContextCallback errcb;
	BodyParse	bp;
	MemoryContext callcxt = CurrentMemoryContext;

	/* the parse trees are only looked at here: keep them in their own context */
	MemoryContext parsecxt = AllocSetContextCreate(callcxt, "mig_ext body parse",
												   ALLOCSET_DEFAULT_SIZES);
	List	   *stmts;
	ListCell   *lc;
	int			i = 0;

	bp.body = body;
	bp.context = context;
	errcb.callback = body_parse_error_context;
	errcb.arg = &bp;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	MemoryContextSwitchTo(parsecxt);
	stmts = raw_parser(body, RAW_PARSE_DEFAULT);
	MemoryContextSwitchTo(callcxt);

	b->nstmts = list_length(stmts);
	b->stmts = palloc(sizeof(char *) * Max(b->nstmts, 1));
	b->outside_only = palloc(sizeof(char *) * Max(b->nstmts, 1));
	b->index_table = palloc0(sizeof(RangeVar *) * Max(b->nstmts, 1));
	b->index_name = palloc0(sizeof(char *) * Max(b->nstmts, 1));
	foreach(lc, stmts)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		int			loc = rs->stmt_location;
		int			len = rs->stmt_len ? rs->stmt_len : (int) strlen(body + loc);

		/* a statement starts right after the previous semicolon: trim white space */
		while (len > 0 && isspace((unsigned char) body[loc]))
		{
			loc++;
			len--;
		}
		while (len > 0 && isspace((unsigned char) body[loc + len - 1]))
			len--;

		if (IsA(rs->stmt, TransactionStmt))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
					 errmsg("transaction control is not allowed in a migration body"),
					 errdetail("Statement %d of %d is \"%s\".",
							   i + 1, b->nstmts, pnstrdup(body + loc, pg_mbcliplen(body + loc, len, 60))),
					 errhint("mig_ext runs every step in the caller's transaction; remove BEGIN, COMMIT, ROLLBACK and SAVEPOINT from the body.")));
		b->outside_only[i] = outside_only(rs->stmt);
		if (IsA(rs->stmt, IndexStmt) && ((IndexStmt *) rs->stmt)->concurrent &&
			((IndexStmt *) rs->stmt)->idxname != NULL)
		{
			IndexStmt  *is = (IndexStmt *) rs->stmt;

			b->index_table[i] = copyObject(is->relation);
			b->index_name[i] = pstrdup(is->idxname);
		}
		b->stmts[i++] = pnstrdup(body + loc, len);
	}
	error_context_stack = errcb.previous;
	MemoryContextDelete(parsecxt);
	return b;
}

/*
 * split_with: body_split of body, with context, under
 * standard_conforming_strings set to scs.
 */
static MigBody *
split_with(const char *body, const char *context, bool scs)
{
	int			nest = NewGUCNestLevel();
	MigBody    *b;

	(void) set_config_option("standard_conforming_strings", scs ? "on" : "off",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
	(void) set_config_option("escape_string_warning", "off",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
	b = body_split(body, context);
	AtEOXact_GUC(true, nest);
	return b;
}

/*
 * body_check_split: refuse the upgrade or downgrade body of r, split into
 * b in this session, when it splits into other statements under the other
 * value of standard_conforming_strings: a string literal with a
 * backslash before a quote ends at another place, so that a session
 * with the other setting (or CALL mig_deploy's worker, which takes its
 * caller's) would run other statements than the ones registered.
 */
void
body_check_split(const MigRev *r, MigDirection direction, const MigBody *b)
{
	bool		scs = !standard_conforming_strings;
	MigBody    *other = split_with(body_text(r, direction),
								   psprintf("parsing the %s of revision %s (\"%s\") with standard_conforming_strings = %s",
											graph_direction_name(direction), r->id, r->message,
											scs ? "on" : "off"),
								   scs);
	bool		same = other->nstmts == b->nstmts;

	for (int i = 0; same && i < b->nstmts; i++)
		same = strcmp(other->stmts[i], b->stmts[i]) == 0;
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the statements of the %s of revision %s depend on standard_conforming_strings",
						graph_direction_name(direction), r->id),
				 errdetail("With standard_conforming_strings = %s the body has %d statements; with %s, %d.",
						   scs ? "off" : "on", b->nstmts, scs ? "on" : "off", other->nstmts),
				 errhint("Write a backslash in a string literal as E'\\\\' or the literal with doubled quotes, so that the body means the same in every session.")));
}

/*
 * body_check_transactional: refuse a statement of b, the upgrade or
 * downgrade body of r, that can never run inside a transaction block
 * while r is transactional.
 */
void
body_check_transactional(const MigRev *r, MigDirection direction, const MigBody *b)
{
	if (r->non_transactional)
		return;
	for (int i = 0; i < b->nstmts; i++)
		if (b->outside_only[i] != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("%s cannot run in a transactional revision", b->outside_only[i]),
					 errdetail("Statement %d of %d in the %s of revision %s is \"%s\".",
							   i + 1, b->nstmts, graph_direction_name(direction), r->id,
							   pnstrdup(b->stmts[i], pg_mbcliplen(b->stmts[i], strlen(b->stmts[i]), 60))),
					 errhint("Register the revision with transactional => false (\"-- mig:transactional: false\" in a revision file) and deploy it with CALL mig_deploy().")));
}

/*
 * body_in_transaction: the form of statement sql, which runs only outside
 * a transaction block as the command outside (body_split's name), that
 * runs inside one: CREATE INDEX, REINDEX or DROP INDEX for the same
 * command with CONCURRENTLY, which is taken out of the text (a
 * rehearsal's form: same result, other locks).  NULL when there is none
 * (VACUUM and the like, or CONCURRENTLY among REINDEX's parenthesized
 * options).
 */
char *
body_in_transaction(const char *sql, const char *outside)
{
	core_yy_extra_type extra;
	core_yyscan_t scanner;
	core_YYSTYPE val;
	YYLTYPE		loc;
	int			concurrently = ScanKeywordTokens[ScanKeywordLookup("concurrently", &ScanKeywords)];
	int			depth = 0;
	int			tok;
	char	   *out = NULL;

	if (strcmp(outside, "CREATE INDEX CONCURRENTLY") != 0 &&
		strcmp(outside, "DROP INDEX CONCURRENTLY") != 0 &&
		strcmp(outside, "REINDEX CONCURRENTLY") != 0)
		return NULL;
	scanner = scanner_init(sql, &extra, &ScanKeywords, ScanKeywordTokens);
	while (out == NULL && (tok = core_yylex(&val, &loc, scanner)) != 0)
	{
		if (tok == '(')
			depth++;
		else if (tok == ')')
			depth--;
		else if (tok == concurrently && depth == 0)
			out = psprintf("%.*s%s", loc, sql, sql + loc + strlen("concurrently"));
	}
	scanner_finish(scanner);
	return out;
}

/* body_text: the upgrade or downgrade body of r (NULL: irreversible). */
const char *
body_text(const MigRev *r, MigDirection direction)
{
	return direction == MIG_UPGRADE ? r->upgrade : r->downgrade;
}

/*
 * body_split_revision: body_split of the upgrade or downgrade body of r,
 * naming r in the errors.
 */
MigBody *
body_split_revision(const MigRev *r, MigDirection direction)
{
	return body_split(body_text(r, direction),
					  psprintf("parsing the %s of revision %s (\"%s\")",
							   graph_direction_name(direction), r->id, r->message));
}

/*
 * sha256_hex: the sha256 of the concatenation of the n strings of parts,
 * as 64 lowercase hex digits.
 */
static char *
sha256_hex(const char *const *parts, int n)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *hex = palloc(PG_SHA256_DIGEST_LENGTH * 2 + 1);
	bool		ok = pg_cryptohash_init(ctx) == 0;

	for (int i = 0; ok && i < n; i++)
		ok = pg_cryptohash_update(ctx, (const uint8 *) parts[i], strlen(parts[i])) == 0;
	if (!ok || pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute the sha256 of a migration body");
	pg_cryptohash_free(ctx);
	hex[hex_encode((const char *) digest, sizeof(digest), hex)] = '\0';
	return hex;
}

/* body_checksum: the sha256 of body as 64 lowercase hex digits. */
char *
body_checksum(const char *body)
{
	return sha256_hex(&body, 1);
}

/*
 * body_revision_checksum: the checksum of a revision's two bodies
 * (downgrade NULL when irreversible), each length-prefixed so that no two
 * pairs of bodies hash the same text; the bodies are hashed where they
 * are, not copied.
 */
char *
body_revision_checksum(const char *upgrade, const char *downgrade)
{
	char		up_len[32];
	char		down_len[32];
	const char *parts[4] = {up_len, upgrade, down_len, downgrade ? downgrade : ""};

	snprintf(up_len, sizeof(up_len), "%zu:", strlen(upgrade));
	snprintf(down_len, sizeof(down_len), "%d:", downgrade ? (int) strlen(downgrade) : -1);
	return sha256_hex(parts, 4);
}
