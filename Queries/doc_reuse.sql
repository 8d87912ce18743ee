-- doc_reuse: one identity document used in several transactions (a fraud signal).
--
-- Keyed hashes of document numbers (stored only when ingesting with --pii-key) seen in
-- two or more ID Recognition transactions of the period, with how many and when.
--
-- Counts: transactions, passed
-- Dates: first_seen, last_seen
-- Parameters: :start_ms, :end_ms.
SELECT document_hash, count(*) AS transactions,
       count(CASE WHEN outcome = 'passed' THEN 1 END) AS passed,
       strftime('%Y-%m-%dT%H:%M:%SZ', min(first_ts_ms) / 1000, 'unixepoch') AS first_seen,
       strftime('%Y-%m-%dT%H:%M:%SZ', max(first_ts_ms) / 1000, 'unixepoch') AS last_seen
FROM fct_transaction
WHERE product_key = 1 AND document_hash IS NOT NULL
  AND first_ts_ms >= :start_ms AND first_ts_ms < :end_ms
GROUP BY document_hash
HAVING count(*) >= 2
ORDER BY transactions DESC, document_hash;
