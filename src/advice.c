/*-------------------------------------------------------------------------
 *
 * advice.c
 *	  What to do instead, from what a rehearsed step really did: the
 *	  advice squawk and strong_migrations give from a migration's text,
 *	  given here from the locks a step took, the storage it rewrote and
 *	  what it made the catalogs say.
 *
 * mig_rehearse reads the facts below before and after each step; a step
 * that, on a table that existed and was not empty before it, rewrote the
 * table, validated a new constraint, set NOT NULL on an existing column,
 * built an index (inside a transaction, so with writes blocked), or took
 * ACCESS EXCLUSIVE (that the transaction did not hold already),
 * gets one sentence per finding in its detail.  A statement hidden in a
 * function or a DO block counts as any other; a rewrite of an empty
 * table, or a type change that does not rewrite, gets none.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "advice.h"
#include "spi_exec.h"

/* The schemas read: all but the system's. */
#define ADVICE_SCHEMA \
	"n.nspname <> ALL ('{pg_catalog,information_schema}') " \
	"AND n.nspname !~ '^pg_(toast|temp_)'"

/*
 * The facts, as (kind, table, name, bytes): the size of each table's
 * storage, its columns, those NOT NULL, its validated CHECK and foreign
 * key constraints, and its indexes.
 */
#define FACTS_SQL \
	"WITH t AS (SELECT c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname) AS qname" \
	"  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace" \
	"  WHERE c.relkind IN ('r', 'm') AND " ADVICE_SCHEMA ")" \
	" SELECT 'size', t.qname, '', pg_catalog.pg_table_size(t.oid) FROM t" \
	" UNION ALL SELECT CASE WHEN a.attnotnull THEN 'notnull' ELSE 'column' END, t.qname, a.attname, 0" \
	"  FROM t JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid" \
	"  WHERE a.attnum > 0 AND NOT a.attisdropped" \
	" UNION ALL SELECT 'constraint', t.qname, k.conname, 0" \
	"  FROM t JOIN pg_catalog.pg_constraint k ON k.conrelid = t.oid" \
	"  WHERE k.convalidated AND k.contype IN ('c', 'f')" \
	" UNION ALL SELECT 'index', t.qname, ic.relname, 0" \
	"  FROM t JOIN pg_catalog.pg_index i ON i.indrelid = t.oid" \
	"  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"

/* A fact's key: "kind|table|name". */
#define FACT_KEY_LEN (16 + 2 * (2 * NAMEDATALEN + 2) + NAMEDATALEN)

/* One fact. */
typedef struct AdviceFact
{
	char		key[FACT_KEY_LEN];
	int64		bytes;			/* of a size */
} AdviceFact;

/* fact_key: the key of a fact, in buf. */
static void
fact_key(char *buf, const char *kind, const char *table, const char *name)
{
	snprintf(buf, FACT_KEY_LEN, "%s|%s|%s", kind, table, name);
}

/* has_fact: whether facts hold (kind, table, name); sets *bytes if given. */
static bool
has_fact(HTAB *facts, const char *kind, const char *table, const char *name, int64 *bytes)
{
	char		key[FACT_KEY_LEN];
	AdviceFact *f;

	fact_key(key, kind, table, name);
	f = hash_search(facts, key, HASH_FIND, NULL);
	if (f && bytes)
		*bytes = f->bytes;
	return f != NULL;
}

