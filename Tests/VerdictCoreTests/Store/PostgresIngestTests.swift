import Foundation
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// `verdict ingest --db postgresql://…`: the same numbers as SQLite, with several writers at
// once, after a kill, and after ingesting the same file again. Needs VERDICT_TEST_PG.

@Suite("PostgreSQL engine: ingest", .enabled(if: TestServer.uri != nil, Comment(rawValue: TestServer.skipMessage)))
struct PostgresIngestTests {
    /// Sample logs split into `parts` files of consecutive lines (a transaction's polls may
    /// fall into two files), written as part0.ndjson, part1.ndjson, …
    private func splitLogs(_ sandbox: Sandbox, parts: Int, days: Int = 14, seed: Int = 5) throws -> [String] {
        let r = try runVerdict(["sample", "--days", String(days), "--start", "2026-01-05", "--seed", String(seed), "--out", "all.ndjson"], in: sandbox)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: sandbox.file("all.ndjson"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let size = (lines.count + parts - 1) / parts
        return try (0..<parts).map { i in
            let chunk = lines[min(i * size, lines.count)..<min((i + 1) * size, lines.count)]
            return try sandbox.write("part\(i).ndjson", bytes: Array(chunk.joined(separator: "\n").utf8) + [10])
        }
    }

    /// The CSV files of a week's and a month's report, by name.
    private func reports(_ db: String, _ sandbox: Sandbox) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for period in [["--week", "2026-W03"], ["--month", "2026-01"]] {
            let dir = "r-" + UUID().uuidString
            let r = try runVerdict(["report", "--db", db, "--out", dir] + period, in: sandbox)
            #expect(r.status == 0, "\(r.stderr)")
            for name in try FileManager.default.contentsOfDirectory(atPath: sandbox.file(dir)) where name.hasSuffix(".csv") {
                out[period[1] + "/" + name] = try Data(contentsOf: URL(fileURLWithPath: sandbox.file(dir + "/" + name)))
            }
        }
        return out
    }

    private func expectSame(_ a: [String: Data], _ b: [String: Data], _ what: String) {
        #expect(a.keys.sorted() == b.keys.sorted(), "\(what)")
        #expect(a.count >= 30, "\(what): only \(a.count) files")
        for name in a.keys.sorted() where a[name] != b[name] {
            Issue.record("\(what): \(name) differs")
        }
    }

