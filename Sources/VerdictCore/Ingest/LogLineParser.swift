#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What became of one line of a log file.
enum ParsedLine: Sendable {
    case blank
    /// The record, in the box it travels to the writer in (not yet sealed).
    case poll(PollBox)
    /// `detail` says what was wrong, for people; it never quotes the line. The
    /// timestamp is there when it could be read (to date the refusal in reports).
    case refused(RefusalReason, detail: String, timestampMillis: Int64? = nil)
}

/// Turns one NDJSON line into a poll, a refusal or a blank (input.md §2–§4).
///
/// One pass over the bytes locates the envelope keys and, inside the response, the
/// fields the metrics use; everything else, base64 payloads included, is skipped while
/// being validated, never copied or decoded. A parser keeps scratch buffers, so use one
/// per thread.
public final class LogLineParser {
    private let documentKey: DocumentHasher?
    private let interner = StringInterner()
    private let memo = FieldMemo()
    /// A transaction's polls come close together: they share one id String.
    private let transactionIds = RecentStrings()
    /// The last `api` path read, and its product (`apiProduct`).
    private var lastAPI: [UInt8] = []
    private var lastAPIProduct: Product?

    /// - Parameter documentKey: when given, document numbers are kept as a keyed hash.
    public init(documentKey: DocumentHasher? = nil) {
        self.documentKey = documentKey
    }

