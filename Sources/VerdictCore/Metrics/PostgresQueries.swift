import Foundation

/// Query files on PostgreSQL: the same files as on SQLite, their named parameters
/// (`:start_ms`) sent as PostgreSQL's positional ones (`$1`), every job in one read-only
/// transaction of repeatable-read isolation (so all see one committed state, and a file
/// that tries to write is refused by the server), and the cells typed as SQLite types them.
extension PostgresDatabase: QueryDatabase {
    public var engineName: String { "postgresql" }
    /// The URI as given: a password is refused in it (`PostgresAddress`), so none is recorded.
    public var location: String { address.uri }
    public func schemaVersion() throws(VerdictError) -> String { Self.schemaVersion }

    public func run(_ jobs: [QueryJob], lanes: Int, pinned: (@Sendable () -> Void)?) throws(VerdictError) -> [QueryResult] {
        let c = try connect()
        try c.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        defer { try? c.execute("ROLLBACK") }
        pinned?()
        var results: [QueryResult] = []
        for job in jobs {
            results.append(try PostgresQueryRunner.run(job.query, parameters: job.parameters, on: c))
        }
        return results
    }

    public var hasIntegrityCheck: Bool { false }
}

enum PostgresQueryRunner {
    static func run(_ query: QuerySource, parameters: [String: ParameterValue], on c: PostgresConnection) throws(VerdictError) -> QueryResult {
        let (sql, names) = positional(query)
        var values: [String?] = []
        for name in names {
            guard let value = parameters[name] else {
                throw VerdictError(.query, "unknown parameter :\(name)",
                                   hint: "available: " + parameters.keys.sorted().map { ":" + $0 }.joined(separator: ", "),
                                   query: query.origin)
            }
            switch value {
            case .integer(let v): values.append(String(v))
            case .text(let s): values.append(s)
            }
        }
        let rows: PostgresRows
        do {
            rows = try c.query(sql, values, types: names.map { parameters[$0].map(Self.type) ?? 0 })
        } catch {
            // The query's own mistakes (syntax, unknown names, a write refused, bad data) are the
            // query's; a lost connection or a server failure is the database's.
            if let pg = error.cause as? PostgresError, let state = pg.sqlState,
               ["42", "22", "25", "0A", "21"].contains(String(state.prefix(2))) {
                throw VerdictError(.query, pg.message, query: query.label)
            }
            throw error.inQuery(query.label)
        }
        let cells = rows.rows.map { row in zip(row, rows.types).map { Self.cell($0, type: $1) } }
        return QueryResult(name: query.name, columns: rows.columns, rows: cells)
    }

    private static func type(_ value: ParameterValue) -> UInt32 {
        switch value {
        case .integer: 20  // int8
        case .text: 25     // text
        }
    }

    /// A cell as SQLite would type it: integers (and booleans, 0 or 1) as integers, floating
    /// point as reals, a NUMERIC (what `sum` of BIGINTs gives) as an integer when it is whole
    /// and fits, else as a real; everything else as text.
    static func cell(_ text: String?, type: UInt32) -> Cell {
        guard let text else { return .null }
        switch type {
        case 16: return .integer(text == "t" ? 1 : 0)
        case 20, 21, 23, 26: return Int64(text).map(Cell.integer) ?? .text(text)
        case 700, 701: return Double(text).map(Cell.real) ?? .text(text)
        case 1700:
            if let i = Int64(text) { return .integer(i) }
            return Double(text).map(Cell.real) ?? .text(text)
        default: return .text(text)
        }
    }

    /// The statement with `:name` parameters replaced by `$1…` (one number per distinct name)
    /// and the names in number order. String literals, quoted names, comments and `::` casts
    /// are left as they are.
    static func positional(_ query: QuerySource) -> (String, [String]) {
        let s = Array(query.sql.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var names: [String] = []
        var i = 0
        func isStart(_ b: UInt8) -> Bool { b == UInt8(ascii: "_") || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z")) }
        func isPart(_ b: UInt8) -> Bool { isStart(b) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) }
        while i < s.count {
            let b = s[i]
            if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") {
                var j = i + 1
                while j < s.count {
                    if s[j] == b {
                        if j + 1 < s.count && s[j + 1] == b { j += 2; continue }
                        break
                    }
                    j += 1
                }
                out += s[i..<min(j + 1, s.count)]
                i = j + 1
            } else if b == UInt8(ascii: "-"), i + 1 < s.count, s[i + 1] == UInt8(ascii: "-") {
                var j = i
                while j < s.count && s[j] != UInt8(ascii: "\n") { j += 1 }
                out += s[i..<j]
                i = j
            } else if b == UInt8(ascii: "/"), i + 1 < s.count, s[i + 1] == UInt8(ascii: "*") {
                var j = i + 2
                while j + 1 < s.count && !(s[j] == UInt8(ascii: "*") && s[j + 1] == UInt8(ascii: "/")) { j += 1 }
                j = min(j + 2, s.count)
                out += s[i..<j]
                i = j
            } else if b == UInt8(ascii: ":"), i + 1 < s.count, s[i + 1] == UInt8(ascii: ":") {
                out += [b, b]
                i += 2
            } else if b == UInt8(ascii: ":"), i + 1 < s.count, isStart(s[i + 1]) {
                var j = i + 1
                while j < s.count && isPart(s[j]) { j += 1 }
                let name = String(decoding: s[(i + 1)..<j], as: UTF8.self)
                let n = (names.firstIndex(of: name) ?? { names.append(name); return names.count - 1 }()) + 1
                out += Array("$\(n)".utf8)
                i = j
            } else {
                out.append(b)
                i += 1
            }
        }
        return (String(decoding: out, as: UTF8.self), names)
    }
}
