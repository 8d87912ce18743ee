import Foundation

/// What `verdict rejects` needs from a database: list the refused lines, count them by
/// reason, purge them. `RejectStore` (SQLite) and `PostgresRejectStore` implement it.
public protocol RefusedLines: Sendable {
    func list(reason: String?, limit: Int?) throws(VerdictError) -> [RejectStore.Entry]
    func countsByReason() throws(VerdictError) -> [(String, Int)]
    /// Deletes them (all, or of one reason); returns how many.
    func purge(reason: String?, readerWait: Double) throws(VerdictError) -> Int
    /// What a purge did to their content, in words for its report.
    var purgeNote: String { get }
}

extension RejectStore: RefusedLines {
    public var purgeNote: String { "their content is overwritten" }
}

/// The refused lines of a PostgreSQL database.
public struct PostgresRejectStore: RefusedLines {
    public let database: PostgresDatabase

    public init(database: PostgresDatabase) { self.database = database }

    public func list(reason: String?, limit: Int?) throws(VerdictError) -> [RejectStore.Entry] {
        let c = try database.connect()
        var sql = "SELECT refused_key, source_path, line_number, reason, detail, byte_length, encode(content, 'base64') FROM ingest_refused_line"
        var args: [String?] = []
        if let reason { args.append(reason); sql += " WHERE reason = $1" }
        sql += " ORDER BY refused_key"
        if let limit { args.append(String(limit)); sql += " LIMIT $\(args.count)" }
        return try c.query(sql, args).rows.map { r in
            RejectStore.Entry(key: Int64(r[0] ?? "") ?? 0, sourcePath: r[1] ?? "", lineNumber: Int(r[2] ?? "") ?? 0,
                              reason: r[3] ?? "", detail: r[4] ?? "", byteLength: Int(r[5] ?? "") ?? 0,
                              content: [UInt8](Data(base64Encoded: r[6] ?? "", options: .ignoreUnknownCharacters) ?? Data()))
        }
    }

    public func countsByReason() throws(VerdictError) -> [(String, Int)] {
        try database.connect().query("SELECT reason, count(*) FROM ingest_refused_line GROUP BY reason ORDER BY reason")
            .rows.map { ($0[0] ?? "", Int($0[1] ?? "") ?? 0) }
    }

    /// Deletes them, then rewrites the table (`VACUUM FULL`) so that their rows leave the
    /// table's files; the server's write-ahead log and any backups keep older copies until
    /// they are recycled.
    public func purge(reason: String?, readerWait: Double) throws(VerdictError) -> Int {
        let c = try database.connect()
        let rows = reason == nil
            ? try c.query("WITH d AS (DELETE FROM ingest_refused_line RETURNING 1) SELECT count(*) FROM d")
            : try c.query("WITH d AS (DELETE FROM ingest_refused_line WHERE reason = $1 RETURNING 1) SELECT count(*) FROM d", [reason])
        try c.execute("SET lock_timeout = '\(Int(max(0, readerWait) * 1000))ms'")
        try c.execute("VACUUM FULL ingest_refused_line")
        return Int(rows.rows.first?.first.flatMap { $0 } ?? "") ?? 0
    }

    public var purgeNote: String { "the table is rewritten without them (the server's write-ahead log and backups keep older copies until recycled)" }
}
