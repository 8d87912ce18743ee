/// Reads typed values out of a scanned response, recording one warning per field of the
/// wrong type (LOG_FORMAT.md (Warnings)): the helper the field readers of both products share
/// (IDRecognitionFields.swift, VideoVerifyFields.swift).
///
/// `null` counts as absent. A value of the wrong type adds a `FieldWarning` (the field's
/// dotted path and the problem) and counts as absent; the line is still accepted. At most
/// `WarningList.limit` warnings are listed per line; all of them are counted.
///
/// Keys are compared as raw bytes and short values come from the interner, so a typical
/// poll costs few allocations. Whatever is built from a line's keys is built in time
/// linear in their number (a repeated key is found by hashing, never by a scan of what
/// came before).
struct FieldReader {
    let base: UnsafePointer<UInt8>
    let interner: StringInterner
    let memo: FieldMemo
    var warnings: WarningList

    init(base: UnsafePointer<UInt8>, interner: StringInterner, memo: FieldMemo, warnings: WarningList = WarningList()) {
        self.base = base
        self.interner = interner
        self.memo = memo
        self.warnings = warnings
    }

    /// A reader of another buffer (JSON logged inside a string), with the same caches and
    /// no warnings yet.
    func reading(_ other: UnsafePointer<UInt8>) -> FieldReader {
        FieldReader(base: other, interner: interner, memo: memo)
    }

    mutating func warn(_ field: @autoclosure () -> String, _ problem: @autoclosure () -> String) {
        warnings.add(FieldWarning(field: field(), problem: problem()))
    }

    /// Whether the key at `k` is `literal` (for a single key; a set of keys has a `KeyTable`).
    @inline(__always) func key(_ k: JSONRef, _ literal: StaticString) -> Bool { JSONRead.key(base, k, is: literal) }

    /// A string; another type is a warning.
    mutating func string(_ ref: JSONRef?, _ field: @autoclosure () -> String) -> String? {
        guard let ref, !ref.isNull else { return nil }
        guard ref.kind == .string else {
            warn(field(), "expected a string, found \(ref.kind)")
            return nil
        }
        return interner.string(base, ref)
    }

    /// An integer: a JSON number without fraction or exponent that fits, or, with
    /// `digitStrings`, a string of ASCII digits (`"2"`); anything else is a warning.
    mutating func integer(_ ref: JSONRef?, _ field: @autoclosure () -> String, digitStrings: Bool = false) -> Int? {
        guard let ref, !ref.isNull else { return nil }
        if let v = JSONRead.integer(base, ref), let i = Int(exactly: v) { return i }
        if digitStrings, ref.kind == .string, ref.length < 128, let v = JSONRead.digitString(JSONRead.string(base, ref)) {
            return v
        }
        warn(field(), "expected an integer")
        return nil
    }

    /// `true` or `false`; anything else (`"yes"`, `1`) is a warning.
    mutating func bool(_ ref: JSONRef?, _ field: @autoclosure () -> String) -> Bool? {
        guard let ref, !ref.isNull else { return nil }
        guard ref.kind == .bool else {
            warn(field(), "expected true or false")
            return nil
        }
        return ref.boolValue
    }

    /// Calls `read` with each element of the list at `list` that is an object, and its
    /// index; any other element but null is a warning, at `path` of its index.
    mutating func forEachObject(in list: JSONRef, path: (Int) -> String, _ read: (inout FieldReader, Int, JSONRef) -> Void) {
        var index = 0
        JSONRead.forEachElement(base, list) { item in
            let i = index
            index += 1
            guard item.kind == .object else {
                if !item.isNull { warn(path(i), "expected an object") }
                return
            }
            read(&self, i, item)
        }
    }

    /// What `read` makes of the value at `ref`, read once per distinct bytes: sub-documents
    /// repeat from poll to poll (the same spoofResult on thousands of them), so `cache`
    /// keeps the value and the warnings it raised, and the warnings are added again on each
    /// poll that has it.
    mutating func memoized<T>(_ cache: RawMemo<(T, WarningList)>, _ ref: JSONRef, _ read: (inout FieldReader) -> T) -> T {
        let (value, raised) = cache.value(of: ref, in: base) {
            var fresh = reading(base)
            return (read(&fresh), fresh.warnings)
        }
        warnings.add(contentsOf: raised)
        return value
    }
}

/// Parsed sub-documents by their exact bytes, with the warnings they raised.
final class FieldMemo {
    let spoofResult = RawMemo<([SpoofCheck], WarningList)>()
    let spoofDetails = RawMemo<([SpoofDetail], WarningList)>()
    let retryRecords = RawMemo<([RetryRecord]?, WarningList)>()
    /// OCR field names by the signature `readOCR` builds, and its scratch buffer (at most
    /// `ocrSignatureLimit` bytes: the memo keeps nothing longer anyway).
    let ocrNames = RawMemo<([String], WarningList)>()
    var ocrSignature: [UInt8] = []
    static let ocrSignatureLimit = 2048
}

@available(*, unavailable)
extension FieldMemo: Sendable {}
