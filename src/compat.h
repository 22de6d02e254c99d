/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  What differs between the PostgreSQL versions mig_ext builds against.
 *
 * Written to the names of PostgreSQL 15 to 18; compiled here on 15.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_COMPAT_H
#define MIG_COMPAT_H

#include "utils/acl.h"
#if PG_VERSION_NUM >= 160000
#include "catalog/pg_database.h"
#endif

/*
 * The library is built with -fvisibility=hidden, so that only what
 * PostgreSQL looks up is exported.  From 16 on PGDLLEXPORT marks those
 * symbols visible; on 15 it is empty on this platform, so give it the
 * attribute 16 gives it.  Include this before PG_MODULE_MAGIC and the
 * entry points' declarations.
 */
#if PG_VERSION_NUM < 160000 && defined(__GNUC__) && !defined(WIN32)
#undef PGDLLEXPORT
#define PGDLLEXPORT __attribute__((visibility("default")))
#endif

/* pg_database_aclcheck became object_aclcheck(DatabaseRelationId, ...) in 16. */
#if PG_VERSION_NUM >= 160000
#define mig_database_aclcheck(dbid, roleid, mode) \
	object_aclcheck(DatabaseRelationId, (dbid), (roleid), (mode))
#else
#define mig_database_aclcheck(dbid, roleid, mode) \
	pg_database_aclcheck((dbid), (roleid), (mode))
#endif

/* PortalRun lost its run_once argument in 18 (a portal always runs once). */
#if PG_VERSION_NUM >= 180000
#define mig_portal_run(portal, count, top, dest, altdest, qc) \
	PortalRun((portal), (count), (top), (dest), (altdest), (qc))
#else
#define mig_portal_run(portal, count, top, dest, altdest, qc) \
	PortalRun((portal), (count), (top), true, (dest), (altdest), (qc))
#endif

#endif							/* MIG_COMPAT_H */
