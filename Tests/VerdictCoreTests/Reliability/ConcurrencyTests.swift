import Foundation
import GRDB
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// the README's Reliability section, "Nothing lost": a report may run while an ingest is writing and sees
// a consistent state; two ingests started together on one database both finish, or the
// second waits and says why; neither corrupts nor double-counts. the README's command reference: `--no-wait`
// fails at once with exit status 3 (the README's "busy").

/// About 54,000 lines: a debug ingest takes about 2 s, long enough to act during it.
private let concurrencyCorpus: [SampleSpec] = [
    SampleSpec(name: "a.ndjson", seed: 21, start: "2026-11-02", days: 2, idPerDay: 2400, videoPerDay: 1200),
    SampleSpec(name: "b.ndjson.gz", seed: 22, start: "2026-11-04", days: 2, idPerDay: 2400, videoPerDay: 1200),
    SampleSpec(name: "c.ndjson", seed: 23, start: "2026-11-06", days: 2, idPerDay: 2400, videoPerDay: 1200),
]

/// One poll outside the corpus, to create (and migrate) a database before a test starts.
private let seedLine = Log.idVerdict("SEED-TX-1", at: "2026-10-01T00:00:00Z", "Y")

/// Waits until an ingest into `db` holds its lock and writes: its first input's row
/// exists in dim_source_file (the row is written after the lock is taken).
private func waitUntilIngestWrites(_ db: String, path: String, process: Spawned, timeout: Double = 60) throws {
    let start = Monotonic.now()
    while Monotonic.now() - start < timeout {
        if !process.isRunning { throw TestFailure("the ingest ended before it could be observed writing: \(process.stderr)") }
        if FileManager.default.fileExists(atPath: db),
            // (The ledger records a file by its real path.)
            let n = try? openPlain(db).read({ try Int.fetchOne($0, sql: "SELECT count(*) FROM dim_source_file WHERE path IN (?, ?)",
                                                               arguments: [path, FileManagerLite.resolvedPath(path)]) }),
            n > 0
        {
            return
        }
        usleep(10_000)
    }
    throw TestFailure("the ingest never started writing within \(timeout) s")
}

/// Creates the database at `db` with one poll, through the executable.
private func createDatabase(_ db: String, in box: Sandbox) throws {
    let seed = try box.write("seed-\(UUID().uuidString).ndjson", lines: [seedLine])
    let r = try runVerdictToEnd(["ingest", "--db", db, seed], in: box, timeout: 60)
    try #require(r.status == 0, "creating \(db): \(r.termination.description) \(r.stderr)")
}

