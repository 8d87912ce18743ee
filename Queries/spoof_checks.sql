-- spoof_checks: pass rate of each document anti-spoofing check.
--
-- Over completed ID Recognition transactions, one row per key seen in the final poll's
-- spoofResult (TAMPER_CHECK, MATERIAL_CHECK, SCREEN_RECAPTURE_CHECK, ...) and always a
-- row DEEPER for deeperResult (the deepfake check).
-- evaluated = transactions where the value is a non-empty string; passed = value Y.
-- Should spoofResult itself carry a key DEEPER, it keeps a row of its own, before the
-- deeperResult row.
--
-- Counts: evaluated, passed
-- Rates: pass_rate
-- Parameters: :start_ms, :end_ms.
-- The period is read once, grouped by profile and deeper result; checks are counted from
-- those groups.
WITH c AS (
  SELECT spoof_profile_key, deeper_result, count(*) AS n
  FROM fct_transaction
  WHERE product_key = 1
    AND first_ts_ms >= :start_ms AND first_ts_ms < :end_ms
    AND outcome IN ('passed', 'failed')
  GROUP BY spoof_profile_key, deeper_result
),
checks AS (
  SELECT b.check_name, 0 AS source, b.evaluated * c.n AS evaluated, b.passed * c.n AS passed
  FROM c
  JOIN bridge_spoof_check b ON b.spoof_profile_key = c.spoof_profile_key
  UNION ALL
  SELECT 'DEEPER', 1, CASE WHEN deeper_result <> '' THEN n ELSE 0 END, CASE WHEN deeper_result = 'Y' THEN n ELSE 0 END
  FROM c WHERE deeper_result IS NOT NULL
  UNION ALL
  SELECT 'DEEPER', 1, 0, 0
)
SELECT check_name AS "check", sum(evaluated) AS evaluated, sum(passed) AS passed,
       CASE WHEN sum(evaluated) > 0 THEN CAST(sum(passed) AS DOUBLE PRECISION) / sum(evaluated) END AS pass_rate
FROM checks
GROUP BY check_name, source
ORDER BY check_name, source;
