-- poll_rank_follows_rule: polls whose stored final_rank is not the one their status and code
-- give. The ranks (docs/METRICS.md): 1 resultCode SUCCESS; 3 resultCode SYSTEM_ERROR;
-- 2 any other poll whose resultStatus is F or U; 4 the rest (PROCESSING and the like).
-- The ingest applies the rule in Swift: Classification.finalRank in
-- Sources/VerdictCore/Rules/Classification.swift.
-- Returns the poll and both ranks.
SELECT poll_key, result_status, result_code, stored_rank, rule_rank
FROM (SELECT p.poll_key, p.result_status, rc.result_code, p.final_rank AS stored_rank,
             CASE WHEN rc.result_code = 'SUCCESS' THEN 1
                  WHEN rc.result_code = 'SYSTEM_ERROR' THEN 3
                  WHEN p.result_status IN ('F', 'U') THEN 2
                  ELSE 4 END AS rule_rank
      FROM fct_poll p
      JOIN dim_result_code rc ON rc.result_code_key = p.result_code_key) AS ranked
WHERE stored_rank <> rule_rank
ORDER BY poll_key;
