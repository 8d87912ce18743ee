import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import VerdictCore

// Each renderer on a hand-made model: what it writes is read back with a real parser
// (libcsv, cmark-gfm, an XML parser) or compared with the exact text a person reads.

/// A model whose numbers are easy to follow: ID Recognition 40 of 50 completed passed
/// (60 of 100 the week before... 30 of 50), VideoVerify nothing before.
private func handMadeModel() throws -> ReportModel {
    let id = ProductHeadline(product: "ID_RECOGNITION", transactions: 60, completed: 50, passed: 40, failed: 10, pending: 7, apiError: 3,
                             passRate: 0.8, previous: PreviousOutcome(completed: 50, passed: 30, passRate: 0.6),
                             change: RateChange(current: Proportion(40, of: 50), previous: Proportion(30, of: 50)))
    let vv = ProductHeadline(product: "VIDEO_VERIFY", transactions: 5, completed: 4, passed: 4, failed: 0, pending: 1, apiError: 0,
                             passRate: 1.0, previous: nil,
                             change: RateChange(current: Proportion(4, of: 4), previous: Proportion(0, of: 0)))
    let checks = [
        SpoofCheckChange(check: "TAMPER_CHECK", isOther: false, evaluated: 50, passed: 45, passRate: 0.9, previousPassRate: 0.9,
                         change: RateChange(current: Proportion(45, of: 50), previous: Proportion(45, of: 50))),
        SpoofCheckChange(check: "other (3 more)", isOther: true, evaluated: 6, passed: 6, passRate: nil, previousPassRate: nil,
                         change: RateChange(current: Proportion(6, of: 6), previous: Proportion(0, of: 0))),
    ]
    let reasons = ReportTable(name: "id_failure_reasons", columns: [
        ReportColumn("error_code", .text), ReportColumn("failures", .count), ReportColumn("failure_rate", .rate), ReportColumn("mean", .statistic),
    ], rows: [[.text("BLUR|<b>"), .integer(7), .real(0.14), .real(2.0 / 3)], [.text("GLARE"), .integer(3), .null, .real(10)]])
    return ReportModel(period: ReportPeriod(try Periods.week("2026-W46")), headline: [id, vv], spoofChecks: checks,
                       tables: ["id_failure_reasons": reasons], charts: [],
                       notes: [.refusedLines(dated: 5, undated: 4), .invalidFields(6), .pending(product: "ID_RECOGNITION", transactions: 7)])
}

/// Elements of an XML document with their attributes and text, as an XML parser reads them.
final class XMLElements: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
    }

    var elements: [Element] = []
    var error: (any Error)?
    private var open: [Int] = []

    static func parse(_ text: String) throws -> [Element] {
        let collector = XMLElements()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = collector
        let ok = parser.parse()
        if let error = collector.error ?? parser.parserError { throw error }
        try #require(ok, "the XML parser refused the document")
        return collector.elements
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
        open.append(elements.count)
        elements.append(Element(name: name, attributes: attributes))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let last = open.last { elements[last].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, parseErrorOccurred error: any Error) {
        self.error = error
    }
}