    /// Parses one line (without its line terminator).
    func parse(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) -> ParsedLine {
        guard let base = line.baseAddress, !LogLineParser.isBlank(line) else { return .blank }
        var cursor = JSONCursor(base: base, end: line.count)
        var env = Envelope()
        do throws(JSONSyntaxError) {
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: "{") else {
                _ = try cursor.scanValue()
                cursor.skipWhitespace()
                if !cursor.atEnd { throw cursor.fail("unexpected data after the value") }
                return .refused(.invalidJSON, detail: "the line is JSON but not an object")
            }
            try scanEnvelope(&cursor, base: base, into: &env)
            cursor.skipWhitespace()
            if !cursor.atEnd { throw cursor.fail("unexpected data after the object") }
        } catch {
            return .refused(.invalidJSON, detail: "not valid JSON at byte \(error.offset + 1): \(error.reason)")
        }
        return interpret(env, base: base, lineNumber: lineNumber)
    }

    /// Only ASCII whitespace (space, tab, CR, LF, VT, FF)?
    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in line where !(c == 0x20 || (0x09...0x0D).contains(c)) { return false }
        return true
    }

    // MARK: - The single pass

    private struct Envelope {
        /// `timestamp`, `@timestamp`, `ts`, `time`, in that order of precedence. Four fields
        /// rather than an array: an array would be allocated for every line.
        var timestamp, atTimestamp, ts, time: JSONRef?

        /// The first timestamp key present and not null, with its name.
        var firstTimestamp: (key: StaticString, ref: JSONRef)? {
            if let r = timestamp, !r.isNull { return ("timestamp", r) }
            if let r = atTimestamp, !r.isNull { return ("@timestamp", r) }
            if let r = ts, !r.isNull { return ("ts", r) }
            if let r = time, !r.isNull { return ("time", r) }
            return nil
        }
        var api: JSONRef?
        var request: JSONRef?
        var transactionId: JSONRef?
        var bizId: JSONRef?
        var response: JSONRef?
        /// Set when `response` was an object (scanned in place).
        var body = ResponseFields()
    }

    /// What the response object holds, as locations in the buffer it was scanned from.
    fileprivate struct ResponseFields {
        var result: JSONRef?
        var resultStatus: JSONRef?
        var resultCode: JSONRef?
        var resultMessage: JSONRef?
        var videoVerifyResult: JSONRef?
        var extInfo: JSONRef?
        var ext = ExtInfoFields()
    }

    struct ExtInfoFields {
        var recognitionResult, certType, docCategory, docEdition, countryCode: JSONRef?
        var ocrResult, ocrResultFormat, ocrResultDetail, spoofResult, extraSpoofResultDetails: JSONRef?
        var recognitionErrorCode, uploadEnabledResult, deeperResult: JSONRef?
        var recognitionErrorDescription, deeperResultDescription: JSONRef?
        var quality, qualityPassed, willingRetryRecords: JSONRef?
        var imageContent, extraImages, willingVerifyVideo: JSONRef?
        /// Payload statistics gathered while skipping: images and their decoded size,
        /// for imageContent and for extraImages.
        var imageCount = 0
        var imageBytes = 0
        var extraCount = 0
        var extraBytes = 0
        /// imageContent was a list (true) or a single string (false); nil when absent.
        var imageContentIsList: Bool?
        var imageContentValid = true
        var extraImagesValid = true
    }

    private func scanEnvelope(_ c: inout JSONCursor, base: UnsafePointer<UInt8>, into env: inout Envelope) throws(JSONSyntaxError) {
        if try c.beginObject() { return }
        repeat {
            let key = try c.readKey()
            c.skipWhitespace()
            if JSONRead.key(base, key, is: "response") {
                if c.peek() == UInt8(ascii: "{") {
                    var body = ResponseFields()
                    let start = c.pos
                    try scanResponse(&c, base: base, into: &body)
                    env.response = JSONRef(kind: .object, start: start, end: c.pos, flag: false)
                    env.body = body
                } else {
                    env.response = try c.scanValue()
                    env.body = ResponseFields()
                }
            } else if JSONRead.key(base, key, is: "request") {
                if c.peek() == UInt8(ascii: "{") {
                    let start = c.pos
                    env.transactionId = nil
                    env.bizId = nil
                    if !(try c.beginObject()) {
                        repeat {
                            let k = try c.readKey()
                            let v = try c.scanValue()
                            if JSONRead.key(base, k, is: "transactionId") {
                                env.transactionId = v
                            } else if JSONRead.key(base, k, is: "bizId") {
                                env.bizId = v
                            }
                        } while !(try c.endOfMember(close: UInt8(ascii: "}")))
                    }
                    env.request = JSONRef(kind: .object, start: start, end: c.pos, flag: false)
                } else {
                    env.request = try c.scanValue()
                    env.transactionId = nil
                    env.bizId = nil
                }
            } else {
                let v = try c.scanValue()
                if JSONRead.key(base, key, is: "timestamp") {
                    env.timestamp = v
                } else if JSONRead.key(base, key, is: "@timestamp") {
                    env.atTimestamp = v
                } else if JSONRead.key(base, key, is: "ts") {
                    env.ts = v
                } else if JSONRead.key(base, key, is: "time") {
                    env.time = v
                } else if JSONRead.key(base, key, is: "api") {
                    env.api = v
                }
            }
        } while !(try c.endOfMember(close: UInt8(ascii: "}")))
    }

    /// Scans a response object at the cursor, descending into `result` and `extInfo`.
    fileprivate func scanResponse(_ c: inout JSONCursor, base: UnsafePointer<UInt8>, into r: inout ResponseFields) throws(JSONSyntaxError) {
        if try c.beginObject() { return }
        repeat {
            let key = try c.readKey()
            c.skipWhitespace()
            if JSONRead.key(base, key, is: "result"), c.peek() == UInt8(ascii: "{") {
                let start = c.pos
                r.resultStatus = nil
                r.resultCode = nil
                r.resultMessage = nil
                if !(try c.beginObject()) {
                    repeat {
                        let k = try c.readKey()
                        let v = try c.scanValue()
                        if JSONRead.key(base, k, is: "resultStatus") {
                            r.resultStatus = v
                        } else if JSONRead.key(base, k, is: "resultCode") {
                            r.resultCode = v
                        } else if JSONRead.key(base, k, is: "resultMessage") {
                            r.resultMessage = v
                        }
                    } while !(try c.endOfMember(close: UInt8(ascii: "}")))
                }
                r.result = JSONRef(kind: .object, start: start, end: c.pos, flag: false)
            } else if JSONRead.key(base, key, is: "extInfo"), c.peek() == UInt8(ascii: "{") {
                let start = c.pos
                var ext = ExtInfoFields()
                try scanExtInfo(&c, base: base, into: &ext)
                r.extInfo = JSONRef(kind: .object, start: start, end: c.pos, flag: false)
                r.ext = ext
            } else {
                let v = try c.scanValue()
                if JSONRead.key(base, key, is: "videoVerifyResult") {
                    r.videoVerifyResult = v
                } else if JSONRead.key(base, key, is: "result") {
                    r.result = v
                    r.resultStatus = nil
                    r.resultCode = nil
                    r.resultMessage = nil
                } else if JSONRead.key(base, key, is: "extInfo") {
                    r.extInfo = v
                    r.ext = ExtInfoFields()
                }
            }
        } while !(try c.endOfMember(close: UInt8(ascii: "}")))
    }

    private func scanExtInfo(_ c: inout JSONCursor, base: UnsafePointer<UInt8>, into e: inout ExtInfoFields) throws(JSONSyntaxError) {
        if try c.beginObject() { return }
        repeat {
            let key = try c.readKey()
            c.skipWhitespace()
            let first = c.peek()
            // Image payloads are measured while they are skipped, so they are crossed once.
            if JSONRead.key(base, key, is: "imageContent") {
                let start = c.pos
                e.imageCount = 0
                e.imageBytes = 0
                e.imageContentValid = true
                e.imageContentIsList = nil
                if first == UInt8(ascii: "[") {
                    e.imageContentIsList = true
                    if !(try c.beginArray()) {
                        repeat {
                            let v = try c.scanValue()
                            if v.kind == .string {
                                e.imageCount += 1
                                e.imageBytes += LogLineParser.base64DecodedSize(v)
                            } else {
                                e.imageContentValid = false
                            }
                        } while !(try c.endOfMember(close: UInt8(ascii: "]")))
                    }
                    e.imageContent = JSONRef(kind: .array, start: start, end: c.pos, flag: false)
                } else {
                    let v = try c.scanValue()
                    e.imageContent = v
                    if v.kind == .string {
                        e.imageContentIsList = false
                        e.imageCount = 1
                        e.imageBytes = LogLineParser.base64DecodedSize(v)
                    } else if v.kind != .null {
                        e.imageContentValid = false
                    }
                }
                continue
            }
            if JSONRead.key(base, key, is: "extraImages") {
                let start = c.pos
                e.extraImagesValid = true
                e.extraCount = 0
                e.extraBytes = 0
                if first == UInt8(ascii: "{") {
                    var count = 0
                    var bytes = 0
                    if !(try c.beginObject()) {
                        repeat {
                            _ = try c.readKey()
                            let v = try c.scanValue()
                            if v.kind == .string {
                                count += 1
                                bytes += LogLineParser.base64DecodedSize(v)
                            } else {
                                e.extraImagesValid = false
                            }
                        } while !(try c.endOfMember(close: UInt8(ascii: "}")))
                    }
                    e.extraImages = JSONRef(kind: .object, start: start, end: c.pos, flag: false)
                    e.extraCount = count
                    e.extraBytes = bytes
                } else {
                    let v = try c.scanValue()
                    e.extraImages = v
                    // The documents show an empty string where there are no extra images.
                    let emptyString = v.kind == .string && v.end - v.start == 2
                    if !(v.kind == .null || emptyString) { e.extraImagesValid = false }
                }
                continue
            }
            let v = try c.scanValue()
            if let field = LogLineParser.extInfoField(base, key) { e[keyPath: field] = v }
        } while !(try c.endOfMember(close: UInt8(ascii: "}")))
    }

    typealias ExtInfoField = any WritableKeyPath<ExtInfoFields, JSONRef?> & Sendable

    /// The extInfo fields read by name, each written once: the lookup below derives the
    /// key lengths from these names, so a name and its length cannot disagree.
    static let extInfoFields: [(name: String, field: ExtInfoField)] = [
        ("recognitionResult", \.recognitionResult), ("certType", \.certType), ("docCategory", \.docCategory),
        ("docEdition", \.docEdition), ("countryCode", \.countryCode), ("spoofResult", \.spoofResult),
        ("extraSpoofResultDetails", \.extraSpoofResultDetails), ("deeperResult", \.deeperResult),
        ("uploadEnabledResult", \.uploadEnabledResult), ("recognitionErrorCode", \.recognitionErrorCode),
        ("recognitionErrorDescription", \.recognitionErrorDescription),
        ("deeperResultDescription", \.deeperResultDescription), ("ocrResult", \.ocrResult),
        ("ocrResultFormat", \.ocrResultFormat), ("ocrResultDetail", \.ocrResultDetail), ("quality", \.quality),
        ("qualityPassed", \.qualityPassed), ("willingRetryRecords", \.willingRetryRecords),
        ("willingVerifyVideo", \.willingVerifyVideo),
    ]

    /// `extInfoFields` grouped by the byte length of the name, for a cheap first test.
    private static let extInfoByLength: [[(bytes: [UInt8], field: ExtInfoField)]] = {
        var table = [[(bytes: [UInt8], field: ExtInfoField)]](repeating: [], count: 64)
        for (name, field) in extInfoFields { table[name.utf8.count].append((Array(name.utf8), field)) }
        return table
    }()

    /// The field a key of extInfo names, if Verdict reads it (an escaped key is decoded first).
    static func extInfoField(_ base: UnsafePointer<UInt8>, _ key: JSONRef) -> ExtInfoField? {
        if key.flag {
            var name = JSONRead.string(base, key)
            return name.withUTF8 { lookup($0.baseAddress, $0.count) }
        }
        return lookup(base + key.start + 1, key.end - key.start - 2)

        func lookup(_ p: UnsafePointer<UInt8>?, _ n: Int) -> ExtInfoField? {
            guard let p, n < extInfoByLength.count else { return nil }
            for candidate in extInfoByLength[n] where memcmp(candidate.bytes, p, n) == 0 {
                return candidate.field
            }
            return nil
        }
    }

    /// Bytes a base64 string decodes to, estimated from its length (escapes included).
    static func base64DecodedSize(_ ref: JSONRef) -> Int {
        max(0, ref.end - ref.start - 2) / 4 * 3
    }

    // MARK: - Rules, in the order input.md §4 tries them

    private func interpret(_ env: Envelope, base: UnsafePointer<UInt8>, lineNumber: Int) -> ParsedLine {
        // The timestamp is read first so that any later refusal can be dated in reports.
        let timestamp = env.firstTimestamp
        let millis = timestamp.flatMap { LogLineParser.instant(base, $0.ref) }
        guard env.request?.kind == .object, let tidRef = env.transactionId, tidRef.kind == .string,
            tidRef.end - tidRef.start > 2
        else {
            return .refused(.missingTransactionId, detail: "request.transactionId is missing or not a non-empty string", timestampMillis: millis)
        }
        guard let timestamp else {
            return .refused(.missingTimestamp, detail: "none of timestamp, @timestamp, ts, time is present")
        }
        let tsKey = timestamp.key
        guard let millis else {
            return .refused(.invalidTimestamp, detail: "\(tsKey) is neither an RFC 3339 date-time with an offset nor integer epoch milliseconds")
        }
        guard let response = env.response, response.kind == .object || response.kind == .string else {
            return .refused(.missingResult, detail: "response is missing or not an object")
        }
        if response.kind == .object {
            return dated(finish(env, body: env.body, bodyBase: base, lineBase: base, millis: millis, lineNumber: lineNumber), millis)
        }
        // The raw body logged as a string: unescape it and scan it as a response.
        var text: [UInt8] = []
        text.reserveCapacity(response.end - response.start)
        JSONRead.unescape(base + response.start + 1, count: response.end - response.start - 2, into: &text)
        return dated(text.withUnsafeBufferPointer { buf -> ParsedLine in
            guard let tb = buf.baseAddress else {
                return .refused(.missingResult, detail: "response is an empty string")
            }
            var c = JSONCursor(base: tb, end: buf.count)
            var body = ResponseFields()
            do throws(JSONSyntaxError) {
                c.skipWhitespace()
                guard c.peek() == UInt8(ascii: "{") else { throw c.fail("not an object") }
                try scanResponse(&c, base: tb, into: &body)
                c.skipWhitespace()
                if !c.atEnd { throw c.fail("unexpected data after the object") }
            } catch {
                return .refused(.missingResult, detail: "response is a string that does not hold a JSON object (\(error.reason))")
            }
            return finish(env, body: body, bodyBase: tb, lineBase: base, millis: millis, lineNumber: lineNumber)
        }, millis)
    }

    /// A refusal found after the timestamp was read carries it.
    private func dated(_ p: consuming ParsedLine, _ millis: Int64) -> ParsedLine {
        if case .refused(let r, let d, _) = p { return .refused(r, detail: d, timestampMillis: millis) }
        return p
    }

    static func instant(_ base: UnsafePointer<UInt8>, _ ref: JSONRef) -> Int64? {
        switch ref.kind {
        case .number:
            guard let v = JSONRead.integer(base, ref), v >= Timestamp.minMillis, v <= Timestamp.maxMillis else { return nil }
            return v
        case .string:
            guard !ref.flag else {
                var text = JSONRead.string(base, ref)
                return text.withUTF8 { Timestamp.parseRFC3339($0) }
            }
            return Timestamp.parseRFC3339(UnsafeBufferPointer(start: base + ref.start + 1, count: ref.end - ref.start - 2))
        default:
            return nil
        }
    }

    private func finish(
        _ env: Envelope, body: ResponseFields, bodyBase: UnsafePointer<UInt8>, lineBase: UnsafePointer<UInt8>,
        millis: Int64, lineNumber: Int
    ) -> ParsedLine {
        guard body.result?.kind == .object,
            let statusRef = body.resultStatus, statusRef.kind == .string,
            let codeRef = body.resultCode, codeRef.kind == .string
        else {
            return .refused(.missingResult, detail: "response.result.resultStatus or resultCode is missing or not a string")
        }
        var warnings = WarningList()
        if let m = body.resultMessage, !m.isNull, m.kind != .string {
            warnings.add(FieldWarning(field: "result.resultMessage", problem: "expected a string"))
        }
        var product: Product?
        if let api = env.api, !api.isNull {
            guard api.kind == .string, let p = apiProduct(api, base: lineBase) else {
                return .refused(.unknownProduct, detail: "api is not an ID Recognition or VideoVerify checkresult path")
            }
            product = p
        }
        if product == nil {
            let e = body.ext
            func has(_ r: JSONRef?) -> Bool { r != nil && !r!.isNull }
            if has(body.videoVerifyResult) || has(e.quality) || has(e.qualityPassed) || has(e.willingRetryRecords) {
                product = .videoVerify
            } else if has(e.recognitionResult) || has(e.docCategory) || has(e.certType) || has(e.spoofResult) {
                product = .idRecognition
            } else {
                return .refused(.unknownProduct, detail: "no api path and the response matches neither product")
            }
        }
        // Built in its box: filled in place, never copied whole.
        let box = PollBox(PollRecord(
            product: product!, transactionId: transactionIds.string(lineBase, env.transactionId!),
            timestampMillis: millis, resultStatus: interner.string(bodyBase, statusRef),
            resultCode: interner.string(bodyBase, codeRef), lineNumber: lineNumber))
        var fields = FieldExtractor(base: bodyBase, interner: interner, memo: memo, warnings: warnings)
        if let biz = env.bizId, !biz.isNull {
            if biz.kind == .string {
                box.record.bizId = JSONRead.string(lineBase, biz)
            } else {
                fields.warn("request.bizId", "not a string")
            }
        }
        if let ext = body.extInfo, !ext.isNull, ext.kind != .object {
            fields.warn("extInfo", "not an object")
        }
        switch box.record.product {
        case .idRecognition: fields.readIDRecognition(body.ext, into: &box.record, documentKey: documentKey)
        case .videoVerify:
            box.record.videoVerifyResult = fields.string(body.videoVerifyResult, "videoVerifyResult")
            fields.readVideoVerify(body.ext, into: &box.record)
        }
        box.record.warnings = fields.warnings.stored
        box.record.warningCount = fields.warnings.count
        return .poll(box)
    }

    /// The product of a checkresult API path; a host before it or a query after it is
    /// fine, and letter case and trailing slashes do not matter.
    public static func product(forAPI api: String) -> Product? {
        var bytes = Array(api.utf8)
        return bytes.withUnsafeMutableBufferPointer { productOfPath(UnsafeBufferPointer($0)) }
    }

    /// `product(forAPI:)` on the raw bytes of a JSON string, without making a String.
    /// A log names the same one or two paths over and over: the last path read (as raw
    /// bytes, at most 128) and its product are remembered.
    private func apiProduct(_ ref: JSONRef, base: UnsafePointer<UInt8>) -> Product? {
        if ref.flag { return LogLineParser.product(forAPI: JSONRead.string(base, ref)) }
        let path = UnsafeBufferPointer(start: base + ref.start + 1, count: ref.end - ref.start - 2)
        if path.count == lastAPI.count, path.count > 0,
            lastAPI.withUnsafeBufferPointer({ memcmp($0.baseAddress!, path.baseAddress!, path.count) == 0 })
        {
            return lastAPIProduct
        }
        let p = LogLineParser.productOfPath(path)
        if path.count <= 128 {
            lastAPI = Array(path)
            lastAPIProduct = p
        }
        return p
    }

    private static let idPath = Array("idrecognition/checkresult".utf8)
    private static let videoPath = Array("videoverify/checkresult".utf8)

    static func productOfPath(_ b: UnsafeBufferPointer<UInt8>) -> Product? {
        var end = b.count
        if let cut = b.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) { end = cut }
        while end > 0, b[end - 1] == UInt8(ascii: "/") { end -= 1 }
        func endsWith(_ suffix: [UInt8]) -> Bool {
            guard end >= suffix.count else { return false }
            let start = end - suffix.count
            for i in 0..<suffix.count {
                var c = b[start + i]
                if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") { c |= 0x20 }
                if c != suffix[i] { return false }
            }
            return start == 0 || b[start - 1] == UInt8(ascii: "/")
        }
        if endsWith(idPath) { return .idRecognition }
        if endsWith(videoPath) { return .videoVerify }
        return nil
    }
}

