import Foundation
import GRDB
import Testing
@testable import VerdictCore

// A query file (--queries DIR, or `verdict query FILE.sql`) is one SELECT or WITH … SELECT
// and nothing else. Each attack below is a real .sql file in a real directory, run through
// the library and through the built binary against a real database file.

private let week = "2026-W46"
private let at = "2026-11-11T12:00:00Z"

/// What a refused file must not leave behind: files it names in its SQL.
private struct Attack: Sendable {
    var name: String
    var sql: @Sendable (Sandbox) -> String
    /// Paths the statement would create if it ran.
    var creates: @Sendable (Sandbox) -> [String] = { _ in [] }
}

private let attacks: [Attack] = [
    Attack(name: "attach", sql: { "ATTACH DATABASE '\($0.file("evil.db"))' AS evil;" }, creates: { [$0.file("evil.db")] }),
    Attack(name: "attach_memory", sql: { _ in "ATTACH ':memory:' AS m" }),
    Attack(name: "writable_schema", sql: { _ in "PRAGMA writable_schema=ON" }),
    Attack(name: "query_only_off", sql: { _ in "PRAGMA query_only=0;" }),
    Attack(name: "pragma_read", sql: { _ in "PRAGMA table_info(fct_poll)" }),
    Attack(name: "vacuum_into", sql: { "VACUUM INTO '\($0.file("copy.db"))'" }, creates: { [$0.file("copy.db")] }),
    Attack(name: "explain", sql: { _ in "EXPLAIN SELECT * FROM fct_transaction" }),
    Attack(name: "explain_query_plan", sql: { _ in "EXPLAIN QUERY PLAN SELECT * FROM fct_transaction" }),
    Attack(name: "load_extension", sql: { _ in "SELECT load_extension('/nonexistent/evil.so') AS x" }),
    Attack(name: "writefile", sql: { "SELECT writefile('\($0.file("written"))', 'x') AS x" }, creates: { [$0.file("written")] }),
    Attack(name: "fts3_tokenizer", sql: { _ in "SELECT fts3_tokenizer('simple') AS x" }),
    Attack(name: "second_statement_pragma", sql: { _ in "SELECT 1 AS a; PRAGMA query_only=0" }),
    Attack(name: "second_statement_select", sql: { _ in "SELECT 1 AS a;\nSELECT 2 AS b; -- two" }),
    Attack(name: "with_delete", sql: { _ in "WITH x AS (SELECT 1) DELETE FROM dim_product" }),
    Attack(name: "begin", sql: { _ in "BEGIN IMMEDIATE" }),
    Attack(name: "create_temp", sql: { _ in "CREATE TEMP TABLE t (x)" }),
    Attack(name: "only_a_comment", sql: { _ in "-- SELECT 1" }),
]

/// A small database with transactions in the week.
private func sampleDatabase(_ box: Sandbox) throws -> VerdictDatabase {
    let (db, summary) = try box.ingestLines([
        Log.idVerdict("I1", at: at, "Y"),
        Log.idVerdict("I2", at: at, "N", more: "\"recognitionErrorCode\": \"BLUR\""),
        Log.vv("V1", at: at, verdict: "Success"),
    ])
    #expect(summary.total.accepted == 3)
    return db
}

