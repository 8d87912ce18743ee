-- willing_statuses: every willing-verification attempt by its status.
--
-- All retry records of the transactions counted in willing_attempts, by status (absent:
-- UNSPECIFIED); share = records / all records.
--
-- Counts: records
-- Rates: share
-- Parameters: :start_ms, :end_ms.
WITH profiles AS (
  SELECT willing_profile_key, count(*) AS n
  FROM fct_transaction
  WHERE product_key = 2 AND first_ts_ms >= :start_ms AND first_ts_ms < :end_ms
    AND willing_profile_key IS NOT NULL
  GROUP BY willing_profile_key
),
records AS (
  SELECT coalesce(r.status, 'UNSPECIFIED') AS status, pr.n
  FROM profiles pr
  JOIN bridge_willing_record r ON r.willing_profile_key = pr.willing_profile_key
),
total AS (SELECT sum(n) AS n FROM records)
SELECT records.status, sum(records.n) AS records, CAST(sum(records.n) AS DOUBLE PRECISION) / total.n AS share
FROM records, total
GROUP BY records.status, total.n
ORDER BY records DESC, records.status;
