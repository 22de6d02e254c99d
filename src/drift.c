/*-------------------------------------------------------------------------
 *
 * drift.c
 *	  Schema drift (Atlas, Bytebase, Flyway's validate): DDL run outside
 *	  mig_ext, recorded by an event trigger and reported.
 *
 * The extension's event triggers mig_drift_ddl (ddl_command_end) and
 * mig_drift_drop (sql_drop) call mig_drift_record, which writes one row
 * per command into mig_drift_log: the role, the session's user, the time,
 * the command tag, the object and the statement.  Commands of migration
 * bodies (run_body, and the background workers of non-transactional
 * statements), of extension scripts and on temporary objects are left
 * out; so is everything while mig_ext.record_drift is off (superusers
 * only).  mig_validate reports the rows written since the last step
 * logged as drift, mig_drift lists them, and an upgrade warns about them,
 * or refuses to run, as mig_ext.on_drift says (warn, refuse, ignore).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/extension.h"

#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "postmaster/bgworker.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "drift.h"
#include "expand.h"
#include "runner.h"

/* What an upgrade does about drift since the last step. */
typedef enum DriftAction
{
	DRIFT_IGNORE,
	DRIFT_WARN,
	DRIFT_REFUSE
} DriftAction;

static const struct config_enum_entry drift_actions[] = {
	{"ignore", DRIFT_IGNORE, false},
	{"warn", DRIFT_WARN, false},
	{"refuse", DRIFT_REFUSE, false},
	{NULL, 0, false}
};

/* mig_ext.record_drift and mig_ext.on_drift */
static bool drift_recording = true;
static int	drift_action = DRIFT_WARN;

/* drift_define_settings: the settings above, once the library loads. */
void
drift_define_settings(void)
{
	DefineCustomBoolVariable("mig_ext.record_drift",
							 "Records DDL run outside mig_ext in mig_drift_log.",
							 NULL, &drift_recording, true, PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("mig_ext.on_drift",
							 "What an upgrade does when DDL ran outside mig_ext since the last step: warn, refuse or ignore.",
							 NULL, &drift_action, DRIFT_WARN, drift_actions, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("mig_ext");
}

/*
 * drift_record: the body of the event trigger function mig_drift_record:
 * record the commands of the statement ending now, unless mig_ext runs
 * them (or an extension script does), recording is off, or the catalog has no mig_drift_log (before the
 * update to 1.2, or while the extension is being dropped).
 */
void
drift_record(FunctionCallInfo fcinfo)
{
	EventTriggerData *trig;
	Oid			nsp;
	MigCatalog	cat;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("mig_drift_record can only be called by an event trigger")));
	if (!drift_recording || runner_is_busy() || expand_is_running() || creating_extension ||
		(MyBgworkerEntry && strcmp(MyBgworkerEntry->bgw_library_name, "mig_ext") == 0))
		return;
	nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	if (!OidIsValid(get_relname_relid("mig_drift_log", nsp)) ||
		!OidIsValid(get_relname_relid("mig_revisions", nsp)))
		return;
	trig = (EventTriggerData *) fcinfo->context;
	SPI_connect();
	catalog_open(&cat, fcinfo->flinfo->fn_oid);
	catalog_record_drift(&cat, strcmp(trig->event, "sql_drop") == 0,
						 GetCommandTagName(trig->tag), debug_query_string);
	SPI_finish();
}

/* describe: one sentence about a command recorded outside mig_ext. */
static char *
describe(const MigDrift *d)
{
	return psprintf("Role %s ran %s%s%s%s at %s, outside mig_ext.", d->role, d->tag,
					d->identity ? " on " : "", d->object_type && d->identity ? d->object_type : "",
					d->identity ? psprintf(" %s", d->identity) : "", timestamptz_to_str(d->at));
}

/*
 * drift_since_last_step: a sentence per command recorded outside mig_ext
 * since the last step logged (none before the update to 1.2).
 */
List *
drift_since_last_step(MigCatalog *cat)
{
	List	   *out = NIL;
	ListCell   *lc;

	if (!cat->has_transactional)
		return NIL;
	foreach(lc, catalog_read_drift(cat, true))
		out = lappend(out, describe(lfirst(lc)));
	return out;
}

/*
 * drift_check: before an upgrade's steps, warn about the commands run
 * outside mig_ext since the last step, or refuse, as mig_ext.on_drift
 * says.
 */
void
drift_check(MigCatalog *cat)
{
	List	   *drift;

	if (drift_action == DRIFT_IGNORE)
		return;
	drift = drift_since_last_step(cat);
	if (drift == NIL)
		return;
	ereport(drift_action == DRIFT_REFUSE ? ERROR : WARNING,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the schema changed outside mig_ext since the last step"),
			 errdetail_plural("%d DDL command ran outside a migration: %s",
							  "%d DDL commands ran outside a migration, the first: %s",
							  list_length(drift), list_length(drift), (char *) linitial(drift)),
			 drift_action == DRIFT_REFUSE ?
			 errhint("mig_drift() lists them. Make the change a revision (or undo it), or set mig_ext.on_drift to warn to run anyway.") :
			 errhint("mig_drift() lists them. Set mig_ext.on_drift to refuse to stop upgrades while the schema has drifted.")));
}
