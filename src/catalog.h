/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  Reading and writing the mig_* tables: the only code that does.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_CATALOG_H
#define MIG_CATALOG_H

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/timestamp.h"

#include "graph.h"
#include "plan.h"

/* Where the catalog lives for this call, and the plans prepared on it. */
typedef struct MigCatalog
{
	Oid			nsp;			/* the extension's schema */
	char	   *qnsp;			/* its name, quoted */
	Oid			owner;			/* owner of the catalog tables */
	SPIPlanPtr	row_plans[3];	/* indexed by MigRowOp */
	SPIPlanPtr	log_plan;
	MemoryContext logcxt;		/* holds the pending log rows */
	struct MigLogType *log;		/* mig_log's row type and the pending rows */
	int			nlog;
} MigCatalog;

/*
 * A revision as the drift check sees it: registered, applied (an ancestor
 * of a version row, or one), or both, with its stored checksum and the
 * checksum of its last logged upgrade.
 */
typedef struct MigCheckRev
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
} MigCheckRev;

/* The last upgrade of a revision found in the log. */
typedef struct MigLastUpgrade
{
	bool		known;			/* false: it never ran */
	int64		id;				/* mig_log.id */
	TimestampTz at;				/* when it started */
	char	   *checksum;		/* of the body that ran */
} MigLastUpgrade;

extern Datum catalog_text_array(char **items, int n);
extern void catalog_open(MigCatalog *cat, Oid fn_oid);
extern MigRev *catalog_load_named(MigCatalog *cat, char **names, int n,
								  int *nrevs);
extern MigGraph *catalog_load_graph(MigCatalog *cat, bool with_bodies);
extern void catalog_load_versions(MigCatalog *cat, MigGraph *g, MigSet *out);
extern bool catalog_find_revision(MigCatalog *cat, const char *id, MigRev *out);
extern void catalog_insert_revision(MigCatalog *cat, const MigRev *r,
									const char *checksum);
extern void catalog_apply_step(MigCatalog *cat, MigGraph *g, const MigStep *st);
extern void catalog_log_open(MigCatalog *cat);
extern void catalog_log_step(MigCatalog *cat, MigGraph *g, const MigStep *st,
							 TimestampTz started, const char *checksum);
extern void catalog_write_log(MigCatalog *cat);
extern void catalog_clear_versions(MigCatalog *cat);
extern MigCheckRev *catalog_load_check(MigCatalog *cat, int *n);
extern bool catalog_is_stale(MigCatalog *cat);
extern MigLastUpgrade *catalog_last_upgrades(MigCatalog *cat, MigGraph *g);
extern void catalog_script_guard(MigCatalog *cat, MigGraph *g, const MigSet *current,
								 int32 lock_class, StringInfo out);
extern void catalog_script_step_begin(StringInfo out);
extern void catalog_script_step_end(MigCatalog *cat, MigGraph *g, const MigStep *st,
									const char *checksum, StringInfo out);
extern char **catalog_read_alembic(Oid relid, int *n);

#endif							/* MIG_CATALOG_H */
