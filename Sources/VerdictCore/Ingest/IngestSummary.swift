/// Counts of one input: every line read ends in exactly one of accepted, duplicates,
/// refused or blank.
public struct FileSummary: Sendable, Equatable {
    public var path: String
    public var lines = 0
    public var accepted = 0
    public var duplicates = 0
    public var blank = 0
    public var refused: [RefusalReason: Int] = [:]
    public var warnings = 0
    /// The same content was ingested before: counts come from that run, nothing was parsed.
    public var alreadyIngested = false
    /// An interrupted earlier read of this file was resumed after this many lines
    /// (its counts are included here).
    public var resumedAfterLine: Int?
    /// The file had grown since it was read to the end: only the lines after this one
    /// were read (and are counted here).
    public var appendedAfterLine: Int?
    /// Why the input could not be (fully) read, if it could not.
    public var error: String?
    public var bytes = 0

    public init(path: String) { self.path = path }

    public var refusedTotal: Int { refused.values.reduce(0, +) }

    /// The bookkeeping identity of the README's Reliability section.
    public var addsUp: Bool { lines == accepted + duplicates + refusedTotal + blank }

    mutating func add(_ other: FileSummary) {
        lines += other.lines
        accepted += other.accepted
        duplicates += other.duplicates
        blank += other.blank
        warnings += other.warnings
        bytes += other.bytes
        for (r, n) in other.refused { refused[r, default: 0] += n }
    }

    /// One human line: `path: 120 lines, 100 accepted, 12 duplicates, 3 refused (invalid_json 2, ...), 5 blank, 1 warning`.
    public var line: String {
        var s = "\(path): \(lines) lines, \(accepted) accepted, \(duplicates) duplicates, \(refusedTotal) refused"
        let reasons = RefusalReason.allCases.compactMap { r in refused[r].map { "\(r.rawValue) \($0)" } }
        if !reasons.isEmpty { s += " (" + reasons.joined(separator: ", ") + ")" }
        s += ", \(blank) blank, \(warnings) warning" + (warnings == 1 ? "" : "s")
        if alreadyIngested { s += " [already ingested: not parsed again]" }
        if let n = appendedAfterLine { s += " [the file grew: its first \(n) lines were read before]" }
        if let n = resumedAfterLine { s += " [resumed after line \(n) of an interrupted ingest]" }
        if let error { s += " — ERROR: " + error }
        return s
    }
}

/// The result of one `verdict ingest`.
public struct IngestSummary: Sendable {
    public var files: [FileSummary] = []
    public var total = FileSummary(path: "total")
    /// Distinct transactions in the database after the ingest.
    public var transactions: [Product: Int] = [:]
    public var seconds: Double = 0

    public var failedInputs: [FileSummary] { files.filter { $0.error != nil } }

    /// The JSON object of the README's command reference (`--json`), keys in a stable order.
    public var json: String {
        var refused = RefusalReason.allCases.map { "\"\($0.rawValue)\": \(total.refused[$0] ?? 0)" }
        refused.sort()
        let files = self.files.map { f -> String in
            let err = f.error.map { JSONText.quote($0) } ?? "null"
            let reasons = RefusalReason.allCases.map { "\"\($0.rawValue)\": \(f.refused[$0] ?? 0)" }.joined(separator: ", ")
            return "{\"path\": \(JSONText.quote(f.path)), \"lines\": \(f.lines), \"accepted\": \(f.accepted), "
                + "\"duplicates\": \(f.duplicates), \"blank\": \(f.blank), \"refused\": {\(reasons)}, "
                + "\"warnings\": \(f.warnings), \"already_ingested\": \(f.alreadyIngested), \"error\": \(err)}"
        }
        return "{\"lines\": \(total.lines), \"accepted\": \(total.accepted), \"duplicates\": \(total.duplicates), "
            + "\"blank\": \(total.blank), \"refused\": {\(refused.joined(separator: ", "))}, "
            + "\"warnings\": \(total.warnings), "
            + "\"transactions\": {\"ID_RECOGNITION\": \(transactions[.idRecognition] ?? 0), \"VIDEO_VERIFY\": \(transactions[.videoVerify] ?? 0)}, "
            + "\"files\": [\(files.joined(separator: ", "))]}"
    }
}
