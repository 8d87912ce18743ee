import Foundation

/// One metric's SQL and where it came from.
public struct QuerySource: Sendable {
    public var name: String
    public var sql: String
    /// `built-in`, or the file it was read from.
    public var origin: String
}

extension QuerySource {
    /// The column kinds the file's opening comment declares, one line per kind:
    ///
    ///     -- Counts: transactions, completed, passed
    ///     -- Rates: pass_rate
    ///     -- Dates: period_start
    ///
    /// Counts add up across rows (a report's "other" row sums them, and the first one ranks
    /// the rows it keeps); rates are shares from 0 to 1 (shown as percentages); dates are
    /// ISO 8601 text. A column not declared is text, a whole number that is not added up, or
    /// a statistic, as its cells are. Only the comment lines before the first line of SQL
    /// are read, and the keyword's case does not matter.
    public func declarations() throws(VerdictError) -> ColumnDeclarations {
        var kinds: [String: ColumnKind] = [:]
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard text.hasPrefix("--") else { break }
            let body = text.dropFirst(2).trimmingCharacters(in: .whitespaces)
            guard let colon = body.firstIndex(of: ":") else { continue }
            let kind: ColumnKind
            switch body[..<colon].lowercased() {
            case "counts": kind = .count
            case "rates": kind = .rate
            case "dates": kind = .date
            default: continue
            }
            for item in body[body.index(after: colon)...].split(separator: ",") {
                var column = item.trimmingCharacters(in: .whitespaces)
                if column.count >= 2, column.hasPrefix("\""), column.hasSuffix("\"") { column = String(column.dropFirst().dropLast()) }
                guard !column.isEmpty else { continue }
                if let other = kinds[column], other != kind {
                    throw VerdictError(.query, "\(label): declares column \(column) both a \(other) and a \(kind)",
                                       hint: "name each column once in the Counts, Rates and Dates lines of its opening comment")
                }
                kinds[column] = kind
            }
        }
        return ColumnDeclarations(kinds)
    }
}

/// The queries Verdict knows: the ones compiled in (from `Queries/`), overridden or
/// extended by `.sql` files in a directory the user names (`--queries DIR`).
public struct QueryCatalog: Sendable {
    private var queries: [String: QuerySource] = [:]

    /// The CSV files of the metric contract, in the order a report writes them.
    /// The names of the built-in queries, sorted.
    public static var builtInNames: [String] { Embedded.queries.keys.sorted() }

    public static let contractFiles = [
        "outcomes", "verdicts", "result_codes", "id_failure_reasons", "spoof_checks", "spoof_details",
        "quality_summary", "quality_histogram", "willing_attempts", "willing_statuses", "trend",
    ]
    /// Further CSV files a report writes: breakdowns and data protection.
    public static let extraFiles = [
        "id_by_document", "id_by_country", "id_failure_reasons_by_document", "id_failure_reasons_by_country",
        "doc_reuse", "data_quality", "signals", "changes",
    ]

    public init(directory: String? = nil) throws(VerdictError) {
        for (name, sql) in Embedded.queries { queries[name] = QuerySource(name: name, sql: sql, origin: "built-in") }
        guard let directory else { return }
        guard FileManagerLite.isDirectory(directory) else {
            throw VerdictError(.usage, "\(directory): not a directory of .sql files (--queries)")
        }
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw VerdictError(.io, "\(directory): cannot list the query directory", cause: error)
        }
        for file in files where file.hasSuffix(".sql") {
            let path = directory + "/" + file
            let bytes = try FileBytes.contents(of: path, what: "query file")
            let name = String(file.dropLast(4))
            queries[name] = QuerySource(name: name, sql: String(decoding: bytes, as: UTF8.self), origin: path)
        }
    }

    public var names: [String] { queries.keys.sorted() }

    public func query(named name: String) -> QuerySource? { queries[name] }

    /// A name from the catalog, or a path to a `.sql` file.
    public func resolve(_ nameOrPath: String) throws(VerdictError) -> QuerySource {
        if let q = queries[nameOrPath] { return q }
        if nameOrPath.hasSuffix(".sql") || nameOrPath.contains("/") {
            let bytes = try FileBytes.contents(of: nameOrPath, what: "query file")
            let base = nameOrPath.split(separator: "/").last.map(String.init) ?? nameOrPath
            return QuerySource(name: base.hasSuffix(".sql") ? String(base.dropLast(4)) : base,
                               sql: String(decoding: bytes, as: UTF8.self), origin: nameOrPath)
        }
        throw VerdictError(.usage, "no query named '\(nameOrPath)'", hint: "known: " + names.joined(separator: ", "))
    }
}
