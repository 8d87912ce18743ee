-- data_quality: what ingest could not use, for the period.
--
-- Refused lines whose timestamp could be read and falls in the period, by reason; refused
-- lines with no readable timestamp (all time, they cannot be dated); and invalid fields
-- (warnings) of stored polls in the period, by field.
--
-- A dated refused line is counted once however often its exact bytes were read: overlapping
-- rotated files keep a row per file and line (for `verdict rejects`), but the same bytes
-- with the same millisecond timestamp are one logged line, as a poll read twice is one poll.
-- Undated lines carry nothing that tells a line read twice from the same bytes logged again
-- (a daily log that opens with the same header line), so each one read counts.
--
-- Counts: count
-- Parameters: :start_ms, :end_ms.
SELECT 'refused' AS kind, reason AS item, count(DISTINCT line_sha256) AS count
FROM ingest_refused_line
WHERE ts_ms >= :start_ms AND ts_ms < :end_ms
GROUP BY reason
UNION ALL
SELECT 'refused_undated', reason, count(*)
FROM ingest_refused_line
WHERE ts_ms IS NULL
GROUP BY reason
UNION ALL
SELECT 'warning', field, count(*)
FROM ingest_warning
WHERE ts_ms >= :start_ms AND ts_ms < :end_ms
GROUP BY field
ORDER BY 1, 3 DESC, 2;
