import Foundation
import GRDB
import Testing
@testable import VerdictCore

/// An error keeps its parts apart (the cause as an error value; the file, line, query and
/// SQL statement as fields) and is put into its one line in one place, `description`.
@Suite("Reliability: errors are composed one way")
struct HardeningErrorCompositionTests {
    @Test("the cause stays an error value; the line names the place, the cause in plain words and the hint")
    func causeAndPlace() {
        let full = VerdictError(.io, "cannot write", cause: POSIXError(.ENOSPC), file: "/out/a.csv")
        #expect((full.cause as? POSIXError)?.code == .ENOSPC)
        #expect(full.file == "/out/a.csv" && full.line == nil && full.query == nil)
        #expect(full.description == "/out/a.csv: cannot write: no space left on the device (free some space, or choose another place)")
        // A hint given wins over the cause's.
        let hinted = VerdictError(.io, "cannot write", hint: "try elsewhere", cause: POSIXError(.EACCES), file: "x")
        #expect(hinted.description == "x: cannot write: permission denied (try elsewhere)")
        // A line of a file; a query; a query in a database.
        #expect(VerdictError(.io, "not gzip", file: "logs/a.gz", line: 12).description == "logs/a.gz:12: not gzip")
        #expect(VerdictError(.query, "holds more than one statement", hint: "keep one SELECT per file", query: "query outcomes").description
                == "query outcomes: holds more than one statement (keep one SELECT per file)")
        #expect(VerdictError(.database, "disk I/O error", file: "v.db", query: "q.sql").description == "v.db: q.sql: disk I/O error")
        // The older form, the place written into the message, reads as it did.
        #expect(VerdictError(.io, "p.csv: cannot write").description == "p.csv: cannot write")
        // An error underneath another is shown by its own line.
        let inner = VerdictError(.io, "cannot open", cause: POSIXError(.ENOENT), file: "a.ndjson")
        let outer = VerdictError(.database, "ingest failed", cause: inner, file: "v.db")
        #expect(outer.description == "v.db: ingest failed: a.ndjson: cannot open: no such file or directory (check the path)")
        #expect((outer.cause as? VerdictError)?.file == "a.ndjson")
    }

    @Test("a place is added by a caller only where none is named yet")
    func about() {
        let bare = VerdictError(.database, "closed").about(file: "v.db", line: 3)
        #expect(bare.file == "v.db" && bare.line == 3)
        let named = VerdictError(.io, "x", file: "a", line: 1).about(file: "b", line: 2)
        #expect(named.file == "a" && named.line == 1)
        #expect(VerdictError(.query, "x").inQuery("q1").inQuery("q2").query == "q1")
    }

    @Test("a failing statement of Verdict's own is shown one way: on one line, shortened, after SQLite's words")
    func ownStatement() throws {
        try withSandbox { box in
            let db = try box.database()
            let sql = "SELECT\n    " + (1...200).map { "column_\($0)" }.joined(separator: ",\n    ") + "\nFROM no_such_table"
            try db.queue.inDatabase { conn in
                let handle = try #require(conn.sqliteConnection)
                do throws(VerdictError) {
                    _ = try VerdictCore.SQLiteStatement(handle, sql)
                    Issue.record("the statement compiled")
                } catch {
                    let line = error.description
                    #expect(line.hasPrefix("cannot prepare SQL: no such table: no_such_table, in SQL \"SELECT column_1, column_2, column_3,"), "\(line)")
                    #expect(!line.contains("\n") && line.count < 200 && line.hasSuffix("…\""), "\(line)")
                }
            }
        }
    }

    @Test("a database error's own statement is shown the same way as Verdict's")
    func databaseErrorStatement() {
        let cause = DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full", sql: "INSERT INTO fct_poll\n  (poll_key) VALUES (?)")
        let e = VerdictError(.database, "ingest failed", cause: cause, file: "v.db")
        #expect(e.statement == "INSERT INTO fct_poll\n  (poll_key) VALUES (?)")
        #expect(e.description == "v.db: ingest failed: database or disk is full, in SQL \"INSERT INTO fct_poll (poll_key) VALUES (?)\"")
        let own = VerdictError(.database, "SQLite error 19: UNIQUE constraint failed", sql: String(repeating: "(?, ?), ", count: 40))
        #expect(own.description == "SQLite error 19: UNIQUE constraint failed, in SQL \"" + SystemError.excerpt(own.sql!) + "\"")
        #expect(SystemError.excerpt(own.sql!).count == 81)
    }

    @Test("a data check's offending row is plain text on one line, whatever a value holds")
    func checkRowIsOneLine() throws {
        try withSandbox { box in
            // A stored verdict that breaks the rule, holding a line break, a comma and a formula sign.
            let (db, _) = try box.ingestLines([Log.vv("V", at: "2026-11-11T08:00:00Z", verdict: "Success")])
            try db.queue.write { try $0.execute(sql: "UPDATE fct_transaction SET verdict = 'Y' || char(10) || '=x,1'") }
            let out = try runVerdict(["check", "--db", box.databasePath], in: box)
            #expect(out.stdout.contains("transaction_class_follows_rule: 1 offending row(s), first: transaction_key=1 outcome=passed rule_outcome=passed verdict=Y\\n=x,1 rule_verdict=Success "), "\(out.stdout)")
            #expect(out.status == 3)
            let lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(lines.count == 1 + Embedded.checks.count, "\(out.stdout)")
            #expect(lines.allSatisfy { $0.hasPrefix("integrity_check: ") || Embedded.checks.keys.contains(String($0.prefix { $0 != ":" })) })
            #expect(out.stderr == "verdict: error: \(box.databasePath): the database does not pass its checks\n")
        }
        #expect(Cell.null.plainText == "" && Cell.integer(-3).plainText == "-3" && Cell.real(0.25).plainText == "0.25")
        #expect(Cell.text("a\tb\r\nc").plainText == "a\\tb\\r\\nc" && Cell.text("=1,2").plainText == "=1,2")
    }
}
