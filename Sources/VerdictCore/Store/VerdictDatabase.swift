public import GRDB
public import Logging
import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One Verdict database file: opened, migrated, and configured for WAL so that reports
/// read a consistent snapshot while an ingest writes.
public final class VerdictDatabase: Sendable {
    public let path: String
    /// The GRDB queue; one per database file in a process.
    public let queue: DatabaseQueue

    /// `create`: make the file if missing (ingest). `existing`: the file must exist
    /// (report, query, rejects); it is still opened for writing, so that an older
    /// schema is upgraded in place and WAL mode holds.
    public enum Access: Sendable { case create, existing }

    /// Opens (creating if needed, with mode 0600) and upgrades the database at `path`.
    ///
    /// Setting the file up (WAL mode, schema migrations) happens under an exclusive lock
    /// on the file, so two processes opening a new database at once do not both create
    /// the schema; a database already set up is opened without waiting for anyone.
    public init(path: String, access: Access = .create, cacheMegabytes: Int = 32, logger: Logger? = nil) throws(VerdictError) {
        self.path = path
        if access == .existing {
            guard FileManagerLite.exists(path) else {
                throw VerdictError(.database, "\(path): no such database", hint: "create it with: verdict ingest --db \(path) FILE...")
            }
        } else {
            try VerdictDatabase.createPrivately(path)
        }
        var config = Configuration()
        config.foreignKeysEnabled = false  // references document the model; ingest writes parents after children
        config.busyMode = .timeout(60)
        config.label = "verdict"
        let cache = cacheMegabytes
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -\(cache * 1024); PRAGMA synchronous = NORMAL")
        }
        do {
            let migrator = Schema.migrator
            /// Set up already? A read that fails while another process is creating the
            /// schema counts as "not yet".
            func ready(_ q: DatabaseQueue) -> Bool {
                (try? q.read { db in
                    try String.fetchOne(db, sql: "PRAGMA journal_mode")?.lowercased() == "wal"
                        && migrator.hasCompletedMigrations(db)
                }) ?? false
            }
            var queue = try DatabaseQueue(path: path, configuration: config)
            if !ready(queue) {
                let lock = try FileLock(path: path, purpose: "set up", logger: logger)
                defer { lock.release() }
                // A fresh connection: the first one may hold a schema read before another
                // process finished setting the file up.
                try queue.close()
                queue = try DatabaseQueue(path: path, configuration: config)
                if !ready(queue) {
                    try queue.writeWithoutTransaction { db in
                        // Larger pages: fewer splits and shallower trees for these wide, append-mostly tables.
                        try db.execute(sql: "PRAGMA page_size = 16384")
                        // Set the cache again: changing the page size replaces the page cache,
                        // and the new one kept no limit (a first ingest held the whole
                        // database in memory: 97 MB of cache for a 95 MB file).
                        try db.execute(sql: "PRAGMA cache_size = -\(cache * 1024)")
                        let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                        if mode?.lowercased() != "wal" {
                            throw VerdictError(.database, "\(path): cannot switch to WAL journal mode (got \(mode ?? "nothing"))")
                        }
                    }
                    try migrator.migrate(queue)
                }
            }
            self.queue = queue
        } catch let e as VerdictError {
            throw e
        } catch let e as DatabaseError {
            throw VerdictError(.database, "\(path): cannot open the database: \(e.message ?? e.description)",
                               hint: e.resultCode == .SQLITE_NOTADB ? "the file is not a Verdict (SQLite) database" : nil)
        } catch {
            throw VerdictError(.database, "\(path): cannot open the database", cause: error)
        }
    }

    /// Creates the file with owner-only permissions before SQLite touches it; SQLite
    /// gives its -wal and -shm files the same mode.
    static func createPrivately(_ path: String) throws(VerdictError) {
        // An existing file is left alone: opening and closing it here would drop the POSIX
        // locks of any SQLite connection this process already has on it.
        if FileManagerLite.exists(path) { return }
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { return }
            throw VerdictError(.database, "\(path): cannot create the database: \(String(cString: strerror(errno)))")
        }
        close(fd)
    }

    /// Migrations applied to this file, oldest first.
    public func appliedMigrations() throws -> [String] {
        try queue.read { try Schema.migrator.appliedMigrations($0) }
    }
}

/// File-system checks: stat(2) for the cheap questions, Foundation for creating directories.
enum FileManagerLite {
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func size(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    /// `mkdir -p`, through Foundation; a failure says why in plain words, and where when
    /// the part of the path that failed is not `path` itself.
    static func makeDirectory(_ path: String) throws(VerdictError) {
        if exists(path) && !isDirectory(path) {
            throw VerdictError(.io, "\(path): cannot create the directory: a file of that name is in the way", hint: "remove it or choose another path")
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            let at = ((error as NSError).userInfo[NSFilePathErrorKey] as? String).flatMap { $0 == path ? nil : " (at \($0))" } ?? ""
            throw VerdictError(.io, "\(path): cannot create the directory" + at, cause: error)
        }
    }
}
