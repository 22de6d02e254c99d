/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  Reading and writing the mig_* tables: the only code that does.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_CATALOG_H
#define MIG_CATALOG_H

#include "access/tupdesc.h"
#include "nodes/pg_list.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "graph.h"
#include "plan.h"

/* The advisory lock class; the object is the extension schema's OID. */
#define MIG_LOCK_CLASS 1835624293	/* 'mige' */

/* Where the catalog lives for this call. */
typedef struct MigCatalog
{
	Oid			nsp;			/* the extension's schema */
	char	   *qnsp;			/* its name, quoted */
	Oid			owner;			/* owner of the catalog tables */
	bool		has_transactional;	/* mig_revisions has 1.2's columns
									 * (transactional, conflicts,
									 * verify, repeatable); mig_drift_log
									 * exists */
} MigCatalog;

/*
 * The columns of mig_log a step's row fills (id takes its default), in
 * the order of catalog_log_columns.
 */
typedef enum MigLogColumn
{
	MIG_LOG_REVISION,
	MIG_LOG_DIRECTION,
	MIG_LOG_FROM_REVISIONS,
	MIG_LOG_TO_REVISIONS,
	MIG_LOG_APPLIED_BY,
	MIG_LOG_SESSION_USER,
	MIG_LOG_APPLICATION_NAME,
	MIG_LOG_XID,
	MIG_LOG_STARTED_AT,
	MIG_LOG_DURATION,
	MIG_LOG_CHECKSUM,
	MIG_LOG_NUM_COLUMNS
} MigLogColumn;

/* mig_log's row type, and where each MigLogColumn is in it. */
typedef struct MigLogType
{
	Oid			type;
	Oid			array_type;		/* of a batch of rows */
	TupleDesc	desc;
	int			attno[MIG_LOG_NUM_COLUMNS]; /* 0-based */
} MigLogType;

/*
 * A revision as validation sees it: registered, applied (an ancestor
 * of a version row, or one), or both, with its stored checksum and the
 * checksum of its last logged upgrade.
 */
typedef struct MigValidateRev
{
	char	   *id;
	bool		registered;
	bool		applied;
	bool		version_row;	/* named by a version row itself */
	char	   *child;			/* when applied and not a version row: an
								 * applied revision naming it */
	char	   *upgrade;		/* NULL when not registered */
	char	   *downgrade;
	char	   *checksum;		/* as stored in mig_revisions */
	char	   *logged;			/* of the last upgrade logged, or NULL */
} MigValidateRev;

/* The last upgrade of a revision found in the log. */
typedef struct MigLastUpgrade
{
	bool		known;			/* false: it never ran */
	int64		id;				/* mig_log.id */
	TimestampTz at;				/* when it started */
	char	   *checksum;		/* of the body that ran */
} MigLastUpgrade;

/* One DDL command recorded outside mig_ext (mig_drift_log). */
typedef struct MigDrift
{
	TimestampTz at;
	char	   *role;
	char	   *session_user;
	char	   *tag;
	char	   *object_type;	/* NULL when the command names none */
	char	   *identity;
	char	   *statement;
} MigDrift;

/* How a revision is loaded: with its bodies and their checksum, or not. */
typedef enum MigLoad
{
	MIG_LOAD_HEADERS,
	MIG_LOAD_BODIES
} MigLoad;

extern const char *const catalog_row_sql[];

extern Datum catalog_text_array(char **items, int n);
extern Datum catalog_ids_array(MigGraph *g, const int *items, int n);
extern void catalog_open(MigCatalog *cat, Oid fn_oid);
extern MigRev *catalog_load_named(MigCatalog *cat, char **names, int n,
								  int *nrevs);
extern MigGraph *catalog_load_graph(MigCatalog *cat, MigLoad load);
extern void catalog_load_versions(MigCatalog *cat, MigGraph *g, MigSet *out);
extern void catalog_check_rows(MigCatalog *cat, MigGraph *g, const MigSet *rows);
extern MigGraph *catalog_read(MigCatalog *cat, Oid fn_oid, MigLoad load,
							  MigSet *current);
extern bool catalog_find_revision(MigCatalog *cat, const char *id, MigRev *out);
extern void catalog_insert_revision(MigCatalog *cat, const MigRev *r,
									const char *checksum);
extern void catalog_move_rows(MigCatalog *cat, MigGraph *g, const MigStep *st);
extern void catalog_check_versions(MigCatalog *cat, MigGraph *g, const MigSet *expected);
extern void catalog_clear_versions(MigCatalog *cat);
extern char *catalog_log_column_list(void);
extern MigLogType *catalog_log_type(MigCatalog *cat);
extern void catalog_insert_log(MigCatalog *cat, const MigLogType *lt,
							   Datum *rows, int nrows);
extern MigValidateRev *catalog_load_validate(MigCatalog *cat, int *n);
extern List *catalog_invalid_indexes(MigCatalog *cat);
extern void catalog_lock(MigCatalog *cat);
extern void catalog_lock_session(MigCatalog *cat);
extern void catalog_unlock_session(MigCatalog *cat);
extern MigLastUpgrade *catalog_last_upgrades(MigCatalog *cat, MigGraph *g);
extern MigLastUpgrade *catalog_last_repeatables(MigCatalog *cat, MigGraph *g);
extern void catalog_update_repeatable(MigCatalog *cat, const MigRev *r, const char *checksum);
extern void catalog_record_drift(MigCatalog *cat, bool dropped, const char *tag,
								 const char *statement);
extern List *catalog_read_drift(MigCatalog *cat, bool since_last_step);

/* The revision started by mig_start and not completed, as mig_expand_state has it. */
typedef struct MigStarted
{
	char	   *revision;		/* NULL: none started */
	char	   *base;			/* the schema of its tables */
	char	   *vs;				/* its version schema */
	char	   *previous;		/* NULL: the base schema */
	bool		backfilled;
} MigStarted;

extern void catalog_load_started(MigCatalog *cat, MigStarted *s);
extern void catalog_expand_log(MigCatalog *cat, const char *revision,
							   const char *direction, TimestampTz started);
extern char *catalog_expand_schema_of(MigCatalog *cat, const char *revision);
extern char *catalog_expand_previous_schema(MigCatalog *cat, const char *base);
extern void catalog_expand_state_insert(MigCatalog *cat, const char *revision,
										const char *base, const char *vs,
										const char *previous);
extern void catalog_expand_set_backfilled(MigCatalog *cat, const char *revision);
extern void catalog_expand_set_completed(MigCatalog *cat, const char *revision);
extern void catalog_expand_forget(MigCatalog *cat, const char *revision);
extern void catalog_expand_record_op(MigCatalog *cat, const char *revision,
									 Oid type, Datum o);
extern void catalog_expand_forget_ops(MigCatalog *cat, const char *revision);
extern void catalog_expand_ops(MigCatalog *cat, const char *revision,
							   Tuplestorestate *ts);

#endif							/* MIG_CATALOG_H */
