-- inputs: the ingested sources that hold at least one poll of a transaction of the period
-- (manifest.json lists them), with what ingest recorded of each.
--
-- path: the file's real path when it was first ingested ('-' for standard input).
-- content_sha256: the SHA-256 of its bytes (compressed bytes for .gz), empty while a read is
-- unfinished. ingested_at: the last time it was ingested (UTC).
--
-- Counts: size_bytes, lines, accepted, duplicates, refused
WITH period_files AS (
  SELECT DISTINCT pl.file_key
  FROM dim_product p
  JOIN fct_transaction t
    ON t.product_key = p.product_key AND t.first_ts_ms >= :start_ms AND t.first_ts_ms < :end_ms
  JOIN fct_poll pl ON pl.transaction_key = t.transaction_key
)
SELECT f.path, f.content_sha256, f.size_bytes, f.lines, f.accepted, f.duplicates, f.refused,
       f.last_ingested_at AS ingested_at
FROM period_files pf
JOIN dim_source_file f ON f.file_key = pf.file_key
ORDER BY f.file_key;
