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

/// Why a line was refused (docs/LOG_FORMAT.md (Refused lines)), in the order the rules are tried.
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
    // The rules themselves are in Rules/Classification.swift; these read them for a record.

    /// The poll's rank as a candidate final poll (`Classification.finalRank`): lower wins.
    public var finalRank: Int { Classification.finalRank(code: resultCode, status: resultStatus) }

    /// The verdict this poll carries (`Classification.verdict`), nil when it has none.
    public var verdict: String? {
        Classification.verdict(product, code: resultCode, recognitionResult: recognitionResult, videoVerifyResult: videoVerifyResult)
    }

    /// The class of its transaction if this poll is the final one (`Classification.outcome`).
    public var outcome: Outcome { Classification.outcome(product, status: resultStatus, verdict: verdict) }
}
