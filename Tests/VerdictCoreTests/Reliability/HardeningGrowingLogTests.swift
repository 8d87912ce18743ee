import Foundation
import GRDB
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// A log that is still being written: it grows while it is read, between reads, and
// between an ingest killed with SIGKILL and its rerun; a gzip file is read while its
// compressor still writes it. Whatever the timing, the end state must be that of one
// ingest of the final file into a fresh database: one `dim_source_file` row with the same
// counts, the same polls, transactions, refused lines and warnings, and the same report
// files byte for byte.

/// Everything an ingest leaves that a report or a rerun reads.
private struct EndState: Equatable {
    var sources: [[String?]]
    var polls: [[String?]]
    var transactions: [[String?]]
    var refused: [[String?]]
    var warnings: [[String?]]
    var rollup: [[String?]]

    init(_ db: VerdictDatabase) throws {
        sources = try db.rows("""
            SELECT path, size_bytes, content_sha256, status, lines, accepted, duplicates, blank, refused, warnings,
                   refused_by_reason, checkpoint_line, checkpoint_offset FROM dim_source_file ORDER BY file_key
            """)
        polls = try db.rows("""
            SELECT t.transaction_id, p.ts_ms, c.result_code, p.line_number, p.warning_count, p.verdict, p.poll_key
            FROM fct_poll p JOIN fct_transaction t USING (transaction_key) JOIN dim_result_code c USING (result_code_key)
            ORDER BY p.poll_key
            """)
        transactions = try db.rows("SELECT transaction_id, product, poll_count, result_code, outcome, started_at FROM v_transaction ORDER BY product, transaction_id")
        refused = try db.rows("SELECT line_number, reason, detail, ts_ms, byte_length, line_sha256, content FROM ingest_refused_line ORDER BY line_number")
        warnings = try db.rows("SELECT line_number, field, problem FROM ingest_warning ORDER BY line_number, warning_key")
        // (A quarter hour whose transactions all moved on to another outcome keeps a row
        // of 0, as after any ingest in several runs: it counts nothing.)
        rollup = try db.rows("SELECT * FROM agg_outcome_15min WHERE transactions <> 0 ORDER BY 1, 2, 3")
    }

    /// What differs from `other`, in short.
    func difference(from other: EndState) -> String {
        var out: [String] = []
        for (name, a, b) in [("sources", sources, other.sources), ("polls", polls, other.polls), ("transactions", transactions, other.transactions),
                             ("refused", refused, other.refused), ("warnings", warnings, other.warnings), ("rollup", rollup, other.rollup)] where a != b {
            let mine = a.filter { !b.contains($0) }.map { $0.map { ($0 ?? "NULL").prefix(40) } }
            let theirs = b.filter { !a.contains($0) }.map { $0.map { ($0 ?? "NULL").prefix(40) } }
            out.append("\(name): \(mine) instead of \(theirs)")
        }
        return out.joined(separator: "; ")
    }
}

/// The `checkpoint_line` of the row an unfinished ingest left (0 when there is none), read
/// without creating or changing anything.
private func committedLine(_ path: String) throws -> Int {
    guard FileManager.default.fileExists(atPath: path) else { return 0 }
    var config = Configuration()
    config.readonly = true
    let q = try DatabaseQueue(path: path, configuration: config)
    defer { try? q.close() }
    return try q.read { db in
        try Int.fetchOne(db, sql: "SELECT max(checkpoint_line) FROM dim_source_file WHERE status = 'reading'") ?? 0
    }
}

/// The contract CSV files (and the other CSV files) of a week's report, as bytes.
private func reportFiles(_ db: VerdictDatabase, _ box: Sandbox, _ name: String) throws -> [String: Data] {
    try reportCSVFiles(try box.report(db, try Periods.week("2026-W46"), into: name))
}

