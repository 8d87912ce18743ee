/// How a transaction ended, decided from its polls: the final poll, the verdict and the
/// class. This file is the one place Verdict decides these; the ingest stores what they
/// give (`PollBox.seal`, `PollWriter.add`) and every query reads the stored columns.
///
/// The definition is docs/METRICS.md, "Transactions, periods and classes". The database is
/// held to the same rules, restated in SQL, by the data checks (`verdict check`):
/// - `finalRank`: Queries/checks/poll_rank_follows_rule.sql
/// - `beats` (which poll is final): Queries/checks/final_poll_is_best.sql
/// - `verdict`, `outcome`, `recordedVerdict`, `verdictLabel`:
///   Queries/checks/transaction_class_follows_rule.sql
/// A change here is a change of the definition: change docs/METRICS.md and those checks with it.
///
/// Each rule takes the fields it reads, not a `PollRecord`: the ingest calls them on a record
/// held in a class (`PollBox`), where reading a property of the whole record would copy it.
enum Classification {
    /// A poll's rank as a candidate final poll; the lowest wins.
    /// 1: `resultCode` is `SUCCESS`; 2: `resultStatus` is `F` or `U` and the code is not
    /// `SYSTEM_ERROR`; 3: `resultCode` is `SYSTEM_ERROR`; 4: anything else (`PROCESSING`).
    static func finalRank(code: String, status: String) -> Int {
        if code == "SUCCESS" { return 1 }
        if code == "SYSTEM_ERROR" { return 3 }
        if status == "F" || status == "U" { return 2 }
        return 4
    }

    /// Whether a poll of rank `rank` at `ts` takes the place of the current final poll
    /// (rank `finalRank` at `finalTs`): a better rank, or the same rank and not earlier.
    /// Polls are offered in ingest order, so at equal instants the one ingested last wins.
    static func beats(rank: Int, ts: Int64, finalRank: Int, finalTs: Int64) -> Bool {
        rank < finalRank || (rank == finalRank && ts >= finalTs)
    }

    /// The verdict a poll carries, as logged, or nil when it has none: only a `SUCCESS`
    /// poll has one; for ID Recognition it is `recognitionResult` when not empty, for
    /// VideoVerify `videoVerifyResult` when not empty and not `InProcess` in any letter case.
    static func verdict(_ product: Product, code: String, recognitionResult: String?, videoVerifyResult: String?) -> String? {
        guard code == "SUCCESS" else { return nil }
        switch product {
        case .idRecognition:
            guard let v = recognitionResult, !v.isEmpty else { return nil }
            return v
        case .videoVerify:
            guard let v = videoVerifyResult, !v.isEmpty, !v.equalsIgnoringASCIICase("inprocess") else { return nil }
            return v
        }
    }

    /// The class of a transaction whose final poll has `status` and `verdict` (from
    /// `verdict(_:code:recognitionResult:videoVerifyResult:)`): `api_error` when the status
    /// is not `S`; `pending` without a verdict; `passed` when the verdict is exactly `Y`
    /// (ID Recognition) or `success` in any letter case (VideoVerify); else `failed`.
    static func outcome(_ product: Product, status: String, verdict: String?) -> Outcome {
        if status != "S" { return .apiError }
        guard let v = verdict else { return .pending }
        switch product {
        case .idRecognition: return v == "Y" ? .passed : .failed
        case .videoVerify: return v.equalsIgnoringASCIICase("success") ? .passed : .failed
        }
    }

    /// The verdict a transaction keeps: its final poll's, when the transaction completed
    /// (passed or failed); nil otherwise (an `api_error` poll may carry one, but it did
    /// not complete).
    static func recordedVerdict(_ verdict: String?, outcome: Outcome) -> String? {
        outcome.isCompleted ? verdict : nil
    }

    /// How a verdict is reported (verdicts.csv): VideoVerify's `Success`, `Failure` and
    /// `VoidTimeout` in that spelling whatever the letter case logged; any other verdict,
    /// and every ID Recognition verdict, as logged.
    static func verdictLabel(_ verdict: String, _ product: Product) -> String {
        guard product == .videoVerify else { return verdict }
        if verdict.equalsIgnoringASCIICase("success") { return "Success" }
        if verdict.equalsIgnoringASCIICase("failure") { return "Failure" }
        if verdict.equalsIgnoringASCIICase("voidtimeout") { return "VoidTimeout" }
        return verdict
    }
}

/// A transaction's class by its final poll (`Classification.outcome`). The names are the
/// values of `fct_transaction.outcome` and of the rollup.
public enum Outcome: Int, Sendable {
    case passed = 1, failed = 2, pending = 3, apiError = 4

    public var name: String {
        switch self {
        case .passed: "passed"
        case .failed: "failed"
        case .pending: "pending"
        case .apiError: "api_error"
        }
    }

    public init?(name: String) {
        switch name {
        case "passed": self = .passed
        case "failed": self = .failed
        case "pending": self = .pending
        case "api_error": self = .apiError
        default: return nil
        }
    }

    /// Passed or failed: the transaction has a verdict (docs/METRICS.md, "Completed").
    public var isCompleted: Bool { self == .passed || self == .failed }
}

extension String {
    /// Equality ignoring the case of ASCII letters, without building a lowered copy.
    /// (For the ASCII words compared here this is what full Unicode lower-casing gives:
    /// no other character lower-cases to one of their letters. SQLite's `lower()`, which
    /// the data checks use, folds ASCII letters only, too.)
    func equalsIgnoringASCIICase(_ other: StaticString) -> Bool {
        let o = UnsafeBufferPointer(start: other.utf8Start, count: other.utf8CodeUnitCount)
        guard utf8.count == o.count else { return false }
        for (a, b) in zip(utf8, o) {
            let la = a >= 65 && a <= 90 ? a | 0x20 : a
            let lb = b >= 65 && b <= 90 ? b | 0x20 : b
            if la != lb { return false }
        }
        return true
    }
}
