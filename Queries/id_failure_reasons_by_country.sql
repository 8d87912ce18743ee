-- id_failure_reasons_by_country: why ID Recognition documents failed, per issuing country.
--
-- Failed ID Recognition transactions by countryCode (absent: UNSPECIFIED) and
-- recognitionErrorCode (absent or empty: UNSPECIFIED); failure_rate = failures / completed
-- transactions of that country.
--
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
completed AS (SELECT country_code, count(*) AS n FROM c GROUP BY country_code)
SELECT c.country_code, c.error_code, count(*) AS failures,
       CAST(count(*) AS REAL) / completed.n AS failure_rate
FROM c JOIN completed ON completed.country_code = c.country_code
WHERE c.outcome = 'failed'
GROUP BY c.country_code, c.error_code
ORDER BY c.country_code, failures DESC, c.error_code;
