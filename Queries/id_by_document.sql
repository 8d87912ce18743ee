-- id_by_document: ID Recognition outcomes by document category.
--
-- Transactions of the period by the final poll's docCategory (absent: UNSPECIFIED), with
-- completed, passed, failed and pass_rate = passed / completed.
--
-- Counts: transactions, completed, passed, failed
-- Rates: pass_rate
-- Parameters: :start_ms, :end_ms.
WITH t AS (
  SELECT coalesce(nullif(d.doc_category, ''), 'UNSPECIFIED') AS doc_category, t.outcome
  FROM fct_transaction t
  LEFT JOIN dim_document d ON d.document_key = t.document_key
  WHERE t.product_key = 1 AND t.first_ts_ms >= :start_ms AND t.first_ts_ms < :end_ms
)
SELECT doc_category, count(*) AS transactions,
       count(CASE WHEN outcome IN ('passed', 'failed') THEN 1 END) AS completed,
       count(CASE WHEN outcome = 'passed' THEN 1 END) AS passed,
       count(CASE WHEN outcome = 'failed' THEN 1 END) AS failed,
       CASE WHEN count(CASE WHEN outcome IN ('passed', 'failed') THEN 1 END) > 0
            THEN CAST(count(CASE WHEN outcome = 'passed' THEN 1 END) AS DOUBLE PRECISION)
                 / count(CASE WHEN outcome IN ('passed', 'failed') THEN 1 END) END AS pass_rate
FROM t
GROUP BY doc_category
ORDER BY transactions DESC, doc_category;