/* advice_read: the facts of the schemas now, kept in cxt. */
HTAB *
advice_read(MemoryContext cxt)
{
	MemoryContext callcxt = CurrentMemoryContext;
	HASHCTL		ctl;
	HTAB	   *facts;

	ctl.keysize = FACT_KEY_LEN;
	ctl.entrysize = sizeof(AdviceFact);
	ctl.hcxt = cxt;
	facts = hash_create("mig_ext advice facts", 256, &ctl,
						HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	/* (not read-only: the snapshot must see what the step just did) */
	spi_exec_caller(FACTS_SQL, 0, NULL, NULL, NULL, false);
	MemoryContextSwitchTo(cxt);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char		key[FACT_KEY_LEN];
		bool		isnull;
		AdviceFact *f;

		fact_key(key, SPI_getvalue(tup, desc, 1), SPI_getvalue(tup, desc, 2),
				 SPI_getvalue(tup, desc, 3));
		f = hash_search(facts, key, HASH_ENTER, NULL);
		f->bytes = DatumGetInt64(SPI_getbinval(tup, desc, 4, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(callcxt);
	return facts;
}

/* What a step did to a table that gets a sentence, in their order. */
typedef enum FindingKind
{
	FOUND_REWRITE,
	FOUND_CONSTRAINT,
	FOUND_NOT_NULL,
	FOUND_INDEX,
	FOUND_EXCLUSIVE
} FindingKind;

/* One finding about a table. */
typedef struct Finding
{
	char	   *table;
	FindingKind kind;
	char	   *name;			/* of the constraint, column or index */
} Finding;

/*
 * lock_mode: the mode of an entry of the locks list ("Mode on table"),
 * and its table in *table.
 */
static char *
lock_mode(const char *entry, char **table)
{
	const char *on = strstr(entry, " on ");

	if (on == NULL)
		return NULL;
	*table = pstrdup(on + 4);
	return pnstrdup(entry, on - entry);
}

/* was_filled: whether table existed before the step with storage. */
static bool
was_filled(HTAB *before, const char *table)
{
	int64		bytes = 0;

	return has_fact(before, "size", table, "", &bytes) && bytes > 0;
}

/* add_finding: append a finding to list. */
static List *
add_finding(List *list, const char *table, FindingKind kind, const char *name)
{
	Finding    *f = palloc(sizeof(Finding));

	f->table = pstrdup(table);
	f->kind = kind;
	f->name = name ? pstrdup(name) : NULL;
	return lappend(list, f);
}

/* compare_findings: list_sort's order: by table, kind, name. */
static int
compare_findings(const ListCell *a, const ListCell *b)
{
	Finding    *x = lfirst(a);
	Finding    *y = lfirst(b);
	int			c = strcmp(x->table, y->table);

	if (c == 0)
		c = (int) x->kind - (int) y->kind;
	if (c == 0 && x->name && y->name)
		c = strcmp(x->name, y->name);
	return c;
}

/* finding_sentence: the advice of finding f, appended to out. */
static void
finding_sentence(StringInfo out, const Finding *f)
{
	const char *name = f->name ? quote_identifier(f->name) : NULL;

	if (out->len)
		appendStringInfoChar(out, ' ');
	switch (f->kind)
	{
		case FOUND_REWRITE:
			appendStringInfo(out, "Table %s was rewritten: to add a column, add it nullable or with a constant default (no rewrite) and backfill it in batches; to change a column's type, add a new column, backfill it and switch to it (a binary-compatible change, as varchar to text, does not rewrite).",
							 f->table);
			break;
		case FOUND_CONSTRAINT:
			appendStringInfo(out, "Constraint %s was validated by scanning %s under the step's lock: add it NOT VALID, then VALIDATE CONSTRAINT %s in a later revision, which does not block writes.",
							 name, f->table, name);
			break;
		case FOUND_NOT_NULL:
			appendStringInfo(out, "SET NOT NULL on column %s scanned %s under ACCESS EXCLUSIVE: first add CHECK (%s IS NOT NULL) NOT VALID and validate it in a later revision; SET NOT NULL then uses it and does not scan.",
							 name, f->table, name);
			break;
		case FOUND_INDEX:
			appendStringInfo(out, "Index %s was built while writes to %s were blocked: build it with CREATE INDEX CONCURRENTLY in a non-transactional revision (transactional => false) deployed by CALL mig_deploy.",
							 name, f->table);
			break;
		case FOUND_EXCLUSIVE:
			appendStringInfo(out, "ACCESS EXCLUSIVE on %s blocks every query on it until the step ends, and waits behind every query already running: deploy with CALL mig_deploy(..., lock_timeout => '2s', max_retries => 10), which gives up and retries instead of queueing the traffic.",
							 f->table);
			break;
	}
}

/*
 * advice_step: the advice for a step, from the facts before and after it,
 * the locks it took ("Mode on table") and the relations it rewrote
 * ("relation (size)"), about the tables that existed and were not empty
 * before it, in the order of their names; NULL when there is none.  One
 * pass over the facts after the step.
 */
char *
advice_step(HTAB *before, HTAB *after, List *locks, List *rewrites)
{
	List	   *findings = NIL;
	HASH_SEQ_STATUS seq;
	AdviceFact *f;
	ListCell   *lc;
	StringInfoData out;

	foreach(lc, rewrites)
	{
		char	   *rel = pstrdup(lfirst(lc));
		char	   *paren = strstr(rel, " (");

		if (paren)
			*paren = '\0';
		if (was_filled(before, rel))
			findings = add_finding(findings, rel, FOUND_REWRITE, NULL);
	}
	hash_seq_init(&seq, after);
	while ((f = hash_seq_search(&seq)) != NULL)
	{
		char	   *kind = pstrdup(f->key);
		char	   *table = strchr(kind, '|');
		char	   *name;

		*table++ = '\0';
		name = strrchr(table, '|');
		*name++ = '\0';
		if (strcmp(kind, "size") == 0 || strcmp(kind, "column") == 0 ||
			!was_filled(before, table) || has_fact(before, kind, table, name, NULL))
			continue;
		if (strcmp(kind, "constraint") == 0)
			findings = add_finding(findings, table, FOUND_CONSTRAINT, name);
		else if (strcmp(kind, "notnull") == 0 && has_fact(before, "column", table, name, NULL))
			findings = add_finding(findings, table, FOUND_NOT_NULL, name);
		else if (strcmp(kind, "index") == 0)
			findings = add_finding(findings, table, FOUND_INDEX, name);
	}
	foreach(lc, locks)
	{
		char	   *table;
		char	   *mode = lock_mode(lfirst(lc), &table);

		if (mode && strcmp(mode, "AccessExclusiveLock") == 0 && was_filled(before, table))
			findings = add_finding(findings, table, FOUND_EXCLUSIVE, NULL);
	}
	list_sort(findings, compare_findings);
	initStringInfo(&out);
	foreach(lc, findings)
		finding_sentence(&out, lfirst(lc));
	return out.len ? out.data : NULL;
}
