-- id_failure_reasons_by_country: why ID Recognition documents failed, per issuing country.
--
-- Failed ID Recognition transactions by countryCode (absent: UNSPECIFIED) and
-- recognitionErrorCode (absent or empty: UNSPECIFIED); failure_rate = failures / completed
-- transactions of that country.
--
-- Counts: failures
-- Rates: failure_rate
-- Parameters: :start_ms, :end_ms.
WITH c AS (
  SELECT coalesce(nullif(co.country_code, ''), 'UNSPECIFIED') AS country_code,
         coalesce(nullif(ec.error_code, ''), 'UNSPECIFIED') AS error_code, t.outcome
  FROM fct_transaction t
  LEFT JOIN dim_country co ON co.country_key = t.country_key
  LEFT JOIN dim_error_code ec ON ec.error_code_key = t.error_code_key
  WHERE t.product_key = 1 AND t.first_ts_ms >= :start_ms AND t.first_ts_ms < :end_ms
    AND t.outcome IN ('passed', 'failed')
),
-- Completed transactions are grouped once, by country and (failed ones only) error code; a
-- country's completed total is a window over its groups. The period is read once and the
-- cost grows with its transactions and groups (one sort), never with countries times rows.
g AS (
  SELECT country_code, CASE WHEN outcome = 'failed' THEN error_code END AS error_code, count(*) AS n
  FROM c
  GROUP BY country_code, CASE WHEN outcome = 'failed' THEN error_code END
),
rated AS (
  SELECT country_code, error_code, n, sum(n) OVER (PARTITION BY country_code) AS completed
  FROM g
)
SELECT country_code, error_code, n AS failures, CAST(n AS DOUBLE PRECISION) / completed AS failure_rate
FROM rated
WHERE error_code IS NOT NULL
ORDER BY country_code, failures DESC, error_code;
