-- trend: the period and the seven before it, per product.
--
-- Periods of the same kind as the report's (weeks, calendar months, or spans of equal
-- length), oldest first; zeros and an empty rate where a period has no transactions.
-- period_start is the period's first day. Counts come from agg_outcome_15min, the rollup
-- of fct_transaction by the quarter hour a transaction started in, so eight periods cost
-- the same whatever the history (period bounds always fall on quarter hours).
--
-- Counts: transactions, completed, passed
-- Rates: pass_rate
-- Dates: period_start
-- Parameters: :periodN_first_day, :periodN_start_ms, :periodN_end_ms for N = 0 (the oldest)
-- to 7 (the report's period); Verdict fills them from the report period.
-- The periods are materialized: their bounds are computed once, not once per rollup row
-- compared against them.
WITH periods(idx, period_start, start_ms, end_ms) AS MATERIALIZED (
  VALUES
    (0, :period0_first_day, :period0_start_ms, :period0_end_ms),
    (1, :period1_first_day, :period1_start_ms, :period1_end_ms),
    (2, :period2_first_day, :period2_start_ms, :period2_end_ms),
    (3, :period3_first_day, :period3_start_ms, :period3_end_ms),
    (4, :period4_first_day, :period4_start_ms, :period4_end_ms),
    (5, :period5_first_day, :period5_start_ms, :period5_end_ms),
    (6, :period6_first_day, :period6_start_ms, :period6_end_ms),
    (7, :period7_first_day, :period7_start_ms, :period7_end_ms)
),
counts AS (
  SELECT per.idx, per.period_start, p.product_key, p.product,
         coalesce(sum(a.transactions), 0)                                              AS transactions,
         coalesce(sum(CASE WHEN a.outcome IN ('passed', 'failed') THEN a.transactions END), 0) AS completed,
         coalesce(sum(CASE WHEN a.outcome = 'passed' THEN a.transactions END), 0)      AS passed
  FROM periods per
  CROSS JOIN dim_product p
  LEFT JOIN agg_outcome_15min a
    ON a.product_key = p.product_key AND a.bucket_ms >= per.start_ms AND a.bucket_ms < per.end_ms
  GROUP BY per.idx, per.period_start, p.product_key, p.product
)
SELECT period_start, product, transactions, completed, passed,
       CASE WHEN completed > 0 THEN CAST(passed AS DOUBLE PRECISION) / completed END AS pass_rate
FROM counts
ORDER BY idx, product_key;
