import Foundation
import Testing
@testable import VerdictCore

private let at = "2026-11-11T12:00:00Z"

/// One HTML table as cmark-gfm writes it: header cells and the cells of each body row.
struct HTMLTable {
    var header: [String]
    var rows: [[String]]
}

/// The tables of cmark-gfm's HTML output (its format: one tag per line, `<th>`/`<td>` cells,
/// optionally with an `align` attribute).
func htmlTables(_ html: String) -> [HTMLTable] {
    var tables: [HTMLTable] = []
    var rest = Substring(html)
    while let open = rest.range(of: "<table>"), let close = rest.range(of: "</table>", range: open.upperBound..<rest.endIndex) {
        let body = rest[open.upperBound..<close.lowerBound]
        var header: [String] = []
        var rows: [[String]] = []
        for tr in body.components(separatedBy: "<tr>").dropFirst() {
            let cells = cellTexts(tr, tag: "th")
            if !cells.isEmpty { header = cells } else { rows.append(cellTexts(tr, tag: "td")) }
        }
        tables.append(HTMLTable(header: header, rows: rows))
        rest = rest[close.upperBound...]
    }
    return tables
}

private func cellTexts(_ tr: String, tag: String) -> [String] {
    var out: [String] = []
    var rest = Substring(tr)
    while let open = rest.range(of: "<\(tag)") {
        guard let gt = rest.range(of: ">", range: open.upperBound..<rest.endIndex),
              let close = rest.range(of: "</\(tag)>", range: gt.upperBound..<rest.endIndex) else { break }
        out.append(String(rest[gt.upperBound..<close.lowerBound]))
        rest = rest[close.upperBound...]
    }
    return out
}

/// Renders Markdown with Debian's cmark-gfm and its table extension.
func cmarkGFM(_ markdownPath: String, in box: Sandbox) throws -> String {
    let exe = try #require(Executables.cmarkGFM)
    let out = try run(exe, ["-e", "table", markdownPath], in: box)
    #expect(out.status == 0, "cmark-gfm failed: \(out.stderr)")
    return out.stdout
}

let crafted = "<script>alert(1)</script>|`x`"

