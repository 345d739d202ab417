-- The PII detector version that wrote each date's `calls` partition (the
-- newest recorded for the date; null: written before versions were recorded).
-- `stale` compares it with the version of this binary's detectors.
CREATE OR REPLACE VIEW pii_versions AS
SELECT
  date,
  MAX(detector_version) AS detector_version,
  COALESCE(MAX(CAST(split_part(detector_version, '+', 1) AS BIGINT)), 0) < pii_detector_version() AS stale
FROM pii_findings
GROUP BY date
ORDER BY date;
