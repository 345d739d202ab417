-- PII entities replaced by anonymize, per column and entity type (counts, never values).
CREATE OR REPLACE VIEW pii_counts_by_field AS
SELECT
  field,
  entity,
  SUM(count) AS found
FROM pii_findings
WHERE field IS NOT NULL AND count > 0
GROUP BY field, entity
ORDER BY field, found DESC, entity;