@Suite("Reliability: a log that grows while it is read", .serialized)
struct ReliabilityHardeningGrowingLog {
    /// The final log: polls of several transactions, a CRLF line, blank lines, refused
    /// lines (dated and not), duplicates, a warning, a line that starts with spaces, and a
    /// duplicate followed by more bytes on its line (refused as a whole).
    static let lines: [String] = [
        Log.id("A", at: "2026-11-10T08:00:00Z", status: "U", code: "PROCESSING"),
        Log.idVerdict("A", at: "2026-11-10T08:01:00Z", "Y") + "\r",
        "   ",
        "{not json",
        Log.id("A", at: "2026-11-10T08:00:00Z", status: "U", code: "PROCESSING"),
        "    " + Log.vv("V", at: "2026-11-10T09:00:00Z", verdict: "Success"),
        Log.idVerdict("B", at: "2026-11-10T10:00:00Z", "N", more: "\"docEdition\": \"first\""),
        #"{"timestamp": "2026-11-10T11:00:00Z", "request": {}}"#,
        Log.vv("W", at: "2026-11-10T12:00:00Z", verdict: "Failure"),
        Log.idVerdict("A", at: "2026-11-10T08:01:00Z", "Y"),
        Log.id("A", at: "2026-11-10T08:00:00Z", status: "U", code: "PROCESSING") + " and more",
        Log.idVerdict("C", at: "2026-11-10T13:00:00Z", "Y"),
    ]
    static let bytes: [UInt8] = Array(lines.map { $0 + "\n" }.joined().utf8)

    /// Offsets to cut the log at: around every newline, just after every line's closing
    /// brace, and every 97th byte.
    static let cuts: [Int] = {
        var set = Set<Int>()
        for (i, b) in bytes.enumerated() {
            if b == 0x0A {
                for d in -1...1 where i + d > 0 && i + d < bytes.count { set.insert(i + d) }
            }
            if b == UInt8(ascii: "}"), i + 1 < bytes.count, [0x0A, 0x0D, 0x20].contains(bytes[i + 1]) { set.insert(i + 1) }
            if i % 97 == 0, i > 0 { set.insert(i) }
        }
        return set.sorted()
    }()

    /// One ingest of the final log into a fresh database: what every other way must end as.
    private func reference(_ box: Sandbox, name: String, bytes: [UInt8]) throws -> (EndState, [String: Data], String) {
        let path = try box.write(name, bytes: bytes)
        let db = try box.database("reference-\(name).db")
        let s = try box.ingest(db, [path])
        #expect(s.files[0].error == nil && s.total.addsUp)
        return (try EndState(db), try reportFiles(db, box, "reference-\(name)"), path)
    }

    @Test("grown while it is read, or between reads, cut anywhere: one row and the numbers of one ingest of the final file")
    func plainLogGrows() throws {
        try withSandbox { box in
            let (expected, expectedFiles, _) = try reference(box, name: "ref.ndjson", bytes: Self.bytes)
            #expect(expected.sources.count == 1 && expected.refused.count == 3 && expected.warnings.count == 1)
            let path = box.file("app.ndjson")
            let all = Self.bytes
            let steps = [1, 5, 80, 700]
            var failures: [String] = []
            for (n, cut) in Self.cuts.enumerated() {
                let later = min(all.count, cut + steps[n % steps.count])
                // 1. It grows from `cut` to `later` bytes while the first ingest reads it, and
                //    to the end while the second does; a third reads what is left.
                // 2. It is read at `cut` bytes, at `later` bytes, then whole.
                // (One or the other, in turn.)
                for family in [1 + n % 2] {
                    let db = try box.database("grow-\(cut)-\(family).db")
                    try box.write("app.ndjson", bytes: Array(all[..<cut]))
                    if family == 1 {
                        for grown in [Array(all[..<later]), all] {
                            var options = IngestOptions()
                            options.afterSizing = { p in _ = FileManager.default.createFile(atPath: p, contents: Data(grown)) }
                            _ = try box.ingest(db, [path], options: options)
                        }
                    } else {
                        _ = try box.ingest(db, [path])
                        try box.write("app.ndjson", bytes: Array(all[..<later]))
                        _ = try box.ingest(db, [path])
                    }
                    try box.write("app.ndjson", bytes: all)
                    let last = try box.ingest(db, [path])
                    #expect(last.files[0].error == nil)
                    var state = try EndState(db)
                    // The path differs from the reference's; nothing else may.
                    state.sources = state.sources.map { [expected.sources[0][0]] + $0.dropFirst() }
                    if state != expected {
                        failures.append("cut at \(cut), then \(later) (\(family == 1 ? "while read" : "between reads")): " + state.difference(from: expected))
                    } else if n % 8 == 0 {
                        // The report files too, byte for byte.
                        #expect(try reportFiles(db, box, "grow-\(cut)-\(family)") == expectedFiles, "cut at \(cut)")
                    }
                }
            }
            #expect(failures.isEmpty, "\(failures.count) of \(Self.cuts.count) ways differ from one ingest of the final file: \(failures.prefix(4))")
        }
    }

