import GRDBSQLite

/// Runs one query file against a connection, binding the period parameters it names.
///
/// A query is one SELECT (or WITH … SELECT) and nothing else: `QueryVetting` compiles the
/// file first, with an authorizer, on a connection of its own, and refuses anything else
/// with the file's name in the message. Only then is it compiled and run here.
enum QueryRunner {
    /// `pragma` names the one PRAGMA (without argument) a built-in job may run instead of a
    /// SELECT (`integrity_check` for `verdict check`); query files never get one.
    static func run(_ query: QuerySource, parameters: [String: ParameterValue], connection db: OpaquePointer,
                    pragma: String? = nil) throws(VerdictError) -> QueryResult {
        try QueryVetting.vet(query, database: db, pragma: pragma)
        let (rc, prepared) = query.sql.withCString { QueryVetting.prepareFirst(db, $0) }
        guard rc == SQLITE_OK, let stmt = prepared?.statement else {
            throw VerdictError(.query, SystemError.words(sqlite: db, rc), query: query.label)
        }
        defer { sqlite3_finalize(stmt) }
        let count = sqlite3_bind_parameter_count(stmt)
        if count > 0 {
            for i in 1...count {
                guard let cname = sqlite3_bind_parameter_name(stmt, i) else {
                    throw VerdictError(.query, "uses a positional parameter (?); name it, e.g. :start_ms", query: query.origin)
                }
                let name = String(String(cString: cname).dropFirst())
                guard let value = parameters[name] else {
                    throw VerdictError(.query, "unknown parameter :\(name)",
                                       hint: "available: " + parameters.keys.sorted().map { ":" + $0 }.joined(separator: ", "),
                                       query: query.origin)
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
                throw VerdictError(code, SystemError.words(sqlite: db, step), query: query.label)
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
