-- quality_histogram: VideoVerify face-quality scores in ten buckets.
--
-- Buckets 0-10, 10-20, ..., 90-100 hold lo <= quality < hi; the last also holds 100.
-- Over VideoVerify transactions in the period whose final poll carries a quality in [0, 100].
--
-- Counts: transactions
-- Parameters: :start_ms, :end_ms.
-- Each score is given its bucket once (the same comparisons as lo <= q < lo + 10) and the
-- scores are counted by bucket; the ten buckets are then joined to those counts, so the
-- scores are read once rather than once per bucket.
WITH buckets(lo) AS (
  VALUES (0), (10), (20), (30), (40), (50), (60), (70), (80), (90)
),
counts AS (
  SELECT CASE WHEN quality < 0 THEN NULL
              WHEN quality < 10 THEN 0 WHEN quality < 20 THEN 10 WHEN quality < 30 THEN 20
              WHEN quality < 40 THEN 30 WHEN quality < 50 THEN 40 WHEN quality < 60 THEN 50
              WHEN quality < 70 THEN 60 WHEN quality < 80 THEN 70 WHEN quality < 90 THEN 80
              WHEN quality <= 100 THEN 90 END AS lo,
         count(*) AS n
  FROM fct_transaction
  WHERE product_key = 2 AND first_ts_ms >= :start_ms AND first_ts_ms < :end_ms AND quality IS NOT NULL
  GROUP BY 1
)
SELECT b.lo AS bucket_lo, b.lo + 10 AS bucket_hi, coalesce(c.n, 0) AS transactions
FROM buckets b
LEFT JOIN counts c ON c.lo = b.lo
ORDER BY b.lo;
