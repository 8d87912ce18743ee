import Foundation
import Testing
@testable import VerdictCore

/// Report templates: the built-in ones, and an analyst's own template using an
/// analyst's own query, run without recompiling.
@Suite("Report templates")
struct TemplateTests {
    static let at = "2026-11-11T08:00:00Z"

    @Test("the risk template renders the spoof checks against the previous period")
    func riskTemplate() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines([
                Log.idVerdict("A", at: Self.at, "Y", more: #""spoofResult": {"SCREEN_RECAPTURE_CHECK": "Y"}"#),
                Log.idVerdict("B", at: Self.at, "N", more: #""spoofResult": {"SCREEN_RECAPTURE_CHECK": "N"}, "recognitionErrorCode": "SCREEN_RECAPTURE""#),
            ])
            var writer = ReportWriter(engine: MetricsEngine(database: db, catalog: try QueryCatalog()))
            writer.template = "risk"
            let out = try writer.write(period: try Periods.week("2026-W46"), to: box.file("risk"))
            let md = String(decoding: try #require(FileBytes.readAll(path: out.report)), as: UTF8.self)
            #expect(md.hasPrefix("# Fraud and risk signals — 2026-W46"))
            // One of two completed transactions passed the check: 50.0%, nothing the week before.
            #expect(md.contains("| SCREEN\\_RECAPTURE\\_CHECK | 2 | 50.0% (small sample) |"))
            #expect(md.contains("| SCREEN\\_RECAPTURE | 1 |"))
        }
    }

    @Test("an analyst's template can show an analyst's query from --queries")
    func userTemplateAndQuery() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines([
                Log.idVerdict("A", at: Self.at, "Y"),
                Log.idVerdict("B", at: Self.at, "Y"),
                Log.idVerdict("C", at: "2026-11-20T08:00:00Z", "N"),  // next week: not counted
            ])
            try FileManager.default.createDirectory(atPath: box.file("q"), withIntermediateDirectories: true)
            _ = try box.write("q/passed_per_day.sql", lines: [
                "-- passed_per_day: passed ID Recognition transactions per UTC day.",
                "SELECT date(first_ts_ms / 1000, 'unixepoch') AS day, count(*) AS passed",
                "FROM fct_transaction WHERE outcome = 'passed' AND first_ts_ms >= :start_ms AND first_ts_ms < :end_ms",
                "GROUP BY day ORDER BY day;",
            ])
            let template = try box.write("mine.mustache", lines: ["# {{period}}", "", "{{{tables.passed_per_day}}}"])
            var writer = ReportWriter(engine: MetricsEngine(database: db, catalog: try QueryCatalog(directory: box.file("q"))))
            writer.template = template
            let out = try writer.write(period: try Periods.week("2026-W46"), to: box.file("mine"))
            let md = String(decoding: try #require(FileBytes.readAll(path: out.report)), as: UTF8.self)
            #expect(md == "# 2026-W46\n\n| day | passed |\n| --- | ---: |\n| 2026-11-11 | 2 |\n\n")
        }
    }

    @Test("an unknown template is a usage error naming the built-in ones")
    func unknownTemplate() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines([Log.idVerdict("A", at: Self.at, "Y")])
            var writer = ReportWriter(engine: MetricsEngine(database: db, catalog: try QueryCatalog()))
            writer.template = "nope"
            let period = try Periods.week("2026-W46")
            do {
                _ = try writer.write(period: period, to: box.file("x"))
                Issue.record("an unknown template was accepted")
            } catch let error as VerdictError {
                #expect(error.code == VerdictError.Code.usage)
                #expect(error.description.contains("risk") && error.description.contains("weekly"))
            }
        }
    }
}
