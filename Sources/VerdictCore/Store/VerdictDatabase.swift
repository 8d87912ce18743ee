public import GRDB
public import Logging
import Foundation
import GRDBSQLite
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One Verdict database file: opened, migrated, and configured for WAL so that reports
/// read a consistent snapshot while an ingest writes.
///
/// A Verdict database says what it is in its header (`PRAGMA application_id`, `VRDT`) and in
/// GRDB's record of applied migrations. Before anything is written to a file that exists,
/// it is identified: another application's file, an empty file or a database of a newer
/// Verdict (migrations unknown here) is refused and left as it was. Only ingest creates a
/// database, and only where no file exists. Commands that only read open the file read-only
/// and never migrate it or change its journal mode.
public final class VerdictDatabase: Sendable {
    /// The path as the user gave it (messages name it).
    public let path: String
    /// The file itself, symbolic links followed: what SQLite opens and the lock file is named after.
    public let filePath: String
    /// The GRDB queue; one per database file in a process.
    public let queue: DatabaseQueue
    /// Opened read-only (`Access.readOnly`).
    public let isReadOnly: Bool
    /// Set when the file had to be read as an immutable snapshot (see `openReadOnly`): what
    /// it looked like then, checked again after every read.
    private let snapshotStamp: FileStamp?

    /// `create`: ingest; make the database if no file exists, upgrade an earlier schema.
    /// `existing`: the database must exist; opened for writing (and upgraded), for commands
    /// that change it (`rejects purge`). `readOnly`: the database must exist and be at this
    /// binary's schema; opened read-only (report, query, check, rejects list and export),
    /// so a user who may read the file but not write it can run them.
    public enum Access: Sendable { case create, existing, readOnly }

    /// `PRAGMA application_id` of a Verdict database: "VRDT".
    static let applicationID: Int32 = 0x5652_4454

    /// Opens the database at `path` (creating it with mode 0600 for `.create` when no file
    /// exists there) and, unless read-only, upgrades its schema.
    ///
    /// Setting a file up (WAL mode, schema migrations, the application id) happens under an
    /// exclusive lock beside the file, so two processes upgrading one database at once do
    /// not both migrate it; a database already set up opens without waiting for anyone.
    public init(path: String, access: Access = .create, cacheMegabytes: Int = 32, logger: Logger? = nil) throws(VerdictError) {
        self.path = path
        let file = FileManagerLite.resolvedPath(path)
        self.filePath = file
        self.isReadOnly = access == .readOnly
        var config = Configuration()
        config.foreignKeysEnabled = false  // references document the model; ingest writes parents after children
        config.busyMode = .timeout(60)
        config.label = "verdict"
        let cache = cacheMegabytes
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -\(cache * 1024); PRAGMA synchronous = NORMAL")
        }

        var st = stat()
        if stat(file, &st) != 0 {
            let reason = errno
            guard reason == ENOENT else { throw Self.unreachable(path, file: file, errno: reason) }
            guard access == .create else {
                throw VerdictError(.database, "no such database", hint: "create it with: verdict ingest --db \(path) FILE...", file: path)
            }
            try Self.createNew(path: path, file: file, configuration: config)
            guard stat(file, &st) == 0 else { throw Self.unreachable(path, file: file, errno: errno) }
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw VerdictError(.database, "not a Verdict database (not a regular file); left untouched",
                               hint: "give --db a database file, or a path where none exists yet for ingest to create one", file: path)
        }
        // SQLite keeps a database's -wal and -shm beside the name it was opened by: through
        // two hard links, two processes would each keep a WAL of their own for one file, and
        // the ingest lock (named after the file) would not keep them apart either.
        guard st.st_nlink <= 1 else {
            throw VerdictError(.database, "the database file has \(st.st_nlink) hard links; opened by two names its committed changes would be split between two -wal files",
                               hint: "keep one name for it: remove the other links (a symbolic link is fine)", file: path)
        }
        guard st.st_size > 0 else {
            throw VerdictError(.database, "not a Verdict database (an empty file); left untouched",
                               hint: "ingest creates a database only where no file exists: remove the empty file or choose another path", file: path)
        }
        try Self.checkPermissions(path: path, file: file, status: st, writing: access != .readOnly)