/// The warnings of one line: the first `limit` are listed, the rest only counted, so a
/// line of a million wrongly typed fields keeps a hundred warnings and one that says how
/// many more there were.
struct WarningList: Sendable {
    static let limit = 100
    private(set) var listed: [FieldWarning] = []
    private(set) var omitted = 0

    init() {}

    /// Every warning added, listed or only counted.
    var count: Int { listed.count + omitted }

    /// Whether another warning would still be listed (else it is only counted).
    var full: Bool { listed.count >= WarningList.limit }

    mutating func add(_ w: @autoclosure () -> FieldWarning) {
        if full { omitted += 1 } else { listed.append(w()) }
    }

    mutating func add(contentsOf other: WarningList) {
        for w in other.listed { add(w) }
        omitted += other.omitted
    }

    /// What a poll keeps: the listed warnings, then one that counts those not listed.
    var stored: [FieldWarning] {
        guard omitted > 0 else { return listed }
        return listed + [FieldWarning(field: "(more)", problem: "\(omitted) more warnings of this line are not listed")]
    }
}

/// Reads typed fields of a response, recording one warning per field of the wrong type.
///
/// Keys are compared as raw bytes and short values come from the interner, so a typical
/// poll costs few allocations.
///
/// What a line's keys can make it keep is bounded, and each structure built from keys is
/// built in time linear in them (a repeated key is found by hashing, never by a scan of
/// what came before): a field name is kept only up to `nameLimit` bytes; at most
/// `listLimit` OCR field names, spoof checks, spoof details, spoof components (in all) and
/// retry records; at most `WarningList.limit` warnings listed (all are counted). Whatever a
/// bound leaves out is said in a warning.
private struct FieldExtractor {
    let base: UnsafePointer<UInt8>
    let interner: StringInterner
    let memo: FieldMemo
    var warnings: WarningList

