import Foundation
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// `--db postgresql://…` on a real server. The tests that need one read its URI from
// VERDICT_TEST_PG (the Makefile starts a throwaway cluster and sets it); without it they are
// skipped and say so. Each test works in a database of its own, dropped at the end.

enum TestServer {
    /// The URI of a database on the test server, or nil.
    static let uri: String? = {
        let v = ProcessInfo.processInfo.environment["VERDICT_TEST_PG"] ?? ""
        return v.isEmpty ? nil : v
    }()

    static let skipMessage = "no PostgreSQL server to test against: set VERDICT_TEST_PG (make test starts one)"

    /// The server's URI with another database name.
    static func uri(database: String) throws -> String {
        let base = try #require(uri)
        let scheme = try #require(base.range(of: "://"))
        let rest = base[scheme.upperBound...]
        let host = rest.firstIndex(of: "/") ?? rest.endIndex
        let query = rest[host...].firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        return String(base[..<host]) + "/" + database + query
    }

    /// A fresh, empty database; `body` gets its URI; the database is dropped afterwards.
    static func withDatabase(_ body: (String) throws -> Void) throws {
        let base = try #require(uri)
        let name = "verdict_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let admin = try PostgresConnection(PostgresAddress(uri: base))
        try admin.execute("CREATE DATABASE \(name)")
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        try body(try uri(database: String(name)))
    }
}

/// Runs `verdict` with extra environment variables.
func runVerdict(_ arguments: [String], environment: [String: String], in sandbox: Sandbox) throws -> ProcessOutput {
    let exe = try #require(Executables.verdict, "the verdict executable was not found: build it with swift build --build-tests")
    return try run("/usr/bin/env", environment.map { $0.key + "=" + $0.value } + [exe] + arguments, in: sandbox)
}

/// A TCP port on loopback that nothing listens on (bound, then released).
func unusedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard ok else { throw TestFailure("cannot bind a port on loopback") }
    return Int(UInt16(bigEndian: address.sin_port))
}

@Suite("PostgreSQL engine: connecting")
struct PostgresConnectingTests {
    @Test("a server nobody listens on: exit 3, one line naming host, port and database, never the password")
    func unreachable() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let port = try unusedPort()
        for command in [["report", "--week", "2026-W03", "--out", "r"], ["query", "outcomes", "--week", "2026-W03"], ["check"], ["copy", "--from", "x.db"]] {
            let r = try runVerdict([command[0], "--db", "postgresql://analyst@127.0.0.1:\(port)/verdict_reports"] + command.dropFirst(),
                                   environment: ["PGPASSWORD": "s3cret-Passw0rd", "PGCONNECT_TIMEOUT": "5"], in: sandbox)
            #expect(r.status == 3, "\(command[0]): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(command[0]): \(r.stderr)")
            #expect(r.stderr.hasPrefix("verdict: error: cannot connect to database verdict_reports on 127.0.0.1:\(port)"), "\(r.stderr)")
            #expect(!r.stderr.contains("s3cret"))
        }
    }

    @Test("a password inside the URI is refused (exit 64) without being repeated")
    func passwordInURI() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let r = try runVerdict(["query", "--db", "postgresql://analyst:s3cret-Passw0rd@127.0.0.1:1/verdict", "outcomes", "--week", "2026-W03"], in: sandbox)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("PGPASSWORD"))
        #expect(!r.stderr.contains("s3cret"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test("a login the server refuses: exit 3, one line naming host and database, never the password",
          .enabled(if: TestServer.uri != nil, Comment(rawValue: TestServer.skipMessage)))
    func refusedLogin() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let base = try PostgresAddress(uri: try #require(TestServer.uri))
        let host = try #require(base.host), port = try #require(base.port)
        let uri = "postgresql://no_such_role_here@\(host):\(port)/\(base.database ?? "postgres")"
        let r = try runVerdict(["query", "--db", uri, "outcomes", "--week", "2026-W03"], environment: ["PGPASSWORD": "s3cret-Passw0rd"], in: sandbox)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("database \(base.database ?? "postgres") on \(host):\(port)"), "\(r.stderr)")
        #expect(r.stderr.contains("no_such_role_here"), "\(r.stderr)")
        #expect(!r.stderr.contains("s3cret"))
    }
}

@Suite("PostgreSQL engine: the same reports as SQLite",
       .enabled(if: TestServer.uri != nil, Comment(rawValue: TestServer.skipMessage)))
