-- result_codes: transactions by their final poll's resultStatus and resultCode.
--
-- share = transactions / that product's transactions in the period.
--
-- Parameters: :start_ms, :end_ms.
WITH t AS (
  SELECT t.product_key, t.result_status, rc.result_code
  FROM dim_product p
  CROSS JOIN fct_transaction t ON t.product_key = p.product_key  -- product first (CROSS JOIN fixes the order): the period index applies
  JOIN dim_result_code rc ON rc.result_code_key = t.result_code_key
  WHERE t.first_ts_ms >= :start_ms AND t.first_ts_ms < :end_ms
),
totals AS (SELECT product_key, count(*) AS n FROM t GROUP BY product_key)
SELECT p.product, t.result_status, t.result_code, count(*) AS transactions,
       CAST(count(*) AS REAL) / totals.n AS share
FROM t
JOIN dim_product p ON p.product_key = t.product_key
JOIN totals ON totals.product_key = t.product_key
GROUP BY p.product, t.result_status, t.result_code
ORDER BY p.product, transactions DESC, t.result_code, t.result_status;
