-- Calls and tokens per agent, model and day.
CREATE OR REPLACE VIEW calls_per_agent_model_day AS
SELECT
  date,
  agent,
  model,
  COUNT(*)                                       AS calls,
  SUM(CASE WHEN status = 'ok' THEN 0 ELSE 1 END) AS failed_calls,
  SUM(prompt_tokens)                             AS prompt_tokens,
  SUM(completion_tokens)                         AS completion_tokens,
  SUM(COALESCE(prompt_tokens, 0) + COALESCE(completion_tokens, 0)) AS total_tokens
FROM calls
GROUP BY date, agent, model
ORDER BY date, calls DESC, agent, model;
