-- quality_summary: distribution of VideoVerify face-quality scores.
--
-- Over VideoVerify transactions in the period: scored = those whose final poll carries a
-- quality in [0, 100]; mean, min, percentiles and max of those scores. Percentiles
-- interpolate linearly between closest ranks (h = (n - 1) p over the sorted scores, as
-- numpy and R type 7 do). flagged = final polls with a boolean qualityPassed;
-- quality_passed = those true; quality_passed_rate = quality_passed / flagged.
--
-- Counts: scored, flagged, quality_passed
-- Rates: quality_passed_rate
-- Parameters: :start_ms, :end_ms.
WITH v AS MATERIALIZED (
  SELECT quality, quality_passed
  FROM fct_transaction
  WHERE product_key = 2 AND first_ts_ms >= :start_ms AND first_ts_ms < :end_ms
),
sorted AS (
  SELECT quality AS q, row_number() OVER (ORDER BY quality) - 1 AS i
  FROM v WHERE quality IS NOT NULL
),
n AS (SELECT count(*) AS n FROM sorted),
wanted(p) AS (VALUES (CAST(0.05 AS DOUBLE PRECISION)), (CAST(0.25 AS DOUBLE PRECISION)), (CAST(0.5 AS DOUBLE PRECISION)),
                      (CAST(0.75 AS DOUBLE PRECISION)), (CAST(0.95 AS DOUBLE PRECISION))),
positions AS (
  SELECT p, (n - 1) * p AS h, floor((n - 1) * p) AS lo FROM wanted, n WHERE n > 0
),
percentiles AS (
  SELECT pos.p, lo.q + (pos.h - pos.lo) * (coalesce(hi.q, lo.q) - lo.q) AS value
  FROM positions pos
  JOIN sorted lo ON lo.i = pos.lo
  LEFT JOIN sorted hi ON hi.i = pos.lo + 1
),
flags AS (
  SELECT count(quality_passed) AS flagged, coalesce(sum(quality_passed), 0) AS quality_passed FROM v
)
SELECT (SELECT n FROM n)                                  AS scored,
       (SELECT avg(q) FROM sorted)                        AS mean,
       (SELECT min(q) FROM sorted)                        AS min,
       (SELECT value FROM percentiles WHERE p = 0.05)     AS p05,
       (SELECT value FROM percentiles WHERE p = 0.25)     AS p25,
       (SELECT value FROM percentiles WHERE p = 0.5)      AS p50,
       (SELECT value FROM percentiles WHERE p = 0.75)     AS p75,
       (SELECT value FROM percentiles WHERE p = 0.95)     AS p95,
       (SELECT max(q) FROM sorted)                        AS max,
       flags.flagged,
       flags.quality_passed,
       CASE WHEN flags.flagged > 0 THEN CAST(flags.quality_passed AS DOUBLE PRECISION) / flags.flagged END AS quality_passed_rate
FROM flags;
