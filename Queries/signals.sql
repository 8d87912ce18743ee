-- signals: every rate a risk team watches, per period, for the period and the seven before it.
--
-- A signal is a rate with its numerator and denominator, named kind.key (the key as logged):
--   pass_rate.PRODUCT        passed / completed
--   api_error_rate.PRODUCT   api_error / transactions
--   pending_rate.PRODUCT     pending / transactions
--   id_failure.CODE          failed ID Recognition transactions with that recognitionErrorCode
--                            (absent or empty: UNSPECIFIED) / completed ID Recognition
--   spoof_fail.CHECK         (evaluated - passed) / evaluated, as in spoof_checks (DEEPER is
--                            deeperResult, pooled with a spoofResult key of that name)
--   spoof_detail_fail.TYPE.CHECK[.COMPONENT]   the same for spoof_details rows
--   video_verdict.VERDICT    completed VideoVerify transactions with that verdict / completed
--   upload_mode              uploadEnabledResult Y / a non-empty uploadEnabledResult, over
--                            completed ID Recognition transactions
--   pass_rate_by_upload.V    passed / completed, over completed ID Recognition transactions
--                            whose uploadEnabledResult is V (non-empty)
--   quality_fail             (flagged - quality_passed) / flagged, as in quality_summary
--   willing_fail             (transactions - succeeded) / transactions, as in willing_attempts
-- A signal is listed when its denominator is not zero in at least one of the eight periods,
-- with a row for each period (zeros and an empty rate where it has none). Ordered by signal,
-- then period_start.
--
-- Counts: numerator, denominator
-- Rates: rate
-- Dates: period_start
-- Counts come from two rollups of fct_transaction by signal profile (dim_signal_profile: one
-- combination of the final-poll columns counted here): agg_signal_day for the whole UTC days
-- of a period, agg_signal_15min for its ends off a UTC midnight (zones other than UTC). So
-- eight periods cost some thousands of rollup rows, whatever the traffic.
--
-- Parameters: :periods, a JSON array of {"label": first day, "start": ms, "end": ms},
-- oldest first (Verdict fills it from the report period).
WITH periods AS MATERIALIZED (
  SELECT CAST(key AS INTEGER) AS idx, json_extract(value, '$.label') AS period_start,
         CAST(json_extract(value, '$.start') AS BIGINT) AS start_ms, CAST(json_extract(value, '$.end') AS BIGINT) AS end_ms
  FROM json_each(:periods, '$')
),
-- [day_lo, day_hi): the whole UTC days inside the period (none when day_lo >= day_hi).
spans AS MATERIALIZED (
  SELECT idx, period_start, start_ms, end_ms,
         start_ms + (86400000 - ((start_ms % 86400000) + 86400000) % 86400000) % 86400000 AS day_lo,
         end_ms - ((end_ms % 86400000) + 86400000) % 86400000 AS day_hi
  FROM periods
),
-- Where the quarter hours are read: before the first UTC midnight, and from the last one.
edges AS MATERIALIZED (
  SELECT idx, start_ms, end_ms, day_lo, day_hi,
         CASE WHEN end_ms < day_lo THEN end_ms ELSE day_lo END AS head_end,
         CASE WHEN day_hi > day_lo THEN day_hi ELSE day_lo END AS tail_start
  FROM spans
),
by_profile AS (
  SELECT s.idx, a.signal_profile_key, a.transactions
  FROM edges s JOIN agg_signal_day a ON a.day_ms >= s.day_lo AND a.day_ms < s.day_hi
  UNION ALL
  SELECT s.idx, q.signal_profile_key, q.transactions
  FROM edges s JOIN agg_signal_15min q ON q.bucket_ms >= s.start_ms AND q.bucket_ms < s.head_end
  UNION ALL
  SELECT s.idx, q.signal_profile_key, q.transactions
  FROM edges s JOIN agg_signal_15min q ON q.bucket_ms >= s.tail_start AND q.bucket_ms < s.end_ms
),
-- Transactions per period and signal profile (n of them).
t AS MATERIALIZED (
  SELECT b.idx, sp.product_key, p.product, sp.outcome, sp.verdict_label, sp.error_code_key, sp.spoof_profile_key,
         sp.deeper_result, sp.upload_enabled_result, sp.quality_passed, sp.willing_profile_key, b.n
  FROM (SELECT idx, signal_profile_key, sum(transactions) AS n FROM by_profile GROUP BY idx, signal_profile_key) b
  JOIN dim_signal_profile sp ON sp.signal_profile_key = b.signal_profile_key
  JOIN dim_product p ON p.product_key = sp.product_key
  WHERE b.n > 0
),
completed_id AS (
  SELECT idx, sum(n) AS n FROM t WHERE product_key = 1 AND outcome IN ('passed', 'failed') GROUP BY idx
),
-- Completed ID Recognition transactions per period and spoof profile: the spoof checks are
-- joined to these (a few hundred rows), not to every signal profile.
spoofed AS (
  SELECT idx, spoof_profile_key, sum(n) AS n FROM t
  WHERE product_key = 1 AND outcome IN ('passed', 'failed') AND spoof_profile_key IS NOT NULL
  GROUP BY idx, spoof_profile_key
),
completed_vv AS (
  SELECT idx, sum(n) AS n FROM t WHERE product_key = 2 AND outcome IN ('passed', 'failed') GROUP BY idx
),
parts (signal, idx, numerator, denominator) AS (
  SELECT 'pass_rate.' || product, idx, sum(CASE WHEN outcome = 'passed' THEN n ELSE 0 END),
         sum(CASE WHEN outcome IN ('passed', 'failed') THEN n ELSE 0 END)
  FROM t GROUP BY product, idx
  UNION ALL
  SELECT 'api_error_rate.' || product, idx, sum(CASE WHEN outcome = 'api_error' THEN n ELSE 0 END), sum(n)
  FROM t GROUP BY product, idx
  UNION ALL
  SELECT 'pending_rate.' || product, idx, sum(CASE WHEN outcome = 'pending' THEN n ELSE 0 END), sum(n)
  FROM t GROUP BY product, idx
  UNION ALL
  SELECT 'id_failure.' || coalesce(nullif(ec.error_code, ''), 'UNSPECIFIED'), t.idx, sum(t.n), 0
  FROM t LEFT JOIN dim_error_code ec ON ec.error_code_key = t.error_code_key
  WHERE t.product_key = 1 AND t.outcome = 'failed'
  GROUP BY 1, t.idx
  UNION ALL
  -- (counted by check first, named after: a name is built once per check, not per profile)
  SELECT 'spoof_fail.' || check_name, idx, sum(failed), sum(evaluated)
  FROM (SELECT t.idx, b.check_name, sum(t.n * (b.evaluated - b.passed)) AS failed, sum(t.n * b.evaluated) AS evaluated
        FROM spoofed t JOIN bridge_spoof_check b ON b.spoof_profile_key = t.spoof_profile_key
        GROUP BY t.idx, b.check_name) x
  GROUP BY 1, idx
  UNION ALL
  SELECT 'spoof_fail.DEEPER', idx, sum(CASE WHEN deeper_result <> '' AND deeper_result <> 'Y' THEN n ELSE 0 END),
         sum(CASE WHEN deeper_result <> '' THEN n ELSE 0 END)
  FROM t WHERE product_key = 1 AND outcome IN ('passed', 'failed') AND deeper_result IS NOT NULL
  GROUP BY idx
  UNION ALL
  SELECT 'spoof_detail_fail.' || spoof_type || '.' || check_name || CASE WHEN component <> '' THEN '.' || component ELSE '' END,
         idx, sum(failed), sum(evaluated)
  FROM (SELECT t.idx, d.spoof_type, d.check_name, d.component, sum(t.n * (d.evaluated - d.passed)) AS failed,
               sum(t.n * d.evaluated) AS evaluated
        FROM spoofed t JOIN bridge_spoof_detail d ON d.spoof_profile_key = t.spoof_profile_key
        GROUP BY t.idx, d.spoof_type, d.check_name, d.component) x
  GROUP BY 1, idx
  UNION ALL
  SELECT 'video_verdict.' || verdict_label, idx, sum(n), 0
  FROM t WHERE product_key = 2 AND outcome IN ('passed', 'failed')
  GROUP BY 1, idx
  UNION ALL
  SELECT 'upload_mode', idx, sum(CASE WHEN upload_enabled_result = 'Y' THEN n ELSE 0 END), sum(n)
  FROM t WHERE product_key = 1 AND outcome IN ('passed', 'failed') AND upload_enabled_result <> ''
  GROUP BY idx
  UNION ALL
  SELECT 'pass_rate_by_upload.' || upload_enabled_result, idx, sum(CASE WHEN outcome = 'passed' THEN n ELSE 0 END), sum(n)
  FROM t WHERE product_key = 1 AND outcome IN ('passed', 'failed') AND upload_enabled_result <> ''
  GROUP BY 1, idx
  UNION ALL
  SELECT 'quality_fail', idx, sum(CASE WHEN quality_passed = 0 THEN n ELSE 0 END), sum(n)
  FROM t WHERE product_key = 2 AND quality_passed IS NOT NULL
  GROUP BY idx
  UNION ALL
  SELECT 'willing_fail', t.idx, sum(CASE WHEN w.succeeded = 0 THEN t.n ELSE 0 END), sum(t.n)
  FROM t JOIN dim_willing_profile w ON w.willing_profile_key = t.willing_profile_key
  WHERE t.product_key = 2 AND w.record_count > 0
  GROUP BY t.idx
),
summed AS (
  SELECT signal, idx, sum(numerator) AS numerator, sum(denominator) AS denominator FROM parts GROUP BY signal, idx
),
-- A share of completed transactions takes its period's completed count as denominator.
counted AS (
  SELECT s.signal, s.idx, s.numerator,
         CASE WHEN s.signal LIKE 'id\_failure.%' ESCAPE '\' THEN coalesce(ci.n, 0)
              WHEN s.signal LIKE 'video\_verdict.%' ESCAPE '\' THEN coalesce(cv.n, 0)
              ELSE s.denominator END AS denominator
  FROM summed s
  LEFT JOIN completed_id ci ON ci.idx = s.idx
  LEFT JOIN completed_vv cv ON cv.idx = s.idx
),
names AS (
  SELECT signal FROM counted GROUP BY signal HAVING max(denominator) > 0
),
grid AS (
  SELECT n.signal, per.idx, per.period_start FROM names n CROSS JOIN periods per
)
SELECT g.signal, g.period_start, coalesce(c.numerator, 0) AS numerator,
       CASE WHEN g.signal LIKE 'id\_failure.%' ESCAPE '\' THEN coalesce(ci.n, 0)
            WHEN g.signal LIKE 'video\_verdict.%' ESCAPE '\' THEN coalesce(cv.n, 0)
            ELSE coalesce(c.denominator, 0) END AS denominator,
       CASE WHEN (CASE WHEN g.signal LIKE 'id\_failure.%' ESCAPE '\' THEN coalesce(ci.n, 0)
                       WHEN g.signal LIKE 'video\_verdict.%' ESCAPE '\' THEN coalesce(cv.n, 0)
                       ELSE coalesce(c.denominator, 0) END) > 0
            THEN CAST(coalesce(c.numerator, 0) AS DOUBLE PRECISION)
                 / (CASE WHEN g.signal LIKE 'id\_failure.%' ESCAPE '\' THEN ci.n
                         WHEN g.signal LIKE 'video\_verdict.%' ESCAPE '\' THEN cv.n
                         ELSE c.denominator END) END AS rate
FROM grid g
LEFT JOIN counted c ON c.signal = g.signal AND c.idx = g.idx
LEFT JOIN completed_id ci ON ci.idx = g.idx
LEFT JOIN completed_vv cv ON cv.idx = g.idx
ORDER BY g.signal, g.idx;