@Suite("Report renderers")
struct ReportRendererTests {
    @Test("Markdown: the template's values are the model's numbers in the words people read")
    func markdownContext() throws {
        let ctx = MarkdownRenderer.context(try handMadeModel())
        #expect(ctx["period"] as? String == "2026-W46" && ctx["previous_period"] as? String == "2026-W45")
        #expect(ctx["first_day"] as? String == "2026-11-09" && ctx["last_day"] as? String == "2026-11-15" && ctx["zone"] as? String == "UTC")
        let products = try #require(ctx["products"] as? [[String: Any]])
        let id = products[0], vv = products[1]
        #expect(id["transactions"] as? String == "60" && id["api_error"] as? String == "3" && id["pending"] as? String == "7")
        #expect(id["pass_rate"] as? String == "80.0%" && id["previous_pass_rate"] as? String == "60.0%" && id["previous_completed"] as? String == "50")
        // Wilson 95% for 40/50: 66.96%–88.76%.
        #expect(id["interval"] as? String == "67.0%–88.8%")
        #expect(id["change"] as? String == "+20.0 pp")
        // z = 2.182179, p = 0.029096 (ReportModelTests.headline).
        #expect(id["significance"] as? String == "significant (z = 2.18, p = 0.029)")
        #expect(id["small_sample"] as? Bool == false)
        #expect(vv["previous_pass_rate"] as? String == "–" && vv["previous_completed"] as? String == "0" && vv["change"] as? String == "–")
        #expect(vv["significance"] as? String == "no comparison (a period has no completed transactions)")
        #expect(vv["small_sample"] as? Bool == true)
        #expect(ctx["notes"] as? [String] == [
            "5 refused line(s) are dated in this period; 4 refused line(s) in the database carry no readable timestamp. List them with `verdict rejects list`.",
            "6 invalid field(s) on polls of this period were counted as absent.",
            "ID_RECOGNITION: 7 transaction(s) still pending; a later ingest may complete them.",
        ])
        let rows = try #require((ctx["rows"] as? [String: [[String: String]]])?["id_failure_reasons"])
        #expect(rows == [["error_code": "BLUR|<b>", "failures": "7", "failure_rate": "14.0%", "mean": "0.67"],
                         ["error_code": "GLARE", "failures": "3", "failure_rate": "–", "mean": "10.00"]])
    }

    @Test("Markdown: tables by column kind, escaped, and the spoof checks against the previous period")
    func markdownTables() throws {
        let model = try handMadeModel()
        #expect(MarkdownRenderer.table(try #require(model.tables["id_failure_reasons"])) == """
            | error\\_code | failures | failure\\_rate | mean |
            | --- | ---: | ---: | ---: |
            | BLUR\\|&lt;b&gt; | 7 | 14.0% | 0.67 |
            | GLARE | 3 | – | 10.00 |

            """)
        #expect(MarkdownRenderer.spoofChanges(try #require(model.spoofChecks)) == """
            | check | evaluated | pass rate | 95% interval | previous | change |
            | --- | ---: | ---: | --- | ---: | --- |
            | TAMPER\\_CHECK | 50 | 90.0% | 78.6%–95.7% | 90.0% | not significant (z = 0.00, p = 1.000) |
            | other (3 more) | 6 | – (small sample) | 61.0%–100.0% | – | no comparison (a period has no completed transactions) |

            """)
        // A folded table shows its kept rows and the other row; an empty one says so.
        let folded = ReportTable(QueryResult(name: "t", columns: ["k", "n"], rows: (1...5).map { [.text("k\($0)"), .integer(Int64($0))] },
                                             declared: ColumnDeclarations(["n": .count])), foldAbove: 2)
        #expect(MarkdownRenderer.table(folded) == "| k | n |\n| --- | ---: |\n| k4 | 4 |\n| k5 | 5 |\n| other (3 more) | 6 |\n")
        #expect(MarkdownRenderer.table(ReportTable(name: "e", columns: [ReportColumn("k", .text)], rows: [])) == "No rows for this period.\n")
    }

    @Test("Markdown: the weekly template over the hand-made model renders with cmark-gfm into the headline it holds",
          .enabled(if: Executables.cmarkGFM != nil, "cmark-gfm is not installed (apt-get install cmark-gfm)"))
    func weeklyTemplate() throws {
        try withSandbox { box in
            let path = try box.write("report.md", bytes: Array(try ReportWriter.render(try handMadeModel()).utf8))
            let tables = htmlTables(try cmarkGFM(path, in: box))
            let headline = try #require(tables.first)
            #expect(headline.header == ["product", "transactions", "completed", "pass rate", "95% interval", "previous", "change", "significance"])
            #expect(headline.rows == [
                ["ID_RECOGNITION", "60", "50", "80.0%", "67.0%–88.8%", "60.0%", "+20.0 pp", "significant (z = 2.18, p = 0.029)"],
                ["VIDEO_VERIFY", "5", "4", "100.0% (small sample)", "51.0%–100.0%", "–", "–", "no comparison (a period has no completed transactions)"],
            ])
            #expect(tables.contains { $0.header.first == "error_code" && $0.rows.map(\.first) == ["BLUR|&lt;b&gt;", "GLARE"] })
        }
    }

    @Test("CSV: a folded table is written whole, as its query result is, and reads back with libcsv")
    func csv() throws {
        let result = QueryResult(name: "t", columns: ["k", "n", "r"], rows: (1...30).map { [.text($0 == 1 ? "=1,\"x\"" : "k\($0)"), .integer(Int64($0)), .real(Double($0) / 3)] },
                                 declared: ColumnDeclarations(["n": .count, "r": .rate]))
        let table = ReportTable(result)
        #expect(table.fold != nil)
        let text = CSVWriter.render(table)
        #expect(text == CSVWriter.render(result))
        let rows = CSVReader.parse(text)
        #expect(rows.count == 31 && rows[0] == ["k", "n", "r"])
        #expect(rows[1] == ["'=1,\"x\"", "1", "0.333333"] && rows[30] == ["k30", "30", "10.000000"])
    }

    @Test("SVG: a line chart's dots, gaps, legend and axis are where its values put them")
    func lineChart() throws {
        let spec = ChartSpec(name: "t", kind: .lines, title: "Rates", categories: ["w1", "w2", "w3"], series: [
            ChartSpec.Series(name: "A", values: [0.5, nil, 1.0]), ChartSpec.Series(name: "B", values: [0.25, 0.5, 0.75]),
        ], values: .rates)
        let svg = try XMLElements.parse(SVGChartRenderer.render(spec))
        #expect(svg.first?.name == "svg" && svg.first?.attributes["width"] == "640.0")
        let texts = svg.filter { $0.name == "text" }.map(\.text)
        #expect(texts.first == "Rates")
        // 25%..100% comes near 0 and 100%: the axis runs from 0 to 100% in steps of 20.
        #expect(["0%", "20%", "40%", "60%", "80%", "100%", "w1", "w2", "w3", "A", "B"].allSatisfy(texts.contains))
        // The plot runs from y = 76 (100%) to y = 268 (0%); three slots of 187.3 from x = 64,
        // each category at its middle: 0.5 → 172, 1.0 → 76.
        let dots = svg.filter { $0.name == "circle" }.map { [$0.attributes["cx"]!, $0.attributes["cy"]!] }
        #expect(dots == [["157.7", "172.0"], ["532.3", "76.0"], ["157.7", "220.0"], ["345.0", "172.0"], ["532.3", "124.0"]])
        // A's line breaks at its missing value: two runs.
        let paths = svg.filter { $0.name == "path" }.map { $0.attributes["d"]! }
        #expect(paths == [" M157.7 172.0 M532.3 76.0", " M157.7 220.0 L345.0 172.0 L532.3 124.0"])
    }

    @Test("SVG: bars are as high as their counts against the largest; an empty ranked chart says so")
    func barCharts() throws {
        let bars = ChartSpec(name: "h", kind: .bars, title: "Counts", categories: ["a", "b"],
                             series: [ChartSpec.Series(name: "n", values: [10, 5])], values: .counts)
        let svg = try XMLElements.parse(SVGChartRenderer.render(bars))
        // Plot height 204, an axis from 0 to 10 in steps of 5: 10 is 204 high, 5 half of it.
        #expect(svg.filter { $0.name == "rect" }.dropFirst().map { $0.attributes["height"] } == ["204.0", "102.0"])
        #expect(svg.filter { $0.name == "text" }.map(\.text) == ["Counts", "0", "5", "10", "10", "a", "5", "b"])

        let empty = ChartSpec(name: "e", kind: .horizontalBars, title: "Reasons", categories: [], series: [ChartSpec.Series(name: "n", values: [])], values: .counts)
        let drawing = ChartDrawing(empty)
        #expect(drawing.marks.isEmpty && drawing.message == "No data in this period" && drawing.height == 80)
        let emptySVG = try XMLElements.parse(SVGChartRenderer.render(drawing))
        #expect(emptySVG.filter { $0.name == "text" }.map(\.text) == ["Reasons", "No data in this period"])

        // A long category is cut to the room left of the bars on a ranked chart: 27 characters.
        let long = ChartSpec(name: "l", kind: .horizontalBars, title: "t", categories: [String(repeating: "x", count: 40)],
                             series: [ChartSpec.Series(name: "n", values: [1])], values: .counts)
        #expect(ChartDrawing(long).marks.first == .label(String(repeating: "x", count: 26) + "…", at: ChartDrawing.Point(212, 55), size: 11, anchor: .end))
    }

    @Test("a number a user's query makes infinite or NaN reads as a dash in Markdown (CSV leaves it empty); a negative zero has no sign")
    func nonFiniteNumbers() {
        #expect(ReportFormat.fixed(.infinity, 2) == "–" && ReportFormat.fixed(-.infinity, 0) == "–" && ReportFormat.fixed(.nan, 3) == "–")
        #expect(ReportFormat.fixed(-0.0, 2) == "0.00" && ReportFormat.fixed(-0.0001, 2) == "0.00")
        #expect(ReportFormat.fixed(-1.25, 1) == "-1.3" && ReportFormat.fixed(2.5, 0) == "3")
        #expect(CSVWriter.cell(.real(.infinity)) == "")
    }
}
