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

-- expand.sql
COMMENT ON TABLE mig_expand_ops IS 'mig_ext: the operations (mig_op_*) each revision''s upgrade ran, in order';
COMMENT ON TABLE mig_expand_state IS 'mig_ext: the revisions started by mig_start (completed_at NULL: started, not completed)';
COMMENT ON FUNCTION mig_op_context(text) IS
    'internal to the operations: how the running body runs them (start, full, undo); refuses outside a body';
COMMENT ON FUNCTION mig_op_record(mig_expand_ops) IS
    'internal to the operations: records an operation of the running revision';
COMMENT ON FUNCTION mig_op_forget() IS
    'internal to mig_op_undo: forgets the operations of the running revision';
COMMENT ON FUNCTION mig_expand_ops_of(text) IS
    'internal to the operations: the operations of a revision (NULL: the running one), in order';
COMMENT ON FUNCTION mig_expand_new_op(text, regclass, name) IS
    'internal to the operations: a new operation of the running revision, checked';
COMMENT ON FUNCTION mig_expand_check_unused(regclass, name, text) IS
    'internal to the operations: refuses a column an index or constraint uses';
COMMENT ON FUNCTION mig_expand_qtable(mig_expand_ops) IS 'internal to the operations: the table, quoted';
COMMENT ON FUNCTION mig_expand_nn_name(mig_expand_ops) IS 'internal to the operations: the name of a NOT NULL check';
COMMENT ON FUNCTION mig_expand_index_sql(mig_expand_ops, boolean) IS
    'internal to the operations: the index an operation builds, or NULL';
COMMENT ON FUNCTION mig_expand_set_sql(mig_expand_ops) IS
    'internal to the operations: the assignments that backfill an operation''s new column';
COMMENT ON FUNCTION mig_expand_validate_sql(mig_expand_ops) IS
    'internal to the operations: the constraints an operation validates before its contract half';
COMMENT ON FUNCTION mig_expand_half(mig_expand_ops, text) IS
    'internal to the operations: the statements of one half of an operation';
COMMENT ON FUNCTION mig_expand_exec(mig_expand_ops, text) IS
    'internal to the operations: runs one half of an operation';
COMMENT ON FUNCTION mig_expand_run(mig_expand_ops, text) IS
    'internal to the operations: runs an operation as its body asks and records it';
COMMENT ON FUNCTION mig_expand_shape(text, regclass, boolean, boolean) IS
    'internal to mig_start: the columns of a table in the new or old shape';
COMMENT ON FUNCTION mig_expand_finish(text, name, name) IS
    'internal to mig_start: the version schema of a started revision and the triggers keeping both shapes in sync';
COMMENT ON FUNCTION mig_expand_backfill_sql(text, integer) IS
    'internal to mig_start: the backfill of a started revision, per table';
COMMENT ON FUNCTION mig_expand_index_list(text) IS
    'internal to mig_start: the indexes a started revision builds concurrently';
COMMENT ON FUNCTION mig_expand_validate_list(text) IS
    'internal to mig_complete: the constraints a started revision validates';
COMMENT ON FUNCTION mig_expand_contract_sql(text, name, name) IS
    'internal to mig_complete and mig_rehearse: the statements of the contract halves of a started revision';
COMMENT ON FUNCTION mig_expand_contract(text, name, name) IS
    'internal to mig_complete: the contract halves of a started revision';
COMMENT ON FUNCTION mig_expand_sync_drops(name) IS
    'internal to mig_complete and mig_rollback: the statements dropping the triggers that keep both shapes in sync';
COMMENT ON FUNCTION mig_expand_undo(text, name) IS
    'internal to mig_rollback: undoes the expand halves of a started revision';
COMMENT ON FUNCTION mig_op_add_column(regclass, text, text) IS
    'in a revision body: add a column (name type [DEFAULT ...] [NOT NULL]), filled by backfill for existing rows and the old application';
COMMENT ON FUNCTION mig_op_rename_column(regclass, name, name) IS
    'in a revision body: rename a column (the new version''s view shows the new name until mig_complete renames it)';
COMMENT ON FUNCTION mig_op_alter_column(regclass, name, text, text, text, boolean, text, text, boolean) IS
    'in a revision body: change a column''s type, NOT NULL, check, default or uniqueness through a shadow column kept in sync by up and down';
COMMENT ON FUNCTION mig_op_drop_column(regclass, name, text) IS
    'in a revision body: drop a column (hidden from the new version; down fills it for the new application''s inserts)';
COMMENT ON FUNCTION mig_op_rename_table(regclass, name) IS
    'in a revision body: rename a table (the new version''s view has the new name until mig_complete renames it)';
COMMENT ON FUNCTION mig_op_drop_table(regclass) IS
    'in a revision body: drop a table (no view of it in the new version; dropped by mig_complete)';
COMMENT ON FUNCTION mig_op_create_index(regclass, name, text) IS
    'in a revision body: create an index (concurrently under mig_start); definition: [USING method] (columns) [INCLUDE ...] [WHERE ...]';
COMMENT ON FUNCTION mig_op_add_foreign_key(regclass, name, name[], regclass, name[], text) IS
    'in a revision body: add a foreign key, NOT VALID until mig_complete validates it';
COMMENT ON FUNCTION mig_op_add_check(regclass, name, text) IS
    'in a revision body: add a check constraint, NOT VALID until mig_complete validates it';
COMMENT ON FUNCTION mig_op_undo() IS
    'in a downgrade body: run the inverse of each operation the revision''s upgrade ran, last first';
COMMENT ON PROCEDURE mig_start(text, integer, interval, integer) IS
    'upgrade to a target and start its last revision: the expand halves of its operations, its version schema, the backfill; outside a transaction block only';
COMMENT ON PROCEDURE mig_complete(interval, integer) IS
    'complete the started revision: the contract halves of its operations, the old version schema dropped; outside a transaction block only';
COMMENT ON PROCEDURE mig_rollback(interval, integer) IS
    'undo the started revision: its version schema and what its expand halves added dropped, its downgrade run; outside a transaction block only';

-- drift.sql
COMMENT ON TABLE mig_drift_log IS 'mig_ext: DDL commands run outside mig_ext (schema drift)';
COMMENT ON SEQUENCE mig_drift_log_id_seq IS 'mig_ext: ids of mig_drift_log rows';
COMMENT ON FUNCTION mig_drift_record() IS
    'internal to the event triggers mig_drift_ddl and mig_drift_drop: records DDL run outside mig_ext';
COMMENT ON EVENT TRIGGER mig_drift_ddl IS 'mig_ext: records DDL run outside mig_ext in mig_drift_log';
COMMENT ON EVENT TRIGGER mig_drift_drop IS 'mig_ext: records drops run outside mig_ext in mig_drift_log';
COMMENT ON FUNCTION mig_drift(boolean) IS
    'the DDL commands run outside mig_ext (since the last step), oldest first';
