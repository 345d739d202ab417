-- Latency percentiles (milliseconds) per agent and model, over all dates.
CREATE OR REPLACE VIEW latency_percentiles AS
SELECT
  agent,
  model,
  COUNT(latency_ms)                              AS calls_with_latency,
  approx_percentile_cont(latency_ms, 0.50)       AS p50_ms,
  approx_percentile_cont(latency_ms, 0.90)       AS p90_ms,
  approx_percentile_cont(latency_ms, 0.99)       AS p99_ms,
  MAX(latency_ms)                                AS max_ms
FROM calls
WHERE latency_ms IS NOT NULL
GROUP BY agent, model
ORDER BY agent, model;