    /// Longest field name kept, in bytes (OCR field names, spoof check names).
    static let nameLimit = 128
    /// Most entries kept of each list a line's keys make.
    static let listLimit = 256

    init(base: UnsafePointer<UInt8>, interner: StringInterner, memo: FieldMemo, warnings: WarningList = WarningList()) {
        self.base = base
        self.interner = interner
        self.memo = memo
        self.warnings = warnings
    }

    mutating func warn(_ field: @autoclosure () -> String, _ problem: @autoclosure () -> String) {
        warnings.add(FieldWarning(field: field(), problem: problem()))
    }

    /// The text of key `k` (after `prefix.` when given), or nil when the key is longer than
    /// `nameLimit` bytes. A long key is never copied: only an escaped one that might decode
    /// short enough is decoded.
    func name(_ k: JSONRef, prefix: String? = nil) -> String? {
        let raw = k.end - k.start - 2
        // Unescaped, the bytes are the name; escaped, each byte of the name takes at most
        // six of the key (\u0041).
        if raw > (k.flag ? 6 * FieldExtractor.nameLimit : FieldExtractor.nameLimit) { return nil }
        guard let prefix else {
            let s = interner.string(base, k)
            return s.utf8.count <= FieldExtractor.nameLimit ? s : nil
        }
        let s = interner.string(prefix: prefix, base, k)
        return s.utf8.count - prefix.utf8.count - 1 <= FieldExtractor.nameLimit ? s : nil
    }

