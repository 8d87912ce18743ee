import Foundation
import VerdictLibPQ

/// Where the database is: a SQLite file, or a PostgreSQL database named by a libpq URI
/// (`postgresql://USER@HOST:PORT/DBNAME`, or `postgres://`).
public enum DatabaseTarget: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(PostgresAddress)

    /// What `--db` names. A URI must not hold a password: argv is visible to every user of
    /// the machine, so the password comes from `PGPASSWORD` or `~/.pgpass`, as libpq reads them.
    public static func parse(_ text: String) throws(VerdictError) -> DatabaseTarget {
        let lower = text.lowercased()
        guard lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") else { return .sqlite(path: text) }
        return .postgres(try PostgresAddress(uri: text))
    }
}

/// A PostgreSQL database as `--db` names it: the URI, and the parts messages show (never a
/// password, which a URI may not hold).
public struct PostgresAddress: Sendable, Equatable, CustomStringConvertible {
    /// The URI as given.
    public let uri: String
    /// Host, port, database and user as the URI gives them (nil: libpq's default applies).
    public let host: String?
    public let port: String?
    public let database: String?
    public let user: String?

    public init(uri: String) throws(VerdictError) {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(uri, &error) else {
            let words = error.map { String(cString: $0) } ?? "not a valid URI"
            if let error { PQfreemem(error) }
            // libpq's words name the part it could not read; the URI itself is not repeated.
            throw VerdictError(.usage, "--db: not a valid PostgreSQL URI: " + SystemError.oneLine(words),
                               hint: "write it as postgresql://USER@HOST:PORT/DBNAME")
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        if let password = values["password"], !password.isEmpty {
            throw VerdictError(.usage, "--db: the URI holds a password, which every user of this machine can read in the process list",
                               hint: "leave it out of the URI and give it in PGPASSWORD or ~/.pgpass")
        }
        self.uri = uri
        (host, port, database, user) = (values["host"], values["port"], values["dbname"], values["user"])
    }

    /// `database D on HOST:PORT`, with libpq's defaults where the URI names nothing.
    public var description: String {
        let env = ProcessInfo.processInfo.environment
        let h = host ?? env["PGHOST"] ?? "localhost"
        let p = port ?? env["PGPORT"] ?? "5432"
        let d = database ?? env["PGDATABASE"] ?? user ?? env["PGUSER"] ?? "(default)"
        return "database \(d) on \(h):\(p)"
    }
}

/// A message from the PostgreSQL server or from libpq, with the SQLSTATE when there is one.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// Five characters (`40P01` a deadlock, `23505` a unique violation), or nil (a client-side failure).
    public var sqlState: String?
    public var description: String { message }

    /// A deadlock or a serialization failure: the transaction may simply be run again.
    public var isRetryable: Bool { sqlState == "40P01" || sqlState == "40001" }
    /// The connection is gone or never came (class 08), or the server is shutting down (57P).
    public var isConnection: Bool { sqlState == nil || sqlState!.hasPrefix("08") || sqlState!.hasPrefix("57P") }
}

/// The cells of one result, as text or NULL, with each column's name and type.
struct PostgresRows {
    var columns: [String]
    var types: [UInt32]
    var rows: [[String?]]
}

/// One libpq connection. Used by one thread at a time.
final class PostgresConnection: @unchecked Sendable {
    let address: PostgresAddress
    private let handle: OpaquePointer

    /// Connects; a server that cannot be reached or refuses the login is a database error
    /// (exit 3) naming the host and the database, in libpq's words.
    init(_ address: PostgresAddress) throws(VerdictError) {
        self.address = address
        // Ahead of the URI: what it says wins. After it: what Verdict relies on.
        let before = [("connect_timeout", "10"), ("application_name", "verdict")]
        let after = [("client_encoding", "UTF8")]
        let pairs = before + [("dbname", address.uri)] + after
        let keys = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer { (keys + values).forEach { free($0) } }
        let conn: OpaquePointer? = (keys.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { k in
            (values.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 1)
            }
        }
        guard let conn else {
            throw VerdictError(.database, "cannot connect to \(address): out of memory")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let words = String(cString: PQerrorMessage(conn))
            PQfinish(conn)
            throw VerdictError(.database, "cannot connect to \(address)",
                               hint: "check that the server runs and accepts this user (password from PGPASSWORD or ~/.pgpass)",
                               cause: PostgresError(message: SystemError.oneLine(words), sqlState: nil))
        }
        handle = conn
        // Instants are computed from epoch milliseconds, never from the session's zone; text
        // compares by code point in every query that orders it (COLLATE "C"); a double is
        // written with its shortest exact digits.
        try execute("SET TIME ZONE 'UTC'; SET extra_float_digits = 1; SET client_min_messages = warning")
    }

