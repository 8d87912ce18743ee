-- rollup_matches_facts: quarter hours where agg_outcome_15min disagrees with fct_transaction.
-- Returns the offending (bucket, product, outcome) with both counts; no rows when consistent.
WITH facts AS (
  SELECT first_ts_ms - ((first_ts_ms % 900000) + 900000) % 900000 AS bucket_ms, product_key, outcome, count(*) AS n
  FROM fct_transaction
  GROUP BY 1, 2, 3
),
rollup AS (
  SELECT bucket_ms, product_key, outcome, transactions AS n FROM agg_outcome_15min WHERE transactions <> 0
)
SELECT coalesce(f.bucket_ms, r.bucket_ms) AS bucket_ms, coalesce(f.product_key, r.product_key) AS product_key,
       coalesce(f.outcome, r.outcome) AS outcome, f.n AS facts, r.n AS rollup
FROM facts f
FULL OUTER JOIN rollup r ON r.bucket_ms = f.bucket_ms AND r.product_key = f.product_key AND r.outcome = f.outcome
WHERE f.n IS NOT r.n;
