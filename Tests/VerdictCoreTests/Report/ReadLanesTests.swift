import Foundation
import GRDB
import Testing
@testable import VerdictCore

/// Report queries and data checks run side by side on several connections (ReadLanes):
/// the files do not depend on how many, and every lane reads the same committed state.
@Suite("Read lanes")
struct ReadLanesTests {
    /// Nine days of both products, every quirk of the generator, ingested into a fresh database.
    private func sampleDatabase(_ box: Sandbox) throws -> VerdictDatabase {
        var o = SampleOptions()
        o.days = 9
        o.seed = 77
        o.start = CalendarDay(year: 2026, month: 11, day: 2)!
        o.idPerDay = 150
        o.videoPerDay = 80
        var text: [UInt8] = []
        var g = SampleGenerator(o)
        g.generate { (bytes: [UInt8]) in text += bytes }
        let path = try box.write("sample.ndjson", bytes: text)
        let db = try box.database()
        _ = try box.ingest(db, [path])
        return db
    }

    private func files(_ dir: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            out[name] = FileBytes.readAll(path: dir + "/" + name)
        }
        return out
    }

    @Test("a report is byte for byte the same on one lane as on four")
    func reportIsTheSameOnAnyNumberOfLanes() throws {
        try withSandbox { box in
            let db = try sampleDatabase(box)
            let period = try Periods.week("2026-W45")
            var written: [[String: [UInt8]]] = []
            for lanes in [1, 4] {
                var engine = MetricsEngine(database: db, catalog: try QueryCatalog())
                engine.lanes = lanes
                let dir = box.file("report-\(lanes)")
                _ = try ReportWriter(engine: engine).write(period: period, to: dir)
                written.append(try files(dir))
            }
            #expect(written[0].count >= 20)
            #expect(written[0].keys.sorted() == written[1].keys.sorted())
            // manifest.json says when it was written: that line may differ, no other.
            func comparable(_ name: String, _ bytes: [UInt8]?) -> [String] {
                let lines = String(decoding: bytes ?? [], as: UTF8.self).split(separator: "\n").map(String.init)
                return name == "manifest.json" ? lines.filter { !$0.hasPrefix("  \"generated_at\":") } : lines
            }
            for (name, bytes) in written[0] {
                #expect(comparable(name, bytes) == comparable(name, written[1][name]), "\(name) differs between one lane and four")
            }
            // The numbers are there: both products have transactions in the week.
            let outcomes = try readCSV(box.file("report-4"), "outcomes")
            #expect(outcomes.count == 3 && outcomes.dropFirst().allSatisfy { (Int($0[1]) ?? 0) > 0 })
        }
    }

    @Test("a commit between the main snapshot and a lane's joining keeps that lane out")
    func laneThatSeesALaterCommitIsDropped() throws {
        try withSandbox { box in
            let db = try sampleDatabase(box)
            let period = try Periods.week("2026-W45")
            let names = try QueryCatalog().names
            var before = MetricsEngine(database: db, catalog: try QueryCatalog())
            before.lanes = 1
            let expected = try before.run(names, period: period)

            // Another connection turns every passed transaction into a failed one (and adds
            // to the outcome rollup, which outcomes reads), after the main connection fixed
            // its state and before the other lanes join.
            let path = db.path
            let committed = Flag()
            var during = MetricsEngine(database: db, catalog: try QueryCatalog())
            during.lanes = 4
            during.pinned = {
                do {
                    let writer = try DatabaseQueue(path: path)
                    try writer.write {
                        try $0.execute(sql: "UPDATE fct_transaction SET outcome = 'failed' WHERE outcome = 'passed'")
                        try $0.execute(sql: "UPDATE agg_outcome_15min SET transactions = transactions + 1000")
                    }
                    try writer.close()
                    committed.set()
                } catch {}
            }
            let seen = try during.run(names, period: period)
            #expect(committed.isSet, "the concurrent commit must have happened")
            for name in names {
                #expect(seen.results[name]?.rows == expected.results[name]?.rows, "\(name) read a later state")
            }

            // The commit did change what a new read sees, so equal results above are not a given.
            let after = try before.run(["outcomes"], period: period)
            #expect(after.results["outcomes"]?.rows != expected.results["outcomes"]?.rows)
        }
    }

    @Test("data checks and the integrity check agree on one lane and on four")
    func checksAgreeOnAnyNumberOfLanes() throws {
        try withSandbox { box in
            let db = try sampleDatabase(box)
            try db.queue.write { try $0.execute(sql: "UPDATE agg_outcome_15min SET transactions = transactions + 1 WHERE bucket_ms % (7 * 900000) = 0") }
            var outcomes: [DataChecks.Outcome] = []
            for lanes in [1, 4] {
                var checks = DataChecks(database: db)
                checks.lanes = lanes
                outcomes.append(try checks.run(integrity: true))
            }
            for o in outcomes {
                #expect(o.integrity == "ok")
                #expect(o.checked.count == Embedded.checks.count)
                #expect(o.failures.map(\.check) == ["rollup_matches_facts"])
            }
            #expect(outcomes[0].failures.map(\.rows) == outcomes[1].failures.map(\.rows))
            #expect(outcomes[0].failures.map(\.firstRow) == outcomes[1].failures.map(\.firstRow))
        }
    }
}

extension ReadLanesTests {
    @Test("verdict check on a damaged database file fails with the database's exit status, on any number of lanes")
    func damagedDatabaseFailsCheck() throws {
        try withSandbox { box in
            let path: String
            do {
                let db = try sampleDatabase(box)
                path = db.path
                try db.queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            }
            // Overwrite one page in the middle of the file (fact rows or their indexes).
            let size = try #require(FileManagerLite.size(path))
            let page = 16_384
            let fd = open(path, O_WRONLY)
            try #require(fd >= 0)
            let garbage = [UInt8](repeating: 0x5A, count: page)
            #expect(pwrite(fd, garbage, page, off_t(size / 2 / page * page)) == page)
            close(fd)
            for jobs in ["1", "4"] {
                let check = try runVerdictToEnd(["check", "--db", path, "--jobs", jobs], in: box)
                #expect(check.status == 3, "--jobs \(jobs): \(check.termination.description) \(check.stdout) \(check.stderr)")
                // Either SQLite's integrity check names the damage, or a check query ran into it.
                #expect(check.stdout.contains("integrity_check: ") && !check.stdout.contains("integrity_check: ok")
                        || check.stderr.contains(path + ": ") && check.stderr.contains("malformed"), "--jobs \(jobs): \(check.stdout) \(check.stderr)")
            }
        }
    }
}

/// A flag set from another thread.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
