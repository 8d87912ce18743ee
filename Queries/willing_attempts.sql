-- willing_attempts: how many tries users needed to confirm by voice (VideoVerify).
--
-- Over VideoVerify transactions in the period whose final poll carries at least one
-- retry record. attempts = the largest attemptNumber (the number of records when none
-- has one); succeeded = the deciding record (largest attemptNumber, else the last) has
-- status SUCCESS; share = transactions / all such transactions.
--
-- Counts: transactions, succeeded
-- Rates: share
-- Parameters: :start_ms, :end_ms.
WITH w AS (
  SELECT wp.attempts, wp.succeeded
  FROM fct_transaction t
  JOIN dim_willing_profile wp ON wp.willing_profile_key = t.willing_profile_key
  WHERE t.product_key = 2 AND t.first_ts_ms >= :start_ms AND t.first_ts_ms < :end_ms
),
total AS (SELECT count(*) AS n FROM w)
SELECT w.attempts, count(*) AS transactions, sum(w.succeeded) AS succeeded,
       CAST(count(*) AS DOUBLE PRECISION) / total.n AS share
FROM w, total
GROUP BY w.attempts, total.n
ORDER BY w.attempts;