    @inline(__always) func key(_ k: JSONRef, _ literal: StaticString) -> Bool { JSONRead.key(base, k, is: literal) }

    /// The three OCR maps, in the order their names are listed.
    static let ocrMaps = ["ocrResult", "ocrResultFormat", "ocrResultDetail"]

    /// A string field; null or absent is nil; another type is a warning.
    mutating func string(_ ref: JSONRef?, _ field: @autoclosure () -> String) -> String? {
        guard let ref, !ref.isNull else { return nil }
        guard ref.kind == .string else {
            warn(field(), "expected a string, found \(ref.kind)")
            return nil
        }
        return interner.string(base, ref)
    }

    fileprivate mutating func readIDRecognition(_ e: LogLineParser.ExtInfoFields, into poll: inout PollRecord, documentKey: DocumentHasher?) {
        poll.recognitionResult = string(e.recognitionResult, "extInfo.recognitionResult")
        poll.recognitionErrorCode = string(e.recognitionErrorCode, "extInfo.recognitionErrorCode")
        poll.certType = string(e.certType, "extInfo.certType")
        poll.docCategory = string(e.docCategory, "extInfo.docCategory")
        poll.uploadEnabledResult = string(e.uploadEnabledResult, "extInfo.uploadEnabledResult")
        poll.deeperResult = string(e.deeperResult, "extInfo.deeperResult")

        if let r = e.docEdition, !r.isNull {
            if r.kind == .number, let v = JSONRead.integer(base, r), let i = Int(exactly: v) {
                poll.docEdition = i
            } else if r.kind == .string, r.end - r.start < 128,
                let v = JSONRead.digitString(JSONRead.string(base, r))
            {
                poll.docEdition = v
            } else {
                warn("extInfo.docEdition", "expected an integer")
            }
        }

        if let r = e.countryCode, !r.isNull {
            switch r.kind {
            case .string: poll.countryCode = interner.string(base, r)
            case .array:
                var first: JSONRef?
                var allStrings = true
                JSONRead.forEachElement(base, r) { v in
                    if v.kind != .string { allStrings = false }
                    if first == nil { first = v }
                }
                if !allStrings {
                    warn("extInfo.countryCode", "expected a list of strings")
                } else if let first {
                    poll.countryCode = interner.string(base, first)
                }
            default: warn("extInfo.countryCode", "expected a string or a list of strings")
            }
        }

        if let r = e.spoofResult, !r.isNull {
            let (checks, w) = memo.spoofResult.value(base + r.start, r.end - r.start) {
                var x = FieldExtractor(base: base, interner: interner, memo: memo)
                return (x.readSpoofResult(r), x.warnings)
            }
            poll.spoofChecks = checks
            warnings.add(contentsOf: w)
        }
        if let r = e.extraSpoofResultDetails, !r.isNull {
            let (details, w) = memo.spoofDetails.value(base + r.start, r.end - r.start) {
                var x = FieldExtractor(base: base, interner: interner, memo: memo)
                return (x.readSpoofDetails(r), x.warnings)
            }
            poll.spoofDetails = details
            warnings.add(contentsOf: w)
        }

        // OCR: field names only; the document number only as a keyed hash.
        //
        // The names depend only on which maps hold which keys, and that repeats from poll
        // to poll: the keys' exact bytes, each after its map's index, are the signature
        // under which the name list is remembered, so a repeated shape allocates nothing.
        let maps = (e.ocrResult, e.ocrResultFormat, e.ocrResultDetail)
        func map(_ i: Int) -> JSONRef? {
            switch i {
            case 0: maps.0
            case 1: maps.1
            default: maps.2
            }
        }
        // The names in logged order, each once (a set finds a repeat), at most `listLimit`
        // of them and each at most `nameLimit` bytes long; what is left out is a warning.
        func names() -> ([String], WarningList) {
            var names: [String] = []
            var seen = Set<String>()
            var left = WarningList()
            var overflowAt: Int?
            for i in 0..<3 {
                guard let ref = map(i), ref.kind == .object else { continue }
                var tooLong = 0
                JSONRead.forEachMemberRef(base, ref) { k, _ in
                    guard let name = name(k, prefix: FieldExtractor.ocrMaps[i]) else {
                        tooLong += 1
                        return
                    }
                    guard !seen.contains(name) else { return }
                    guard names.count < FieldExtractor.listLimit else {
                        if overflowAt == nil { overflowAt = i }
                        return
                    }
                    seen.insert(name)
                    names.append(name)
                }
                if tooLong > 0 {
                    left.add(FieldWarning(field: "extInfo." + FieldExtractor.ocrMaps[i],
                                          problem: "field names longer than \(FieldExtractor.nameLimit) bytes are not kept (\(tooLong) here)"))
                }
            }
            if let i = overflowAt {
                left.add(FieldWarning(field: "extInfo." + FieldExtractor.ocrMaps[i],
                                      problem: "more than \(FieldExtractor.listLimit) OCR field names; only the first \(FieldExtractor.listLimit) are kept"))
            }
            return (names, left)
        }
        var idNumber: String?
        var formatNumber: String?
        var any = false
        // Past this size the signature is not built (and the list not remembered), so the
        // scratch buffer stays small whatever a line holds.
        var overflow = false
        memo.ocrSignature.removeAll(keepingCapacity: true)
        for i in 0..<3 {
            guard let ref = map(i), !ref.isNull else { continue }
            guard ref.kind == .object else {
                warn("extInfo." + FieldExtractor.ocrMaps[i], "expected an object")
                continue
            }
            JSONRead.forEachMemberRef(base, ref) { k, v in
                any = true
                // A map's index (0, 1, 2) cannot occur inside a key's bytes: JSON strings
                // hold no raw control bytes.
                if memo.ocrSignature.count + 1 + (k.end - k.start) > FieldMemo.ocrSignatureLimit {
                    overflow = true
                } else if !overflow {
                    memo.ocrSignature.append(UInt8(i))
                    memo.ocrSignature.append(contentsOf: UnsafeBufferPointer(start: base + k.start, count: k.end - k.start))
                }
                guard documentKey != nil, v.kind == .string else { return }
                if i == 0, key(k, "ID_NUMBER") { idNumber = JSONRead.string(base, v) }
                if i == 1, key(k, "NUMBER") { formatNumber = JSONRead.string(base, v) }
            }
        }
        if overflow || any {
            let (list, left) = overflow ? names() : memo.ocrSignature.withUnsafeBufferPointer { sig in
                memo.ocrNames.value(sig.baseAddress!, sig.count) { names() }
            }
            poll.ocrFieldNames = list
            warnings.add(contentsOf: left)
        }
        if let documentKey, let number = formatNumber ?? idNumber {
            poll.documentHash = documentKey.hash(documentNumber: number)
        }

        // ID Recognition documents imageContent as a list of base64 strings.
        if !e.imageContentValid || e.imageContentIsList == false { warn("extInfo.imageContent", "expected a list of base64 strings") }
        _ = string(e.recognitionErrorDescription, "extInfo.recognitionErrorDescription")
        _ = string(e.deeperResultDescription, "extInfo.deeperResultDescription")
        if !e.extraImagesValid { warn("extInfo.extraImages", "expected a map of base64 strings") }
        let listOK = e.imageContentValid && e.imageContentIsList != false
        poll.imageCount = (listOK ? e.imageCount : 0) + (e.extraImagesValid ? e.extraCount : 0)
        poll.imageBytes = (listOK ? e.imageBytes : 0) + (e.extraImagesValid ? e.extraBytes : 0)
    }

