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
-- Parameters: :periods, a JSON array of {"label": first day, "start": ms, "end": ms},
-- oldest first (Verdict fills it from the report period).
-- The periods are materialized: their bounds are read from the JSON once, not once per
-- rollup row compared against them.
WITH periods AS MATERIALIZED (
  SELECT key AS idx, json_extract(value, '$.label') AS period_start,
         json_extract(value, '$.start') AS start_ms, json_extract(value, '$.end') AS end_ms
  FROM json_each(:periods)
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
       CASE WHEN completed > 0 THEN CAST(passed AS REAL) / completed END AS pass_rate
FROM counts
ORDER BY idx, product_key;