/// A report fixture with values crafted to break a Markdown table or inject HTML.
func craftedReportLog() -> [String] {
    [
        Log.idVerdict("I1", at: at, "Y", more: "\"spoofResult\": {\"<img src=x onerror=alert(2)>\": \"Y\"}"),
        Log.idVerdict("I2", at: at, "N", more: "\"recognitionErrorCode\": \(Log.q(crafted))"),
        Log.idVerdict("I3", at: at, "N", more: "\"recognitionErrorCode\": \"a|b|c\", \"docCategory\": \"<b>PASS</b>\""),
        Log.vv("V1", at: at, verdict: "Success",
               ext: #"{"quality": 50, "qualityPassed": true, "willingRetryRecords": {"retryRecords": [{"status": "</td><script>evil()</script>", "attemptNumber": 1}]}}"#),
    ]
}

@Suite("Markdown report")
struct MarkdownReportTests {
    @Test("report.md renders with cmark-gfm into HTML tables of the expected sizes",
          .enabled(if: Executables.cmarkGFM != nil, "cmark-gfm is not installed (apt-get install cmark-gfm)"))
    func rendersWithCmarkGFM() throws {
        try withSandbox { box in
            let dir = try box.report(of: craftedReportLog(), try Periods.week("2026-W46"))
            let html = try cmarkGFM(dir + "/report.md", in: box)
            let tables = htmlTables(html)
            // Tables with rows: headline, pending/api errors, trend, verdicts, result codes, failure
            // reasons, by document, by country, spoof changes, quality summary, histogram, willing
            // attempts, willing statuses = 13. spoof_details, doc_reuse and data_quality have no rows
            // for this fixture and print "No rows" instead of a table.
            #expect(tables.count == 13)
            #expect(html.components(separatedBy: "No rows for this period").count - 1 == 3)
            for t in tables {
                #expect(!t.header.isEmpty)
                #expect(t.rows.allSatisfy { $0.count == t.header.count }, "a row has the wrong number of cells in \(t.header)")
            }
            func table(_ firstHeader: String, _ secondHeader: String? = nil) -> HTMLTable? {
                tables.first { $0.header.first == firstHeader && (secondHeader == nil || $0.header.dropFirst().first == secondHeader) }
            }
            // Headline and pending: one row per product.
            #expect(table("product", "transactions")?.rows.map { $0[0] } == ["ID_RECOGNITION", "VIDEO_VERIFY"])
            #expect(table("product", "pending")?.rows.count == 2)
            // Trend: 8 weeks × 2 products.
            #expect(table("period_start")?.rows.count == 16)
            // Verdicts: ID N (I2, I3), ID Y (I1), VV Success.
            #expect(table("product", "verdict")?.rows.map { [$0[1], $0[2]] } == [["N", "2"], ["Y", "1"], ["Success", "1"]])
            // Failure reasons: the crafted code ("<" 0x3C sorts before "a") and "a|b|c", 4 cells each,
            // the pipes and backticks shown as text, the HTML as entities.
            let reasons = try #require(table("error_code"))
            #expect(reasons.rows.count == 2)
            #expect(reasons.rows.map(\.count) == [4, 4])
            #expect(reasons.rows[0][0] == "&lt;script&gt;alert(1)&lt;/script&gt;|`x`")
            #expect(reasons.rows[1][0] == "a|b|c")
            #expect(reasons.rows[0][1] == "1" && reasons.rows[1][1] == "1")
            // 10 histogram buckets; one willing status row, escaped.
            #expect(table("bucket_lo")?.rows.count == 10)
            let statuses = try #require(table("status"))
            #expect(statuses.rows.map { $0[0] } == ["&lt;/td&gt;&lt;script&gt;evil()&lt;/script&gt;"])
            // Spoof checks against the previous period: the crafted check and DEEPER.
            #expect(table("check", "evaluated")?.rows.map { $0[0] } == ["&lt;img src=x onerror=alert(2)&gt;", "DEEPER"])
            // By document: UNSPECIFIED (I1, I2) first by count, then the crafted category, as text.
            #expect(table("doc_category")?.rows.map { $0[0] } == ["UNSPECIFIED", "&lt;b&gt;PASS&lt;/b&gt;"])
            // No markup from the logs survives, in the Markdown or in the HTML.
            for text in [html, try readText(dir + "/report.md")] {
                #expect(!text.contains("<script"))
                #expect(!text.contains("<img src=x"))  // (the report's own chart images are <img src="….svg">)
                #expect(!text.contains("<b>PASS"))
                #expect(!text.contains("</td><script"))
            }
        }
    }

    @Test("the headline compares each product with the previous period, from the trend or from an overridden one")
    func previousPeriodHeadline() throws {
        try withSandbox { box in
            // 2026-W46: ID 3 passed, 1 failed (75.0%); VideoVerify 1 Success.
            // 2026-W45: ID 1 passed, 1 failed (50.0%); no VideoVerify.
            let lines = [
                Log.idVerdict("A1", at: "2026-11-10T08:00:00Z", "Y"), Log.idVerdict("A2", at: "2026-11-11T08:00:00Z", "Y"),
                Log.idVerdict("A3", at: "2026-11-12T08:00:00Z", "Y"), Log.idVerdict("A4", at: "2026-11-13T08:00:00Z", "N"),
                Log.vv("V1", at: "2026-11-10T09:00:00Z", verdict: "Success"),
                Log.idVerdict("B1", at: "2026-11-03T08:00:00Z", "Y"), Log.idVerdict("B2", at: "2026-11-08T23:59:59Z", "N"),
            ]
            let (db, _) = try box.ingestLines(lines)
            func headline(_ dir: String, _ product: String) throws -> [String] {
                let md = try readText(dir + "/report.md")
                let row = try #require(md.split(separator: "\n").first { $0.hasPrefix("| \(product) |") })
                return row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            }
            // product, transactions, completed, pass rate, interval, previous, change, significance
            let builtIn = try box.report(db, try Periods.week("2026-W46"))
            var id = try headline(builtIn, "ID_RECOGNITION")
            #expect(id[0] == "ID_RECOGNITION" && id[2] == "4" && id[3].hasPrefix("75.0%"))
            #expect(id[5] == "50.0%" && id[6] == "+25.0 pp")
            #expect(id[7].hasPrefix("not significant"))
            var vv = try headline(builtIn, "VIDEO_VERIFY")
            #expect(vv[5] == "–" && vv[6] == "–")

            // trend.sql overridden (here by one with the trend's columns and no rows): the
            // previous period's outcomes are queried instead.
            let queries = box.file("queries")
            try FileManager.default.createDirectory(atPath: queries, withIntermediateDirectories: true)
            try "SELECT '' AS period_start, '' AS product, 0 AS completed, 0 AS passed, NULL AS pass_rate WHERE 0;"
                .write(toFile: queries + "/trend.sql", atomically: true, encoding: .utf8)
            let dir = box.file("overridden")
            _ = try ReportWriter(engine: MetricsEngine(database: db, catalog: try QueryCatalog(directory: queries))).write(period: try Periods.week("2026-W46"), to: dir)
            id = try headline(dir, "ID_RECOGNITION")
            #expect(id[5] == "50.0%" && id[6] == "+25.0 pp")
            vv = try headline(dir, "VIDEO_VERIFY")
            #expect(vv[5] == "–" && vv[6] == "–")
        }
    }

    @Test("report.md escapes crafted values without cmark-gfm too")
    func markdownEscaping() throws {
        try withSandbox { box in
            let dir = try box.report(of: craftedReportLog(), try Periods.week("2026-W46"))
            let md = try readText(dir + "/report.md")
            #expect(!md.contains("<script"))
            #expect(md.contains("| &lt;script&gt;alert(1)&lt;/script&gt;\\|\\`x\\` | 1 |"))
            #expect(md.contains("| a\\|b\\|c | 1 |"))
            // Every table line of the failure-reason table has exactly 5 unescaped pipes (4 cells).
            let reasonLines = md.split(separator: "\n").filter { $0.contains("alert(1)") || $0.contains("a\\|b") }
            #expect(reasonLines.count == 2)
            for line in reasonLines {
                let unescaped = line.enumerated().filter { i, c in
                    c == "|" && (i == 0 || line[line.index(line.startIndex, offsetBy: i - 1)] != "\\")
                }
                #expect(unescaped.count == 5, "\(line)")
            }
            // The charts escape log text as XML.
            let svg = try readText(dir + "/failure_reasons.svg")
            #expect(!svg.contains("<script"))
            #expect(svg.contains("&lt;script&gt;"))
        }
    }

    @Test("Markdown.cell escapes pipes, backticks and HTML and removes line breaks")
    func cellEscaping() {
        #expect(Markdown.cell("a|b") == "a\\|b")
        #expect(Markdown.cell("`code`") == "\\`code\\`")
        #expect(Markdown.cell("<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;")
        #expect(Markdown.cell("one\ntwo\rthree\tfour") == "one two three four")
        #expect(Markdown.cell("") == " ")
        #expect(Markdown.cell("back\\slash") == "back\\\\slash")
    }
}
