/// The top level of a log line (LOG_FORMAT.md (The envelope)), located in one validating pass over the line.
///
/// The pass validates the whole line as strict JSON and records where the values Verdict
/// reads lie (`JSONRef`s into the line). It descends into `request` and `response` (and
/// there into `result` and `extInfo`, see `ResponseFields`); every other value is skipped
/// while being validated. Each key read is named once, in a `KeyTable`: `Envelope.keys`
/// (with `timestampKeys`), `RequestFields.keys`, `ResponseFields.keys`, `ResultFields.keys`
/// and `ExtInfoFields.keys`.
struct Envelope {
    enum Field: Sendable {
        case request, response, api
        /// One of `timestampKeys`, by its place in that list.
        case timestamp(rank: Int)
    }

    /// The keys a poll's time may be logged under, in order of precedence: the first one
    /// present and not null is the poll's time. Accepting another key is one entry here.
    static let timestampKeys = ["timestamp", "@timestamp", "ts", "time"]

    static let keys: KeyTable<Field> = {
        precondition(timestampKeys.count <= TimestampSlots.capacity, "more timestamp keys than TimestampSlots holds")
        let ranked = timestampKeys.enumerated().map { ($0.element, Field.timestamp(rank: $0.offset)) }
        return KeyTable([("request", .request), ("response", .response), ("api", .api)] + ranked)
    }()

    var request: JSONRef?
    /// What `request` holds, when it is an object.
    var requestFields = RequestFields()
    var api: JSONRef?
    var response: JSONRef?
    /// What `response` holds, when it is an object (scanned in place).
    var body = ResponseFields()
    /// The last value of each timestamp key, by rank.
    var timestamps = TimestampSlots()

    /// Scans the line, validating all of it: true when it is one JSON object (then located
    /// here), false when it is one JSON value of another kind; an error otherwise.
    mutating func read(_ line: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> Bool {
        var c = JSONCursor(base: line.baseAddress!, end: line.count)
        c.skipWhitespace()
        let isObject = c.peek() == UInt8(ascii: "{")
        if isObject {
            try c.readObject(Envelope.keys) { field, c throws(JSONSyntaxError) in
                switch field {
                case .request: request = try c.locate(&requestFields)
                case .response: response = try c.locate(&body)
                case .api: api = try c.scanValue()
                case .timestamp(let rank): timestamps[rank] = try c.scanValue()
                }
            }
        } else {
            _ = try c.scanValue()
        }
        c.skipWhitespace()
        if !c.atEnd { throw c.fail(isObject ? "unexpected data after the object" : "unexpected data after the value") }
        return isObject
    }

    /// The poll's time: the first of `timestampKeys` present and not null (its rank), and
    /// the instant it gives (nil when it is not a valid time); nil when there is none.
    func time(_ base: UnsafePointer<UInt8>) -> (rank: Int, millis: Int64?)? {
        for rank in 0..<TimestampSlots.capacity {
            if let ref = timestamps[rank], !ref.isNull { return (rank, Envelope.instant(base, ref)) }
        }
        return nil
    }

    /// An RFC 3339 date-time with an offset (Scan/Timestamp.swift), or an integer of epoch
    /// milliseconds in years 1–9999; nil for anything else.
    static func instant(_ base: UnsafePointer<UInt8>, _ ref: JSONRef) -> Int64? {
        switch ref.kind {
        case .number:
            guard let v = JSONRead.integer(base, ref), v >= Timestamp.minMillis, v <= Timestamp.maxMillis else { return nil }
            return v
        case .string:
            guard !ref.isEscaped else {
                var text = JSONRead.string(base, ref)
                return text.withUTF8 { Timestamp.parseRFC3339($0) }
            }
            return Timestamp.parseRFC3339(ref.content(in: base))
        default:
            return nil
        }
    }

    /// Calls `read` with what the response holds and the buffer that lies in: the line, for
    /// a response logged as an object; for one logged as a string, its unescaped text,
    /// scanned as a response in a buffer of its own. That text must be one JSON object,
    /// else the line is refused (`missing_result`).
    func withResponseBody<R>(
        _ base: UnsafePointer<UInt8>, _ read: (ResponseFields, UnsafePointer<UInt8>) throws(Refusal) -> R
    ) throws(Refusal) -> R {
        guard let response, response.kind == .string else { return try read(body, base) }
        var text: [UInt8] = []
        text.reserveCapacity(response.length)
        JSONRead.unescape(base, response, into: &text)
        let scanned: Result<R, Refusal> = text.withUnsafeBufferPointer { buf in
            guard let textBase = buf.baseAddress else {
                return .failure(Refusal(.missingResult, "response is an empty string"))
            }
            var c = JSONCursor(base: textBase, end: buf.count)
            var fields = ResponseFields()
            do throws(JSONSyntaxError) {
                c.skipWhitespace()
                guard c.peek() == UInt8(ascii: "{") else { throw c.fail("not an object") }
                try fields.read(&c)
                c.skipWhitespace()
                if !c.atEnd { throw c.fail("unexpected data after the object") }
            } catch {
                return .failure(Refusal(.missingResult, "response is a string that does not hold a JSON object (\(error.reason))"))
            }
            return Result { () throws(Refusal) in try read(fields, textBase) }
        }
        return try scanned.get()
    }
}

/// What `request` holds.
struct RequestFields: LocatedFields {
    static let keys: KeyTable<FieldSlot<RequestFields>> = ["transactionId": .init(\.transactionId), "bizId": .init(\.bizId)]

    var transactionId: JSONRef?
    var bizId: JSONRef?

    mutating func read(_ c: inout JSONCursor) throws(JSONSyntaxError) {
        try c.readValues(RequestFields.keys, into: &self)
    }
}

/// The last value of each timestamp key, by rank: a fixed store, so a line allocates
/// nothing for them.
struct TimestampSlots {
    static let capacity = 8
    /// Eight slots side by side (a tuple of one type is laid out as an array is).
    private var refs: (JSONRef?, JSONRef?, JSONRef?, JSONRef?, JSONRef?, JSONRef?, JSONRef?, JSONRef?) =
        (nil, nil, nil, nil, nil, nil, nil, nil)

    subscript(rank: Int) -> JSONRef? {
        get {
            precondition(rank >= 0 && rank < TimestampSlots.capacity, "timestamp rank out of range")
            return withUnsafeBytes(of: refs) { $0.load(fromByteOffset: rank * MemoryLayout<JSONRef?>.stride, as: JSONRef?.self) }
        }
        set {
            precondition(rank >= 0 && rank < TimestampSlots.capacity, "timestamp rank out of range")
            withUnsafeMutableBytes(of: &refs) { $0.storeBytes(of: newValue, toByteOffset: rank * MemoryLayout<JSONRef?>.stride, as: JSONRef?.self) }
        }
    }
}