    mutating func readSpoofResult(_ r: JSONRef) -> [SpoofCheck] {
            if r.kind == .object {
                // Each name once, where it first came (nil: its last value was not a string).
                var slots: [SpoofCheck?] = []
                var slotOf: [String: Int] = [:]
                var tooLong = 0
                var overflow = false
                JSONRead.forEachMemberRef(base, r) { k, v in
                    guard let name = name(k) else {
                        tooLong += 1
                        return
                    }
                    var check: SpoofCheck?
                    if v.kind == .string {
                        check = SpoofCheck(check: name, value: interner.string(base, v))
                    } else if !v.isNull {
                        warn("extInfo.spoofResult." + name, "expected a string")
                    }
                    if let i = slotOf[name] {
                        slots[i] = check  // A repeated key: the last one counts.
                    } else if slots.count < FieldExtractor.listLimit {
                        slotOf[name] = slots.count
                        slots.append(check)
                    } else {
                        overflow = true
                    }
                }
                if tooLong > 0 {
                    warn("extInfo.spoofResult", "check names longer than \(FieldExtractor.nameLimit) bytes are not kept (\(tooLong) here)")
                }
                if overflow {
                    warn("extInfo.spoofResult", "more than \(FieldExtractor.listLimit) checks; only the first \(FieldExtractor.listLimit) are kept")
                }
                var checks = slots.compactMap { $0 }
                if checks.count > 1 { checks.sort { UTF8Order.less($0.check, $1.check) } }
                return checks
            } else {
                warn("extInfo.spoofResult", "expected an object")
                return []
            }
    }