        do {
            // The main file alone holds everything committed when its WAL is absent or empty:
            // read it as it is, without locks or side files, so another application's file is
            // refused before SQLite creates anything beside it.
            if FileManagerLite.size(file + "-wal") ?? 0 == 0, let early = try? Self.identifyImmutable(file) {
                try Self.accept(early, path: path, access: access, final: false)
            }
            if access == .readOnly {
                (queue, snapshotStamp) = try Self.openReadOnly(path: path, file: file, configuration: config)
                return
            }
            snapshotStamp = nil
            // Identified on read-only connections: closing one never checkpoints, so a file
            // refused here is not written to even when its WAL holds commits.
            var readOnly = config
            readOnly.readonly = true
            func probe() throws -> (identity: Identity, wal: Bool) {
                let q = try DatabaseQueue(path: file, configuration: readOnly)
                defer { try? q.close() }
                return try q.read { db in
                    (try Self.identify(db), try String.fetchOne(db, sql: "PRAGMA journal_mode")?.lowercased() == "wal")
                }
            }
            // A read that fails while another process sets the file up counts as "not yet".
            let first = try? probe()
            if let first { try Self.accept(first.identity, path: path, access: access, final: true) }
            var setUpQueue: DatabaseQueue?
            if first.map({ !($0.identity == .current && $0.wal) }) ?? true {
                let lock = try FileLock(path: file, purpose: "set up", logger: logger)
                defer { lock.release() }
                // Again under the lock: another process may have set the file up meanwhile.
                let (identity, wal) = try probe()
                try Self.accept(identity, path: path, access: access, final: true)
                if !(identity == .current && wal) {
                    let q = try DatabaseQueue(path: file, configuration: config)
                    try Self.setUp(q, path: path, fresh: false, cacheMegabytes: cache)
                    setUpQueue = q
                }
            }
            self.queue = try setUpQueue ?? DatabaseQueue(path: file, configuration: config)
        } catch let e as VerdictError {
            throw e
        } catch let e as DatabaseError {
            throw Self.describe(e, path: path, file: file)
        } catch {
            throw VerdictError(.database, "cannot open the database", cause: error, file: path)
        }
    }

    /// Reads with the database's own connection (a read transaction). After an immutable
    /// snapshot read (see `openReadOnly`) the file must not have changed meanwhile.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        let value = try queue.read(body)
        try checkSnapshot()
        return value
    }

    /// Opens one more read-only connection to this file, the way the database's own
    /// connection reads it; nil when it cannot be opened.
    func openReadConnection() -> OpaquePointer? {
        var handle: OpaquePointer?
        let name = snapshotStamp == nil ? filePath : Self.immutableURI(filePath)
        guard sqlite3_open_v2(name, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let handle else {
            sqlite3_close_v2(handle)
            return nil
        }
        return handle
    }

    /// Throws when the file read as an immutable snapshot changed since it was opened.
    func checkSnapshot() throws(VerdictError) {
        guard let snapshotStamp else { return }
        if FileStamp(filePath) != snapshotStamp || FileManagerLite.exists(filePath + "-wal") {
            throw VerdictError(.database, "the database changed while it was read (an ingest is writing to it)",
                               hint: "run the command again once the ingest has finished", file: path)
        }
    }

    /// Migrations applied to this file, oldest first.
    public func appliedMigrations() throws -> [String] {
        try queue.read { try Schema.migrator.appliedMigrations($0) }
    }

    // MARK: - What a file is

    /// What an existing file holds, as far as Verdict is concerned.
    enum Identity: Equatable {
        /// A Verdict database at this binary's schema, marked as such.
        case current
        /// A Verdict database that lacks migrations of this binary, or the application id
        /// (an earlier Verdict wrote none): ingest upgrades it.
        case earlier(missing: [String])
        /// A Verdict database with migrations this binary does not know.
        case newer(unknown: [String])
        /// Not a Verdict database; the reason says why.
        case foreign(String)
    }

    /// Identifies the file `db` is open on, by reading only.
    static func identify(_ db: Database) throws -> Identity {
        let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        if id != 0 && id != applicationID {
            return .foreign("its application id is " + String(format: "0x%08X", UInt32(bitPattern: id)))
        }
        guard try db.tableExists("grdb_migrations") else {
            return .foreign(id == applicationID ? "it has no record of its schema" : "it holds no Verdict schema")
        }
        let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        let known = Schema.migrationNames
        let unknown = applied.filter { !known.contains($0) }
        if id == 0 {
            // An earlier Verdict set no application id; its migrations are ours, the first included.
            guard unknown.isEmpty, applied.contains(known[0]) else { return .foreign("it holds no Verdict schema") }
            // ... and the tables the first migration made: a migrations table alone is no
            // Verdict database.
            for table in ["fct_poll", "fct_transaction", "dim_source_file", "ingest_refused_line"] where try !db.tableExists(table) {
                return .foreign("it records Verdict's schema but lacks its table \(table)")
            }
        }
        if !unknown.isEmpty { return .newer(unknown: unknown) }
        let missing = known.filter { !applied.contains($0) }
        return missing.isEmpty && id == applicationID ? .current : .earlier(missing: missing)
    }

    /// Identifies the file from its main file alone, with no lock and no side file (an
    /// immutable read-only open). Nil when it cannot tell (a read failed for another reason
    /// than the file not being SQLite).
    static func identifyImmutable(_ file: String) throws -> Identity? {
        var config = Configuration()
        config.readonly = true
        config.label = "verdict.identify"
        do {
            let q = try DatabaseQueue(path: immutableURI(file), configuration: config)
            defer { try? q.close() }
            return try q.read { try identify($0) }
        } catch let e as DatabaseError where e.resultCode == .SQLITE_NOTADB {
            return .foreign("it is not an SQLite database")
        } catch {
            return nil
        }
    }

    /// Throws unless `identity` may be opened for `access`. `final` is false for the early
    /// look at the main file alone, which may be behind its WAL: an earlier schema is then
    /// not yet a reason to refuse.
    static func accept(_ identity: Identity, path: String, access: Access, final: Bool) throws(VerdictError) {
        switch identity {
        case .current:
            return
        case .foreign(let why):
            throw VerdictError(.database, "not a Verdict database (\(why)); left untouched",
                               hint: "give --db the file verdict ingest created, or a path where no file exists yet for ingest to create one", file: path)
        case .newer(let unknown):
            throw VerdictError(.database, "written by a newer Verdict (schema steps unknown here: \(unknown.joined(separator: ", "))); left untouched",
                               hint: "use that version of verdict, or a later one", file: path)
        case .earlier(let missing):
            // Without the application id alone, every query still works: read it as it is.
            guard access == .readOnly, final, !missing.isEmpty else { return }
            throw VerdictError(.database, "written by an earlier Verdict; its schema lacks \(missing.joined(separator: ", "))",
                               hint: "the next ingest upgrades it: verdict ingest --db \(path) FILE..., run by a user who may write it", file: path)
        }
    }

    // MARK: - Creating and setting up

    /// Makes a new database at `file`, which did not exist: it is built and set up
    /// completely under a temporary name beside it (mode 0600), then linked into place, so
    /// the name never shows an empty or half-made file, and a file that appeared there
    /// meanwhile (another ingest creating the same database) is not replaced.
    static func createNew(path: String, file: String, configuration: Configuration) throws(VerdictError) {
        let (fd, tmp) = try FileBytes.createTemporary(beside: file, mode: 0o600)
        // Exactly 0600, whatever the umask; SQLite gives the -wal and -shm files the same mode.
        let modeSet = fchmod(fd, 0o600) == 0
        close(fd)  // a new file no SQLite connection has open yet: closing it drops no lock
        defer { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(tmp + suffix) } }
        guard modeSet else { throw VerdictError(.database, "cannot create the database", cause: SystemError.posix(errno), file: path) }
        do {
            let queue = try DatabaseQueue(path: tmp, configuration: configuration)
            try setUp(queue, path: path, fresh: true, cacheMegabytes: 32)
            try queue.close()
        } catch let e as VerdictError {
            throw e
        } catch {
            throw VerdictError(.database, "cannot create the database", cause: error, file: path)
        }
        if link(tmp, file) != 0 && errno != EEXIST {
            throw VerdictError(.database, "cannot create the database",
                               hint: "check that its directory exists and that you may write there", cause: SystemError.posix(errno), file: path)
        }
    }

    /// WAL mode, the schema migrations and the application id; for a new file also the
    /// page size. Called on a new file, or under the set-up lock on an identified one.
    static func setUp(_ queue: DatabaseQueue, path: String, fresh: Bool, cacheMegabytes cache: Int) throws {
        try queue.writeWithoutTransaction { db in
            if fresh {
                // Larger pages: fewer splits and shallower trees for these wide, append-mostly tables.
                try db.execute(sql: "PRAGMA page_size = 16384")
                // Set the cache again: changing the page size replaces the page cache,
                // and the new one kept no limit (a first ingest held the whole
                // database in memory: 97 MB of cache for a 95 MB file).
                try db.execute(sql: "PRAGMA cache_size = -\(cache * 1024)")
            }
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            if mode?.lowercased() != "wal" {
                throw VerdictError(.database, "cannot switch to WAL journal mode (got \(mode ?? "nothing"))", file: path)
            }
        }
        try Schema.migrator.migrate(queue)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
        }
    }

    // MARK: - Reading without writing

    /// Opens the file read-only. A database in WAL mode needs its -wal and -shm files; where
    /// they do not exist and cannot be created (a read-only directory), the main file alone
    /// holds everything committed, and SQLite reads it as an immutable file. That read takes
    /// no lock, so the file's size, times and inode are noted and checked again after each
    /// read: an ingest that started meanwhile makes the read fail rather than mislead.
    ///
    /// A reader who may not write the database file never creates its -wal or -shm either:
    /// files it created would belong to it, and the owner's next ingest could not write them.
    /// Without a -wal (or with an empty one) the main file holds everything committed and is
    /// read as an immutable file; with a -wal and its -shm, SQLite reads both as they are; a
    /// -wal without its -shm cannot be read without making one, and is refused.
    static func openReadOnly(path: String, file: String, configuration: Configuration) throws -> (DatabaseQueue, FileStamp?) {
        var config = configuration
        config.readonly = true
        if geteuid() != 0, access(file, W_OK) != 0 {
            let wal = FileManagerLite.size(file + "-wal") ?? 0
            if wal == 0, let stamp = FileStamp(file) {
                let snapshot = try DatabaseQueue(path: immutableURI(file), configuration: config)
                try accept(try snapshot.read { try identify($0) }, path: path, access: .readOnly, final: true)
                return (snapshot, stamp)
            }
            if wal > 0, !FileManagerLite.exists(file + "-shm") {
                throw VerdictError(.database, "cannot read the database without creating its -shm file beside it, which its owner could then not write",
                                   hint: "its owner's next verdict ingest writes the -wal back into the database; or ask for write access", file: path)
            }
        }
        var queue: DatabaseQueue?
        do {
            queue = try DatabaseQueue(path: file, configuration: config)
            try accept(try queue!.read { try identify($0) }, path: path, access: .readOnly, final: true)
            return (queue!, nil)
        } catch let e as DatabaseError where !FileManagerLite.exists(file + "-wal") {
            try? queue?.close()
            guard let stamp = FileStamp(file) else { throw e }
            let snapshot = try DatabaseQueue(path: immutableURI(file), configuration: config)
            do {
                try accept(try snapshot.read { try identify($0) }, path: path, access: .readOnly, final: true)
            } catch is DatabaseError {
                throw e
            }
            return (snapshot, stamp)
        }
    }

    /// An SQLite URI that opens `file` read-only as an immutable file (no locks, no WAL).
    static func immutableURI(_ file: String) -> String {
        var encoded = ""
        for b in file.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(b))
            default:
                encoded += String(format: "%%%02X", b)
            }
        }
        return "file:" + encoded + "?mode=ro&immutable=1"
    }

    // MARK: - Permissions and messages

    /// Says plainly when the user may not read (or, to change it, write) the file, its
    /// -wal file or its directory, naming the owner and mode.
    static func checkPermissions(path: String, file: String, status st: stat, writing: Bool) throws(VerdictError) {
        let owner = FileManagerLite.ownerAndMode(st)
        if access(file, R_OK) != 0 {
            throw VerdictError(.database, "you may not read this database (\(owner))",
                               hint: "ask its owner to let you read it (for example chmod g+r, with you in its group), or run as its owner", file: path)
        }
        if let wal = FileManagerLite.status(file + "-wal"), access(file + "-wal", R_OK) != 0 {
            throw VerdictError(.database, "you may not read the database's WAL file (\(FileManagerLite.ownerAndMode(wal)))",
                               hint: "an ingest is running or was interrupted: wait for it, or ask the owner to give the -wal file the database's mode", file: path + "-wal")
        }
        guard writing else { return }
        let directory = FileManagerLite.directory(of: file)
        if access(file, W_OK) != 0 || access(directory, W_OK) != 0 {
            let what = access(file, W_OK) != 0 ? owner : "its directory \(directory): " + (FileManagerLite.status(directory).map(FileManagerLite.ownerAndMode) ?? "unknown")
            throw VerdictError(.database, "you may not write this database (\(what))",
                               hint: "run this command as the database's owner; reports, queries, checks and rejects list/export only need to read it", file: path)
        }
    }

    static func unreachable(_ path: String, file: String, errno code: Int32) -> VerdictError {
        if code == EACCES {
            return VerdictError(.database, "cannot reach the database",
                                hint: "you may not search a directory on its path; ask its owner for access", cause: SystemError.posix(code), file: path)
        }
        return VerdictError(.database, "cannot open the database", cause: SystemError.posix(code), file: path)
    }

    static func describe(_ e: DatabaseError, path: String, file: String) -> VerdictError {
        switch e.resultCode {
        case .SQLITE_NOTADB:
            return VerdictError(.database, "not a Verdict database (it is not an SQLite database); left untouched",
                                hint: "give --db the file verdict ingest created, or a path where no file exists yet for ingest to create one", file: path)
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            return VerdictError(.database, "cannot open the database",
                                hint: "reading it needs its -wal and -shm files readable, or creatable in its directory; an interrupted ingest is recovered by the next ingest", cause: e, file: path)
        default:
            return VerdictError(.database, "cannot open the database", cause: e, file: path)
        }
    }
}
