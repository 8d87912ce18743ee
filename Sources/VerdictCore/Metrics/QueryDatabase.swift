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
    /// What manifest.json records of the database: its engine (`sqlite`, `postgresql`),
    /// where it is (a path, or a URI, which never holds a password), and its schema version.
    var engineName: String { get }
    var location: String { get }
    func schemaVersion() throws(VerdictError) -> String
}

extension VerdictDatabase: QueryDatabase {
    public func run(_ jobs: [QueryJob], lanes: Int, pinned: (@Sendable () -> Void)?) throws(VerdictError) -> [QueryResult] {
        try ReadLanes.run(self, jobs: jobs.count, lanes: lanes, pinned: pinned) { (i, connection) throws(VerdictError) in
            try QueryRunner.run(jobs[i].query, parameters: jobs[i].parameters, connection: connection, pragma: jobs[i].pragma)
        }
    }

    public var hasIntegrityCheck: Bool { true }
    public var engineName: String { "sqlite" }
    public var location: String { path }

    /// The latest migration applied (`v9_product_statistics`).
    public func schemaVersion() throws(VerdictError) -> String {
        do {
            return try appliedMigrations().last ?? ""
        } catch {
            throw VerdictError(.database, "\(path): cannot read the schema version", cause: error)
        }
    }
}
