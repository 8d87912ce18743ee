import GRDBSQLite

/// Runs one query file against a connection, binding the period parameters it names.
///
/// A query must be a single read-only statement: a file that writes, or holds a second
/// statement, is refused with its name in the message.
enum QueryRunner {
    static func run(_ query: QuerySource, parameters: [String: ParameterValue], connection db: OpaquePointer) throws(VerdictError) -> QueryResult {
        var stmt: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let rc = query.sql.withCString { sqlite3_prepare_v2(db, $0, -1, &stmt, &tail) }
        guard rc == SQLITE_OK, let stmt else {
            throw VerdictError(.query, "\(query.origin == "built-in" ? "query " + query.name : query.origin): \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(stmt) }
        if let tail, !SQLText.isOnlyCommentsAndSpace(String(cString: tail)) {
            throw VerdictError(.query, "\(query.origin): holds more than one statement", hint: "keep one SELECT per file")
        }
        guard sqlite3_stmt_readonly(stmt) != 0 else {
            throw VerdictError(.query, "\(query.origin): is not a read-only SELECT", hint: "queries may not change the database")
        }
        let count = sqlite3_bind_parameter_count(stmt)
        if count > 0 {
            for i in 1...count {
                guard let cname = sqlite3_bind_parameter_name(stmt, i) else {
                    throw VerdictError(.query, "\(query.origin): uses a positional parameter (?); name it, e.g. :start_ms")
                }
                let name = String(String(cString: cname).dropFirst())
                guard let value = parameters[name] else {
                    throw VerdictError(.query, "\(query.origin): unknown parameter :\(name)",
                                       hint: "available: " + parameters.keys.sorted().map { ":" + $0 }.joined(separator: ", "))
                }
                switch value {
                case .integer(let v): sqlite3_bind_int64(stmt, i, v)
                case .text(let s): _ = s.withCString { sqlite3_bind_text(stmt, i, $0, -1, SQLITE_TRANSIENT_PTR) }
                }
            }
        }
        let columns = (0..<sqlite3_column_count(stmt)).map { String(cString: sqlite3_column_name(stmt, $0)) }
        var rows: [[Cell]] = []
        while true {
            let step = sqlite3_step(stmt)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else {
                // A plain SQL error while running is the query's (an overflow, a bad JSON
                // argument); anything else (corruption, I/O, memory, busy) is the database's.
                let code: VerdictError.Code = step & 0xFF == SQLITE_ERROR ? .query : .database
                throw VerdictError(code, "\(query.origin == "built-in" ? "query " + query.name : query.origin): \(String(cString: sqlite3_errmsg(db)))")
            }
            var row: [Cell] = []
            row.reserveCapacity(columns.count)
            for c in 0..<Int32(columns.count) {
                switch sqlite3_column_type(stmt, c) {
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(stmt, c)))
                case SQLITE_FLOAT: row.append(.real(sqlite3_column_double(stmt, c)))
                case SQLITE_NULL: row.append(.null)
                default:
                    let n = Int(sqlite3_column_bytes(stmt, c))
                    if let p = sqlite3_column_text(stmt, c) {
                        row.append(.text(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)))
                    } else {
                        row.append(.text(""))
                    }
                }
            }
            rows.append(row)
        }
        return QueryResult(name: query.name, columns: columns, rows: rows)
    }
}

/// A value bound to a named query parameter.
public enum ParameterValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
}

enum SQLText {
    /// True when `s` holds only white space and SQL comments (what may follow the statement).
    static func isOnlyCommentsAndSpace(_ s: String) -> Bool {
        var rest = Substring(s)
        while true {
            rest = rest.drop { $0.isWhitespace || $0 == ";" }
            if rest.isEmpty { return true }
            if rest.hasPrefix("--") {
                guard let nl = rest.firstIndex(of: "\n") else { return true }
                rest = rest[nl...]
            } else if rest.hasPrefix("/*") {
                guard let end = rest.range(of: "*/") else { return false }
                rest = rest[end.upperBound...]
            } else {
                return false
            }
        }
    }
}
