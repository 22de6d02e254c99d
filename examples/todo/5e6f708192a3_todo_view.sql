-- mig:revision: 5e6f708192a3
-- mig:down_revisions: 4d5e6f708192
-- mig:branch_labels:
-- mig:depends_on:
-- mig:message: todo list view

-- mig:upgrade
CREATE VIEW todo_list AS
SELECT t.id, t.title, t.priority,
       coalesce(array_agg(tt.tag ORDER BY tt.tag) FILTER (WHERE tt.tag IS NOT NULL), '{}') AS tags
  FROM todo t LEFT JOIN todo_tag tt ON tt.todo = t.id
 WHERE NOT t.done
 GROUP BY t.id;

-- mig:downgrade
DROP VIEW todo_list;
