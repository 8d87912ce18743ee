#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The field reader of ID Recognition: its fields of extInfo (LOG_FORMAT.md (Warnings)), read into the poll.
extension FieldReader {
    mutating func readIDRecognition(_ e: ExtInfoFields, into poll: inout PollRecord, documentKey: DocumentHasher?) {
        poll.recognitionResult = string(e.recognitionResult, "extInfo.recognitionResult")
        poll.recognitionErrorCode = string(e.recognitionErrorCode, "extInfo.recognitionErrorCode")
        poll.certType = string(e.certType, "extInfo.certType")
        poll.docCategory = string(e.docCategory, "extInfo.docCategory")
        poll.uploadEnabledResult = string(e.uploadEnabledResult, "extInfo.uploadEnabledResult")
        poll.deeperResult = string(e.deeperResult, "extInfo.deeperResult")
        poll.docEdition = integer(e.docEdition, "extInfo.docEdition", digitStrings: true)
        readCountryCode(e.countryCode, into: &poll)

        if let r = e.spoofResult, !r.isNull {
            poll.spoofChecks = memoized(memo.spoofResult, r) { $0.readSpoofResult(r) }
        }
        if let r = e.extraSpoofResultDetails, !r.isNull {
            poll.spoofDetails = memoized(memo.spoofDetails, r) { $0.readSpoofDetails(r) }
        }
        readOCR(e, into: &poll, documentKey: documentKey)

        // ID Recognition documents imageContent as a list of base64 strings.
        let images = e.imageContent, extra = e.extraImages
        if !images.valid || e.imageContentIsList == false { warn("extInfo.imageContent", "expected a list of base64 strings") }
        _ = string(e.recognitionErrorDescription, "extInfo.recognitionErrorDescription")
        _ = string(e.deeperResultDescription, "extInfo.deeperResultDescription")
        if !extra.valid { warn("extInfo.extraImages", "expected a map of base64 strings") }
        let listOK = images.valid && e.imageContentIsList != false
        poll.imageCount = (listOK ? images.count : 0) + (extra.valid ? extra.count : 0)
        poll.imageBytes = (listOK ? images.bytes : 0) + (extra.valid ? extra.bytes : 0)
    }

    /// countryCode: a string, or a list of strings that gives its first.
    private mutating func readCountryCode(_ ref: JSONRef?, into poll: inout PollRecord) {
        guard let r = ref, !r.isNull else { return }
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

    // MARK: Spoof checks and details

    /// spoofResult: a map of check names to results, in code-point order of the names.
    /// At most `listLimit` checks with names of at most `nameLimit` bytes are kept (a
    /// warning says what was left out); where a name repeats, the last value counts.
    mutating func readSpoofResult(_ r: JSONRef) -> [SpoofCheck] {
        guard r.kind == .object else {
            warn("extInfo.spoofResult", "expected an object")
            return []
        }
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
            } else if slots.count < FieldReader.listLimit {
                slotOf[name] = slots.count
                slots.append(check)
            } else {
                overflow = true
            }
        }
        if tooLong > 0 {
            warn("extInfo.spoofResult", "check names longer than \(FieldReader.nameLimit) bytes are not kept (\(tooLong) here)")
        }
        if overflow {
            warn("extInfo.spoofResult", "more than \(FieldReader.listLimit) checks; only the first \(FieldReader.listLimit) are kept")
        }
        var checks = slots.compactMap { $0 }
        if checks.count > 1 { checks.sort { UTF8Order.less($0.check, $1.check) } }
        return checks
    }

    /// extraSpoofResultDetails: a list of details, each with its spoofType, name, result and
    /// components. A detail is kept when it has a spoofType and a name, a component when it
    /// has a name; at most `listLimit` details and `listLimit` components in all (a warning
    /// says what was left out).
    mutating func readSpoofDetails(_ r: JSONRef) -> [SpoofDetail] {
        guard r.kind == .array else {
            warn("extInfo.extraSpoofResultDetails", "expected a list")
            return []
        }
        var details: [SpoofDetail] = []
        // Components kept so far, over all details; whether a bound left some out.
        var componentCount = 0
        var overflow = false
        // A detail's path in warnings, made only when one is raised.
        let path = { (i: Int) in "extInfo.extraSpoofResultDetails[\(i)]" }
        forEachObject(in: r, path: path) { reader, i, item in
            var name: String?, result: String?, spoofType: String?
            var components: [SpoofComponent] = []
            JSONRead.forEachMember(reader.base, item, SpoofDetailKey.table) { key, v in
                switch key {
                case .name: name = reader.string(v, path(i) + ".name")
                case .result: result = reader.string(v, path(i) + ".result")
                case .spoofType: spoofType = reader.string(v, path(i) + ".spoofType")
                case .components:
                    guard !v.isNull else { return }
                    guard v.kind == .array else {
                        reader.warn(path(i) + ".components", "expected a list")
                        return
                    }
                    let read = reader.readComponents(v, detail: i, room: FieldReader.listLimit - componentCount)
                    components = read.components
                    if read.leftOut { overflow = true }
                }
            }
            // A detail needs its spoofType and name to have a row of its own.
            if let spoofType, let name {
                guard details.count < FieldReader.listLimit else {
                    overflow = true
                    return
                }
                componentCount += components.count
                details.append(SpoofDetail(spoofType: spoofType, name: name, result: result, components: components))
            }
        }
        if overflow {
            warn("extInfo.extraSpoofResultDetails",
                 "more than \(FieldReader.listLimit) details or components; only the first \(FieldReader.listLimit) of each are kept")
        }
        return details
    }

    /// The list of components of detail number `detail`, at most `room` of them; `leftOut`
    /// says whether the bound left some out.
    private mutating func readComponents(_ list: JSONRef, detail: Int, room: Int) -> (components: [SpoofComponent], leftOut: Bool) {
        var components: [SpoofComponent] = []
        var leftOut = false
        let path = { (i: Int) in "extInfo.extraSpoofResultDetails[\(detail)].components[\(i)]" }
        forEachObject(in: list, path: path) { reader, i, comp in
            var name: String?, sub: String?
            JSONRead.forEachMember(reader.base, comp, SpoofComponentKey.table) { key, v in
                switch key {
                case .name: name = reader.string(v, path(i) + ".name")
                case .subResult: sub = reader.string(v, path(i) + ".subResult")
                }
            }
            // A component without a name cannot be told apart: it is left out.
            guard let name, !name.isEmpty else { return }
            guard components.count < room else {
                leftOut = true
                return
            }
            components.append(SpoofComponent(name: name, subResult: sub))
        }
        return (components, leftOut)
    }
}

/// The keys of one entry of extraSpoofResultDetails that are read.
private enum SpoofDetailKey: Sendable {
    case name, result, spoofType, components
    static let table: KeyTable<SpoofDetailKey> = ["name": .name, "result": .result, "spoofType": .spoofType, "components": .components]
}

/// The keys of one component of a spoof detail that are read.
private enum SpoofComponentKey: Sendable {
    case name, subResult
    static let table: KeyTable<SpoofComponentKey> = ["name": .name, "subResult": .subResult]
}

/// Code-point order of strings (what "ordered by a text column" means in docs/METRICS.md),
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
