-- poll_count_matches_polls: transactions whose poll_count or date disagrees with their stored polls.
-- first_ts_ms must be the earliest poll (docs/LOG_FORMAT.md: a transaction is dated by its earliest poll).
SELECT t.transaction_key, t.poll_count, count(p.poll_key) AS polls, t.first_ts_ms, min(p.ts_ms) AS earliest
FROM fct_transaction t
LEFT JOIN fct_poll p ON p.transaction_key = t.transaction_key
GROUP BY t.transaction_key
HAVING t.poll_count <> count(p.poll_key) OR t.first_ts_ms IS DISTINCT FROM min(p.ts_ms);