@Suite("Reliability: concurrent ingests and reports", .serialized)
struct ReliabilityConcurrency {
    @Test("a report started while an ingest writes exits 0 with a complete, self-consistent set of CSV files")
    func reportDuringIngest() throws {
        try withSandbox { box in
            let files = try makeSampleCorpus(concurrencyCorpus, in: box)
            let db = box.file("busy.db")
            let ingest = try spawnVerdict(["ingest", "--db", db] + files, in: box)
            try waitUntilIngestWrites(db, path: files[0], process: ingest)
            #expect(ingest.isRunning, "the ingest must still be writing when the report starts")

            let dir = box.file("report")
            let report = try runVerdictToEnd(["report", "--db", db, "--week", "2026-W45", "--out", dir], in: box, timeout: 90)
            let ingestStillRan = ingest.isRunning
            #expect(report.status == 0, "\(report.termination.description): \(report.stderr)")

            // Every file of docs/METRICS.md, with its header row.
            let written = try reportCSVFiles(dir)
            for (name, header) in contractCSVHeaders.sorted(by: { $0.key < $1.key }) {
                #expect(written[name] != nil, "\(name) is missing")
                let rows = try readCSV(dir, String(name.dropLast(4)))
                #expect(rows.first == header, "\(name) header")
            }
            // One consistent state: the classes partition the transactions, and the trend
            // row of the report's own week (it starts on Monday 2026-11-02) agrees.
            let outcomes = try readCSV(dir, "outcomes")
            #expect(outcomes.count == 3 && outcomes[1][0] == "ID_RECOGNITION" && outcomes[2][0] == "VIDEO_VERIFY")
            let trend = try readCSV(dir, "trend")
            for row in outcomes.dropFirst() {
                let n = row[1...6].map { Int($0) ?? -1 }  // transactions, completed, passed, failed, pending, api_error
                #expect(n[0] == n[1] + n[4] + n[5], "\(row)")
                #expect(n[1] == n[2] + n[3], "\(row)")
                let week = trend.filter { $0.first == "2026-11-02" && $0.count > 4 && $0[1] == row[0] }
                #expect(week.count == 1 && week.first?[2] == row[1] && week.first?[3] == row[2] && week.first?[4] == row[3],
                        "trend \(week) against outcomes \(row)")
            }

            let t = ingest.wait(timeout: 120)
            #expect(t.exitStatus == 0, "ingest: \(t.description) \(ingest.stderr)")
            // Not a requirement, but say so if the report outlived the ingest.
            if !ingestStillRan { print("note: the ingest finished before the report did") }
        }
    }

    @Test("two ingests started together on one database both finish; the second waits and says so; nothing is counted twice")
    func twoIngestsTogether() throws {
        try withSandbox { box in
            let files = try makeSampleCorpus(concurrencyCorpus, in: box)

            // The reference: the same database content from one ingest alone.
            let single = box.file("single.db")
            try createDatabase(single, in: box)
            let alone = try runVerdictToEnd(["ingest", "--db", single, "--json"] + files, in: box)
            try #require(alone.status == 0, "\(alone.stderr)")
            let aloneSummary = try IngestJSON(alone.stdout)

            let db = box.file("shared.db")
            try createDatabase(db, in: box)
            let first = try spawnVerdict(["ingest", "--db", db, "--json"] + files, in: box)
            let second = try spawnVerdict(["ingest", "--db", db, "--json"] + files, in: box)
            let ends = waitAll([first, second])
            let t1 = ends[0], t2 = ends[1]
            #expect(t1.exitStatus == 0, "\(t1.description): \(first.stderr)")
            #expect(t2.exitStatus == 0, "\(t2.description): \(second.stderr)")

            // Exactly one of them waited, and said why on stderr.
            let runs = [(first, t1), (second, t2)]
            let waited = runs.filter { $0.0.stderr.lowercased().contains("waiting") }
            #expect(waited.count == 1, "stderr: [\(first.stderr)] [\(second.stderr)]")
            guard waited.count == 1 else { return }
            let waiter = waited[0].0
            let worker = runs.first { $0.0 !== waiter }!.0
            #expect(waiter.stderr.contains(db), "the waiting message names the database: \(waiter.stderr)")

            // The one that worked did what a lone ingest does; the one that waited found
            // every input already complete and stored nothing.
            let workerSummary = try IngestJSON(worker.stdout), waiterSummary = try IngestJSON(waiter.stdout)
            #expect(workerSummary.total.accepted == aloneSummary.total.accepted)
            #expect(waiterSummary.total.accepted == 0)
            #expect(waiterSummary.total.duplicates == aloneSummary.total.accepted + aloneSummary.total.duplicates)
            #expect(workerSummary.transactions == aloneSummary.transactions)
            #expect(waiterSummary.transactions == aloneSummary.transactions)

            // And the database holds what the lone ingest's holds: same transactions, same polls.
            let count = { (path: String, sql: String) throws -> Int in
                try openPlain(path).read { try Int.fetchOne($0, sql: sql) ?? -1 }
            }
            for sql in ["SELECT count(*) FROM fct_transaction", "SELECT count(*) FROM fct_poll", "SELECT count(*) FROM ingest_refused_line",
                        "SELECT sum(poll_count) FROM fct_transaction"] {
                #expect(try count(db, sql) == count(single, sql), "\(sql)")
            }
            #expect(try integrityCheck(db) == ["ok"])
        }
    }

    @Test("with --no-wait, a second ingest fails at once with exit status 3 and a one-line message")
    func noWait() throws {
        try withSandbox { box in
            let files = try makeSampleCorpus(concurrencyCorpus, in: box)
            let db = box.file("shared.db")
            try createDatabase(db, in: box)
            let first = try spawnVerdict(["ingest", "--db", db] + files, in: box)
            try waitUntilIngestWrites(db, path: files[0], process: first)

            let second = try runVerdictToEnd(["ingest", "--no-wait", "--db", db] + files, in: box, timeout: 60)
            let firstStillRan = first.isRunning
            #expect(second.status == 3, "\(second.termination.description): \(second.stderr)")
            #expect(second.stderrLines.count == 1, "one line on stderr, got: \(second.stderr)")
            #expect(second.stderr.hasPrefix("verdict: error:") && second.stderr.contains(db), "\(second.stderr)")
            #expect(second.stdout.isEmpty)
            // "At once": it did not wait for the first ingest, which was still writing.
            #expect(firstStillRan, "the first ingest must still be running when --no-wait gives up")
            #expect(second.termination.seconds < 5, "took \(second.termination.seconds) s")

            let t = first.wait(timeout: 120)
            #expect(t.exitStatus == 0, "\(t.description): \(first.stderr)")
            #expect(try integrityCheck(db) == ["ok"])
        }
    }
}
