/*-------------------------------------------------------------------------
 *
 * adopt.h
 *	  Taking over the state of an Alembic version table.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_ADOPT_H
#define MIG_ADOPT_H

extern char **adopt_alembic(Oid fn_oid, Oid relid, int *n);

#endif							/* MIG_ADOPT_H */
