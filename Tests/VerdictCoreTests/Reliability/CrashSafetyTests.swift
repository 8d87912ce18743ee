import Foundation
import GRDB
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// the README's Reliability section, "Nothing lost": an ingest killed at any moment (SIGKILL, power loss)
// leaves a database that opens, passes `PRAGMA integrity_check`, and gives exactly the
// same metrics after the same ingest is run again to completion.

/// Three files of sample logs: plain, gzip, and one long enough (about 59,000 lines) to
/// take more than one batch even at the default 50,000 lines. Together a debug build
/// ingests them in about 3 s on one free core.
private let crashCorpus: [SampleSpec] = [
    SampleSpec(name: "a.ndjson", seed: 11, start: "2026-11-02", days: 2, idPerDay: 2400, videoPerDay: 1200),
    SampleSpec(name: "b.ndjson.gz", seed: 12, start: "2026-11-04", days: 2, idPerDay: 2400, videoPerDay: 1200),
    SampleSpec(name: "c.ndjson", seed: 13, start: "2026-11-06", days: 7, idPerDay: 2400, videoPerDay: 1200),
]

/// The logs span 2026-11-02 to 2026-11-12: ISO weeks 45 (Nov 2–8) and 46 (Nov 9–15).
private let crashWeeks = ["2026-W45", "2026-W46"]

@Suite("Reliability: an ingest killed at any moment", .serialized)
struct ReliabilityCrashSafety {
    @Test("SIGKILL at 8 seeded moments (twice): integrity_check is ok after each, and the finished ingest gives byte-identical CSV files")
    func killedIngestsConverge() throws {
        try withSandbox { box in
            let files = try makeSampleCorpus(crashCorpus, in: box)

            // The reference: one uninterrupted ingest, then the reports.
            let referenceDB = box.file("reference.db")
            let reference = try runVerdictToEnd(["ingest", "--db", referenceDB, "--json"] + files, in: box)
            try #require(reference.status == 0, "reference ingest: \(reference.termination.description) \(reference.stderr)")
            let referenceSummary = try IngestJSON(reference.stdout)
            try #require(referenceSummary.total.addsUp && referenceSummary.files.count == 3)
            // The long file really spans more than one batch of 50,000 lines.
            #expect(referenceSummary.files[2].lines > 51_200)
            let referenceCSV = try reports(of: referenceDB, into: "reference-report", in: box)
            for week in crashWeeks {
                #expect(Set(referenceCSV.keys).isSuperset(of: contractCSVHeaders.keys.map { week + "/" + $0 }))
            }

            let referenceCounts = try tableCounts(referenceDB)

            // Two series of kills, each on a database of its own: with the default batch of
            // 50,000 lines (c.ndjson commits once midway), and with --batch-lines 2000 so
            // that most kills land after several committed batches of a file.
            for (series, batchOption) in [("default batches", [String]()), ("--batch-lines 2000", ["--batch-lines", "2000"])] {
                try killSeries(series, batchOption: batchOption, files: files, reference: referenceSummary, referenceCSV: referenceCSV,
                               referenceCounts: referenceCounts, expectedSeconds: reference.termination.seconds, in: box)
            }
        }
    }

