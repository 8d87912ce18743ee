-- verdicts: completed transactions by the verdict they got.
--
-- ID Recognition: recognitionResult as logged (Y, N, anything else).
-- VideoVerify: videoVerifyResult, with Success / Failure / VoidTimeout spelled that way
-- whatever the case logged; other values as logged.
-- share = transactions / that product's completed transactions.
--
-- Parameters: :start_ms, :end_ms.
WITH c AS (
  SELECT t.product_key, t.verdict_label
  FROM dim_product p
  CROSS JOIN fct_transaction t ON t.product_key = p.product_key  -- product first (CROSS JOIN fixes the order): the period index applies
  WHERE t.first_ts_ms >= :start_ms AND t.first_ts_ms < :end_ms
    AND t.outcome IN ('passed', 'failed')
),
totals AS (SELECT product_key, count(*) AS completed FROM c GROUP BY product_key)
SELECT p.product, c.verdict_label AS verdict, count(*) AS transactions,
       CAST(count(*) AS REAL) / totals.completed AS share
FROM c
JOIN dim_product p ON p.product_key = c.product_key
JOIN totals ON totals.product_key = c.product_key
GROUP BY p.product, c.verdict_label
ORDER BY p.product, transactions DESC, verdict;
