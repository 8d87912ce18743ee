-- inputs: the ingested sources that hold at least one poll of a transaction of the period
-- (manifest.json lists them), with what ingest recorded of each.
--
-- path: the file's real path when it was first ingested ('-' for standard input).
-- content_sha256: the SHA-256 of its bytes (compressed bytes for .gz), empty while a read is
-- unfinished. ingested_at: the last time it was ingested (UTC). Read from agg_file_15min, the
-- transactions of each quarter hour counted per input holding one of their polls, so the list
-- costs the period's quarter hours, not its polls.
--
-- Counts: size_bytes, lines, accepted, duplicates, refused
WITH period_files AS (
  SELECT file_key
  FROM agg_file_15min
  WHERE bucket_ms >= :start_ms AND bucket_ms < :end_ms
  GROUP BY file_key
  HAVING sum(transactions) > 0
)
SELECT f.path, f.content_sha256, f.size_bytes, f.lines, f.accepted, f.duplicates, f.refused,
       f.last_ingested_at AS ingested_at
FROM period_files pf
JOIN dim_source_file f ON f.file_key = pf.file_key
ORDER BY f.file_key;
