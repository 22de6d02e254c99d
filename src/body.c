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

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "body.h"

/*
 * body_split: the statements of body, each as its own text; raises the
 * parser's error for a syntax error and refuses transaction control
 * (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...), which cannot work inside the
 * caller's transaction.
 */
MigBody *
body_split(const char *body)
{
	MigBody    *b = palloc0(sizeof(MigBody));
	MemoryContext callcxt = CurrentMemoryContext;

	/* the parse trees are only looked at here: keep them in their own context */
	MemoryContext parsecxt = AllocSetContextCreate(callcxt, "mig_ext body parse",
												   ALLOCSET_DEFAULT_SIZES);
	List	   *stmts;
	ListCell   *lc;
	int			i = 0;

	MemoryContextSwitchTo(parsecxt);
#if PG_VERSION_NUM >= 140000
	stmts = raw_parser(body, RAW_PARSE_DEFAULT);
#else
	stmts = raw_parser(body);
#endif
	MemoryContextSwitchTo(callcxt);
	b->nstmts = list_length(stmts);
	b->stmts = palloc(sizeof(char *) * Max(b->nstmts, 1));
	foreach(lc, stmts)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		int			len = rs->stmt_len ? rs->stmt_len : (int) strlen(body + rs->stmt_location);

		if (IsA(rs->stmt, TransactionStmt))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
					 errmsg("transaction control is not allowed in a migration body"),
					 errdetail("Statement %d of %d is \"%s\".",
							   i + 1, b->nstmts, pnstrdup(body + rs->stmt_location, Min(len, 60))),
					 errhint("mig_ext runs every step in the caller's transaction; remove BEGIN, COMMIT, ROLLBACK and SAVEPOINT from the body.")));
		b->stmts[i++] = pnstrdup(body + rs->stmt_location, len);
	}
	MemoryContextDelete(parsecxt);
	return b;
}

/* body_checksum: the sha256 of body as 64 lowercase hex digits. */
char *
body_checksum(const char *body)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *hex = palloc(PG_SHA256_DIGEST_LENGTH * 2 + 1);

	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) body, strlen(body)) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute the sha256 of a migration body")));
	pg_cryptohash_free(ctx);
	hex[hex_encode((const char *) digest, sizeof(digest), hex)] = '\0';
	return hex;
}

/*
 * body_revision_checksum: the checksum of a revision's two bodies
 * (downgrade NULL when irreversible), each length-prefixed so that no two
 * pairs of bodies hash the same text.
 */
char *
body_revision_checksum(const char *upgrade, const char *downgrade)
{
	return body_checksum(psprintf("%zu:%s%d:%s", strlen(upgrade), upgrade,
								  downgrade ? (int) strlen(downgrade) : -1,
								  downgrade ? downgrade : ""));
}