    mutating func readSpoofDetails(_ r: JSONRef) -> [SpoofDetail] {
            if r.kind == .array {
                var details: [SpoofDetail] = []
                var index = 0
                // Components kept so far, over all details; whether a bound left some out.
                var componentCount = 0
                var overflow = false
                JSONRead.forEachElement(base, r) { item in
                    defer { index += 1 }
                    guard item.kind == .object else {
                        if !item.isNull { warn("extInfo.extraSpoofResultDetails[\(index)]", "expected an object") }
                        return
                    }
                    var name: String?, result: String?, spoofType: String?
                    var components: [SpoofComponent] = []
                    JSONRead.forEachMemberRef(base, item) { k, v in
                        if key(k, "name") {
                            name = string(v, "extInfo.extraSpoofResultDetails[\(index)].name")
                        } else if key(k, "result") {
                            result = string(v, "extInfo.extraSpoofResultDetails[\(index)].result")
                        } else if key(k, "spoofType") {
                            spoofType = string(v, "extInfo.extraSpoofResultDetails[\(index)].spoofType")
                        } else if key(k, "components") {
                            guard !v.isNull else { return }
                            guard v.kind == .array else {
                                warn("extInfo.extraSpoofResultDetails[\(index)].components", "expected a list")
                                return
                            }
                            components = []
                            var ci = 0
                            JSONRead.forEachElement(base, v) { comp in
                                defer { ci += 1 }
                                guard comp.kind == .object else {
                                    if !comp.isNull { warn("extInfo.extraSpoofResultDetails[\(index)].components[\(ci)]", "expected an object") }
                                    return
                                }
                                var cname: String?, sub: String?
                                JSONRead.forEachMemberRef(base, comp) { ck, cv in
                                    if key(ck, "name") {
                                        cname = string(cv, "extInfo.extraSpoofResultDetails[\(index)].components[\(ci)].name")
                                    } else if key(ck, "subResult") {
                                        sub = string(cv, "extInfo.extraSpoofResultDetails[\(index)].components[\(ci)].subResult")
                                    }
                                }
                                // A component without a name cannot be told apart: it is left out.
                                guard let cname, !cname.isEmpty else { return }
                                guard componentCount + components.count < FieldExtractor.listLimit else {
                                    overflow = true
                                    return
                                }
                                components.append(SpoofComponent(name: cname, subResult: sub))
                            }
                        }
                    }
                    // A detail needs its spoofType and name to have a row of its own.
                    if let spoofType, let name {
                        guard details.count < FieldExtractor.listLimit else {
                            overflow = true
                            return
                        }
                        componentCount += components.count
                        details.append(SpoofDetail(spoofType: spoofType, name: name, result: result, components: components))
                    }
                }
                if overflow {
                    warn("extInfo.extraSpoofResultDetails",
                         "more than \(FieldExtractor.listLimit) details or components; only the first \(FieldExtractor.listLimit) of each are kept")
                }
                return details
            } else {
                warn("extInfo.extraSpoofResultDetails", "expected a list")
                return []
            }
    }


