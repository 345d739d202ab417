-- Quarantined lines and objects per day and reason.
CREATE OR REPLACE VIEW quarantine_by_reason AS
SELECT
  date,
  reason,
  COUNT(*)                       AS records,
  COUNT(DISTINCT source_object)  AS objects,
  SUM(COALESCE(bytes, 0))        AS bytes
FROM quarantine
GROUP BY date, reason
ORDER BY date, records DESC, reason;
