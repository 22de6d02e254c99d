-- mig:revision: 3c4d5e6f7081
-- mig:down_revisions: 1a2b3c4d5e6f
-- mig:branch_labels: tags
-- mig:depends_on:
-- mig:message: tags
--
-- Written on a branch at the same time as "add priority".

-- mig:upgrade
CREATE TABLE tag (name text PRIMARY KEY);
CREATE TABLE todo_tag (
    todo    bigint NOT NULL REFERENCES todo ON DELETE CASCADE,
    tag     text NOT NULL REFERENCES tag ON UPDATE CASCADE,
    PRIMARY KEY (todo, tag)
);

-- mig:downgrade
DROP TABLE todo_tag, tag;
