import Foundation
import Testing
@testable import VerdictCore

// Log text that reaches an output file cannot make it unreadable: every SVG is well-formed
// XML whatever a label holds, and no NUL byte reaches a CSV or Markdown file (it becomes
// U+FFFD, the replacement character).

/// A one-scalar string (Swift literals refuse noncharacters such as U+FFFE and U+FDD0).
func scalar(_ value: UInt32) -> String { String(Unicode.Scalar(value)!) }

@Suite("Reliability: hostile log text in CSV, Markdown and SVG output")
struct ReliabilityOutputTextTests {
    /// recognitionErrorCode values that end up as chart labels and CSV cells.
    static let hostile = [
        "A" + scalar(0xFFFE), "B" + scalar(0xFFFF), "C" + scalar(0xFDD0) + scalar(0xFDEF), "D\u{1}\u{8}\u{B}\u{C}\u{1F}", "E\u{0}NUL", "&", "<b>x</b>", "]]>",
        "\"'quotes'\"", "F" + scalar(0x1FFFE) + scalar(0x10FFFF), "G\u{7F}\u{85}",
    ]

    /// Parses every file with Python's expat-based ElementTree (a strict XML parser); returns its complaints.
    func xmlProblems(_ paths: [String], in box: Sandbox) throws -> String {
        let code = """
            import sys, xml.etree.ElementTree as ET
            bad = []
            for p in sys.argv[1:]:
                try:
                    root = ET.parse(p).getroot()
                    assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
                except Exception as e:
                    bad.append(p + ": " + str(e))
            print("\\n".join(bad))
            """
        let out = try runPython(code, paths, in: box)
        #expect(out.status == 0, "\(out.stderr)")
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("every chart parses as XML whatever its labels and title hold")
    func chartsAreWellFormed() throws {
        try withSandbox { box in
            let labels = Self.hostile
            let specs = [
                ChartSpec(name: "c0", kind: .lines, title: "t" + scalar(0xFFFE) + "&<", categories: labels,
                          series: [ChartSpec.Series(name: "s" + scalar(0xFFFF) + "\u{0}", values: labels.map { _ in 0.5 })], values: .rates),
                ChartSpec(name: "c1", kind: .bars, title: "]]>\u{1}", categories: labels,
                          series: [ChartSpec.Series(name: "n", values: labels.map { _ in 3 })], values: .counts),
                ChartSpec(name: "c2", kind: .horizontalBars, title: "\"", categories: labels,
                          series: [ChartSpec.Series(name: "n", values: labels.map { _ in 2 })], values: .counts),
            ]
            // Every text a drawing can carry: title, message and labels.
            let drawing = ChartDrawing(width: 100, height: 100, title: scalar(0xFFFE) + "<", message: "&" + scalar(0xFDD0),
                                       marks: labels.map { .label($0, at: ChartDrawing.Point(1, 1), size: 10, anchor: .middle) })
            let svgs = specs.map { SVGChartRenderer.render($0) } + [SVGChartRenderer.render(drawing)]
            var paths: [String] = []
            for (i, svg) in svgs.enumerated() { paths.append(try box.write("c\(i).svg", bytes: Array(svg.utf8))) }
            #expect(try xmlProblems(paths, in: box) == "")
            // The text survives, with U+FFFD where a character could not stay.
            #expect(SVGChartRenderer.escape("A" + scalar(0xFFFE) + "&<\u{0}" + scalar(0xFDD0) + scalar(0x1FFFF) + "x") == "A\u{FFFD}&amp;&lt;\u{FFFD}\u{FFFD}\u{FFFD}x")
            #expect(SVGChartRenderer.escape("line\none\ttab") == "line one tab")
        }
    }

    @Test("a report over logs holding noncharacters, controls and markup writes SVG files a strict parser reads")
    func reportChartsAreWellFormed() throws {
        try withSandbox { box in
            var lines: [String] = []
            for (i, code) in Self.hostile.enumerated() {
                lines.append(Log.idVerdict("T\(i)", at: "2026-11-10T08:00:00Z", "N", more: "\"recognitionErrorCode\": \(Log.q(code))"))
            }
            let dir = try box.report(of: lines, try Periods.week("2026-W46"))
            let svgs = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".svg") }.sorted()
            #expect(svgs == ["failure_reasons.svg", "pass_rate_trend.svg", "quality_histogram.svg"])
            #expect(try xmlProblems(svgs.map { dir + "/" + $0 }, in: box) == "")
            let chart = try readText(dir + "/failure_reasons.svg")
            #expect(chart.contains("&lt;b&gt;x&lt;/b&gt;") && chart.contains("]]&gt;") && chart.contains("A\u{FFFD}"))
        }
    }

    @Test("a NUL in a log value becomes U+FFFD in CSV files, Markdown cells and query output")
    func nulIsReplaced() throws {
        try withSandbox { box in
            #expect(CSVWriter.cell(.text("a\u{0}b")) == "a\u{FFFD}b")
            #expect(CSVWriter.cell(.text("=\u{0},")) == "\"'=\u{FFFD},\"")
            #expect(Markdown.cell("a\u{0}b") == "a\u{FFFD}b")
            #expect(ReportFormat.cell(.text("a\u{0}b"), kind: .text) == "a\u{FFFD}b")

            let log = try box.write("log.ndjson", lines: [
                Log.idVerdict("T1", at: "2026-11-10T08:00:00Z", "N", more: "\"recognitionErrorCode\": \"NUL\\u0000HERE\""),
            ])
            #expect(try runVerdict(["ingest", "--db", box.databasePath, log], in: box).status == 0)
            // A template that shows a raw value through rows.NAME, besides the built-in one.
            let template = try box.write("rows.mustache", bytes: Array("{{#rows.id_failure_reasons}}{{{error_code}}}\n{{/rows.id_failure_reasons}}".utf8))
            for (name, extra) in [("r1", [String]()), ("r2", ["--template", template])] {
                let out = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", box.file(name)] + extra, in: box)
                #expect(out.status == 0, "\(out.stderr)")
                for file in try FileManager.default.contentsOfDirectory(atPath: box.file(name)) {
                    let bytes = try #require(FileBytes.readAll(path: box.file(name + "/" + file)))
                    #expect(!bytes.contains(0), "\(name)/\(file) holds a NUL byte")
                }
            }
            #expect(try readCSV(box.file("r1"), "id_failure_reasons")[1][0] == "NUL\u{FFFD}HERE")
            #expect(try readText(box.file("r1/report.md")).contains("NUL\u{FFFD}HERE"))
            #expect(try readText(box.file("r2/report.md")) == "NUL\u{FFFD}HERE\n")
            for format in ["csv", "md", "json"] {
                let out = try runVerdict(["query", "--db", box.databasePath, "id_failure_reasons", "--week", "2026-W46", "--format", format], in: box)
                #expect(out.status == 0 && !out.stdout.utf8.contains(0), "\(format)")
                #expect(out.stdout.contains(format == "json" ? "NUL\\u0000HERE" : "NUL\u{FFFD}HERE"), "\(format): \(out.stdout)")
            }
        }
    }
}
