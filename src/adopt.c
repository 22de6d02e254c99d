/*-------------------------------------------------------------------------
 *
 * adopt.c
 *	  Taking over the state of an Alembic version table.
 *
 * Alembic keeps one row per current head in a table of its own
 * (alembic_version by default).  Adopting it stamps the same revisions,
 * which must be registered with the same ids; the table is read with the
 * caller's rights, as any table of the application.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "adopt.h"
#include "plan.h"
#include "runner.h"
#include "spi_exec.h"

/*
 * read_alembic: the version_num values of an Alembic version table, read
 * with the caller's rights (not as the catalog owner), sorted by byte
 * order; *qname is the table's name, qualified and quoted.  The caller is
 * connected to SPI.
 */
static char **
read_alembic(Oid relid, int *n, char **qname_out)
{
	char	   *relname = get_rel_name(relid);
	char	   *qname;
	char	  **ids;

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	qname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), relname);
	if (get_attnum(relid, "version_num") == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table %s has no column \"version_num\"", qname),
				 errdetail("An Alembic version table has one text column, version_num, with one row per current head.")));
	spi_exec_caller(psprintf("SELECT version_num::pg_catalog.text FROM %s", qname),
					0, NULL, NULL, NULL, true);
	*n = (int) SPI_processed;
	ids = palloc(sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		ids[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		if (ids[i] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the Alembic version table holds a null version_num")));
	}
	SPI_freetuptable(SPI_tuptable);
	qsort(ids, *n, sizeof(char *), pg_qsort_strcmp);
	*qname_out = qname;
	return ids;
}

/*
 * adopt_alembic: stamp the revisions the Alembic version table relid
 * holds, for the catalog of fn_oid, and return them (n of them).  The
 * version rows must be empty or already the same; they are read under
 * the catalog's lock.  The caller is connected to SPI.
 */
char **
adopt_alembic(Oid fn_oid, Oid relid, int *n)
{
	char	   *qname;
	char	  **ids = read_alembic(relid, n, &qname);
	MigCatalog	cat;
	MigGraph   *g;
	MigSet		current,
				alembic;
	MigRun		run;
	bool		same;
	StringInfoData targets;

	/* the version rows checked are those the stamp moves */
	catalog_open(&cat, fn_oid);
	catalog_lock(&cat);
	g = catalog_load_graph(&cat, MIG_LOAD_HEADERS);
	catalog_load_versions(&cat, g, &current);
	initStringInfo(&targets);
	graph_set_init(&alembic);
	same = current.n == *n;
	for (int i = 0; i < *n; i++)
	{
		int			r = graph_lookup_id(g, ids[i]);

		if (r == MIG_NO_REV)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("Alembic revision \"%s\" is not registered", ids[i]),
					 errdetail("The Alembic version table holds \"%s\".", ids[i]),
					 errhint("Register the revisions with the same ids first, for example with mig load.")));
		graph_set_add(&alembic, r);
		same = same && graph_set_contains(&current, r);
		appendStringInfo(&targets, "%s%s", i ? " " : "", ids[i]);
	}
	plan_check_rows(g, &alembic, qname, "version_num");
	if (current.n > 0 && !same)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("version rows are already set"),
				 *n ?
				 errdetail("The version rows are %s; the Alembic version table holds %s.",
						   graph_format_ids(g, current.items, current.n), targets.data) :
				 errdetail("The version rows are %s; the Alembic version table is empty.",
						   graph_format_ids(g, current.items, current.n)),
				 errhint("Clear them with mig_stamp('base', purge => true) to adopt the Alembic state.")));
	if (!same)
		runner_stamp(&run, fn_oid, *n ? targets.data : "base", false);
	return ids;
}
