-- mig:revision: 2b3c4d5e6f70
-- mig:down_revisions: 1a2b3c4d5e6f
-- mig:branch_labels:
-- mig:depends_on:
-- mig:message: add priority to tasks

-- mig:upgrade
ALTER TABLE tasks ADD COLUMN priority integer;
CREATE INDEX tasks_priority ON tasks (priority) WHERE NOT is_complete;

-- mig:downgrade
DROP INDEX tasks_priority;
ALTER TABLE tasks DROP COLUMN priority;
