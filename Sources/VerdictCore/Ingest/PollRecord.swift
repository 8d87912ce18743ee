/// The two ZOLOZ products whose checkresult responses Verdict reads.
public enum Product: Int, Sendable, CaseIterable, Codable {
    case idRecognition = 1
    case videoVerify = 2

    /// The name used in the database and in every CSV file.
    public var code: String {
        switch self {
        case .idRecognition: "ID_RECOGNITION"
        case .videoVerify: "VIDEO_VERIFY"
        }
    }
}

/// Why a line was refused (input.md §4), in the order the rules are tried.
public enum RefusalReason: String, Sendable, CaseIterable, Codable {
    case invalidJSON = "invalid_json"
    case missingTransactionId = "missing_transaction_id"
    case missingTimestamp = "missing_timestamp"
    case invalidTimestamp = "invalid_timestamp"
    case missingResult = "missing_result"
    case unknownProduct = "unknown_product"
}

/// A field of a stored poll that had the wrong type or an impossible value.
/// The field counts as absent; the warning says which and why.
public struct FieldWarning: Sendable, Equatable {
    /// Dotted path of the field, e.g. `extInfo.quality`.
    public var field: String
    public var problem: String
}

/// One `extraSpoofResultDetails` entry, reduced to what the metrics read.
public struct SpoofDetail: Sendable, Equatable, Hashable {
    public var spoofType: String
    public var name: String
    public var result: String?
    public var components: [SpoofComponent]
}

public struct SpoofComponent: Sendable, Equatable, Hashable {
    public var name: String
    public var subResult: String?
}

/// One willing-verification attempt. What the user said (userInput) is not kept at all,
/// since spoken answers can carry personal data.
public struct RetryRecord: Sendable, Equatable, Hashable {
    public var status: String?
    public var attemptNumber: Int?
}

/// Everything Verdict keeps of one accepted log line.
///
/// No image, video or OCR value is ever held here: large base64 fields leave only a
/// decoded-size estimate, OCR maps leave only their field names (and, with a key,
/// a keyed hash of the document number).
public struct PollRecord: Sendable, Equatable {
    public var product: Product
    public var transactionId: String
    public var bizId: String?
    public var timestampMillis: Int64
    public var resultStatus: String
    public var resultCode: String
    public var lineNumber: Int

    // ID Recognition
    public var recognitionResult: String?
    public var recognitionErrorCode: String?
    public var certType: String?
    public var docCategory: String?
    public var docEdition: Int?
    public var countryCode: String?
    public var uploadEnabledResult: String?
    public var deeperResult: String?
    /// `spoofResult` entries with a string value, sorted by check name.
    public var spoofChecks: [SpoofCheck] = []
    public var spoofDetails: [SpoofDetail] = []
    /// Field names seen in `ocrResult`, `ocrResultFormat`, `ocrResultDetail`, as
    /// `map.NAME`, unique, in logged order. Never their values.
    public var ocrFieldNames: [String] = []
    /// HMAC-SHA-256 (hex) of the normalised document number, when a key was given.
    public var documentHash: String?

    // VideoVerify
    public var videoVerifyResult: String?
    public var quality: Double?
    public var qualityPassed: Bool?
    /// nil when the poll carries no parsable `willingRetryRecords`.
    public var retryRecords: [RetryRecord]?

    // Payload presence (never the payload)
    public var imageCount: Int = 0
    public var imageBytes: Int = 0
    public var videoBytes: Int = 0

    /// The warnings stored with the poll: at most a hundred, then one that counts the rest.
    public var warnings: [FieldWarning] = []
    /// How many invalid fields the line had: every one, listed or not.
    public var warningCount: Int = 0

    public init(
        product: Product, transactionId: String, timestampMillis: Int64,
        resultStatus: String, resultCode: String, lineNumber: Int
    ) {
        self.product = product
        self.transactionId = transactionId
        self.timestampMillis = timestampMillis
        self.resultStatus = resultStatus
        self.resultCode = resultCode
        self.lineNumber = lineNumber
    }
}

public struct SpoofCheck: Sendable, Equatable, Hashable {
    public var check: String
    public var value: String
}

extension PollRecord {
    /// The final-poll class of input.md §5: lower wins, then the later timestamp.
    public var finalRank: Int { PollRecord.finalRank(code: resultCode, status: resultStatus) }

    /// The verdict text when this poll, as a final poll, completes its transaction.
    public var verdict: String? {
        PollRecord.verdict(product, code: resultCode, recognitionResult: recognitionResult, videoVerifyResult: videoVerifyResult)
    }

    /// The outcome class of metrics.md, if this poll is its transaction's final one.
    public var outcome: Outcome { PollRecord.outcome(product, status: resultStatus, verdict: verdict) }

    // The same from the fields they read, for a record held in a class (`PollBox`), where
    // calling a property of the record would first copy all of it.

    static func finalRank(code: String, status: String) -> Int {
        if code == "SUCCESS" { return 1 }
        if code == "SYSTEM_ERROR" { return 3 }
        if status == "F" || status == "U" { return 2 }
        return 4
    }

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

    static func outcome(_ product: Product, status: String, verdict: String?) -> Outcome {
        if status != "S" { return .apiError }
        guard let v = verdict else { return .pending }
        switch product {
        case .idRecognition: return v == "Y" ? .passed : .failed
        case .videoVerify: return v.equalsIgnoringASCIICase("success") ? .passed : .failed
        }
    }
}

/// A transaction's class by its final poll (metrics.md, "Terms").
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
}

extension String {
    /// Equality ignoring the case of ASCII letters, without building a lowered copy.
    /// (For the ASCII words compared here this is what full Unicode lower-casing gives:
    /// no other character lower-cases to one of their letters.)
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