    private func killSeries(
        _ series: String, batchOption: [String], files: [String], reference referenceSummary: IngestJSON,
        referenceCSV: [String: Data], referenceCounts: [String: Int], expectedSeconds: Double, in box: Sandbox
    ) throws {
        // Eight moments inside the expected duration of one whole ingest, seeded and in
        // order. Each restart carries on from what the killed ones committed, so restart i
        // is killed after the gap between moments i-1 and i: the ingest's accumulated
        // running time then reaches moment i (or less, since restarting and redoing
        // uncommitted work cost time), and every kill lands before the end. A gap may be a
        // few milliseconds: the kill then hits the process while it starts or opens the
        // database, which is a moment too.
        let db = box.file("killed-\(batchOption.last ?? "default").db")
        var rng = SeededRandom(seed: 0xC0FF_EE00_2026_1116 ^ UInt64(batchOption.count))
        let moments = (0..<8).map { _ in expectedSeconds * (0.05 + 0.9 * rng.unit()) }.sorted()
        var previous = 0.0
        var interrupted = 0
        var log: [String] = []
        for (i, moment) in moments.enumerated() {
            let delay = moment - previous
            previous = moment
            let p = try spawnVerdict(["ingest", "--db", db] + batchOption + files, in: box)
            Monotonic.sleep(delay - (Monotonic.now() - p.started))
            p.kill(SIGKILL)
            let t = p.wait(timeout: 60)
            if t.signal == SIGKILL {
                interrupted += 1
            } else {
                // It finished before the kill: that must have been a success.
                #expect(t.exitStatus == 0, "\(series) kill \(i + 1): \(t.description) \(p.stderr)")
            }
            log.append(String(format: "kill %d after %.3f s (moment %.2f of %.2f s): ", i + 1, delay, moment, expectedSeconds) + t.description)
            if FileManager.default.fileExists(atPath: db) {
                #expect(try integrityCheck(db) == ["ok"], "\(series), after \(log.last!)")
            }
        }
        print("crash safety, \(series): \(interrupted) of 8 kills interrupted an ingest; " + log.joined(separator: "; "))
        // Most kills must have hit a running ingest, or this series proved little (only a
        // machine much faster than during the reference run lets one finish first).
        #expect(interrupted >= 4, "\(series): only \(interrupted) of 8 kills interrupted an ingest: \(log)")

        // The same ingest, run to completion.
        let final = try runVerdictToEnd(["ingest", "--db", db, "--json"] + batchOption + files, in: box)
        try #require(final.status == 0, "\(series) final ingest: \(final.termination.description) \(final.stderr)")
        let finalSummary = try IngestJSON(final.stdout)
        #expect(finalSummary.total.addsUp)
        #expect(finalSummary.transactions == referenceSummary.transactions)
        // Each input's counts, whether read in this run or in an earlier one, account for
        // the same lines: the same blank and refused lines, and every poll stored or a duplicate.
        for (f, r) in zip(finalSummary.files, referenceSummary.files) {
            #expect(f.lines == r.lines && f.blank == r.blank && f.refused == r.refused, "\(series): \(f.path ?? "?")")
            #expect(f.accepted + f.duplicates == r.accepted + r.duplicates, "\(series): \(f.path ?? "?")")
        }
        #expect(try integrityCheck(db) == ["ok"])
        // Verdict's own data checks (rollup, poll counts and dates, the final-poll rule) hold.
        let check = try runVerdictToEnd(["check", "--db", db], in: box)
        #expect(check.status == 0, "\(series): \(check.stdout)")
        // The same rows: polls, transactions, refused lines and warnings, none twice.
        #expect(try tableCounts(db) == referenceCounts, "\(series) (\(log))")

        // Every CSV file of every report is byte-identical to the reference.
        let resumedCSV = try reports(of: db, into: "resumed-report-\(batchOption.last ?? "default")", in: box)
        #expect(Set(resumedCSV.keys) == Set(referenceCSV.keys))
        for (name, bytes) in referenceCSV.sorted(by: { $0.key < $1.key }) {
            #expect(resumedCSV[name] == bytes, "\(series): \(name) differs from the uninterrupted ingest's (\(log))")
        }

        // A third full run finds nothing new: every input is complete, so it stores no
        // poll and reports each earlier poll as a duplicate; refused and blank lines
        // are counted as they were.
        let third = try runVerdictToEnd(["ingest", "--db", db, "--json"] + files, in: box)
        #expect(third.status == 0)
        let thirdSummary = try IngestJSON(third.stdout)
        #expect(thirdSummary.total.accepted == 0)
        #expect(thirdSummary.total.lines == referenceSummary.total.lines)
        #expect(thirdSummary.total.duplicates == referenceSummary.total.accepted + referenceSummary.total.duplicates)
        #expect(thirdSummary.total.refused == referenceSummary.total.refused)
        #expect(thirdSummary.total.blank == referenceSummary.total.blank)
        #expect(thirdSummary.transactions == referenceSummary.transactions)
    }

    /// Row counts that a resumed ingest must reproduce exactly.
    private func tableCounts(_ db: String) throws -> [String: Int] {
        try openPlain(db).read { db in
            var out: [String: Int] = [:]
            for (name, sql) in [
                ("polls", "SELECT count(*) FROM fct_poll"), ("transactions", "SELECT count(*) FROM fct_transaction"),
                ("poll_count", "SELECT sum(poll_count) FROM fct_transaction"), ("refused", "SELECT count(*) FROM ingest_refused_line"),
                ("warnings", "SELECT count(*) FROM ingest_warning"),
            ] {
                out[name] = try Int.fetchOne(db, sql: sql) ?? -1
            }
            return out
        }
    }

    /// Runs `verdict report` for each week of `crashWeeks`; returns "week/file.csv" → bytes.
    private func reports(of db: String, into name: String, in box: Sandbox) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for week in crashWeeks {
            let dir = box.file(name + "-" + week)
            let r = try runVerdictToEnd(["report", "--db", db, "--week", week, "--out", dir], in: box, timeout: 60)
            try #require(r.status == 0, "report \(week): \(r.termination.description) \(r.stderr)")
            for (file, bytes) in try reportCSVFiles(dir) { out[week + "/" + file] = bytes }
        }
        return out
    }
}
