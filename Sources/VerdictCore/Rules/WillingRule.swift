/// What a VideoVerify transaction's willing-verification retry records add up to
/// (willing_attempts.csv): how many attempts, and whether the deciding one succeeded.
/// This file is the one place Verdict decides it; the ingest stores the result in
/// `dim_willing_profile` (Store/Profiles.swift, Store/DimensionCache.swift).
///
/// The definition is docs/METRICS.md, willing_attempts.csv. The database is held to the same
/// rule, restated in SQL, by Queries/checks/willing_profile_follows_records.sql (`verdict check`).
/// A change here is a change of the definition: change docs/METRICS.md and that check with it.
enum WillingRule {
    /// The deciding record of a non-empty list: the one with the largest `attemptNumber`
    /// (the last of several equal ones), or the last record when none has a number.
    static func decidingIndex(_ records: [RetryRecord]) -> Int {
        decide(records).index
    }

    /// `attempts`: the largest `attemptNumber`, or the number of records when none has one;
    /// `succeeded`: the deciding record's status is exactly `SUCCESS`. nil for no record
    /// (such a transaction is not counted at all).
    static func summary(_ records: [RetryRecord]) -> (attempts: Int, succeeded: Bool)? {
        guard !records.isEmpty else { return nil }
        let (index, largest) = decide(records)
        return (largest ?? records.count, records[index].status == "SUCCESS")
    }

    /// One pass: the deciding record's index and the largest `attemptNumber`.
    private static func decide(_ records: [RetryRecord]) -> (index: Int, largest: Int?) {
        var deciding = records.count - 1
        var largest: Int?
        for (i, r) in records.enumerated() {
            if let n = r.attemptNumber, largest.map({ n >= $0 }) ?? true {
                largest = n
                deciding = i
            }
        }
        return (deciding, largest)
    }
}
