-- Training pairs for the distill task: every call of the window that the LLM
-- answered well (status ok, a non-empty answer or tool call) and that belongs
-- to a cluster. `calls_in_window` is `calls` restricted to the task's dates.
-- Required columns: call_id, cluster_id, messages, tools, response_content,
-- response_tool_calls.
SELECT c.call_id,
       a.cluster_id,
       c.messages,
       c.tools,
       c.response_content,
       c.response_tool_calls
FROM calls_in_window c
JOIN cluster_assignments a ON a.call_id = c.call_id
WHERE a.cluster_id IS NOT NULL
  AND c.status = 'ok'
  AND (length(trim(coalesce(c.response_content, ''))) > 0
       OR length(trim(coalesce(c.response_tool_calls, ''))) > 2)
