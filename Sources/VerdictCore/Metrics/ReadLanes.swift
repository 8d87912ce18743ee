import Foundation
import GRDBSQLite
internal import GRDB

/// Runs independent read-only jobs (report queries, data checks) on several connections
/// at once, every connection seeing the same committed state of the database.
///
/// A report's queries each scan the period and sort what they group: over a quarter or a
/// year they take seconds each, and they are independent. One lane is the database's own
/// connection, inside one read transaction; each further lane is a connection of its own
/// whose read transaction is joined to the same state, on a thread of its own.
///
/// SQLite here is built without `sqlite3_snapshot_open`, so "the same state" is proved
/// instead: an extra connection notes `PRAGMA data_version` before the main connection's
/// read transaction takes its snapshot, and reads it again once its own read transaction
/// has taken one. The value moves when another connection committed in between; equal
/// values mean no commit fell between the two snapshots, so they are the same. A lane that
/// cannot prove it is dropped and its jobs run on the others: an ingest running during
/// a report costs speed, never consistency.
enum ReadLanes {
    /// One lane per core, at most four.
    static var defaultCount: Int { max(1, min(4, ProcessInfo.processInfo.activeProcessorCount)) }

    /// Runs `work(job, connection)` for every job in `0..<jobs` and returns the results in
    /// job order. Throws the error of the first job (in job order) that failed.
    ///
    /// `pinned` runs once the main snapshot is taken and before extra lanes join it (tests
    /// commit there to prove a lane that sees a later state is kept out).
    static func run<T: Sendable>(
        _ database: VerdictDatabase, jobs: Int, lanes: Int, cacheMegabytes: Int = 16,
        pinned: (@Sendable () -> Void)? = nil,
        _ work: @escaping @Sendable (Int, OpaquePointer) throws(VerdictError) -> T
    ) throws(VerdictError) -> [T] {
        var extras: [ExtraReader] = []
        // Opened, and their data version noted, before the main read transaction begins.
        for _ in 0..<max(0, min(lanes, jobs) - 1) {
            guard let r = ExtraReader(database: database, cacheMegabytes: cacheMegabytes) else { break }
            extras.append(r)
        }
        defer { for r in extras { r.close() } }
        do {
            return try database.read { db in
                guard let main = db.sqliteConnection else { throw VerdictError(.database, "closed", file: database.path) }
                var connections = [main]
                // Joining needs the main connection inside a transaction that holds its snapshot.
                if !extras.isEmpty, sqlite3_get_autocommit(main) == 0,
                   sqlite3_exec(main, "SELECT count(*) FROM sqlite_schema", nil, nil, nil) == SQLITE_OK {
                    pinned?()
                    for r in extras where r.join() { connections.append(r.connection) }
                }
                return try execute(jobs: jobs, on: connections, work)
            }
        } catch var e as VerdictError {
            // A damaged or unreadable file: say which (unless the message already does).
            if e.code == .database, !e.message.hasPrefix(database.path) { e = e.about(file: database.path) }
            throw e
        } catch {
            throw VerdictError(.database, "cannot read", cause: error, file: database.path)
        }
    }

    /// Lane 0 runs on the calling thread; the others on threads of their own. Each lane
    /// takes the next job not yet taken, so a long query does not hold the rest back.
    private static func execute<T: Sendable>(
        jobs: Int, on connections: [OpaquePointer],
        _ work: @escaping @Sendable (Int, OpaquePointer) throws(VerdictError) -> T
    ) throws(VerdictError) -> [T] {
        let board = JobBoard<T>(jobs: jobs)
        let finished = DispatchGroup()
        for connection in connections.dropFirst() {
            let lane = Connection(handle: connection)
            finished.enter()
            Thread {
                board.drain(lane.handle, work)
                finished.leave()
            }.start()
        }
        board.drain(connections[0], work)
        finished.wait()
        return try board.results()
    }

    /// The shared list of jobs and their results.
    private final class JobBoard<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private var failed = false
        private var outcomes: [Result<T, VerdictError>?]

        init(jobs: Int) { outcomes = Array(repeating: nil, count: jobs) }

        func drain(_ connection: OpaquePointer, _ work: (Int, OpaquePointer) throws(VerdictError) -> T) {
            while let job = take() {
                let outcome: Result<T, VerdictError>
                do throws(VerdictError) {
                    outcome = .success(try work(job, connection))
                } catch {
                    outcome = .failure(error)
                }
                lock.lock()
                outcomes[job] = outcome
                if case .failure = outcome { failed = true }
                lock.unlock()
            }
        }

        /// The next job, or nil when all are taken or one has failed.
        private func take() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard !failed, next < outcomes.count else { return nil }
            next += 1
            return next - 1
        }

        /// Results in job order. Jobs are taken in order, so a job never taken comes after
        /// the failed one that stopped the taking: the loop throws before it reaches one.
        func results() throws(VerdictError) -> [T] {
            var out: [T] = []
            out.reserveCapacity(outcomes.count)
            for outcome in outcomes {
                switch outcome {
                case .success(let value)?: out.append(value)
                case .failure(let error)?: throw error
                case nil: throw VerdictError(.database, "a query was left unrun")
                }
            }
            return out
        }
    }

    /// A connection handed to one lane's thread, used by that thread alone.
    private struct Connection: @unchecked Sendable { let handle: OpaquePointer }

    /// A read-only connection of a lane beyond the first.
    private final class ExtraReader {
        let connection: OpaquePointer
        private let noted: Int64

        /// Nil when the connection cannot be opened or read: the lane is simply not used.
        init?(database: VerdictDatabase, cacheMegabytes: Int) {
            // Read-only, as the database's own connection reads the file (a user who may
            // not write it can still report).
            guard let handle = database.openReadConnection() else { return nil }
            connection = handle
            sqlite3_busy_timeout(handle, 60_000)
            let setup = "PRAGMA query_only = 1; PRAGMA cache_size = -\(cacheMegabytes * 1024)"
            guard sqlite3_exec(handle, setup, nil, nil, nil) == SQLITE_OK, let v = ExtraReader.dataVersion(handle) else {
                sqlite3_close_v2(handle)
                return nil
            }
            noted = v
        }

        /// Begins a read transaction and keeps it when no commit happened since the version
        /// was noted; otherwise ends it and says no.
        func join() -> Bool {
            guard sqlite3_exec(connection, "BEGIN", nil, nil, nil) == SQLITE_OK else { return false }
            // Reading data_version inside the transaction takes its snapshot.
            if ExtraReader.dataVersion(connection) == noted { return true }
            sqlite3_exec(connection, "ROLLBACK", nil, nil, nil)
            return false
        }

        func close() {
            if sqlite3_get_autocommit(connection) == 0 { sqlite3_exec(connection, "ROLLBACK", nil, nil, nil) }
            sqlite3_close_v2(connection)
        }

        private static func dataVersion(_ c: OpaquePointer) -> Int64? {
            var stmt: OpaquePointer?
            guard sqlite3_prepare_v2(c, "PRAGMA data_version", -1, &stmt, nil) == SQLITE_OK, let stmt else { return nil }
            defer { sqlite3_finalize(stmt) }
            guard sqlite3_step(stmt) == SQLITE_ROW else { return nil }
            return sqlite3_column_int64(stmt, 0)
        }
    }
}
