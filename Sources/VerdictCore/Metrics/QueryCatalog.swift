import Foundation

/// One metric's SQL and where it came from.
public struct QuerySource: Sendable {
    public var name: String
    public var sql: String
    /// `built-in`, or the file it was read from.
    public var origin: String
}

/// The queries Verdict knows: the ones compiled in (from `Queries/`), overridden or
/// extended by `.sql` files in a directory the user names (`--queries DIR`).
public struct QueryCatalog: Sendable {
    private var queries: [String: QuerySource] = [:]

    /// The CSV files of the metric contract, in the order a report writes them.
    public static let contractFiles = [
        "outcomes", "verdicts", "result_codes", "id_failure_reasons", "spoof_checks", "spoof_details",
        "quality_summary", "quality_histogram", "willing_attempts", "willing_statuses", "trend",
    ]
    /// Further CSV files a report writes: breakdowns and data protection.
    public static let extraFiles = [
        "id_by_document", "id_by_country", "id_failure_reasons_by_document", "id_failure_reasons_by_country",
        "doc_reuse", "data_quality",
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
            guard let bytes = FileBytes.readAll(path: path) else { throw VerdictError(.io, "\(path): cannot read") }
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
            guard let bytes = FileBytes.readAll(path: nameOrPath) else {
                throw VerdictError(.io, "\(nameOrPath): cannot read the query file")
            }
            let base = nameOrPath.split(separator: "/").last.map(String.init) ?? nameOrPath
            return QuerySource(name: base.hasSuffix(".sql") ? String(base.dropLast(4)) : base,
                               sql: String(decoding: bytes, as: UTF8.self), origin: nameOrPath)
        }
        throw VerdictError(.usage, "no query named '\(nameOrPath)'", hint: "known: " + names.joined(separator: ", "))
    }
}
