-- mig:revision: 5e6f708192a3
-- mig:down_revisions: 4d5e6f708192
-- mig:branch_labels:
-- mig:depends_on:
-- mig:message: todo list view

-- mig:upgrade
CREATE VIEW todo_list AS
SELECT t.id, u.email, t.description, t.priority,
       coalesce(array_agg(tt.tag ORDER BY tt.tag) FILTER (WHERE tt.tag IS NOT NULL), '{}') AS tags
  FROM tasks t JOIN users u ON u.id = t.user_id
  LEFT JOIN task_tags tt ON tt.task_id = t.id
 WHERE NOT t.is_complete
 GROUP BY t.id, u.id;

-- mig:downgrade
DROP VIEW todo_list;
