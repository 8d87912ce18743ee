-- signal_rollups_match_facts: quarter hours and UTC days where agg_signal_15min or
-- agg_signal_day disagrees with fct_transaction, counted by signal profile (the combination of
-- final-poll columns in dim_signal_profile). Returns the rollup, the bucket, the profile (NULL
-- for transactions whose combination has no profile row) and both counts (NULL where one side
-- has no row); no rows when consistent. Each transaction finds its profile by one search of
-- the profile's unique index (the same ifnull expressions).
WITH profiled AS (
  SELECT t.first_ts_ms, sp.signal_profile_key
  FROM fct_transaction t
  LEFT JOIN dim_signal_profile sp
    ON sp.product_key = t.product_key AND sp.outcome = t.outcome
   AND ifnull(sp.error_code_key, -1) = ifnull(t.error_code_key, -1)
   AND ifnull(sp.verdict_label, char(0)) = ifnull(t.verdict_label, char(0))
   AND ifnull(sp.spoof_profile_key, -1) = ifnull(t.spoof_profile_key, -1)
   AND ifnull(sp.deeper_result, char(0)) = ifnull(t.deeper_result, char(0))
   AND ifnull(sp.upload_enabled_result, char(0)) = ifnull(t.upload_enabled_result, char(0))
   AND ifnull(sp.quality_passed, -1) = ifnull(t.quality_passed, -1)
   AND ifnull(sp.willing_profile_key, -1) = ifnull(t.willing_profile_key, -1)
  WHERE t.outcome IS NOT NULL
),
sides AS (
  SELECT 'agg_signal_15min' AS rollup, first_ts_ms - ((first_ts_ms % 900000) + 900000) % 900000 AS bucket_ms,
         signal_profile_key, 1 AS facts, NULL AS counted
  FROM profiled
  UNION ALL
  SELECT 'agg_signal_day', first_ts_ms - ((first_ts_ms % 86400000) + 86400000) % 86400000,
         signal_profile_key, 1, NULL
  FROM profiled
  UNION ALL
  SELECT 'agg_signal_15min', bucket_ms, signal_profile_key, NULL, transactions
  FROM agg_signal_15min WHERE transactions <> 0
  UNION ALL
  SELECT 'agg_signal_day', day_ms, signal_profile_key, NULL, transactions
  FROM agg_signal_day WHERE transactions <> 0
)
SELECT rollup, bucket_ms, signal_profile_key, sum(facts) AS facts, sum(counted) AS rollup_count
FROM sides
GROUP BY rollup, bucket_ms, signal_profile_key
HAVING sum(facts) IS NOT sum(counted)
ORDER BY rollup, bucket_ms, signal_profile_key;