    deinit { PQfinish(handle) }

    /// The server's version number (150018 for 15.18).
    var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// Runs statements without parameters (several may be given, separated by `;`).
    func execute(_ sql: String) throws(VerdictError) {
        guard let result = PQexec(handle, sql) else { throw failure(nil, sql: sql) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw failure(result, sql: sql) }
    }

    /// Runs one statement with positional parameters `$1…` given as text (nil is NULL) and
    /// returns its rows as text.
    /// `types` gives each parameter's type (0 or absent: the server infers it).
    func query(_ sql: String, _ parameters: [String?] = [], types: [UInt32] = []) throws(VerdictError) -> PostgresRows {
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let oids = types.isEmpty ? nil : types.map { Oid($0) }
        let result: OpaquePointer? = copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { p in
            (oids ?? []).withUnsafeBufferPointer { t in
                PQexecParams(handle, sql, Int32(parameters.count), oids == nil ? nil : t.baseAddress, p.baseAddress, nil, nil, 0)
            }
        }
        guard let result else { throw failure(nil, sql: sql) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw failure(result, sql: sql) }
        let nc = PQnfields(result), nr = PQntuples(result)
        var out = PostgresRows(columns: [], types: [], rows: [])
        for c in 0..<nc {
            out.columns.append(String(cString: PQfname(result, c)))
            out.types.append(UInt32(PQftype(result, c)))
        }
        out.rows.reserveCapacity(Int(nr))
        for r in 0..<nr {
            var row: [String?] = []
            row.reserveCapacity(Int(nc))
            for c in 0..<nc {
                if PQgetisnull(result, r, c) != 0 {
                    row.append(nil)
                } else {
                    let n = Int(PQgetlength(result, r, c))
                    row.append(PQgetvalue(result, r, c).withMemoryRebound(to: UInt8.self, capacity: n) {
                        String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
                    })
                }
            }
            out.rows.append(row)
        }
        return out
    }

    /// The first cell of the first row, or nil.
    func value(_ sql: String, _ parameters: [String?] = []) throws(VerdictError) -> String? {
        try query(sql, parameters).rows.first?.first ?? nil
    }

    /// Starts a `COPY … FROM STDIN` statement (text format); `copyData` sends its rows and
    /// `copyEnd` finishes it.
    func copyBegin(_ sql: String) throws(VerdictError) {
        guard let start = PQexec(handle, sql) else { throw failure(nil, sql: sql) }
        defer { PQclear(start) }
        guard PQresultStatus(start) == PGRES_COPY_IN else { throw failure(start, sql: sql) }
    }

    func copyData(_ data: [UInt8]) throws(VerdictError) {
        guard !data.isEmpty else { return }
        let sent = data.withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { PQputCopyData(handle, $0, Int32(b.count)) }
        }
        guard sent == 1 else { throw failure(nil, sql: "COPY") }
    }

    func copyEnd(_ sql: String) throws(VerdictError) {
        guard PQputCopyEnd(handle, nil) == 1 else { throw failure(nil, sql: sql) }
        var error: VerdictError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, error == nil { error = failure(result, sql: sql) }
            PQclear(result)
        }
        if let error { throw error }
    }

    /// The error of `result` (or of the connection), with its SQLSTATE, as a database error.
    private func failure(_ result: OpaquePointer?, sql: String) -> VerdictError {
        var state: String?
        var words: String
        if let result, let s = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) {
            state = String(cString: s)
            words = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? ""
        } else {
            words = String(cString: PQerrorMessage(handle))
        }
        let cause = PostgresError(message: SystemError.oneLine(words), sqlState: state)
        return VerdictError(.database, "\(address): statement failed", cause: cause, sql: sql)
    }
}
