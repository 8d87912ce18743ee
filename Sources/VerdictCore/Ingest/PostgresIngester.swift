public import Logging
import Foundation

/// Ingest into PostgreSQL. The inputs are read exactly as on SQLite, by `Ingester`, into a
/// private staging file (a SQLite database in a temporary directory, removed afterwards),
/// so every input rule, refused line, warning and ledger count is the same code; then
/// `PostgresMerge` puts the run into the server in one transaction, which any number of
/// other ingests, on this host or others, may be doing at the same time.
///
/// A run interrupted before its merge committed leaves nothing on the server: running it
/// again reads its inputs again and gives the same numbers. A merge that meets another in
/// a deadlock is rolled back and run again.
public struct PostgresIngester {
    public let database: PostgresDatabase
    public let options: IngestOptions
    public let logger: Logger

    public init(database: PostgresDatabase, options: IngestOptions = IngestOptions(), logger: Logger) {
        self.database = database
        self.options = options
        self.logger = logger
    }

    public func ingest(paths: [String]) throws(VerdictError) -> IngestSummary {
        let started = MonotonicClock.now()
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/verdict-staging-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw VerdictError(.io, "cannot create a staging directory", hint: "set TMPDIR to a writable directory with room for the logs' rows",
                               cause: SystemError.posix(errno), file: base)
        }
        let directory = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let staging = try VerdictDatabase(path: directory + "/staging.db", logger: logger)
        var summary = try Ingester(database: staging, options: options, logger: logger).ingest(paths: paths)
        var outcome = try PostgresMerge.merge(staging, into: database)
        // Polls the server held already are duplicates of the input that brought them again.
        var total = FileSummary(path: summary.total.path)
        for i in summary.files.indices {
            if !summary.files[i].alreadyIngested {
                let path = summary.files[i].path
                let key = Ingester.ledgerPath(path, size: path == "-" ? nil : 0)
                if let n = outcome.duplicates.removeValue(forKey: key) {
                    summary.files[i].accepted -= n
                    summary.files[i].duplicates += n
                }
                if let w = outcome.warnings.removeValue(forKey: key) { summary.files[i].warnings -= w }
            }
            total.add(summary.files[i])
        }
        summary.total = total
        summary.transactions = [:]
        for (p, n) in outcome.transactions { if let product = Product(rawValue: p) { summary.transactions[product] = n } }
        summary.seconds = MonotonicClock.now() - started
        return summary
    }
}
