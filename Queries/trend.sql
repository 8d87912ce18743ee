-- trend: the period and the seven before it, per product.
--
-- Periods of the same kind as the report's (weeks, calendar months, or spans of equal
-- length), oldest first; zeros and an empty rate where a period has no transactions.
-- period_start is the period's first day.
--
-- Parameters: :periods, a JSON array of {"label": first day, "start": ms, "end": ms},
-- oldest first (Verdict fills it from the report period).
WITH periods AS (
  SELECT key AS idx, json_extract(value, '$.label') AS period_start,
         json_extract(value, '$.start') AS start_ms, json_extract(value, '$.end') AS end_ms
  FROM json_each(:periods)
)
SELECT per.period_start, p.product,
       count(t.transaction_key)                                       AS transactions,
       count(CASE WHEN t.outcome IN ('passed', 'failed') THEN 1 END)  AS completed,
       count(CASE WHEN t.outcome = 'passed' THEN 1 END)               AS passed,
       CASE WHEN count(CASE WHEN t.outcome IN ('passed', 'failed') THEN 1 END) > 0
            THEN CAST(count(CASE WHEN t.outcome = 'passed' THEN 1 END) AS REAL)
                 / count(CASE WHEN t.outcome IN ('passed', 'failed') THEN 1 END) END AS pass_rate
FROM periods per
CROSS JOIN dim_product p
LEFT JOIN fct_transaction t
  ON t.product_key = p.product_key AND t.first_ts_ms >= per.start_ms AND t.first_ts_ms < per.end_ms
GROUP BY per.idx, per.period_start, p.product_key, p.product
ORDER BY per.idx, p.product_key;
