/*-------------------------------------------------------------------------
 *
 * privilege.h
 *	  Who may read migration bodies through mig_ext.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIG_PRIVILEGE_H
#define MIG_PRIVILEGE_H

extern bool privilege_may_read_bodies(Oid fn_oid);
extern void privilege_check_bodies(Oid fn_oid);

#endif							/* MIG_PRIVILEGE_H */
