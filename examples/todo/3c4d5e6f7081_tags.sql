-- mig:revision: 3c4d5e6f7081
-- mig:down_revisions: 1a2b3c4d5e6f
-- mig:branch_labels: tags
-- mig:depends_on:
-- mig:message: add tags to tasks
--
-- Written on a branch at the same time as "add priority to tasks".

-- mig:upgrade
CREATE TABLE tags (name text PRIMARY KEY);
CREATE TABLE task_tags (
    task_id     int NOT NULL REFERENCES tasks ON DELETE CASCADE,
    tag         text NOT NULL REFERENCES tags ON UPDATE CASCADE,
    PRIMARY KEY (task_id, tag)
);

-- mig:downgrade
DROP TABLE task_tags, tags;
