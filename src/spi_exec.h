/*-------------------------------------------------------------------------
 *
 * spi_exec.h
 *	  The one SPI execution layer.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_SPI_EXEC_H
#define MIG_SPI_EXEC_H

#include "executor/spi.h"
#include "utils/snapshot.h"

/* The most parameters a kept statement takes. */
#define SPI_EXEC_MAX_ARGS 10

/*
 * A statement prepared once and kept for the session: sql is a format
 * with %1$s for the quoted schema of the catalog.
 */
typedef struct MigKeptPlan
{
	const char *sql;
	int			nargs;
	/* the plan kept, and what it was made for */
	SPIPlanPtr	plan;
	char	   *schema;
	Oid			argtypes[SPI_EXEC_MAX_ARGS];
} MigKeptPlan;

extern int	spi_exec_kept(MigKeptPlan *kp, const char *qnsp, Oid owner,
						  const Oid *argtypes, Datum *values, const char *nulls,
						  Snapshot snapshot);
extern int	spi_exec_once(const char *sql, Oid owner, int nargs, const Oid *argtypes,
						  Datum *values, const char *nulls);
extern int	spi_exec_caller(const char *sql, int nargs, const Oid *argtypes,
							Datum *values, const char *nulls, bool read_only);

/* A function run in a subtransaction by spi_exec_subxact. */
typedef void (*MigSubxactFn) (void *arg);

extern ErrorData *spi_exec_subxact(MigSubxactFn fn, void *arg, bool keep);

#endif							/* MIG_SPI_EXEC_H */
