-- result_codes: transactions by their final poll's resultStatus and resultCode.
--
-- share = transactions / that product's transactions in the period.
--
-- Counts: transactions
-- Rates: share
-- Parameters: :start_ms, :end_ms.
-- The share's denominator is a window over the grouped rows: the period is read once.
SELECT p.product, t.result_status, rc.result_code, count(*) AS transactions,
       CAST(count(*) AS DOUBLE PRECISION) / sum(count(*)) OVER (PARTITION BY p.product) AS share
FROM dim_product p
CROSS JOIN fct_transaction t  -- product first (CROSS JOIN fixes SQLite's join order): the period index applies
JOIN dim_result_code rc ON rc.result_code_key = t.result_code_key
WHERE t.product_key = p.product_key AND t.first_ts_ms >= :start_ms AND t.first_ts_ms < :end_ms
GROUP BY p.product, t.result_status, rc.result_code
ORDER BY p.product, transactions DESC, rc.result_code, t.result_status;
