-- final_poll_is_best: transactions whose final poll is not the one the final-poll rule picks.
-- The rule (docs/METRICS.md, "Transactions, periods and classes"): best class (1 SUCCESS,
-- 2 other F/U, 3 SYSTEM_ERROR, 4 the rest), then the latest timestamp, then the one ingested
-- last (the largest poll_key). The ingest applies it in Swift: Classification.finalRank and
-- Classification.beats in Sources/VerdictCore/Rules/Classification.swift.
--
-- A transaction is offending when its final poll is missing, belongs to another transaction,
-- or is beaten by one of its own polls. Each transaction's polls are read through the
-- fct_poll_identity index, so the check grows with the history, never faster; the rule's
-- pick is looked up for offending transactions only.
-- Transactions without any poll are left to poll_count_matches_polls.
SELECT t.transaction_key, t.final_poll_key,
       (SELECT p.poll_key FROM fct_poll p
        WHERE p.transaction_key = t.transaction_key
        ORDER BY p.final_rank, p.ts_ms DESC, p.poll_key DESC
        LIMIT 1) AS expected_final_poll_key
FROM fct_transaction t
LEFT JOIN fct_poll f ON f.poll_key = t.final_poll_key AND f.transaction_key = t.transaction_key
WHERE (f.transaction_key IS DISTINCT FROM t.transaction_key
       AND EXISTS (SELECT 1 FROM fct_poll p WHERE p.transaction_key = t.transaction_key))
   OR EXISTS (SELECT 1 FROM fct_poll p
              WHERE p.transaction_key = t.transaction_key
                AND (p.final_rank < f.final_rank
                     OR (p.final_rank = f.final_rank
                         AND (p.ts_ms > f.ts_ms OR (p.ts_ms = f.ts_ms AND p.poll_key > f.poll_key)))))
ORDER BY t.transaction_key;
