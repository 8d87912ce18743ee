-- spoof_details: pass rates of the detailed anti-spoofing checks and their components.
--
-- Over completed ID Recognition transactions, from the final poll's
-- extraSpoofResultDetails: one row per (spoofType, name) with an empty component
-- counting its result, and one row per (spoofType, name, component) counting subResult.
-- A transaction counts once per row; listed twice, it passes only if every non-empty
-- value is Y. evaluated = a non-empty value; passed = Y.
--
-- Counts: evaluated, passed
-- Rates: pass_rate
-- Parameters: :start_ms, :end_ms.
WITH profiles AS (
  SELECT spoof_profile_key, count(*) AS n
  FROM fct_transaction
  WHERE product_key = 1
    AND first_ts_ms >= :start_ms AND first_ts_ms < :end_ms
    AND outcome IN ('passed', 'failed')
    AND spoof_profile_key IS NOT NULL
  GROUP BY spoof_profile_key
)
SELECT b.spoof_type, b.check_name AS "check", b.component,
       sum(b.evaluated * pr.n) AS evaluated, sum(b.passed * pr.n) AS passed,
       CASE WHEN sum(b.evaluated * pr.n) > 0
            THEN CAST(sum(b.passed * pr.n) AS DOUBLE PRECISION) / sum(b.evaluated * pr.n) END AS pass_rate
FROM profiles pr
JOIN bridge_spoof_detail b ON b.spoof_profile_key = pr.spoof_profile_key
GROUP BY b.spoof_type, b.check_name, b.component
ORDER BY b.spoof_type, b.check_name, b.component;
