-- id_failure_reasons: why ID Recognition documents failed.
--
-- Over completed ID Recognition transactions: the failed ones grouped by the final poll's
-- recognitionErrorCode (absent or empty: UNSPECIFIED).
-- failure_rate = failures / completed; share_of_failures = failures / all failed.
--
-- Counts: failures
-- Rates: failure_rate, share_of_failures
-- Parameters: :start_ms, :end_ms.
WITH c AS (
  SELECT t.outcome, coalesce(nullif(ec.error_code, ''), 'UNSPECIFIED') AS error_code
  FROM fct_transaction t
  LEFT JOIN dim_error_code ec ON ec.error_code_key = t.error_code_key
  WHERE t.product_key = 1
    AND t.first_ts_ms >= :start_ms AND t.first_ts_ms < :end_ms
    AND t.outcome IN ('passed', 'failed')
),
totals AS (
  SELECT count(*) AS completed, count(CASE WHEN outcome = 'failed' THEN 1 END) AS failed FROM c
)
SELECT c.error_code, count(*) AS failures,
       CAST(count(*) AS DOUBLE PRECISION) / totals.completed AS failure_rate,
       CAST(count(*) AS DOUBLE PRECISION) / totals.failed AS share_of_failures
FROM c, totals
WHERE c.outcome = 'failed'
GROUP BY c.error_code, totals.completed, totals.failed
ORDER BY failures DESC, c.error_code;