struct PostgresReportTests {
    /// Sample logs (with document hashes), ingested into SQLite and copied into `uri`.
    private func prepare(_ sandbox: Sandbox, uri: String) throws {
        let key = try sandbox.write("pii.key", bytes: Array("a key of thirty-two bytes or so..".utf8))
        var r = try runVerdict(["sample", "--days", "21", "--start", "2026-01-05", "--seed", "7", "--out", "logs.ndjson"], in: sandbox)
        #expect(r.status == 0, "\(r.stderr)")
        r = try runVerdict(["ingest", "--db", "a.db", "--pii-key", key, "logs.ndjson"], in: sandbox)
        #expect(r.status == 0, "\(r.stderr)")
        r = try runVerdict(["copy", "--from", "a.db", "--db", uri], in: sandbox)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test("every report file (CSV, Markdown, SVG) from PostgreSQL is byte-identical to SQLite's, for a week, a month and a span")
    func reportsAreByteIdentical() throws {
        try TestServer.withDatabase { uri in
            let sandbox = try Sandbox()
            defer { sandbox.remove() }
            try prepare(sandbox, uri: uri)
            for (i, period) in [["--week", "2026-W03"], ["--month", "2026-01"], ["--from", "2026-01-07", "--to", "2026-01-20", "--tz", "Asia/Kolkata"]].enumerated() {
                let a = try runVerdict(["report", "--db", "a.db", "--out", "s\(i)"] + period, in: sandbox)
                let b = try runVerdict(["report", "--db", uri, "--out", "p\(i)"] + period, in: sandbox)
                #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
                let names = try FileManager.default.contentsOfDirectory(atPath: sandbox.file("s\(i)")).sorted()
                #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.file("p\(i)")).sorted() == names)
                #expect(names.filter { $0.hasSuffix(".csv") }.count >= 17)
                for name in names {
                    let sqlite = try Data(contentsOf: URL(fileURLWithPath: sandbox.file("s\(i)/\(name)")))
                    let postgres = try Data(contentsOf: URL(fileURLWithPath: sandbox.file("p\(i)/\(name)")))
                    guard name == "manifest.json" else {
                        #expect(sqlite == postgres, "\(period): \(name) differs")
                        continue
                    }
                    // The manifest names its database and time; everything else in it is the same.
                    var m1 = try #require(try JSONSerialization.jsonObject(with: sqlite) as? [String: Any])
                    var m2 = try #require(try JSONSerialization.jsonObject(with: postgres) as? [String: Any])
                    let db1 = try #require(m1["database"] as? [String: Any]), db2 = try #require(m2["database"] as? [String: Any])
                    #expect(db1["engine"] as? String == "sqlite" && db2["engine"] as? String == "postgresql" && db2["location"] as? String == uri)
                    for key in ["generated_at", "command", "database"] { m1[key] = nil; m2[key] = nil }
                    #expect(NSDictionary(dictionary: m1).isEqual(to: m2), "\(period): manifest.json differs beyond its database")
                }
            }
            // The files hold numbers, not just headers: the period has transactions and percentiles.
            let summary = try String(contentsOfFile: sandbox.file("s0/quality_summary.csv"), encoding: .utf8)
            let row = try #require(summary.split(separator: "\n").dropFirst().first).split(separator: ",", omittingEmptySubsequences: false)
            #expect(Int(row[0]) ?? 0 > 50)
            #expect(Double(row[5]) != nil)
        }
    }

    @Test("verdict query: the same bytes in csv, md and json from both engines, for every built-in query")
    func queriesAreByteIdentical() throws {
        try TestServer.withDatabase { uri in
            let sandbox = try Sandbox()
            defer { sandbox.remove() }
            try prepare(sandbox, uri: uri)
            for name in QueryCatalog.builtInNames {
                for format in ["csv", "md", "json"] {
                    let a = try runVerdict(["query", "--db", "a.db", name, "--week", "2026-W03", "--format", format], in: sandbox)
                    let b = try runVerdict(["query", "--db", uri, name, "--week", "2026-W03", "--format", format], in: sandbox)
                    #expect(a.status == 0 && b.status == 0, "\(name): \(a.stderr) \(b.stderr)")
                    #expect(a.stdout == b.stdout, "\(name) as \(format) differs")
                }
            }
        }
    }

    @Test("verdict check: every data check holds on the copy; a damaged row is found by both engines, the same row")
    func checksAgree() throws {
        try TestServer.withDatabase { uri in
            let sandbox = try Sandbox()
            defer { sandbox.remove() }
            try prepare(sandbox, uri: uri)
            let ok = try runVerdict(["check", "--db", uri], in: sandbox)
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(ok.stdout.split(separator: "\n").count == Embedded.checks.count)
            #expect(ok.stdout.split(separator: "\n").allSatisfy { $0.hasSuffix(": ok") })
            // The same damage on both sides: a poll count, a stored spoof flag, a rollup count.
            let damage = [
                "UPDATE fct_transaction SET poll_count = poll_count + 1 WHERE transaction_key = (SELECT min(transaction_key) FROM fct_transaction)",
                "UPDATE bridge_spoof_check SET passed = 1 - passed WHERE spoof_profile_key = (SELECT min(spoof_profile_key) FROM bridge_spoof_check)",
                "UPDATE agg_outcome_15min SET transactions = transactions + 2 WHERE bucket_ms = (SELECT max(bucket_ms) FROM agg_outcome_15min)",
            ]
            let db = try sandbox.database("a.db")
            try db.queue.write { d in for s in damage { try d.execute(sql: s) } }
            let pg = try PostgresConnection(PostgresAddress(uri: uri))
            for s in damage { try pg.execute(s) }
            let a = try runVerdict(["check", "--db", "a.db"], in: sandbox)
            let b = try runVerdict(["check", "--db", uri], in: sandbox)
            #expect(a.status == 3 && b.status == 3)
            // The same checks fail with the same number of rows (transaction keys differ: on
            // PostgreSQL they are computed from product and transactionId).
            func failing(_ out: String) -> [String] {
                out.split(separator: "\n").filter { !$0.hasPrefix("integrity_check") && !$0.hasSuffix(": ok") }
                    .map { $0.components(separatedBy: ", first:")[0] }
            }
            #expect(failing(a.stdout).count >= 3)
            #expect(failing(a.stdout) == failing(b.stdout))
        }
    }

    @Test("a query file that writes is refused on PostgreSQL (exit 64) and changes nothing")
    func writingQueryRefused() throws {
        try TestServer.withDatabase { uri in
            let sandbox = try Sandbox()
            defer { sandbox.remove() }
            try prepare(sandbox, uri: uri)
            let file = try sandbox.write("sneaky.sql", bytes: Array("WITH gone AS (DELETE FROM fct_poll RETURNING 1) SELECT count(*) AS n FROM gone".utf8))
            let r = try runVerdict(["query", "--db", uri, file, "--week", "2026-W03"], in: sandbox)
            #expect(r.status == 64, "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
            let pg = try PostgresConnection(PostgresAddress(uri: uri))
            #expect(try pg.value("SELECT count(*) FROM fct_poll").flatMap { Int($0) } ?? 0 > 1000)
        }
    }

    @Test("another application's tables of Verdict's names: refused with exit 3 and left as they were; copy refuses a database that holds data")
    func identification() throws {
        try TestServer.withDatabase { uri in
            let sandbox = try Sandbox()
            defer { sandbox.remove() }
            let pg = try PostgresConnection(PostgresAddress(uri: uri))
            try pg.execute("CREATE TABLE fct_poll (id int); INSERT INTO fct_poll VALUES (42)")
            for args in [["report", "--week", "2026-W03", "--out", "r"], ["copy", "--from", "a.db"]] {
                _ = try runVerdict(["sample", "--days", "2", "--out", "l.ndjson"], in: sandbox)
                _ = try runVerdict(["ingest", "--db", "a.db", "l.ndjson"], in: sandbox)
                let r = try runVerdict([args[0], "--db", uri] + args.dropFirst(), in: sandbox)
                #expect(r.status == 3, "\(r.stderr)")
                #expect(r.stderr.contains("not a Verdict database"), "\(r.stderr)")
            }
            #expect(try pg.value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "1")
            #expect(try pg.value("SELECT id FROM fct_poll") == "42")
        }
        try TestServer.withDatabase { uri in
            let sandbox = try Sandbox()
            defer { sandbox.remove() }
            try prepare(sandbox, uri: uri)
            let again = try runVerdict(["copy", "--from", "a.db", "--db", uri], in: sandbox)
            #expect(again.status == 3, "\(again.stderr)")
            #expect(again.stderr.contains("already holds ingested data"))
        }
    }
}
