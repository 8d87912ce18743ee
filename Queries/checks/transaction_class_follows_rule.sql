-- transaction_class_follows_rule: transactions whose stored class does not follow from their
-- final poll (docs/METRICS.md, "Transactions, periods and classes").
--
-- From the final poll: its rank, instant, status and code are copied to the transaction;
-- the verdict is recognitionResult (ID Recognition) or videoVerifyResult (VideoVerify) when
-- the code is SUCCESS and the value is a non-empty string that, for VideoVerify, is not
-- InProcess in any letter case; the outcome is api_error when the status is not S, pending
-- without a verdict, passed when the verdict is Y (ID Recognition) or success in any case
-- (VideoVerify), else failed. The stored verdict is kept for completed transactions only;
-- the label spells VideoVerify's Success, Failure and VoidTimeout canonically.
-- (SQLite's lower() folds ASCII letters only, as the rule does.) The ingest applies these
-- rules in Swift: Classification.verdict, outcome, recordedVerdict and verdictLabel in
-- Sources/VerdictCore/Rules/Classification.swift.
-- A final poll that is missing or another transaction's is final_poll_is_best's to report.
WITH f AS (
  SELECT t.transaction_key, t.product_key, t.outcome, t.verdict, t.verdict_label,
         t.final_rank, t.final_ts_ms, t.result_status, t.result_code_key,
         p.final_rank AS poll_rank, p.ts_ms AS poll_ts_ms, p.result_status AS poll_status,
         p.result_code_key AS poll_code_key,
         CASE WHEN rc.result_code = 'SUCCESS' AND p.verdict <> ''
                   AND NOT (t.product_key = 2 AND lower(p.verdict) = 'inprocess')
              THEN p.verdict END AS rule_verdict
  FROM fct_transaction t
  JOIN fct_poll p ON p.poll_key = t.final_poll_key AND p.transaction_key = t.transaction_key
  JOIN dim_result_code rc ON rc.result_code_key = p.result_code_key
),
r AS (
  SELECT f.*,
         CASE WHEN poll_status <> 'S' THEN 'api_error'
              WHEN rule_verdict IS NULL THEN 'pending'
              WHEN (product_key = 1 AND rule_verdict = 'Y')
                OR (product_key = 2 AND lower(rule_verdict) = 'success') THEN 'passed'
              ELSE 'failed' END AS rule_outcome
  FROM f
),
l AS (
  SELECT r.*,
         CASE WHEN rule_outcome IN ('passed', 'failed') THEN rule_verdict END AS rule_stored_verdict
  FROM r
),
m AS (
  SELECT l.*,
         CASE WHEN product_key = 2 AND lower(rule_stored_verdict) = 'success' THEN 'Success'
              WHEN product_key = 2 AND lower(rule_stored_verdict) = 'failure' THEN 'Failure'
              WHEN product_key = 2 AND lower(rule_stored_verdict) = 'voidtimeout' THEN 'VoidTimeout'
              ELSE rule_stored_verdict END AS rule_label
  FROM l
)
SELECT transaction_key, outcome, rule_outcome, verdict, rule_stored_verdict AS rule_verdict,
       verdict_label, rule_label
FROM m
WHERE outcome IS DISTINCT FROM rule_outcome
   OR verdict IS DISTINCT FROM rule_stored_verdict
   OR verdict_label IS DISTINCT FROM rule_label
   OR final_rank <> poll_rank OR final_ts_ms <> poll_ts_ms
   OR result_status <> poll_status OR result_code_key <> poll_code_key
ORDER BY transaction_key;
