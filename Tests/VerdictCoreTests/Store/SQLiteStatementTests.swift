import GRDB
import GRDBSQLite
import Testing
@testable import VerdictCore

@Suite("Prepared statements")
struct SQLiteStatementTests {
    /// A value as bound, and as SQLite should give it back (`typeof` and `quote`).
    private enum Value {
        case int(Int64), null, real(Double), text(String), bool(Bool), optionalInt(Int?)

        var expected: (type: String, quoted: String) {
            switch self {
            case .int(let v): ("integer", String(v))
            case .null, .optionalInt(nil): ("null", "NULL")
            case .optionalInt(let v?): ("integer", String(v))
            case .bool(let b): ("integer", b ? "1" : "0")
            case .real(let d): ("real", Self.quotedReal(d))
            case .text(let s): ("text", "'" + s.replacingOccurrences(of: "'", with: "''") + "'")
            }
        }

        private static func quotedReal(_ d: Double) -> String {
            // SQLite's quote() of a real, as its own printf renders it (%!.15g). A real with an
            // integer value is stored as that integer, so -0.0 comes back as 0.0.
            if d == 0 { return "0.0" }
            return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : String(format: "%.15g", d)
        }

        func bind(_ s: VerdictCore.SQLiteStatement, _ i: Int32) {
            switch self {
            case .int(let v): s.bind(i, v)
            case .null: s.bind(i, nil as Int64?)
            case .real(let d): s.bind(i, d as Double?)
            case .text(let t): s.bind(i, t as String?)
            case .bool(let b): s.bind(i, b as Bool?)
            case .optionalInt(let v): s.bind(i, v)
            }
        }
    }

    @Test("a value equal to the one bound before is not bound again, and every row still holds what was bound")
    func repeatedBindings() throws {
        try withSandbox { box in
            let queue = try DatabaseQueue(path: box.file("statements.db"))
            // Few distinct values, so that a parameter often gets the value it already holds,
            // and also the same number as integer, real, text and NULL in turn.
            let pool: [Value] = [
                .int(0), .int(1), .int(7), .null, .real(7), .real(0.5), .real(-0.0), .real(0),
                .text("7"), .text(""), .text("it's"), .bool(true), .bool(false), .optionalInt(nil), .optionalInt(7),
            ]
            var rng = SplitMix64(seed: 2026)
            var rows: [[Value]] = []
            try queue.inDatabase { db in
                try db.execute(sql: "CREATE TABLE t (n INTEGER PRIMARY KEY, a, b, c)")
                let conn = try #require(db.sqliteConnection)
                let one = try VerdictCore.SQLiteStatement(conn, "INSERT INTO t (n, a, b, c) VALUES (?1, ?2, ?3, ?4)")
                // Two rows per statement: a slot is compared with the same slot of the row before last.
                let two = try VerdictCore.SQLiteStatement(conn, "INSERT INTO t (n, a, b, c) VALUES (?1, ?2, ?3, ?4), (?5, ?6, ?7, ?8)")
                for _ in 0..<1500 {
                    let useTwo = rng.next() % 2 == 0
                    let count = useTwo ? 2 : 1
                    let s = useTwo ? two : one
                    for r in 0..<count {
                        let row = (0..<3).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
                        s.bind(Int32(r * 4 + 1), rows.count + 1)
                        for (c, v) in row.enumerated() { v.bind(s, Int32(r * 4 + 2 + c)) }
                        rows.append(row)
                    }
                    try s.run()
                }
            }
            let stored = try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT typeof(a), quote(a), typeof(b), quote(b), typeof(c), quote(c) FROM t ORDER BY n")
            }
            #expect(stored.count == rows.count)
            for (n, (row, got)) in zip(rows, stored).enumerated() {
                for (c, v) in row.enumerated() {
                    let want = v.expected
                    let type: String = got[c * 2]
                    let quoted: String = got[c * 2 + 1]
                    #expect(type == want.type && quoted == want.quoted, "row \(n + 1), column \(c): \(v) stored as \(type) \(quoted)")
                }
            }
        }
    }
}
