/// manifest.json: what a report was made from and what it holds, so that a reader can trust
/// it a year later. Every report directory gets one, written after every other file.
///
/// Members, in this order: `verdict_version`; `generated_at` (RFC 3339, UTC); `command` (the
/// arguments, passwords removed); `database` (`engine`, `location` without a password,
/// `schema_version`: its latest migration); `period` (`label`, `start` and `end`: the first and
/// last day in the report's zone, both included, and `zone`); `coverage` (`transactions`,
/// `first_poll`, `last_poll`: the earliest and latest start of the period's transactions,
/// `complete`); `inputs` (every ingested source holding a poll of a transaction of the period,
/// with the SHA-256 and counts recorded when it was ingested); `queries` (each query run, with
/// the SHA-256 of its SQL text and its row count); `outputs` (every file written beside it
/// except report.eml, with SHA-256 and size); `alerts`; `delivery` (null unless the report was
/// mailed).
public struct Manifest: Sendable {
    public var generatedAt: String
    public var command: [String]
    public var engine = "sqlite"
    public var location: String
    public var schemaVersion: String
    public var period: Period
    public var coverage: Coverage?
    public var inputs: [JSONValue] = []
    public var queries: [JSONValue] = []
    public var outputs: [JSONValue] = []
    public var alerts: [JSONValue] = []
    public var delivery: JSONValue = .null

    public static let fileName = "manifest.json"

    public init(generatedAt: String, command: [String], location: String, schemaVersion: String, period: Period, coverage: Coverage?) {
        self.generatedAt = generatedAt
        self.command = command
        self.location = location
        self.schemaVersion = schemaVersion
        self.period = period
        self.coverage = coverage
    }

    /// Lists `files` (name and bytes) as outputs.
    public mutating func setOutputs(_ files: [(name: String, bytes: [UInt8])]) {
        outputs = files.map { f in
            .object([.init("file", .string(f.name)), .init("sha256", .string(Digest.sha256Hex(f.bytes))), .init("bytes", .int(f.bytes.count))])
        }
    }

    /// Lists each query run: its name, the SHA-256 of its SQL text and its row count.
    public mutating func setQueries(_ results: [String: QueryResult], catalog: QueryCatalog) {
        queries = results.keys.sorted().compactMap { name in
            guard let sql = catalog.query(named: name)?.sql, let r = results[name] else { return nil }
            return .object([.init("name", .string(name)), .init("sha256", .string(Digest.sha256Hex(Array(sql.utf8)))),
                            .init("rows", .int(r.rows.count))])
        }
    }

    /// The rows of Queries/inputs.sql as manifest inputs.
    public mutating func setInputs(_ result: QueryResult?) {
        guard let result else { inputs = []; return }
        let index = Dictionary(result.columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        func cell(_ row: [Cell], _ name: String) -> Cell { index[name].map { row[$0] } ?? .null }
        func json(_ c: Cell) -> JSONValue {
            switch c {
            case .null: .null
            case .integer(let i): .int(i)
            case .real(let d): .double(d)
            case .text(let s): .string(s)
            }
        }
        inputs = result.rows.map { row in
            .object([
                .init("path", json(cell(row, "path"))), .init("sha256", json(cell(row, "content_sha256"))),
                .init("bytes", json(cell(row, "size_bytes"))), .init("lines", json(cell(row, "lines"))),
                .init("accepted", json(cell(row, "accepted"))), .init("duplicates", json(cell(row, "duplicates"))),
                .init("refused", json(cell(row, "refused"))), .init("ingested_at", json(cell(row, "ingested_at"))),
            ])
        }
    }

    public var json: JSONValue {
        let coverageValue: JSONValue = coverage.map { c in
            .object([.init("transactions", .int(c.transactions)),
                     .init("first_poll", .string(c.firstPoll.map { ReportFormat.instant($0) })),
                     .init("last_poll", .string(c.lastPoll.map { ReportFormat.instant($0) })),
                     .init("complete", .bool(c.complete))])
        } ?? .null
        return .object([
            .init("verdict_version", .string(VerdictVersion.string)),
            .init("generated_at", .string(generatedAt)),
            .init("command", .array(command.map { .string($0) })),
            .init("database", .object([.init("engine", .string(engine)), .init("location", .string(location)),
                                       .init("schema_version", .string(schemaVersion))])),
            .init("period", .object([.init("label", .string(period.label)), .init("start", .string(period.first.isoDate)),
                                     .init("end", .string(period.lastDay.isoDate)), .init("zone", .string(period.zone.identifier))])),
            .init("coverage", coverageValue),
            .init("inputs", .array(inputs)),
            .init("queries", .array(queries)),
            .init("outputs", .array(outputs)),
            .init("alerts", .array(alerts)),
            .init("delivery", delivery),
        ])
    }

    public var bytes: [UInt8] { Array(json.text.utf8) }

    /// `arguments` as a manifest records them: the program as `verdict`, and the password of
    /// any URL with one (`smtp://user:secret@host`, `postgresql://user:secret@host/db`) removed.
    public static func redacted(_ arguments: [String]) -> [String] {
        guard !arguments.isEmpty else { return [] }
        return ["verdict"] + arguments.dropFirst().map(withoutPassword)
    }

    /// A URL's user information without its password; any other text as it is.
    public static func withoutPassword(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return text }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<scheme.upperBound]) + userInfo[..<colon] + text[at...]
    }
}

extension Delivery {
    /// The manifest's `delivery` object: message id, recipients, transport, status.
    public var manifestValue: JSONValue {
        .object([.init("message_id", .string(messageID)), .init("recipients", .array(recipients.map { .string($0) })),
                 .init("transport", .string(transport)), .init("status", .string(status.rawValue))])
    }
}

extension ReportWriter {
    /// Writes `manifest` into `directory` again (after a delivery, with its outcome), whole
    /// or not at all, as the last file of the run.
    public static func rewriteManifest(_ manifest: Manifest, in directory: String) throws(VerdictError) {
        try ReportMailer.writeFile(ReportDirectory.normalized(directory), Manifest.fileName, manifest.bytes)
    }
}
