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
-- Counted from agg_outcome_15min, the rollup of fct_transaction by the quarter hour a
-- transaction started in, product and outcome (period bounds always fall on quarter hours),
-- so a period costs its quarter hours, not its transactions.
WITH counts AS (
  SELECT p.product_key, p.product,
         coalesce(sum(a.transactions), 0)                                                    AS transactions,
         coalesce(sum(CASE WHEN a.outcome IN ('passed', 'failed') THEN a.transactions END), 0) AS completed,
         coalesce(sum(CASE WHEN a.outcome = 'passed' THEN a.transactions END), 0)           AS passed,
         coalesce(sum(CASE WHEN a.outcome = 'failed' THEN a.transactions END), 0)           AS failed,
         coalesce(sum(CASE WHEN a.outcome = 'pending' THEN a.transactions END), 0)          AS pending,
         coalesce(sum(CASE WHEN a.outcome = 'api_error' THEN a.transactions END), 0)        AS api_error
  FROM dim_product p
  LEFT JOIN agg_outcome_15min a
    ON a.product_key = p.product_key AND a.bucket_ms >= :start_ms AND a.bucket_ms < :end_ms
  GROUP BY p.product_key, p.product
)
SELECT product, transactions, completed, passed, failed, pending, api_error,
       CASE WHEN completed > 0 THEN CAST(passed AS DOUBLE PRECISION) / completed END AS pass_rate
FROM counts
ORDER BY product_key;
