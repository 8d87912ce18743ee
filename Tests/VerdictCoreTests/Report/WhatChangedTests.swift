import Foundation
import Testing
@testable import VerdictCore

/// The summary that opens report.md: coverage, pass rates, then the signals that moved.
@Suite("Report: what changed, and how much of the period the data covers")
struct WhatChangedTests {
    /// `n` ID Recognition transactions on `day`, all recognised (`Y`), the first `failing` of
    /// which fail the screen-recapture check; every one passes TAMPER_CHECK.
    private func week(_ prefix: String, day: String, n: Int, failing: Int) -> [String] {
        (0..<n).map { i in
            let recapture = i < failing ? "N" : "Y"
            let at = "\(day)T\(String(format: "%02d", 8 + i / 60)):\(String(format: "%02d", i % 60)):00Z"
            return Log.idVerdict("\(prefix)\(i)", at: at, "Y",
                                 more: #""spoofResult": {"SCREEN_RECAPTURE_CHECK": "\#(recapture)", "TAMPER_CHECK": "Y"}"#)
        }
    }

    private func report(_ box: Sandbox, _ db: VerdictDatabase, week label: String = "2026-W46") throws -> (dir: String, md: String) {
        let out = box.file("r-\(label)-\(UUID().uuidString.prefix(6))")
        _ = try ReportWriter(engine: MetricsEngine(database: db, catalog: try QueryCatalog())).write(period: try Periods.week(label), to: out)
        return (out, try readText(out + "/report.md"))
    }

    @Test("a week in which one spoof check's failure rate jumps opens 'what changed' with that check")
    func plantedJump() throws {
        try withSandbox { box in
            // 2026-W45: 3 of 200 fail the recapture check; 2026-W46: 40 of 200. Later data
            // (2026-11-17) makes W46 complete.
            let (db, _) = try box.ingestLines(week("P", day: "2026-11-03", n: 200, failing: 3)
                + week("C", day: "2026-11-10", n: 200, failing: 40)
                + [Log.idVerdict("LATER", at: "2026-11-17T08:00:00Z", "Y")])
            let (dir, md) = try report(box, db)
            let changes = CSVReader.parse(try readText(dir + "/changes.csv"))
            #expect(changes.dropFirst().first?.first == "spoof_fail.SCREEN_RECAPTURE_CHECK")
            #expect(changes.dropFirst().first?.last == "1")
            // The summary's first table row is that check: 20.00% against 1.50%.
            let section = try #require(md.range(of: "## What changed").map { String(md[$0.lowerBound...]) })
            let firstRow = try #require(section.split(separator: "\n").first { $0.hasPrefix("| spoof") || $0.hasPrefix("| id_") || $0.hasPrefix("| pass") })
            #expect(firstRow.hasPrefix("| spoof\\_fail.SCREEN\\_RECAPTURE\\_CHECK | 20.00% | 1.50% | +18.5 pp | &lt; 0.001 | 200 / 200 |"), "\(firstRow)")
            #expect(!section.contains("Partial period"))
            // It opens the report: nothing but the title comes before it.
            #expect(md.components(separatedBy: "\n").dropFirst(2).first == "## What changed")
        }
    }

    @Test("a calm week says that nothing moved significantly")
    func calmWeek() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines(week("P", day: "2026-11-03", n: 200, failing: 6)
                + week("C", day: "2026-11-10", n: 200, failing: 7)
                + [Log.idVerdict("LATER", at: "2026-11-17T08:00:00Z", "Y")])
            let (dir, md) = try report(box, db)
            #expect(md.contains(SummaryWords.nothingSignificant))
            let changes = CSVReader.parse(try readText(dir + "/changes.csv"))
            #expect(!changes.dropFirst().contains { $0.last == "1" })
        }
    }

    @Test("a small sample that moved a lot is listed apart, marked as not conclusive")
    func smallSample() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines(week("P", day: "2026-11-03", n: 10, failing: 0)
                + week("C", day: "2026-11-10", n: 10, failing: 5)
                + [Log.idVerdict("LATER", at: "2026-11-17T08:00:00Z", "Y")])
            let (_, md) = try report(box, db)
            let section = try #require(md.components(separatedBy: SummaryWords.smallSampleTitle).dropFirst().first)
            #expect(section.contains("| spoof\\_fail.SCREEN\\_RECAPTURE\\_CHECK | 50.00% | 0.00% | +50.0 pp |"))
            #expect(md.contains(SummaryWords.nothingSignificant))
        }
    }

    @Test("a partial period says where its data ends; an empty one says it has no data")
    func coverage() throws {
        try withSandbox { box in
            // The data ends on Wednesday 2026-11-11 at 14:30: W46 is partial, W47 empty.
            let (db, _) = try box.ingestLines([
                Log.idVerdict("A", at: "2026-11-03T08:00:00Z", "Y"),
                Log.idVerdict("B", at: "2026-11-09T06:00:00Z", "Y"),
                Log.idVerdict("C", at: "2026-11-11T14:30:00Z", "N"),
            ])
            let (_, md) = try report(box, db)
            #expect(md.contains("2 transaction(s), the first started 2026-11-09T06:00:00Z and the last 2026-11-11T14:30:00Z."))
            #expect(md.contains("**Partial period: the data ends 2026-11-11T14:30:00Z, 4 days 9 hours before the period does"))
            let snapshot = try MetricsEngine(database: db, catalog: try QueryCatalog()).run(["coverage"], period: try Periods.week("2026-W46"))
            let c = try #require(try ReportModel(snapshot).coverage)
            let bounds: [Int64?] = [c.firstPoll, c.lastPoll, c.latestPoll]
            #expect(c.transactions == 2)
            #expect(bounds == [1794204000000, 1794407400000, 1794407400000])
            #expect(!c.complete && abs(c.coveredFraction - (2 * 24 + 14.5) / (7 * 24)) < 1e-9)

            let (_, empty) = try report(box, db, week: "2026-W47")
            #expect(empty.contains("**This period has no data: no transaction started in it.**"))
            // A complete week says neither.
            let (_, full) = try report(box, db, week: "2026-W45")
            #expect(!full.contains("Partial period") && !full.contains("has no data"))
        }
    }
}
