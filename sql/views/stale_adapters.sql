-- Adapters trained on data from older PII detectors (or of unknown version):
-- they may hold names today's detectors remove. Publish never routes to them;
-- the next run rebuilds their datasets and retrains them.
CREATE OR REPLACE VIEW stale_adapters AS
SELECT cluster_id, version, dataset_version, pii_version, created_at
FROM adapters
WHERE pii_version IS NULL
   OR CAST(split_part(pii_version, '+', 1) AS BIGINT) < pii_detector_version()
ORDER BY cluster_id, created_at;