    @Test("one log named three ways as it grows (relative, ./, absolute through a link): one row and the numbers of one ingest")
    func oneLogManyNames() throws {
        try withSandbox { box in
            let (expected, expectedFiles, _) = try reference(box, name: "ref.ndjson", bytes: Self.bytes)
            let all = Self.bytes
            let db = try box.database("names.db")
            try FileManager.default.createDirectory(atPath: box.file("logs"), withIntermediateDirectories: true)
            #expect(symlink(box.file("logs"), box.file("link")) == 0)
            let thirds = [all.count / 3, 2 * all.count / 3, all.count]
            for (cut, name) in zip(thirds, ["logs/app.ndjson", "./logs/app.ndjson", box.file("link/app.ndjson")]) {
                try box.write("logs/app.ndjson", bytes: Array(all[..<cut]))
                let run = try runVerdict(["ingest", "--db", db.path, name], in: box)
                #expect(run.status == 0, "\(name): \(run.stderr)")
            }
            var state = try EndState(db)
            #expect(state.sources.count == 1, "\(state.sources)")
            #expect(state.sources.first?.first == FileManagerLite.resolvedPath(box.file("logs/app.ndjson")))
            state.sources = state.sources.map { [expected.sources[0][0]] + $0.dropFirst() }
            #expect(state == expected, "\(state.difference(from: expected))")
            #expect(try reportFiles(db, box, "names") == expectedFiles)
        }
    }

    @Test("a gzip file still being written (cut short, then whole, then another member): one row and the numbers of one ingest")
    func gzipBeingWritten() throws {
        try withSandbox { box in
            // Two members; the first ends inside line 7 (a member boundary need not be a line's).
            let text = Self.bytes
            let split = text.indices.filter { text[$0] == 0x0A }[5] + 20
            func gzip(_ part: ArraySlice<UInt8>, _ name: String) throws -> [UInt8] {
                let p = box.file(name)
                let sink = try OutputSink(path: p)
                try sink.write(Array(part))
                try sink.close()
                return try #require(FileBytes.readAll(path: p))
            }
            let first = try gzip(text[..<split], ".m1.gz"), second = try gzip(text[split...], ".m2.gz")
            let (expected, expectedFiles, _) = try reference(box, name: "ref.ndjson.gz", bytes: first + second)
            let path = box.file("app.ndjson.gz")
            var failures: [String] = []
            for cut in [1, 2, 10, 18, first.count / 3, first.count / 2, first.count - 8, first.count - 1] {
                for family in 1...2 {
                    let db = try box.database("gz-\(cut)-\(family).db")
                    try box.write("app.ndjson.gz", bytes: Array(first[..<cut]))
                    if family == 1 {
                        // The compressor finishes the member while the ingest reads.
                        var options = IngestOptions()
                        options.afterSizing = { p in _ = FileManager.default.createFile(atPath: p, contents: Data(first)) }
                        let s = try box.ingest(db, [path], options: options)
                        #expect(s.files[0].error?.contains("cut short") == true, "cut at \(cut): \(s.files[0].error ?? "no error")")
                    } else {
                        let s = try box.ingest(db, [path])
                        #expect(s.files[0].error?.contains("cut short") == true, "cut at \(cut): \(s.files[0].error ?? "no error")")
                        try box.write("app.ndjson.gz", bytes: first)
                        let whole = try box.ingest(db, [path])
                        #expect(whole.files[0].error == nil)
                    }
                    try box.write("app.ndjson.gz", bytes: first + second)
                    let last = try box.ingest(db, [path])
                    #expect(last.files[0].error == nil)
                    var state = try EndState(db)
                    state.sources = state.sources.map { [expected.sources[0][0]] + $0.dropFirst() }
                    if state != expected {
                        failures.append("cut at \(cut) (\(family)): " + state.difference(from: expected))
                    } else if cut == first.count / 2 {
                        #expect(try reportFiles(db, box, "gz-\(cut)-\(family)") == expectedFiles)
                    }
                }
            }
            #expect(failures.isEmpty, "\(failures.count) ways differ from one ingest of the final file: \(failures.prefix(4))")
        }
    }