    @Test("ingest gives SQLite's summary and reports byte for byte; ingesting the same files again adds nothing; check passes")
    func ingestMatchesSQLite() throws {
        try TestServer.withDatabase { uri in
            let sandbox = try Sandbox()
            defer { sandbox.remove() }
            let files = try splitLogs(sandbox, parts: 2)
            let a = try runVerdict(["ingest", "--db", "a.db", "--json"] + files, in: sandbox)
            let b = try runVerdict(["ingest", "--db", uri, "--json"] + files, in: sandbox)
            #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
            let sa = try IngestJSON(a.stdout), sb = try IngestJSON(b.stdout)
            #expect(sa.total.accepted == sb.total.accepted && sa.total.duplicates == sb.total.duplicates)
            #expect(sa.total.refused == sb.total.refused && sa.total.warnings == sb.total.warnings)
            #expect(sa.transactions == sb.transactions)
            let once = try reports(uri, sandbox)
            expectSame(try reports("a.db", sandbox), once, "one ingest")
            let pg = try PostgresConnection(PostgresAddress(uri: uri))
            let counts = "SELECT (SELECT count(*) FROM fct_poll) || '/' || (SELECT count(*) FROM fct_transaction) || '/' || (SELECT count(*) FROM ingest_refused_line) || '/' || (SELECT count(*) FROM ingest_warning) || '/' || (SELECT count(*) FROM dim_source_file) || '/' || (SELECT sum(accepted) FROM dim_source_file)"
            let before = try pg.value(counts)
            let again = try runVerdict(["ingest", "--db", uri, "--json"] + files, in: sandbox)
            #expect(again.status == 0, "\(again.stderr)")
            let s2 = try IngestJSON(again.stdout)
            #expect(s2.total.accepted == 0 && s2.total.warnings == 0)
            #expect(s2.total.duplicates == sa.total.accepted + sa.total.duplicates)
            #expect(try pg.value(counts) == before)
            expectSame(once, try reports(uri, sandbox), "ingested twice")
            let check = try runVerdict(["check", "--db", uri], in: sandbox)
            #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        }
    }

    @Test("files ingested one after another in any order: the final-poll rule across files as on SQLite")
    func orderOfFiles() throws {
        try TestServer.withDatabase { uri in
            let sandbox = try Sandbox()
            defer { sandbox.remove() }
            let files = try splitLogs(sandbox, parts: 3)
            for f in files.reversed() {
                let a = try runVerdict(["ingest", "--db", "a.db", f], in: sandbox)
                let b = try runVerdict(["ingest", "--db", uri, f], in: sandbox)
                #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
            }
            expectSame(try reports("a.db", sandbox), try reports(uri, sandbox), "files in reverse order")
            #expect(try runVerdict(["check", "--db", uri], in: sandbox).status == 0)
        }
    }

    @Test("two and four concurrent ingests of disjoint file sets: the same CSV files as one ingest", arguments: [2, 4])
    func concurrentWriters(writers: Int) throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let files = try splitLogs(sandbox, parts: writers * 2)
        let one = try runVerdict(["ingest", "--db", "a.db"] + files, in: sandbox)
        #expect(one.status == 0, "\(one.stderr)")
        let expected = try reports("a.db", sandbox)
        try TestServer.withDatabase { uri in
            // Each writer takes every writers-th file, so each set spans the whole period.
            let processes = try (0..<writers).map { w in
                try spawnVerdict(["ingest", "--db", uri] + files.enumerated().filter { $0.offset % writers == w }.map(\.element), in: sandbox)
            }
            for (p, t) in zip(processes, waitAll(processes)) { #expect(t.exitStatus == 0, "\(p.stderr)") }
            expectSame(expected, try reports(uri, sandbox), "\(writers) writers")
            let check = try runVerdict(["check", "--db", uri], in: sandbox)
            #expect(check.status == 0, "\(check.stdout)")
        }
    }

    @Test("SIGKILL during an ingest into PostgreSQL, then the same ingest again: the numbers of one clean ingest")
    func killedAndRerun() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let files = try splitLogs(sandbox, parts: 2, days: 28)
        #expect(try runVerdict(["ingest", "--db", "a.db"] + files, in: sandbox).status == 0)
        let expected = try reports("a.db", sandbox)
        for delay in [0.3, 1.0, 2.5] {
            try TestServer.withDatabase { uri in
                let p = try spawnVerdict(["ingest", "--db", uri] + files, in: sandbox)
                usleep(useconds_t(delay * 1_000_000))
                kill(p.pid, SIGKILL)
                _ = p.wait(timeout: 30)
                let rerun = try runVerdict(["ingest", "--db", uri] + files, in: sandbox)
                #expect(rerun.status == 0, "\(rerun.stderr)")
                expectSame(expected, try reports(uri, sandbox), "killed after \(delay) s")
                #expect(try runVerdict(["check", "--db", uri], in: sandbox).status == 0)
            }
        }
    }
}

@Suite("PostgreSQL engine: refused lines", .enabled(if: TestServer.uri != nil, Comment(rawValue: TestServer.skipMessage)))
struct PostgresRejectsTests {
    @Test("rejects list and export give SQLite's output byte for byte; purge deletes them (of one reason, then all)")
    func rejectsAsOnSQLite() throws {
        try TestServer.withDatabase { uri in
            let sandbox = try Sandbox()
            defer { sandbox.remove() }
            #expect(try runVerdict(["sample", "--days", "5", "--seed", "3", "--out", "l.ndjson"], in: sandbox).status == 0)
            #expect(try runVerdict(["ingest", "--db", "a.db", "l.ndjson"], in: sandbox).status == 0)
            #expect(try runVerdict(["ingest", "--db", uri, "l.ndjson"], in: sandbox).status == 0)
            for args in [["list"], ["list", "--reason", "invalid_json", "--limit", "3"], ["export"], ["export", "--reason", "missing_result"]] {
                let a = try runVerdict(["rejects", args[0], "--db", "a.db"] + args.dropFirst(), in: sandbox)
                let b = try runVerdict(["rejects", args[0], "--db", uri] + args.dropFirst(), in: sandbox)
                #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
                #expect(a.stdout.count > 100, "\(args)")
                #expect(a.stdout == b.stdout, "\(args)")
            }
            let one = try runVerdict(["rejects", "purge", "--db", uri, "--reason", "invalid_json", "--yes"], in: sandbox)
            #expect(one.status == 0, "\(one.stderr)")
            let pg = try PostgresConnection(PostgresAddress(uri: uri))
            #expect(try pg.value("SELECT count(*) FROM ingest_refused_line WHERE reason = 'invalid_json'") == "0")
            #expect(try pg.value("SELECT count(*) FROM ingest_refused_line").flatMap { Int($0) } ?? 0 > 0)
            #expect(try runVerdict(["rejects", "purge", "--db", uri, "--yes"], in: sandbox).status == 0)
            #expect(try pg.value("SELECT count(*) FROM ingest_refused_line") == "0")
            let list = try runVerdict(["rejects", "list", "--db", uri], in: sandbox)
            #expect(list.stdout == "refused lines: none\n")
        }
    }
}
