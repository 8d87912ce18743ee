internal import GRDB

/// Consistency checks of the database, written as SQL that returns offending rows
/// (`Queries/checks/`): the rollup against the facts, poll counts and dates, the final-poll
/// rule. An empty result means the check holds.
public struct DataChecks: Sendable {
    public let database: VerdictDatabase

    public init(database: VerdictDatabase) { self.database = database }

    public struct Failure: Sendable {
        public var check: String
        public var rows: Int
        public var firstRow: [String]
    }

    /// Runs every check; returns the ones that found offending rows.
    public func run() throws(VerdictError) -> (checked: [String], failures: [Failure]) {
        let names = Embedded.checks.keys.sorted()
        do {
            let failures = try database.queue.read { db -> [Failure] in
                guard let c = db.sqliteConnection else { throw VerdictError(.database, "\(database.path): closed") }
                var out: [Failure] = []
                for name in names {
                    let q = QuerySource(name: name, sql: Embedded.checks[name]!, origin: "built-in")
                    let r = try QueryRunner.run(q, parameters: [:], connection: c)
                    if !r.rows.isEmpty {
                        out.append(Failure(check: name, rows: r.rows.count, firstRow: zip(r.columns, r.rows[0]).map { "\($0)=\(CSVWriter.cell($1))" }))
                    }
                }
                return out
            }
            return (names, failures)
        } catch let e as VerdictError {
            throw e
        } catch {
            throw VerdictError(.database, "\(database.path): cannot run the data checks", cause: error)
        }
    }
}
