-- rollup_matches_facts: quarter hours where agg_outcome_15min disagrees with fct_transaction.
-- Returns the offending (bucket, product, outcome) with both counts (NULL where one side has
-- no row); no rows when consistent. Both sides are stacked and grouped once, so the check reads
-- each table once (a FULL OUTER JOIN here costs SQLite a nested loop over the rollup).
WITH sides AS (
  SELECT first_ts_ms - ((first_ts_ms % 900000) + 900000) % 900000 AS bucket_ms, product_key, outcome,
         1 AS facts, NULL AS rollup
  FROM fct_transaction
  UNION ALL
  SELECT bucket_ms, product_key, outcome, NULL, transactions
  FROM agg_outcome_15min WHERE transactions <> 0
)
SELECT bucket_ms, product_key, outcome, sum(facts) AS facts, sum(rollup) AS rollup
FROM sides
GROUP BY bucket_ms, product_key, outcome
HAVING sum(facts) IS DISTINCT FROM sum(rollup)
ORDER BY bucket_ms, product_key, outcome;
