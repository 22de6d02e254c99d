-- mig:revision: 2b3c4d5e6f70
-- mig:down_revisions: 1a2b3c4d5e6f
-- mig:branch_labels:
-- mig:depends_on:
-- mig:message: add priority

-- mig:upgrade
ALTER TABLE todo ADD priority int NOT NULL DEFAULT 0;
CREATE INDEX todo_priority ON todo (priority) WHERE NOT done;

-- mig:downgrade
DROP INDEX todo_priority;
ALTER TABLE todo DROP priority;