    fileprivate mutating func readVideoVerify(_ e: LogLineParser.ExtInfoFields, into poll: inout PollRecord) {
        if let r = e.quality, !r.isNull {
            var q: Double?
            if r.kind == .number {
                q = JSONRead.double(base, r)
            } else if r.kind == .string {
                q = JSONRead.parseDouble(JSONRead.string(base, r))
            }
            if let q, q >= 0, q <= 100 {
                poll.quality = q
            } else {
                warn("extInfo.quality", q == nil ? "not a number" : "outside 0–100")
            }
        }
        if let r = e.qualityPassed, !r.isNull {
            if r.kind == .bool { poll.qualityPassed = r.flag } else { warn("extInfo.qualityPassed", "expected true or false") }
        }
        if let r = e.willingRetryRecords, !r.isNull {
            let (records, w) = memo.retryRecords.value(base + r.start, r.end - r.start) {
                var x = FieldExtractor(base: base, interner: interner, memo: memo)
                return (x.readWillingRetryRecords(r), x.warnings)
            }
            poll.retryRecords = records
            warnings.add(contentsOf: w)
        }
        // VideoVerify documents imageContent as one base64 string.
        if !e.imageContentValid || e.imageContentIsList == true { warn("extInfo.imageContent", "expected a base64 string") }
        let stringOK = e.imageContentValid && e.imageContentIsList != true
        poll.imageCount = stringOK ? e.imageCount : 0
        poll.imageBytes = stringOK ? e.imageBytes : 0
        if let v = e.willingVerifyVideo, !v.isNull {
            if v.kind == .string { poll.videoBytes = LogLineParser.base64DecodedSize(v) } else { warn("extInfo.willingVerifyVideo", "expected a base64 string") }
        }
    }

    /// willingRetryRecords as a JSON string or an object; nil (and a warning) when unusable.
    mutating func readWillingRetryRecords(_ r: JSONRef) -> [RetryRecord]? {
            if r.kind == .object {
                return readRetryRecords(r)
            } else if r.kind == .string {
                // JSON inside a string: unescape it and read it with a cursor of its own.
                var text: [UInt8] = []
                JSONRead.unescape(base + r.start + 1, count: r.end - r.start - 2, into: &text)
                let records: [RetryRecord]? = text.withUnsafeBufferPointer { buf in
                    guard let b = buf.baseAddress else { return nil }
                    var c = JSONCursor(base: b, end: buf.count)
                    do {
                        c.skipWhitespace()
                        let v = try c.scanValue()
                        c.skipWhitespace()
                        guard c.atEnd, v.kind == .object else { return nil }
                        var inner = FieldExtractor(base: b, interner: interner, memo: memo)
                        let out = inner.readRetryRecords(v)
                        warnings.add(contentsOf: inner.warnings)
                        return out
                    } catch {
                        return nil
                    }
                }
                if records == nil { warn("extInfo.willingRetryRecords", "does not hold a JSON object") }
                return records
            } else {
                warn("extInfo.willingRetryRecords", "expected a JSON string or an object")
                return nil
            }
    }

    /// `{"retryRecords": [...]}` → records.
    mutating func readRetryRecords(_ obj: JSONRef) -> [RetryRecord] {
        var records: [RetryRecord] = []
        var overflow = false
        JSONRead.forEachMemberRef(base, obj) { k, v in
            guard key(k, "retryRecords"), !v.isNull else { return }
            guard v.kind == .array else {
                warn("extInfo.willingRetryRecords.retryRecords", "expected a list")
                return
            }
            records = []
            var i = 0
            JSONRead.forEachElement(base, v) { item in
                defer { i += 1 }
                guard item.kind == .object else {
                    if !item.isNull { warn("extInfo.willingRetryRecords.retryRecords[\(i)]", "expected an object") }
                    return
                }
                var rec = RetryRecord(status: nil, attemptNumber: nil)
                JSONRead.forEachMemberRef(base, item) { rk, rv in
                    if key(rk, "status") {
                        rec.status = string(rv, "extInfo.willingRetryRecords.retryRecords[\(i)].status")
                    } else if key(rk, "userInput") {
                        if !rv.isNull, rv.kind != .string { warn("extInfo.willingRetryRecords.retryRecords[\(i)].userInput", "expected a string") }
                    } else if key(rk, "attemptNumber") {
                        guard !rv.isNull else { rec.attemptNumber = nil; return }
                        if let n = JSONRead.integer(base, rv), let v = Int(exactly: n) {
                            rec.attemptNumber = v
                        } else {
                            rec.attemptNumber = nil
                            warn("extInfo.willingRetryRecords.retryRecords[\(i)].attemptNumber", "expected an integer")
                        }
                    }
                }
                if records.count < FieldExtractor.listLimit {
                    records.append(rec)
                } else {
                    overflow = true
                }
            }
        }
        if overflow {
            warn("extInfo.willingRetryRecords.retryRecords", "more than \(FieldExtractor.listLimit) records; only the first \(FieldExtractor.listLimit) are kept")
        }
        return records
    }
}

/// Code-point order of strings (what "ordered by a text column" means in metrics.md),
/// which for UTF-8 is plain byte order.
enum UTF8Order {
    static func less(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { pa in
            b.withUTF8 { pb in
                let n = min(pa.count, pb.count)
                let c = n == 0 ? 0 : memcmp(pa.baseAddress!, pb.baseAddress!, n)
                return c != 0 ? c < 0 : pa.count < pb.count
            }
        }
    }
}

/// Parsed sub-documents by their exact bytes, with the warnings they raised.
final class FieldMemo {
    let spoofResult = RawMemo<([SpoofCheck], WarningList)>()
    let spoofDetails = RawMemo<([SpoofDetail], WarningList)>()
    let retryRecords = RawMemo<([RetryRecord]?, WarningList)>()
    /// OCR field names by the signature `readIDRecognition` builds, and its scratch buffer
    /// (at most `ocrSignatureLimit` bytes: the memo keeps nothing longer anyway).
    let ocrNames = RawMemo<([String], WarningList)>()
    var ocrSignature: [UInt8] = []
    static let ocrSignatureLimit = 2048
}

@available(*, unavailable)
extension FieldMemo: Sendable {}
