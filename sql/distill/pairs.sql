-- Training pairs for the distill task: every call of the window that the LLM
-- answered well (status ok, a non-empty answer or tool call) and that belongs
-- to a cluster. `calls_in_window` is `calls` restricted to the task's dates.
-- Calls from the gateway's log: a fallback's answer is the LLM's and counts;
-- an answer the SLM gave never teaches, but when a shadow check also asked
-- the LLM, the LLM's answer is the pair's answer (it is what the SLM should
-- have said where they disagree).
-- Required columns: call_id, cluster_id, messages, tools, response_content,
-- response_tool_calls.
SELECT c.call_id,
       a.cluster_id,
       c.messages,
       c.tools,
       c.response_content,
       c.response_tool_calls
FROM (
  SELECT call_id, messages, tools, status, response_content, response_tool_calls
  FROM calls_in_window
  WHERE coalesce(json_field(metadata, 'route'), 'llm') <> 'slm'
  UNION ALL
  SELECT call_id, messages, tools, status,
         json_field(json_field(json_field(metadata, 'llm_answer'), 'response'), 'content')    AS response_content,
         json_field(json_field(json_field(metadata, 'llm_answer'), 'response'), 'tool_calls') AS response_tool_calls
  FROM calls_in_window
  WHERE json_field(metadata, 'route') = 'slm'
    AND json_field(json_field(metadata, 'llm_answer'), 'response') IS NOT NULL
) c
JOIN cluster_assignments a ON a.call_id = c.call_id
WHERE a.cluster_id IS NOT NULL
  AND c.status = 'ok'
  AND (length(trim(coalesce(c.response_content, ''))) > 0
       OR length(trim(coalesce(c.response_tool_calls, ''))) > 2)
