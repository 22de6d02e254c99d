-- comments.sql: what each object is for, as \df+, \dt+ and \ds+ show it;
-- every comment of mig_ext is set here, once, in the order of the sources
-- defining the objects.  The comments of internal functions begin with
-- "internal to".

-- catalog.sql
COMMENT ON TABLE mig_revisions IS
    'mig_ext: registered revisions with their bodies; SELECT on this table is what lets a role read bodies through mig_ext';
COMMENT ON TABLE mig_version IS
    'mig_ext: current version rows, one per head applied (moved by mig_upgrade, mig_downgrade and mig_stamp)';
COMMENT ON TABLE mig_log IS
    'mig_ext: audit trail, one row per step applied';
COMMENT ON SEQUENCE mig_revisions_seq_seq IS
    'mig_ext: registration order of mig_revisions';
COMMENT ON SEQUENCE mig_log_id_seq IS
    'mig_ext: ids of mig_log';
COMMENT ON COLUMN mig_revisions.transactional IS
    'false: each statement of the bodies runs on its own, outside a transaction block (CALL mig_deploy only)';
COMMENT ON COLUMN mig_revisions.conflicts IS
    'ids of revisions never to be applied together with this one';
COMMENT ON COLUMN mig_revisions.verify IS
    'statements run after the upgrade that raise an error unless it is really there; NULL: none';
COMMENT ON COLUMN mig_revisions.repeatable IS
    'true: no parents; runs again after an upgrade that reaches the heads whenever its upgrade changed';

-- revisions.sql
COMMENT ON FUNCTION mig_revision(text, text, text, text, text[], text[], text[], boolean, text[], text, boolean) IS
    'register a revision from its message and bodies; returns its id';
COMMENT ON FUNCTION mig_merge(text, text[], text, text[]) IS
    'register a revision merging the given heads; returns its id';
COMMENT ON FUNCTION mig_upgrade(text) IS
    'run the upgrades up to a target; one row per step run';
COMMENT ON FUNCTION mig_downgrade(text) IS
    'run the downgrades down to a target; one row per step run';
COMMENT ON FUNCTION mig_stamp(text, boolean) IS
    'set the version rows to a target without running any body';
COMMENT ON FUNCTION mig_current() IS
    'the current version rows';
COMMENT ON FUNCTION mig_heads() IS
    'the heads of the revision graph';
COMMENT ON FUNCTION mig_branches() IS
    'the branch points of the revision graph';
COMMENT ON FUNCTION mig_history(text) IS
    'the revisions of a history range, newest first';
COMMENT ON FUNCTION mig_show(text) IS
    'the revisions an identifier names, with their bodies';
COMMENT ON FUNCTION mig_plan(text) IS
    'the steps a move to a target would take, running nothing';
COMMENT ON FUNCTION mig_upgrade_sql(text) IS
    'the SQL script of mig_upgrade to a target, to run elsewhere';
COMMENT ON FUNCTION mig_downgrade_sql(text) IS
    'the SQL script of mig_downgrade to a target, to run elsewhere';
COMMENT ON FUNCTION mig_graph() IS
    'the revision graph in Graphviz DOT';
COMMENT ON FUNCTION mig_validate() IS
    'one row per problem of the catalog: unknown or missing revisions, edited or changed bodies, invalid indexes';

-- files.sql
COMMENT ON FUNCTION mig_import(text, text) IS
    'register the revision a revision file describes; returns its id';
COMMENT ON FUNCTION mig_import(text[], text[]) IS
    'register the revisions that revision files describe, in any order given; returns their ids in the order registered';
COMMENT ON FUNCTION mig_adopt_alembic(regclass) IS
    'stamp the revisions an Alembic version table holds; returns them';

-- autogenerate.sql
COMMENT ON FUNCTION mig_autogen_map(text, name, name) IS
    'internal to mig_diff: rewrite one schema qualification to another';
COMMENT ON FUNCTION mig_autogen_objects(oid, name, oid[]) IS
    'internal to mig_diff: the comparable objects of a schema and their definitions';
COMMENT ON FUNCTION mig_autogen_alter_column(text, text, text, text, boolean, text, text, boolean) IS
    'internal to mig_diff: the ALTER TABLE that changes one column';
COMMENT ON FUNCTION mig_autogen_change_column(text, text, text, text, boolean, text, text, text, boolean, text) IS
    'internal to mig_diff: the statements that change a column, its identity included';
COMMENT ON FUNCTION mig_autogen_alter_domain(text, text, boolean, text, boolean) IS
    'internal to mig_diff: the ALTER DOMAIN statements that change a domain';
COMMENT ON FUNCTION mig_autogen_recreate_enum(name, name, text, text[], text[]) IS
    'internal to mig_diff: the statements that rebuild an enum type';
COMMENT ON FUNCTION mig_autogen_diff(oid, oid) IS
    'internal to mig_diff: the changes between two schemas, in apply order';
COMMENT ON FUNCTION mig_diff(text, name) IS
    'the changes that take a schema to the objects a desired DDL creates, in apply order';
COMMENT ON FUNCTION mig_autogenerate(text, text, name, text) IS
    'register a revision whose bodies are the changes mig_diff finds; returns its id';
COMMENT ON FUNCTION mig_check(text, name) IS
    'raise an error listing the pending changes when a schema differs from a desired DDL';

-- deploy.sql
COMMENT ON PROCEDURE mig_deploy(text, interval, integer) IS
    'move to a target committing after each step, non-transactional statements outside any transaction block; outside a transaction block only';
COMMENT ON FUNCTION mig_test(text) IS
    'upgrade, downgrade and upgrade again each revision up to a target, compare the schemas, roll everything back; one row per check';
COMMENT ON FUNCTION mig_verify(text) IS
    'run the verify body of each applied revision up to a target, rolled back; one row per revision';
COMMENT ON FUNCTION mig_rehearse(text) IS
    'run the upgrade to a target and roll it back; per step the locks taken, the storage rewritten, the time and what to do instead';

-- drift.sql
COMMENT ON TABLE mig_drift_log IS 'mig_ext: DDL commands run outside mig_ext (schema drift)';
COMMENT ON SEQUENCE mig_drift_log_id_seq IS 'mig_ext: ids of mig_drift_log rows';
COMMENT ON FUNCTION mig_drift_record() IS
    'internal to the event triggers mig_drift_ddl and mig_drift_drop: records DDL run outside mig_ext';
COMMENT ON EVENT TRIGGER mig_drift_ddl IS 'mig_ext: records DDL run outside mig_ext in mig_drift_log';
COMMENT ON EVENT TRIGGER mig_drift_drop IS 'mig_ext: records drops run outside mig_ext in mig_drift_log';
COMMENT ON FUNCTION mig_drift(boolean) IS
    'the DDL commands run outside mig_ext (since the last step), oldest first';
