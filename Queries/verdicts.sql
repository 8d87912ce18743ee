-- verdicts: completed transactions by the verdict they got.
--
-- ID Recognition: recognitionResult as logged (Y, N, anything else).
-- VideoVerify: videoVerifyResult, with Success / Failure / VoidTimeout spelled that way
-- whatever the case logged; other values as logged.
-- share = transactions / that product's completed transactions.
--
-- Counts: transactions
-- Rates: share
-- Parameters: :start_ms, :end_ms.
-- The share's denominator is a window over the grouped rows: the period is read once.
SELECT p.product, t.verdict_label AS verdict, count(*) AS transactions,
       CAST(count(*) AS DOUBLE PRECISION) / sum(count(*)) OVER (PARTITION BY p.product) AS share
FROM dim_product p
CROSS JOIN fct_transaction t  -- product first (CROSS JOIN fixes SQLite's join order): the period index applies
WHERE t.product_key = p.product_key AND t.first_ts_ms >= :start_ms AND t.first_ts_ms < :end_ms
  AND t.outcome IN ('passed', 'failed')
GROUP BY p.product, t.verdict_label
ORDER BY p.product, transactions DESC, verdict;
