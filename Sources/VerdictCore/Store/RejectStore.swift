internal import GRDB

/// The refused lines kept by ingest: list them, export them to fix and re-ingest, purge them.
public struct RejectStore: Sendable {
    public let database: VerdictDatabase

    public init(database: VerdictDatabase) { self.database = database }

    public struct Entry: Sendable {
        public var key: Int64
        public var sourcePath: String
        public var lineNumber: Int
        public var reason: String
        public var detail: String
        public var byteLength: Int
        public var content: [UInt8]
    }

    /// Refused lines, oldest first, optionally of one reason.
    public func list(reason: String? = nil, limit: Int? = nil) throws(VerdictError) -> [Entry] {
        do {
            return try database.read { db in
                var sql = "SELECT refused_key, source_path, line_number, reason, detail, byte_length, content FROM ingest_refused_line"
                var args: StatementArguments = []
                if let reason { sql += " WHERE reason = ?"; args += [reason] }
                sql += " ORDER BY refused_key"
                if let limit { sql += " LIMIT ?"; args += [limit] }
                return try Row.fetchAll(db, sql: sql, arguments: args).map { r in
                    Entry(key: r[0], sourcePath: r[1], lineNumber: r[2], reason: r[3], detail: r[4], byteLength: r[5],
                          content: [UInt8]((r[6] as Data?) ?? Data()))
                }
            }
        } catch {
            throw VerdictError(.database, "cannot read refused lines", cause: error, file: database.path)
        }
    }

    public func countsByReason() throws(VerdictError) -> [(String, Int)] {
        do {
            return try database.read { db in
                try Row.fetchAll(db, sql: "SELECT reason, count(*) FROM ingest_refused_line GROUP BY reason ORDER BY reason").map { ($0[0], $0[1]) }
            }
        } catch {
            throw VerdictError(.database, "cannot read refused lines", cause: error, file: database.path)
        }
    }

    /// Deletes refused lines (all, or of one reason) so that their content leaves the
    /// file: `secure_delete` overwrites the freed space in the new versions of the pages,
    /// then a `TRUNCATE` checkpoint copies those into the database file over the old ones
    /// and empties the WAL, which still holds the old versions.
    ///
    /// That checkpoint waits (up to `readerWait` seconds) for every other connection to
    /// finish reading the older state of the file, which needs the old pages. When one
    /// still holds it, the lines are deleted but their content is still in the file: this
    /// throws a `busy` error that says the overwrite is pending, and running the purge again
    /// (it then deletes nothing) completes it.
    @discardableResult
    public func purge(reason: String? = nil, readerWait: Double = 10) throws(VerdictError) -> Int {
        let n: Int
        let (busy, walFrames, copied): (Int, Int, Int)
        do {
            n = try database.queue.writeWithoutTransaction { db -> Int in
                try db.execute(sql: "PRAGMA secure_delete = ON")
                var deleted = 0
                try db.inTransaction {
                    if let reason {
                        try db.execute(sql: "DELETE FROM ingest_refused_line WHERE reason = ?", arguments: [reason])
                    } else {
                        try db.execute(sql: "DELETE FROM ingest_refused_line")
                    }
                    deleted = db.changesCount
                    return .commit
                }
                return deleted
            }
            (busy, walFrames, copied) = try database.queue.writeWithoutTransaction { db in
                let wait = Int((max(0, readerWait) * 1000).rounded())
                try db.execute(sql: "PRAGMA busy_timeout = \(wait)")
                defer { _ = try? db.execute(sql: "PRAGMA busy_timeout = 60000") }
                // One row: busy (1 when it could not finish), frames in the WAL, frames copied.
                guard let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") else { return (1, 0, 0) }
                return (row[0], row[1], row[2])
            }
        } catch {
            throw VerdictError(.database, "cannot purge refused lines", cause: error, file: database.path)
        }
        guard busy == 0 && walFrames == copied else {
            throw VerdictError(
                .busy,
                "\(database.path): \(n) refused line(s) deleted, but the overwrite of their content is pending: another connection (a report, check or ingest) still reads an older state of the file, which keeps the old pages",
                hint: "run verdict rejects purge --db \(database.path) --yes again once it has finished")
        }
        return n
    }
}

import Foundation
