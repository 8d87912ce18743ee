-- signal_rollups_match_facts: quarter hours and UTC days where agg_signal_15min or
-- agg_signal_day disagrees with fct_transaction. Both sides are counted by what the
-- transactions ended as (the columns of dim_signal_profile, spelled out), stacked and grouped
-- once, so the check reads each table once and compares values, not keys: a rollup row whose
-- profile is missing, or a transaction whose combination the rollup lacks, shows as a
-- difference. Returns the rollup, the bucket, the combination and both counts (NULL where one
-- side has none); no rows when consistent.
WITH facts AS (
  SELECT first_ts_ms - ((first_ts_ms % 900000) + 900000) % 900000 AS bucket_ms,
         first_ts_ms - ((first_ts_ms % 86400000) + 86400000) % 86400000 AS day_ms,
         product_key, outcome, error_code_key, verdict_label, spoof_profile_key, deeper_result,
         upload_enabled_result, quality_passed, willing_profile_key
  FROM fct_transaction
  WHERE outcome IS NOT NULL
),
sides AS (
  SELECT 'agg_signal_15min' AS rollup, bucket_ms, product_key, outcome, error_code_key, verdict_label, spoof_profile_key,
         deeper_result, upload_enabled_result, quality_passed, willing_profile_key, 1 AS facts, 0 AS counted
  FROM facts
  UNION ALL
  SELECT 'agg_signal_day', day_ms, product_key, outcome, error_code_key, verdict_label, spoof_profile_key,
         deeper_result, upload_enabled_result, quality_passed, willing_profile_key, 1, 0
  FROM facts
  UNION ALL
  SELECT 'agg_signal_15min', q.bucket_ms, p.product_key, p.outcome, p.error_code_key, p.verdict_label, p.spoof_profile_key,
         p.deeper_result, p.upload_enabled_result, p.quality_passed, p.willing_profile_key, 0, q.transactions
  FROM agg_signal_15min q LEFT JOIN dim_signal_profile p ON p.signal_profile_key = q.signal_profile_key
  WHERE q.transactions <> 0
  UNION ALL
  SELECT 'agg_signal_day', d.day_ms, p.product_key, p.outcome, p.error_code_key, p.verdict_label, p.spoof_profile_key,
         p.deeper_result, p.upload_enabled_result, p.quality_passed, p.willing_profile_key, 0, d.transactions
  FROM agg_signal_day d LEFT JOIN dim_signal_profile p ON p.signal_profile_key = d.signal_profile_key
  WHERE d.transactions <> 0
)
SELECT rollup, bucket_ms, product_key, outcome, error_code_key, verdict_label, spoof_profile_key, deeper_result,
       upload_enabled_result, quality_passed, willing_profile_key, sum(facts) AS facts, sum(counted) AS rollup_count
FROM sides
GROUP BY rollup, bucket_ms, product_key, outcome, error_code_key, verdict_label, spoof_profile_key, deeper_result,
         upload_enabled_result, quality_passed, willing_profile_key
HAVING sum(facts) <> sum(counted)
ORDER BY rollup, bucket_ms, product_key, outcome, error_code_key, verdict_label, spoof_profile_key, deeper_result,
         upload_enabled_result, quality_passed, willing_profile_key;
