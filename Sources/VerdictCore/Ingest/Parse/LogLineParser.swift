/// What became of one line of a log file.
enum ParsedLine: Sendable {
    case blank
    /// The record, in the box it travels to the writer in (not yet sealed).
    case poll(PollBox)
    /// `detail` says what was wrong, for people; it never quotes the line. The
    /// timestamp is there when it could be read (to date the refusal in reports).
    case refused(RefusalReason, detail: String, timestampMillis: Int64? = nil)
}

/// Turns one NDJSON line into a poll, a refusal or a blank (docs/LOG_FORMAT.md).
///
/// One pass over the bytes locates the envelope keys and, inside the response, the
/// fields the metrics use; everything else, base64 payloads included, is skipped while
/// being validated, never copied or decoded. The units, in the order a line meets them:
///
/// - `parse` (RefusalOrder.swift): the input rules, in the order they refuse a line;
/// - `Envelope`, `ResponseFields` (Envelope.swift, ResponseFields.swift): the pass over
///   the line, with a table of the keys read at each level;
/// - `ProductDetection` (ProductDetection.swift): the product, from `api` or the shape;
/// - `accept` (below): the poll, with the fields both products have, then the product's
///   own through `FieldReader` (IDRecognitionFields.swift, OCRFields.swift,
///   VideoVerifyFields.swift; typed reads and warnings in FieldReader.swift).
///
/// A parser keeps caches (interned strings, parsed sub-documents, the last `api` path),
/// so use one per thread.
public final class LogLineParser {
    let documentKey: DocumentHasher?
    let interner = StringInterner()
    let memo = FieldMemo()
    /// A transaction's polls come close together: they share one id String.
    let transactionIds = RecentStrings()
    var products = ProductDetection()

    /// - Parameter documentKey: when given, document numbers are kept as a keyed hash.
    public init(documentKey: DocumentHasher? = nil) {
        self.documentKey = documentKey
    }

    /// Only ASCII whitespace (space, tab, CR, LF, VT, FF)?
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in line where !(c == 0x20 || (0x09...0x0D).contains(c)) { return false }
        return true
    }

    /// The product of a checkresult API path (`ProductDetection.product(forAPI:)`).
    public static func product(forAPI api: String) -> Product? {
        ProductDetection.product(forAPI: api)
    }

    /// The poll of a line that broke no rule: built in its box (filled in place, never
    /// copied whole), with the fields both products have, then the product's own.
    func accept(
        _ product: Product, _ env: Envelope, lineBase: UnsafePointer<UInt8>, body: ResponseFields,
        bodyBase: UnsafePointer<UInt8>, transactionId: JSONRef, status: JSONRef, code: JSONRef, millis: Int64,
        lineNumber: Int
    ) -> PollBox {
        let box = PollBox(PollRecord(
            product: product, transactionId: transactionIds.string(lineBase, transactionId),
            timestampMillis: millis, resultStatus: interner.string(bodyBase, status),
            resultCode: interner.string(bodyBase, code), lineNumber: lineNumber))
        var fields = FieldReader(base: bodyBase, interner: interner, memo: memo)
        if let m = body.resultFields.resultMessage, !m.isNull, m.kind != .string {
            fields.warn("result.resultMessage", "expected a string")
        }
        if let biz = env.requestFields.bizId, !biz.isNull {
            if biz.kind == .string {
                box.record.bizId = JSONRead.string(lineBase, biz)
            } else {
                fields.warn("request.bizId", "not a string")
            }
        }
        if let ext = body.extInfo, !ext.isNull, ext.kind != .object {
            fields.warn("extInfo", "not an object")
        }
        switch product {
        case .idRecognition:
            fields.readIDRecognition(body.ext, into: &box.record, documentKey: documentKey)
        case .videoVerify:
            box.record.videoVerifyResult = fields.string(body.videoVerifyResult, "videoVerifyResult")
            fields.readVideoVerify(body.ext, into: &box.record)
        }
        box.record.warnings = fields.warnings.stored
        box.record.warningCount = fields.warnings.count
        return box
    }
}
