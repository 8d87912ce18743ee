-- coverage: how much of the period the data covers.
--
-- transactions: those dated in the period (by their first poll). first_poll and last_poll:
-- the earliest and the latest of their first polls, epoch ms (empty when there are none).
-- latest_poll: the latest first poll in the whole database, epoch ms; the period is complete
-- when it ends at or before that instant (data has arrived from after its end), partial when
-- it ends later. Each bound is one search of the (product, date) index per product.
--
-- Counts: transactions
WITH per_product AS (
  SELECT p.product_key,
         (SELECT count(*) FROM fct_transaction t
           WHERE t.product_key = p.product_key AND t.first_ts_ms >= :start_ms AND t.first_ts_ms < :end_ms) AS transactions,
         (SELECT min(t.first_ts_ms) FROM fct_transaction t
           WHERE t.product_key = p.product_key AND t.first_ts_ms >= :start_ms AND t.first_ts_ms < :end_ms) AS first_poll,
         (SELECT max(t.first_ts_ms) FROM fct_transaction t
           WHERE t.product_key = p.product_key AND t.first_ts_ms >= :start_ms AND t.first_ts_ms < :end_ms) AS last_poll,
         (SELECT max(t.first_ts_ms) FROM fct_transaction t WHERE t.product_key = p.product_key) AS latest_poll
  FROM dim_product p
)
SELECT coalesce(sum(transactions), 0) AS transactions, min(first_poll) AS first_poll, max(last_poll) AS last_poll,
       max(latest_poll) AS latest_poll
FROM per_product;
