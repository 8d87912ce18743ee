-- willing_profile_follows_records: willing profiles whose summary does not follow from their
-- retry records (docs/METRICS.md, willing_attempts.csv).
--
-- record_count is the number of records; attempts is the largest attemptNumber, or the
-- number of records when none has one; the deciding record is the one with the largest
-- attemptNumber (the last of equals), else the last record, and succeeded says whether its
-- status is exactly SUCCESS. The ingest applies the rule in Swift: WillingRule in
-- Sources/VerdictCore/Rules/WillingRule.swift.
WITH per_profile AS (
  SELECT willing_profile_key, count(*) AS n, max(attempt_number) AS best, max(seq) AS last_seq
  FROM bridge_willing_record
  GROUP BY willing_profile_key
),
deciding AS (
  SELECT pp.willing_profile_key, pp.n, pp.best,
         CASE WHEN pp.best IS NULL THEN pp.last_seq
              ELSE (SELECT max(r.seq) FROM bridge_willing_record r
                    WHERE r.willing_profile_key = pp.willing_profile_key
                      AND r.attempt_number = pp.best) END AS seq
  FROM per_profile pp
),
rule AS (
  SELECT d.willing_profile_key, d.n AS rule_record_count, coalesce(d.best, d.n) AS rule_attempts,
         CASE WHEN r.status = 'SUCCESS' THEN 1 ELSE 0 END AS rule_succeeded
  FROM deciding d
  JOIN bridge_willing_record r ON r.willing_profile_key = d.willing_profile_key AND r.seq = d.seq
)
SELECT w.willing_profile_key, w.record_count, rule.rule_record_count, w.attempts, rule.rule_attempts,
       w.succeeded, rule.rule_succeeded
FROM dim_willing_profile w
LEFT JOIN rule ON rule.willing_profile_key = w.willing_profile_key
WHERE rule.willing_profile_key IS NULL
   OR w.record_count <> rule.rule_record_count OR w.attempts <> rule.rule_attempts
   OR w.succeeded <> rule.rule_succeeded
ORDER BY w.willing_profile_key;
