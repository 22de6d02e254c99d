/*-------------------------------------------------------------------------
 *
 * desired.h
 *	  Autogenerate: the desired DDL made ready to build in the scratch schema.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_DESIRED_H
#define MIG_DESIRED_H

#include "body.h"

/* What the error context of a desired-schema statement names. */
typedef struct DesiredContext
{
	MigBody    *body;
	int			stmt;			/* 1-based */
} DesiredContext;

extern void desired_error_context(void *arg);
extern char *desired_quote(const char *s);
extern void desired_check_drop(const char *stmt, Oid scratch);
extern char *desired_requalify(const char *s, const char *target, const char *scratch,
							   List *kept);
extern MigBody *desired_prepare(const char *desired, const char *target, const char *scratch,
								List **kept, MigBody **as_written);
extern void desired_set_local(const char *search_path, bool check_bodies);
extern void desired_validate_functions(Oid scratch, const char *search_path);

#endif							/* MIG_DESIRED_H */
