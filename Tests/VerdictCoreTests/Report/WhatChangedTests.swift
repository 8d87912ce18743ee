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
            // The moved signal's small multiples, in report.md and as an SVG file.
            #expect(section.contains("![Signals that moved](signals_moved.svg)"))
            let svg = try readText(dir + "/signals_moved.svg")
            #expect(svg.contains("spoof_fail.SCREEN_RECAPT"))
            // report.html opens with the same summary: its first table row is that check.
            let html = try readText(dir + "/report.html")
            let top = try #require(html.range(of: "id=\"what-changed\"").map { String(html[$0.upperBound...]) })
            let headline = try #require(top.range(of: "id=\"headline\"")).lowerBound
            let summary = String(top[..<headline])
            #expect(summary.contains("<td>spoof_fail.SCREEN_RECAPTURE_CHECK</td><td class=\"n\" align=\"right\">20.00%</td><td class=\"n\" align=\"right\">1.50%</td>"), "\(summary)")
            #expect(summary.contains("<svg") && summary.contains(SummaryWords.significantTitle.replacingOccurrences(of: "<", with: "&lt;")))
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
            let (dir, md) = try report(box, db)
            #expect(md.contains("2 transaction(s), the first started 2026-11-09T06:00:00Z and the last 2026-11-11T14:30:00Z."))
            #expect(md.contains("**Partial period: the data ends 2026-11-11T14:30:00Z, 4 days 9 hours before the period does"))
            // Said again where the period is compared with the previous one: the headline and
            // the spoof checks, in report.md and report.html.
            let note = "Note: this period is partial (see What changed); it is compared with the whole of 2026-W45."
            #expect(md.components(separatedBy: note).count == 3)
            #expect(try readText(dir + "/report.html").components(separatedBy: note).count == 3)
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
            #expect(!full.contains("Partial period") && !full.contains("has no data") && !full.contains("Note: this period is partial"))
            #expect(!empty.contains("Note: this period is partial"))
        }
    }
}

/// The report command's findings: an empty period with --fail-if-empty, alerts in the summary
/// and the manifest.
@Suite("Report: an empty period, and alerts in what changed and in the manifest")
struct ReportFindingTests {
    @Test("--fail-if-empty: an empty period is written, not mailed, and exits 6; a period with data exits 0")
    func failIfEmpty() throws {
        try withSandbox { box in
            let log = try box.write("log.ndjson", lines: [Log.idVerdict("A", at: "2026-11-10T08:00:00Z", "Y")])
            #expect(try runVerdict(["ingest", "--db", box.databasePath, log], in: box).status == 0)
            let empty = box.file("empty")
            let run = try runVerdictToEnd(["report", "--db", box.databasePath, "--week", "2026-W47", "--out", empty, "--fail-if-empty",
                                           "--mail-to", "ops@example.com", "--sendmail", "/bin/false"], in: box)
            #expect(run.status == 6, "\(run.stderr)")
            #expect(run.stderrLines.count == 1 && run.stderrLines[0].contains("2026-W47 has no data") && run.stderrLines[0].contains("not mailed"), "\(run.stderr)")
            #expect(FileManager.default.fileExists(atPath: empty + "/report.md") && FileManager.default.fileExists(atPath: empty + "/manifest.json"))
            #expect(!FileManager.default.fileExists(atPath: empty + "/report.eml"))
            #expect(try readText(empty + "/report.md").contains("This period has no data"))
            // Without the flag the same report exits 0; with data, the flag changes nothing.
            #expect(try runVerdictToEnd(["report", "--db", box.databasePath, "--week", "2026-W47", "--out", box.file("e2")], in: box).status == 0)
            #expect(try runVerdictToEnd(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", box.file("full"), "--fail-if-empty"], in: box).status == 0)
        }
    }

    @Test("an empty period and an error alert: the alert's 4 wins over 6")
    func precedence() throws {
        try withSandbox { box in
            let log = try box.write("log.ndjson", lines: (0..<40).map { Log.idVerdict("P\($0)", at: "2026-11-03T08:\(String(format: "%02d", $0)):00Z", "Y") })
            #expect(try runVerdict(["ingest", "--db", box.databasePath, log], in: box).status == 0)
            // W46 has nothing: pass_rate.ID_RECOGNITION falls below 50% (it has no rate: below holds
            // only with data), so use the previous week's rate staying above 90%: above fires.
            let rules = try box.write("rules.yaml", lines: [
                "rules:", "  - name: pass rate high", "    signal: pass_rate.ID_RECOGNITION", "    when: above", "    value: 0.9",
            ])
            let run = try runVerdictToEnd(["report", "--db", box.databasePath, "--week", "2026-W45", "--out", box.file("r"),
                                           "--alerts", rules, "--fail-if-empty"], in: box)
            #expect(run.status == 4, "\(run.stderr)")
            let empty = try runVerdictToEnd(["report", "--db", box.databasePath, "--week", "2026-W47", "--out", box.file("r2"),
                                             "--alerts", rules, "--fail-if-empty"], in: box)
            #expect(empty.status == 6, "\(empty.stderr)")
        }
    }

    @Test("a firing opens what changed and is listed in the manifest with its numbers")
    func alertsInSummaryAndManifest() throws {
        try withSandbox { box in
            let lines = (0..<40).map { i in Log.idVerdict("P\(i)", at: "2026-11-03T08:\(String(format: "%02d", i)):00Z", "Y") }
                + (0..<40).map { i in Log.idVerdict("C\(i)", at: "2026-11-10T08:\(String(format: "%02d", i)):00Z", i < 20 ? "Y" : "N") }
            let log = try box.write("log.ndjson", lines: lines)
            #expect(try runVerdict(["ingest", "--db", box.databasePath, log], in: box).status == 0)
            let rules = try box.write("rules.yaml", lines: [
                "rules:", "  - name: pass rate down", "    signal: pass_rate.*", "    when: down", "    by_pp: 10",
            ])
            let out = box.file("r")
            let run = try runVerdictToEnd(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", out, "--alerts", rules], in: box)
            #expect(run.status == 4, "\(run.stderr)")
            let md = try readText(out + "/report.md")
            #expect(md.contains("Alerts fired: 1 (1 of severity error):"))
            #expect(md.contains("| pass rate down | error | pass\\_rate.ID\\_RECOGNITION | 50.00% | 100.00% | -50.0 pp | &lt; 0.001 |"), "\(md)")
            let data = try #require(FileManager.default.contents(atPath: out + "/manifest.json"))
            let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let alerts = try #require(manifest["alerts"] as? [[String: Any]])
            #expect(alerts.count == 1)
            #expect(alerts.first?["rule"] as? String == "pass rate down" && alerts.first?["fired"] as? Bool == true)
            #expect(alerts.first?["denominator"] as? Int == 40 && alerts.first?["baseline_denominator"] as? Int == 40)
            #expect(alerts.first?["rate"] as? Double == 0.5 && alerts.first?["baseline_rate"] as? Double == 1.0)
            let outputs = try #require(manifest["outputs"] as? [[String: Any]]).compactMap { $0["file"] as? String }
            #expect(outputs.contains("alerts.csv"))
        }
    }
}
