-- Staged quarantine records -> the `quarantine` table. Records never hold the
-- bad line itself, only where it was and why; the object key is still
-- redacted, since keys can carry user names or e-mails.
SELECT
  date,
  run_id,
  task_id,
  pii_redact(source_object) AS source_object,
  line,
  reason,
  pii_redact(detail)        AS detail,
  bytes
FROM staged_quarantine
