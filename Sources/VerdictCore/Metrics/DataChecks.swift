/// Consistency checks of the database, written as SQL that returns offending rows
/// (`Queries/checks/`): the rollup against the facts, poll counts and dates, the final-poll
/// rule. An empty result means the check holds.
public struct DataChecks: Sendable {
    public let database: any QueryDatabase

    /// Connections reading at once (ReadLanes): the checks are independent scans.
    public var lanes = ReadLanes.defaultCount

    public init(database: any QueryDatabase) { self.database = database }

    public struct Failure: Sendable {
        public var check: String
        public var rows: Int
        /// The first offending row as `column=value` (`Cell.plainText`).
        public var firstRow: [String]
    }

    public struct Outcome: Sendable {
        /// SQLite's `PRAGMA integrity_check`: "ok" or its first problem; nil when not asked or on PostgreSQL (which has none).
        public var integrity: String?
        /// The data checks run, by name.
        public var checked: [String]
        /// The ones that found offending rows.
        public var failures: [Failure]
    }

    /// Runs every data check and, when asked, SQLite's integrity check beside them (it is
    /// the longest, so it is started first).
    public func run(integrity: Bool = false) throws(VerdictError) -> Outcome {
        let names = Embedded.checks.keys.sorted()
        let integrityQuery = QuerySource(name: "integrity_check", sql: "PRAGMA integrity_check", origin: "built-in")
        let queries = (integrity && database.hasIntegrityCheck ? [integrityQuery] : [])
            + names.map { QuerySource(name: $0, sql: Embedded.checks[$0]!, origin: "built-in") }
        // The integrity check is the one PRAGMA a job may run; the checks are SELECTs.
        let results = try database.run(queries.map { QueryJob(query: $0, parameters: [:], pragma: $0.name == integrityQuery.name ? "integrity_check" : nil) },
                                       lanes: lanes, pinned: nil)
        var outcome = Outcome(checked: names, failures: [])
        for (query, r) in zip(queries, results) {
            if query.name == integrityQuery.name {
                if case .text(let answer)? = r.rows.first?.first { outcome.integrity = answer } else { outcome.integrity = "no answer" }
            } else if !r.rows.isEmpty {
                outcome.failures.append(Failure(check: query.name, rows: r.rows.count,
                                                firstRow: zip(r.columns, r.rows[0]).map { "\($0)=\($1.plainText)" }))
            }
        }
        return outcome
    }
}
