-- id_failure_reasons_by_document: why ID Recognition documents failed, per document category.
--
-- Failed ID Recognition transactions by docCategory (absent: UNSPECIFIED) and
-- recognitionErrorCode (absent or empty: UNSPECIFIED); failure_rate = failures / completed
-- transactions of that category.
--
-- Counts: failures
-- Rates: failure_rate
-- Parameters: :start_ms, :end_ms.
WITH c AS (
  SELECT coalesce(nullif(d.doc_category, ''), 'UNSPECIFIED') AS doc_category,
         coalesce(nullif(ec.error_code, ''), 'UNSPECIFIED') AS error_code, t.outcome
  FROM fct_transaction t
  LEFT JOIN dim_document d ON d.document_key = t.document_key
  LEFT JOIN dim_error_code ec ON ec.error_code_key = t.error_code_key
  WHERE t.product_key = 1 AND t.first_ts_ms >= :start_ms AND t.first_ts_ms < :end_ms
    AND t.outcome IN ('passed', 'failed')
),
-- Completed transactions are grouped once, by category and (failed ones only) error code; a
-- category's completed total is a window over its groups. The period is read once and the
-- cost grows with its transactions and groups (one sort), never with categories times rows.
g AS (
  SELECT doc_category, CASE WHEN outcome = 'failed' THEN error_code END AS error_code, count(*) AS n
  FROM c
  GROUP BY doc_category, CASE WHEN outcome = 'failed' THEN error_code END
),
rated AS (
  SELECT doc_category, error_code, n, sum(n) OVER (PARTITION BY doc_category) AS completed
  FROM g
)
SELECT doc_category, error_code, n AS failures, CAST(n AS DOUBLE PRECISION) / completed AS failure_rate
FROM rated
WHERE error_code IS NOT NULL
ORDER BY doc_category, failures DESC, error_code;