private func writeQuery(_ box: Sandbox, dir: String, _ file: String, _ sql: String) throws -> String {
    let d = box.file(dir)
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    let path = d + "/" + file
    try sql.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite("Hardening: a query file is one SELECT and nothing else")
struct HardeningQueryFileTests {
    @Test("each attack through the library: a query error naming the file, nothing run", arguments: attacks.map(\.name))
    func library(_ name: String) throws {
        let attack = try #require(attacks.first { $0.name == name })
        try withSandbox { box in
            let db = try sampleDatabase(box)
            let path = try writeQuery(box, dir: "q", "attack.sql", attack.sql(box))
            let engine = MetricsEngine(database: db, catalog: try QueryCatalog(directory: box.file("q")))
            do {
                _ = try engine.run(["attack"], period: try Periods.week(week))
                Issue.record("\(name): the query file ran")
            } catch let error as VerdictError {
                #expect(error.code == .query, "\(name): \(error)")
                #expect(error.description.contains(path), "\(name): \(error)")
                #expect(!error.description.contains("\n"))
            }
            for p in attack.creates(box) { #expect(!FileManager.default.fileExists(atPath: p), "\(name) created \(p)") }
            // The connection is as it was: still no schema writes allowed, still readable.
            #expect(try db.queue.read { try Int.fetchOne($0, sql: "PRAGMA writable_schema") } == 0)
            #expect(try db.count("SELECT count(*) FROM fct_transaction") == 3)
        }
    }

    @Test("each attack through the binary: report --queries and query FILE.sql exit 64 with one line naming the file")
    func binary() throws {
        try withSandbox { box in
            let db = try sampleDatabase(box)
            try db.queue.close()
            for (i, attack) in attacks.enumerated() {
                // Overriding a built-in query, so the report must run it.
                let dir = "q\(i)"
                let path = try writeQuery(box, dir: dir, "outcomes.sql", attack.sql(box))
                let out = box.file("report-\(i)")
                let report = try runVerdict(["report", "--db", box.databasePath, "--week", week, "--out", out,
                                             "--queries", box.file(dir)], in: box)
                #expect(report.status == 64, "\(attack.name): \(report.status) \(report.stderr)")
                let lines = report.stderr.split(separator: "\n")
                #expect(lines.count == 1 && lines[0].hasPrefix("verdict: error: ") && lines[0].contains(path),
                        "\(attack.name): \(report.stderr)")
                #expect(!FileManager.default.fileExists(atPath: out + "/report.md"))
                #expect(!FileManager.default.fileExists(atPath: out + "/outcomes.csv"))

                let query = try runVerdict(["query", "--db", box.databasePath, path, "--week", week], in: box)
                #expect(query.status == 64, "\(attack.name): \(query.status) \(query.stderr)")
                #expect(query.stdout.isEmpty)
                let qLines = query.stderr.split(separator: "\n")
                #expect(qLines.count == 1 && qLines[0].contains(path), "\(attack.name): \(query.stderr)")
                for p in attack.creates(box) { #expect(!FileManager.default.fileExists(atPath: p), "\(attack.name) created \(p)") }
            }
            #expect(try integrityCheck(box.databasePath) == ["ok"])
        }
    }

    @Test("one SELECT passes: trailing comments and semicolons, WITH … SELECT, VALUES, json_each, SQLite's functions")
    func selectsPass() throws {
        let files: [(String, String, [[String]])] = [
            ("trailing_line_comment", "SELECT count(*) AS n FROM fct_transaction; -- trailing", [["n"], ["3"]]),
            ("trailing_block_comment", "SELECT count(*) AS n FROM fct_transaction;\n/* trailing */ ;\n", [["n"], ["3"]]),
            ("with_select", "WITH x AS (SELECT product_key FROM fct_transaction) SELECT count(*) AS n FROM x", [["n"], ["3"]]),
            ("recursive", "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 3) SELECT sum(i) AS s FROM r", [["s"], ["6"]]),
            ("json_each", "SELECT count(*) AS n FROM json_each(:periods)", [["n"], ["8"]]),
            ("functions", "SELECT upper('a') AS u, json_extract('{\"k\": 2}', '$.k') AS j, printf('%03d', 7) AS p", [["u", "j", "p"], ["A", "2", "007"]]),
        ]
        try withSandbox { box in
            _ = try sampleDatabase(box)
            for (name, sql, expected) in files {
                let path = try writeQuery(box, dir: "ok", name + ".sql", sql)
                let out = try runVerdict(["query", "--db", box.databasePath, path, "--week", week], in: box)
                #expect(out.status == 0, "\(name): \(out.stderr)")
                #expect(CSVReader.parse(out.stdout) == expected, "\(name): \(out.stdout)")
            }
        }
    }

    @Test("verdict check still runs SQLite's integrity check beside the data checks")
    func integrityCheckStillRuns() throws {
        try withSandbox { box in
            let db = try sampleDatabase(box)
            let outcome = try DataChecks(database: db).run(integrity: true)
            #expect(outcome.integrity == "ok")
            #expect(outcome.failures.isEmpty)
        }
    }
}
