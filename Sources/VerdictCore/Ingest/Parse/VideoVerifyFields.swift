/// The field reader of VideoVerify: its fields of extInfo (LOG_FORMAT.md (Warnings)), read into the poll.
extension FieldReader {
    mutating func readVideoVerify(_ e: ExtInfoFields, into poll: inout PollRecord) {
        poll.quality = quality(e.quality)
        poll.qualityPassed = bool(e.qualityPassed, "extInfo.qualityPassed")
        if let r = e.willingRetryRecords, !r.isNull {
            poll.retryRecords = memoized(memo.retryRecords, r) { $0.readWillingRetryRecords(r) }
        }
        // VideoVerify documents imageContent as one base64 string.
        let image = e.imageContent
        if !image.valid || e.imageContentIsList == true { warn("extInfo.imageContent", "expected a base64 string") }
        let stringOK = image.valid && e.imageContentIsList != true
        poll.imageCount = stringOK ? image.count : 0
        poll.imageBytes = stringOK ? image.bytes : 0
        if let v = e.willingVerifyVideo, !v.isNull {
            if v.kind == .string {
                poll.videoBytes = ExtInfoFields.base64DecodedSize(v)
            } else {
                warn("extInfo.willingVerifyVideo", "expected a base64 string")
            }
        }
    }

    /// quality: a number, or a number written as a string, kept only in [0, 100].
    private mutating func quality(_ ref: JSONRef?) -> Double? {
        guard let r = ref, !r.isNull else { return nil }
        var q: Double?
        if r.kind == .number {
            q = JSONRead.double(base, r)
        } else if r.kind == .string {
            q = JSONRead.parseDouble(JSONRead.string(base, r))
        }
        guard let q, q >= 0, q <= 100 else {
            warn("extInfo.quality", q == nil ? "not a number" : "outside 0–100")
            return nil
        }
        return q
    }

    /// willingRetryRecords as JSON inside a string, or as an object; nil (and a warning)
    /// when unusable.
    mutating func readWillingRetryRecords(_ r: JSONRef) -> [RetryRecord]? {
        switch r.kind {
        case .object:
            return readRetryRecords(r)
        case .string:
            // JSON inside a string: unescape it and read it with a cursor of its own.
            var text: [UInt8] = []
            JSONRead.unescape(base, r, into: &text)
            let records: [RetryRecord]? = text.withUnsafeBufferPointer { buf in
                guard let b = buf.baseAddress else { return nil }
                var c = JSONCursor(base: b, end: buf.count)
                do {
                    c.skipWhitespace()
                    let v = try c.scanValue()
                    c.skipWhitespace()
                    guard c.atEnd, v.kind == .object else { return nil }
                    var inner = reading(b)
                    let out = inner.readRetryRecords(v)
                    warnings.add(contentsOf: inner.warnings)
                    return out
                } catch {
                    return nil
                }
            }
            if records == nil { warn("extInfo.willingRetryRecords", "does not hold a JSON object") }
            return records
        default:
            warn("extInfo.willingRetryRecords", "expected a JSON string or an object")
            return nil
        }
    }

    /// `{"retryRecords": [...]}` → records, at most `listLimit` of them (a warning says when
    /// more were left out); `userInput` is type-checked and dropped.
    private mutating func readRetryRecords(_ obj: JSONRef) -> [RetryRecord] {
        var records: [RetryRecord] = []
        var overflow = false
        JSONRead.forEachMemberRef(base, obj) { k, v in
            guard key(k, "retryRecords"), !v.isNull else { return }
            guard v.kind == .array else {
                warn("extInfo.willingRetryRecords.retryRecords", "expected a list")
                return
            }
            records = []
            let path = { (i: Int) in "extInfo.willingRetryRecords.retryRecords[\(i)]" }
            forEachObject(in: v, path: path) { reader, i, item in
                var rec = RetryRecord(status: nil, attemptNumber: nil)
                JSONRead.forEachMember(reader.base, item, RetryRecordKey.table) { key, rv in
                    switch key {
                    case .status:
                        rec.status = reader.string(rv, path(i) + ".status")
                    case .userInput:
                        if !rv.isNull, rv.kind != .string { reader.warn(path(i) + ".userInput", "expected a string") }
                    case .attemptNumber:
                        rec.attemptNumber = reader.integer(rv, path(i) + ".attemptNumber")
                    }
                }
                if records.count < FieldReader.listLimit {
                    records.append(rec)
                } else {
                    overflow = true
                }
            }
        }
        if overflow {
            warn("extInfo.willingRetryRecords.retryRecords", "more than \(FieldReader.listLimit) records; only the first \(FieldReader.listLimit) are kept")
        }
        return records
    }
}

/// The keys of one retry record that are read.
private enum RetryRecordKey: Sendable {
    case status, userInput, attemptNumber
    static let table: KeyTable<RetryRecordKey> = ["status": .status, "userInput": .userInput, "attemptNumber": .attemptNumber]
}
