-- mig:revision: 1a2b3c4d5e6f
-- mig:down_revisions:
-- mig:branch_labels:
-- mig:depends_on:
-- mig:message: create todo

-- mig:upgrade
CREATE TABLE todo (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title   text NOT NULL,
    done    boolean NOT NULL DEFAULT false
);

-- mig:downgrade
DROP TABLE todo;
