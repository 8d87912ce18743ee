/// ID Recognition's OCR maps (LOG_FORMAT.md (Warnings)): of `ocrResult`, `ocrResultFormat` and
/// `ocrResultDetail` only the field names are kept, and the document number only as a
/// keyed hash (Privacy/DocumentHasher.swift): `ocrResultFormat.NUMBER`, else
/// `ocrResult.ID_NUMBER`.
///
/// What a line's keys make is bounded (`nameLimit`, `listLimit`): whatever a bound leaves
/// out is said in a warning.
extension FieldReader {
    /// Longest field name kept, in bytes (OCR field names, spoof check names).
    static let nameLimit = 128
    /// Most entries kept of each list a line's keys make: OCR field names, spoof checks,
    /// spoof details, spoof components (over all details), retry records.
    static let listLimit = 256
    /// The three OCR maps, in the order their names are listed.
    static let ocrMaps = ["ocrResult", "ocrResultFormat", "ocrResultDetail"]

    mutating func readOCR(_ e: ExtInfoFields, into poll: inout PollRecord, documentKey: DocumentHasher?) {
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
                warn("extInfo." + FieldReader.ocrMaps[i], "expected an object")
                continue
            }
            JSONRead.forEachMemberRef(base, ref) { k, v in
                any = true
                // A map's index (0, 1, 2) cannot occur inside a key's bytes: JSON strings
                // hold no raw control bytes.
                if memo.ocrSignature.count + 1 + k.length > FieldMemo.ocrSignatureLimit {
                    overflow = true
                } else if !overflow {
                    memo.ocrSignature.append(UInt8(i))
                    memo.ocrSignature.append(contentsOf: k.bytes(in: base))
                }
                guard documentKey != nil, v.kind == .string else { return }
                if i == 0, key(k, "ID_NUMBER") { idNumber = JSONRead.string(base, v) }
                if i == 1, key(k, "NUMBER") { formatNumber = JSONRead.string(base, v) }
            }
        }
        if overflow || any {
            let (list, left) = overflow ? ocrNames(map) : memo.ocrSignature.withUnsafeBufferPointer { sig in
                memo.ocrNames.value(sig.baseAddress!, sig.count) { ocrNames(map) }
            }
            poll.ocrFieldNames = list
            warnings.add(contentsOf: left)
        }
        if let documentKey, let number = formatNumber ?? idNumber {
            poll.documentHash = documentKey.hash(documentNumber: number)
        }
    }

    /// The names in logged order, each once (a set finds a repeat), at most `listLimit` of
    /// them and each at most `nameLimit` bytes long; what is left out is a warning.
    private func ocrNames(_ map: (Int) -> JSONRef?) -> ([String], WarningList) {
        var names: [String] = []
        var seen = Set<String>()
        var left = WarningList()
        var overflowAt: Int?
        for i in 0..<3 {
            guard let ref = map(i), ref.kind == .object else { continue }
            var tooLong = 0
            JSONRead.forEachMemberRef(base, ref) { k, _ in
                guard let name = name(k, prefix: FieldReader.ocrMaps[i]) else {
                    tooLong += 1
                    return
                }
                guard !seen.contains(name) else { return }
                guard names.count < FieldReader.listLimit else {
                    if overflowAt == nil { overflowAt = i }
                    return
                }
                seen.insert(name)
                names.append(name)
            }
            if tooLong > 0 {
                left.add(FieldWarning(field: "extInfo." + FieldReader.ocrMaps[i],
                                      problem: "field names longer than \(FieldReader.nameLimit) bytes are not kept (\(tooLong) here)"))
            }
        }
        if let i = overflowAt {
            left.add(FieldWarning(field: "extInfo." + FieldReader.ocrMaps[i],
                                  problem: "more than \(FieldReader.listLimit) OCR field names; only the first \(FieldReader.listLimit) are kept"))
        }
        return (names, left)
    }

    /// The text of key `k` (after `prefix.` when given), or nil when the key is longer than
    /// `nameLimit` bytes. A long key is never copied: only an escaped one that might decode
    /// short enough is decoded.
    func name(_ k: JSONRef, prefix: String? = nil) -> String? {
        // Unescaped, the bytes are the name; escaped, each byte of the name takes at most
        // six of the key (\u0041).
        if k.contentLength > (k.isEscaped ? 6 * FieldReader.nameLimit : FieldReader.nameLimit) { return nil }
        guard let prefix else {
            let s = interner.string(base, k)
            return s.utf8.count <= FieldReader.nameLimit ? s : nil
        }
        let s = interner.string(prefix: prefix, base, k)
        return s.utf8.count - prefix.utf8.count - 1 <= FieldReader.nameLimit ? s : nil
    }
}
