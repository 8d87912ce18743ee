/// One query to run: its file, the values of its named parameters, and (for `verdict check`
/// on SQLite only) the one PRAGMA it may be instead of a SELECT.
public struct QueryJob: Sendable {
    public var query: QuerySource
    public var parameters: [String: ParameterValue]
    public var pragma: String?

    public init(query: QuerySource, parameters: [String: ParameterValue], pragma: String? = nil) {
        (self.query, self.parameters, self.pragma) = (query, parameters, pragma)
    }
}

/// What reports, queries and checks need from a database, whichever engine holds it: run
/// read-only queries, every one on the same committed state, and give back their cells
/// typed as integer, real, text or null (which decides how a CSV file writes them).
public protocol QueryDatabase: Sendable {
    /// Runs every job on one state of the database, on up to `lanes` connections at once,
    /// and returns the results in job order.
    func run(_ jobs: [QueryJob], lanes: Int, pinned: (@Sendable () -> Void)?) throws(VerdictError) -> [QueryResult]
    /// Whether the engine has an integrity check of its own that `verdict check` runs (SQLite's).
    var hasIntegrityCheck: Bool { get }
}

extension VerdictDatabase: QueryDatabase {
    public func run(_ jobs: [QueryJob], lanes: Int, pinned: (@Sendable () -> Void)?) throws(VerdictError) -> [QueryResult] {
        try ReadLanes.run(self, jobs: jobs.count, lanes: lanes, pinned: pinned) { (i, connection) throws(VerdictError) in
            try QueryRunner.run(jobs[i].query, parameters: jobs[i].parameters, connection: connection, pragma: jobs[i].pragma)
        }
    }

    public var hasIntegrityCheck: Bool { true }
}