    @Test("killed with SIGKILL while reading, the log grown before each rerun: one row, the numbers and the report files of one ingest")
    func killedThenGrown() throws {
        try withSandbox { box in
            let files = try makeSampleCorpus([
                SampleSpec(name: "plain.ndjson", seed: 31, start: "2026-11-09", days: 3, idPerDay: 1200, videoPerDay: 600),
                SampleSpec(name: "more.ndjson", seed: 32, start: "2026-11-12", days: 1, idPerDay: 800, videoPerDay: 400),
                SampleSpec(name: "zipped.ndjson.gz", seed: 33, start: "2026-11-09", days: 3, idPerDay: 1200, videoPerDay: 600),
            ], in: box)
            let plain = try #require(FileBytes.readAll(path: files[0]))
            let more = try #require(FileBytes.readAll(path: files[1]))
            let zipped = try #require(FileBytes.readAll(path: files[2]))
            // A second gzip member: the same lines as `more`, compressed on their own.
            let memberPath = box.file(".member.gz")
            let sink = try OutputSink(path: memberPath)
            try sink.write(more)
            try sink.close()
            let member = try #require(FileBytes.readAll(path: memberPath))

            // (name, stages: the file's bytes before each run; the last run goes to the end)
            let cases: [(String, [[UInt8]])] = [
                ("app.ndjson", [Array(plain[..<(plain.count * 2 / 5)]), Array(plain[..<(plain.count * 3 / 4 + 17)]), plain + more]),
                ("app.ndjson.gz", [Array(zipped[..<(zipped.count / 2)]), zipped, zipped + member]),
            ]
            for (name, stages) in cases {
                let final = stages.last!
                let referencePath = box.file("reference-" + name)
                try box.write("reference-" + name, bytes: final)
                let referenceDB = box.file("reference-\(name).db")
                let reference = try runVerdictToEnd(["ingest", "--db", referenceDB, "--json", referencePath], in: box)
                try #require(reference.status == 0, "\(reference.stderr)")
                let expected = try EndState(try VerdictDatabase(path: referenceDB))
                let expectedFiles = try reportFiles(try VerdictDatabase(path: referenceDB), box, "report-reference-\(name)")

                let db = box.file("killed-\(name).db")
                let path = box.file(name)
                var interrupted = 0
                var log: [String] = []
                for (i, stage) in stages.enumerated() {
                    try box.write(name, bytes: stage)
                    guard i < stages.count - 1 else {
                        let t = try runVerdictToEnd(["ingest", "--db", db, "--batch-lines", "700", path], in: box)
                        log.append("stage \(i + 1): \(t.termination.description)")
                        #expect(t.status == 0, "\(name): \(t.stderr)")
                        break
                    }
                    // Killed as soon as it has committed a batch beyond what was committed
                    // before: in the middle of reading the file.
                    let before = try committedLine(db)
                    let p = try spawnVerdict(["ingest", "--db", db, "--batch-lines", "700", path], in: box)
                    while p.isRunning, Monotonic.now() - p.started < 60, (try? committedLine(db)) ?? 0 <= before { usleep(2_000) }
                    p.kill(SIGKILL)
                    let t = p.wait(timeout: 60)
                    log.append("stage \(i + 1): \(t.description)")
                    #expect(try integrityCheck(db) == ["ok"])
                    if t.signal == SIGKILL, try committedLine(db) > before { interrupted += 1 }
                }
                print("growing \(name): \(log.joined(separator: "; ")); \(interrupted) kill(s) left a read part done")
                #expect(interrupted == stages.count - 1, "\(name): a kill missed the middle of a read (\(log))")
                var state = try EndState(try VerdictDatabase(path: db))
                state.sources = state.sources.map { [expected.sources[0][0]] + $0.dropFirst() }
                #expect(state.sources == expected.sources, "\(name): \(log)")
                #expect(state == expected, "\(name): \(log)")
                #expect(try reportFiles(try VerdictDatabase(path: db), box, "report-killed-\(name)") == expectedFiles, "\(name)")
            }
        }
    }
}
