-- file_rollup_matches_facts: quarter hours where agg_file_15min disagrees with the facts: the
-- transactions started in that quarter hour with a poll in that input, counted from fct_poll.
-- Returns the bucket, the input and both counts (NULL where one side has none); no rows when
-- consistent.
WITH facts AS (
  SELECT t.first_ts_ms - ((t.first_ts_ms % 900000) + 900000) % 900000 AS bucket_ms, pl.file_key,
         count(DISTINCT t.transaction_key) AS transactions
  FROM fct_poll pl JOIN fct_transaction t ON t.transaction_key = pl.transaction_key
  GROUP BY 1, 2
),
sides AS (
  SELECT bucket_ms, file_key, transactions AS facts, 0 AS counted FROM facts
  UNION ALL
  SELECT bucket_ms, file_key, 0, transactions FROM agg_file_15min WHERE transactions <> 0
)
SELECT bucket_ms, file_key, sum(facts) AS facts, sum(counted) AS rollup_count
FROM sides
GROUP BY bucket_ms, file_key
HAVING sum(facts) <> sum(counted)
ORDER BY bucket_ms, file_key;
