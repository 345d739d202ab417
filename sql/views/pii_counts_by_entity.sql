-- PII entities replaced by anonymize, per entity type (all dates, and the latest date).
CREATE OR REPLACE VIEW pii_counts_by_entity AS
SELECT
  entity,
  SUM(count)                                                   AS found,
  SUM(CASE WHEN date = (SELECT MAX(date) FROM pii_findings) THEN count ELSE 0 END) AS found_latest_date
FROM pii_findings
GROUP BY entity
ORDER BY found DESC, entity;
