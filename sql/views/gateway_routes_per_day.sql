-- What the gateway did, per day and route, from its call log (ingested as
-- ordinary input; the route metadata is in the `metadata` column): calls,
-- the SLM's share, fallbacks by reason, shadow agreement, and the share of
-- calls far from every route (drift: the traffic has moved away from the
-- clusters the table was built on).
CREATE OR REPLACE VIEW gateway_routes_per_day AS
SELECT
  date,
  COALESCE(json_field(metadata, 'cluster_id'), '-')                              AS cluster_id,
  COUNT(*)                                                                       AS calls,
  AVG(CASE WHEN json_field(metadata, 'route') = 'slm' THEN 1.0 ELSE 0.0 END)     AS slm_share,
  AVG(CASE WHEN json_field(metadata, 'reason') IN ('slm_error', 'slm_timeout', 'invalid_output')
           THEN 1.0 ELSE 0.0 END)                                                AS fallback_rate,
  SUM(CASE WHEN json_field(metadata, 'reason') = 'slm_error' THEN 1 ELSE 0 END)      AS slm_errors,
  SUM(CASE WHEN json_field(metadata, 'reason') = 'slm_timeout' THEN 1 ELSE 0 END)    AS slm_timeouts,
  SUM(CASE WHEN json_field(metadata, 'reason') = 'invalid_output' THEN 1 ELSE 0 END) AS invalid_outputs,
  SUM(CASE WHEN json_field(metadata, 'reason') = 'demoted' THEN 1 ELSE 0 END)        AS demoted,
  SUM(CASE WHEN json_field(metadata, 'llm_answer') IS NOT NULL THEN 1 ELSE 0 END)    AS shadows,
  AVG(CASE json_field(json_field(metadata, 'llm_answer'), 'agrees')
        WHEN 'true' THEN 1.0 WHEN 'false' THEN 0.0 END)                          AS shadow_agreement,
  AVG(CASE WHEN json_field(metadata, 'reason') = 'far' THEN 1.0 ELSE 0.0 END)    AS out_of_radius_rate
FROM calls
WHERE json_field(metadata, 'route') IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2;
