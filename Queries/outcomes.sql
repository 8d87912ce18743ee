-- outcomes: how each product's transactions ended.
--
-- A transaction belongs to the period when its earliest poll does. Its class comes from
-- its final poll: api_error (resultStatus is not S), completed (SUCCESS with a verdict),
-- passed / failed (completed, verdict Y / success), pending (anything else).
-- pass_rate = passed / completed (empty when nothing completed).
-- One row per product, always both.
--
-- Counts: transactions, completed, passed, failed, pending, api_error
-- Rates: pass_rate
-- Parameters: :start_ms, :end_ms (the period as epoch milliseconds, end exclusive).
WITH t AS (
  SELECT product_key, outcome
  FROM fct_transaction
  WHERE first_ts_ms >= :start_ms AND first_ts_ms < :end_ms
),
counts AS (
  SELECT p.product_key, p.product,
         count(t.outcome)                                         AS transactions,
         count(CASE WHEN t.outcome IN ('passed', 'failed') THEN 1 END) AS completed,
         count(CASE WHEN t.outcome = 'passed' THEN 1 END)         AS passed,
         count(CASE WHEN t.outcome = 'failed' THEN 1 END)         AS failed,
         count(CASE WHEN t.outcome = 'pending' THEN 1 END)        AS pending,
         count(CASE WHEN t.outcome = 'api_error' THEN 1 END)      AS api_error
  FROM dim_product p
  LEFT JOIN t ON t.product_key = p.product_key
  GROUP BY p.product_key, p.product
)
SELECT product, transactions, completed, passed, failed, pending, api_error,
       CASE WHEN completed > 0 THEN CAST(passed AS DOUBLE PRECISION) / completed END AS pass_rate
FROM counts
ORDER BY product_key;
