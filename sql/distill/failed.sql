-- Calls the optional teacher answers again: in a cluster, but the logged
-- answer failed (status not ok) or is empty. Same columns as pairs.sql.
SELECT c.call_id,
       a.cluster_id,
       c.messages,
       c.tools,
       c.response_content,
       c.response_tool_calls
FROM calls_in_window c
JOIN cluster_assignments a ON a.call_id = c.call_id
WHERE a.cluster_id IS NOT NULL
  AND (c.status <> 'ok'
       OR (length(trim(coalesce(c.response_content, ''))) = 0
           AND length(trim(coalesce(c.response_tool_calls, ''))) <= 2))
