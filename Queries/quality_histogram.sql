-- quality_histogram: VideoVerify face-quality scores in ten buckets.
--
-- Buckets 0-10, 10-20, ..., 90-100 hold lo <= quality < hi; the last also holds 100.
-- Over VideoVerify transactions in the period whose final poll carries a quality in [0, 100].
--
-- Parameters: :start_ms, :end_ms.
WITH RECURSIVE buckets(lo) AS (
  SELECT 0 UNION ALL SELECT lo + 10 FROM buckets WHERE lo < 90
),
v AS MATERIALIZED (
  SELECT quality AS q
  FROM fct_transaction
  WHERE product_key = 2 AND first_ts_ms >= :start_ms AND first_ts_ms < :end_ms AND quality IS NOT NULL
)
SELECT b.lo AS bucket_lo, b.lo + 10 AS bucket_hi, count(v.q) AS transactions
FROM buckets b
LEFT JOIN v ON v.q >= b.lo AND (v.q < b.lo + 10 OR (b.lo = 90 AND v.q <= 100))
GROUP BY b.lo
ORDER BY b.lo;
