/*-------------------------------------------------------------------------
 *
 * spi_exec.h
 *	  Running the catalog's statements as the catalog owner.
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
typedef struct SpiKeptPlan
{
	const char *sql;
	int			nargs;
	/* the plan kept, and what it was made for */
	SPIPlanPtr	plan;
	char	   *schema;
	Oid			argtypes[SPI_EXEC_MAX_ARGS];
} SpiKeptPlan;

extern int	spi_exec_kept(SpiKeptPlan *kp, const char *qnsp, Oid owner,
						  const Oid *argtypes, Datum *values, const char *nulls,
						  Snapshot snapshot);
extern int	spi_exec_once(const char *sql, Oid owner, int nargs, const Oid *argtypes,
						  Datum *values, const char *nulls);

#endif							/* MIG_SPI_EXEC_H */
