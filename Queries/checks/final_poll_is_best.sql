-- final_poll_is_best: transactions whose final poll is not the one the final-poll rule picks.
-- The rule (input.md): best class (1 SUCCESS, 2 other F/U, 3 SYSTEM_ERROR, 4 the rest), then
-- the latest timestamp, then the one ingested last (the largest poll_key).
WITH ranked AS (
  SELECT transaction_key, poll_key,
         row_number() OVER (PARTITION BY transaction_key ORDER BY final_rank, ts_ms DESC, poll_key DESC) AS pos
  FROM fct_poll
)
SELECT t.transaction_key, t.final_poll_key, r.poll_key AS expected_final_poll_key
FROM fct_transaction t
JOIN ranked r ON r.transaction_key = t.transaction_key AND r.pos = 1
WHERE r.poll_key <> t.final_poll_key;
