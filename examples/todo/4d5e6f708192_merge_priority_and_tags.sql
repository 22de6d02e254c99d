-- mig:revision: 4d5e6f708192
-- mig:down_revisions: 2b3c4d5e6f70, 3c4d5e6f7081
-- mig:branch_labels:
-- mig:depends_on:
-- mig:message: merge priority and tags

-- mig:upgrade

-- mig:downgrade
