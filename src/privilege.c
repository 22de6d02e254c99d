/*-------------------------------------------------------------------------
 *
 * privilege.c
 *	  Who may read migration bodies through mig_ext.
 *
 * The bodies are stored in mig_revisions, which grants nothing to PUBLIC,
 * and mig_ext reads that table as its owner.  So a function that would let
 * a body out (as a result, quoted in an error, or as a checksum) first asks
 * whether the calling role itself may SELECT from the table: what a role
 * sees through mig_ext never exceeds what it may see in the table.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "privilege.h"

/*
 * privilege_may_read_bodies: whether the calling role may SELECT from the
 * mig_revisions table of the extension that function fn_oid belongs to.
 * A missing table is not refused here: catalog_open reports it.
 */
bool
privilege_may_read_bodies(Oid fn_oid)
{
	Oid			relid = get_relname_relid("mig_revisions", get_func_namespace(fn_oid));

	return !OidIsValid(relid) ||
		pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK;
}

/*
 * privilege_check_bodies: refuse to go on with function fn_oid, which
 * shows, runs or registers bodies, unless the calling role may read them.
 */
void
privilege_check_bodies(Oid fn_oid)
{
	const char *qnsp;

	if (privilege_may_read_bodies(fn_oid))
		return;
	qnsp = quote_identifier(get_namespace_name(get_func_namespace(fn_oid)));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to read migration bodies"),
			 errdetail("Function %s needs the SELECT privilege on table %s.mig_revisions, which holds the bodies.",
					   get_func_name(fn_oid), qnsp),
			 errhint("To allow it, run GRANT SELECT ON %s.mig_revisions TO %s as the owner of the table.",
					 qnsp, quote_identifier(GetUserNameFromId(GetUserId(), false)))));
}
