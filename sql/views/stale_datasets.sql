-- Dataset versions built from calls of older PII detectors (or of unknown
-- version); the next distill builds new versions from re-anonymized calls.
CREATE OR REPLACE VIEW stale_datasets AS
SELECT cluster_id, version, pii_version, COUNT(*) AS pairs
FROM datasets
WHERE pii_version IS NULL
   OR CAST(split_part(pii_version, '+', 1) AS BIGINT) < pii_detector_version()
GROUP BY cluster_id, version, pii_version
ORDER BY cluster_id, version;
