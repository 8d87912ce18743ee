-- id_failure_reasons_by_document: why ID Recognition documents failed, per document category.
--
-- Failed ID Recognition transactions by docCategory (absent: UNSPECIFIED) and
-- recognitionErrorCode (absent or empty: UNSPECIFIED); failure_rate = failures / completed
-- transactions of that category.
--
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
completed AS (SELECT doc_category, count(*) AS n FROM c GROUP BY doc_category)
SELECT c.doc_category, c.error_code, count(*) AS failures,
       CAST(count(*) AS REAL) / completed.n AS failure_rate
FROM c JOIN completed ON completed.doc_category = c.doc_category
WHERE c.outcome = 'failed'
GROUP BY c.doc_category, c.error_code
ORDER BY c.doc_category, failures DESC, c.error_code;
