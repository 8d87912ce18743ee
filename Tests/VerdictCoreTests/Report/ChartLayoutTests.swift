import Foundation
import Testing
@testable import VerdictCore

// The layout of charts (ChartDrawing): what the marks say, checked on hand-made specs; the SVG
// painted from them read back by an XML parser. With VERDICT_TEST_IMAGES=DIR the charts are
// also written there as SVG and PNG, to look at.

private typealias Point = ChartDrawing.Point

/// Every label of a drawing, by text.
private func labels(_ d: ChartDrawing) -> [(text: String, at: Point, size: Double)] {
    d.marks.compactMap { if case .label(let t, let at, let size, _) = $0 { (t, at, size) } else { nil } }
}

private func keep(_ name: String, _ d: ChartDrawing) throws {
    guard let dir = ProcessInfo.processInfo.environment["VERDICT_TEST_IMAGES"] else { return }
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let svg = SVGChartRenderer.render(d)
    try FileBytes.writeAtomically(path: dir + "/" + name + ".svg", bytes: Array(svg.utf8))
    try FileBytes.writeAtomically(path: dir + "/" + name + ".png", bytes: try ChartRaster.png(svg: svg))
}

/// Both layouts of `spec`, kept to look at.
private func keep(_ name: String, _ spec: ChartSpec) throws {
    try keep(name, ChartDrawing(spec))
    try keep(name + "-narrow", ChartDrawing(spec, width: ChartDrawing.narrowWidth))
}

/// Each grid line of a rate chart: its value in percent (from its tick label) and its y, lowest value first.
private func ticks(_ d: ChartDrawing) -> [(percent: Double, y: Double)] {
    labels(d).filter { $0.text.hasSuffix("%") && $0.size == 11 }.compactMap { l in Double(l.text.dropLast()).map { ($0, l.at.y) } }
        .sorted { $0.percent < $1.percent }
}

/// Eight weekly periods, the first three empty: the shape of a database that started a few weeks ago.
private let weeks = ["2026-09-21", "2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09"]

@Suite("Chart layout")
struct ChartLayoutTests {
    static let trend = ChartSpec(
        name: "pass_rate_trend", kind: .lines, title: "Pass rate", categories: weeks,
        series: [
            ChartSpec.Series(name: "ID_RECOGNITION", proportions: [0, 0, 0, 1000, 1000, 1000, 1000, 1000].enumerated().map { i, n in
                Proportion([0, 0, 0, 770, 790, 800, 760, 785][i], of: n)
            }),
            ChartSpec.Series(name: "VIDEO_VERIFY", values: [nil, nil, nil, nil, 0.78, nil, 0.79, 0.77]),
        ],
        values: .rates, categoryAxis: "first day of each period", valueAxis: "passed / completed")

    @Test("a rate moving between 76% and 80% is drawn on an axis fitted to it, with tick labels, not on 0..100%")
    func axisFollowsTheData() throws {
        let d = ChartDrawing(Self.trend)
        try keep("trend", Self.trend)
        let t = ticks(d)
        // The intervals (about ±2.6 pp at n = 1000) widen the data to 73.3%..82.5%.
        let values = t.map(\.percent)
        #expect(values.count >= 3 && values.count <= 7, "\(values)")
        #expect((values.first ?? 0) >= 70 && (values.first ?? 0) <= 74 && (values.last ?? 0) >= 82 && (values.last ?? 0) <= 85, "\(values)")
        // Evenly spaced, and higher rates higher up.
        let ys = t.map(\.y)
        #expect(ys.count >= 3 && zip(ys, ys.dropFirst()).allSatisfy { $0 > $1 })
        let gaps = zip(ys, ys.dropFirst()).map { $0 - $1 }
        #expect(gaps.allSatisfy { abs($0 - gaps[0]) < 0.01 })
        // Every dot lies within the axis; 76% is below 80%.
        let dots = d.marks.compactMap { if case .dot(let c, _, let color) = $0, color == ChartDrawing.palette[0] { c } else { nil } }
        let (lowest, highest) = (ys.first ?? 0, ys.last ?? 0)
        #expect(dots.count == 5 && dots.allSatisfy { $0.y >= highest - 0.01 && $0.y <= lowest + 0.01 })
        #expect(dots.count == 5 && dots[3].y > dots[2].y)
        // Axis titles.
        #expect(labels(d).contains { $0.text == "passed / completed" } && labels(d).contains { $0.text == "first day of each period" })

        // Narrow data still gets a readable span; data near 0 starts the axis at 0.
        let flat = ChartDrawing.ValueAxis.rates([0.5, 0.5], intervals: 4)
        #expect(flat.high - flat.low >= 0.02 && flat.low < 0.5 && flat.high > 0.5)
        let low = ChartDrawing.ValueAxis.rates([0.02, 0.1], intervals: 4)
        #expect(low.low == 0 && abs(low.high - 0.1) < 1e-9)
        #expect(ChartDrawing.ValueAxis.rates([0.76, 0.8], intervals: 4).ticks.map { ($0 * 100).rounded() } == [76, 77, 78, 79, 80])
        let fine = ChartDrawing.ValueAxis.rates([0.771, 0.775], intervals: 4)
        #expect(fine.step < 0.01 && fine.label(0.775, .rates) == "77.5%" && fine.label(0.78, .rates) == "78.0%")
    }

    @Test("the report period (the last category) is marked; the empty periods before the data starts are left out and the chart says so")
    func currentPeriodAndLeadingGaps() throws {
        let d = ChartDrawing(Self.trend)
        let texts = labels(d).map(\.text)
        // Three empty weeks dropped: the first category shown is the fourth.
        #expect(!texts.contains(weeks[0]) && !texts.contains(weeks[1]) && !texts.contains(weeks[2]))
        #expect(texts.contains("data starts 2026-10-12") && texts.contains(weeks[7]))
        // The band behind the last period, its label above, and the last dot larger.
        let band = try #require(d.marks.compactMap { mark -> (Point, Double, Double)? in
            if case .bar(let o, let w, let h, let c) = mark, c == ChartDrawing.currentPeriodFill { (o, w, h) } else { nil }
        }.first)
        let last = try #require(labels(d).first { $0.text == weeks[7] })
        #expect(band.0.x < last.at.x && band.0.x + band.1 > last.at.x && band.2 > 100)
        #expect(labels(d).contains { $0.text == ChartDrawing.currentPeriodLabel && abs($0.at.x - last.at.x) < 0.01 })
        let radii = d.marks.compactMap { if case .dot(let c, let r, let color) = $0, color == ChartDrawing.palette[0] { (c.x, r) } else { nil } }
        let (firstDot, lastDot) = (try #require(radii.first), try #require(radii.last))
        #expect(lastDot.1 > firstDot.1 && abs(lastDot.0 - last.at.x) < 0.01)

        // Nothing at all: a message, no axis.
        let empty = ChartSpec(name: "e", kind: .lines, title: "t", categories: ["a", "b"], series: [ChartSpec.Series(name: "s", values: [nil, nil])], values: .rates)
        #expect(ChartDrawing(empty).marks.isEmpty && ChartDrawing(empty).message != nil)
        // Data from the first period: no note.
        let full = ChartSpec(name: "f", kind: .lines, title: "t", categories: ["a", "b"], series: [ChartSpec.Series(name: "s", values: [0.5, 0.6])], values: .rates)
        #expect(!labels(ChartDrawing(full)).contains { $0.text.hasPrefix("data starts") })
    }

    @Test("95% Wilson intervals: a band over a run of values, a whisker for a value alone, each around its value")
    func intervals() throws {
        let d = ChartDrawing(Self.trend)
        let bands = d.marks.compactMap { if case .area(let points, let color, _) = $0 { (points, color) } else { nil } }
        // ID_RECOGNITION: one run of five values, a band of 5 upper and 5 lower points.
        #expect(bands.count == 1 && bands[0].0.count == 10 && bands[0].1 == ChartDrawing.palette[0])
        let dots = d.marks.compactMap { if case .dot(let c, _, let color) = $0, color == ChartDrawing.palette[0] { c } else { nil } }
        let upper = bands[0].0.prefix(5), lower = bands[0].0.suffix(5).reversed()
        for (i, dot) in dots.enumerated() {
            #expect(upper[upper.startIndex + i].y < dot.y && Array(lower)[i].y > dot.y && upper[upper.startIndex + i].x == dot.x)
        }
        // The band's width is Wilson's: 77% of 1000 is 74.3%..79.5%, on the axis's own scale.
        let t = ticks(d)
        try #require(t.count >= 2)
        let pxPerPoint = (t[0].y - t[1].y) / (t[1].percent - t[0].percent)
        let wilson = try #require(Statistics.wilson(successes: 770, n: 1000))
        #expect(abs((Array(lower)[0].y - upper[upper.startIndex].y) - (wilson.high - wilson.low) * 100 * pxPerPoint) < 0.5)

        // A series of values without counts has no interval; an isolated value with one gets a whisker.
        let spec = ChartSpec(name: "w", kind: .lines, title: "t", categories: ["a", "b", "c"],
                             series: [ChartSpec.Series(name: "s", proportions: [Proportion(5, of: 10), Proportion(0, of: 0), Proportion(6, of: 10)])], values: .rates)
        let w = ChartDrawing(spec)
        #expect(!w.marks.contains { if case .area = $0 { true } else { false } })
        let rules = w.marks.compactMap { if case .rule(let a, let b, let c) = $0, c == ChartDrawing.palette[0] { (a, b) } else { nil } }
        #expect(rules.count == 6 && rules.filter { $0.0.x == $0.1.x }.count == 2)
    }

    @Test("counts: an axis from 0 in round whole steps with its labels; bars as high as their counts")
    func countAxis() throws {
        let spec = ChartSpec(name: "h", kind: .bars, title: "Counts", categories: ["0–10", "10–20", "20–30"],
                             series: [ChartSpec.Series(name: "n", values: [10, 5, 7])], values: .counts, categoryAxis: "score", valueAxis: "transactions")
        let d = ChartDrawing(spec)
        try keep("bars", spec)
        let axis = ChartDrawing.ValueAxis.counts(upTo: 10, intervals: 4)
        #expect(axis.ticks == [0, 5, 10] || axis.ticks == [0, 2, 4, 6, 8, 10])
        #expect(ChartDrawing.ValueAxis.counts(upTo: 1234, intervals: 4).ticks == [0, 500, 1000, 1500])
        let texts = labels(d).map(\.text)
        #expect(axis.ticks.allSatisfy { texts.contains(String(Int($0))) } && texts.contains("transactions") && texts.contains("score"))
        let heights = d.marks.compactMap { if case .bar(_, _, let h, _) = $0 { h } else { nil } }
        #expect(heights.count == 3 && abs(heights[1] * 2 - heights[0]) < 0.01 && abs(heights[2] / heights[0] - 0.7) < 0.001)
    }

    @Test("small multiples: one panel per signal in a grid of three, each with its own axis, interval band, current value and report period")
    func smallMultiples() throws {
        let spec = ChartSpec.smallMultiples(name: "signals", title: "Signals that moved", signals: [
            (name: "spoof_fail.SCREEN_RECAPTURE_CHECK", categories: weeks, points: [(10, 400), (12, 410), (9, 390), (11, 405), (10, 400), (12, 420), (11, 400), (30, 410)]),
            (name: "pass_rate.ID_RECOGNITION", categories: weeks, points: [(0, 0), (0, 0), (780, 1000), (790, 1000), (770, 1000), (800, 1000), (785, 1000), (720, 1000)]),
            (name: "id_failure.<script>alert(1)</script>", categories: Array(weeks.suffix(2)), points: [(1, 50), (9, 50)]),
            (name: "willing_fail", categories: weeks, points: Array(repeating: (0, 0), count: 8)),
        ])
        #expect(spec.kind == .smallMultiples && spec.panels.count == 4 && spec.panels.allSatisfy { $0.kind == .lines })
        #expect(spec.panels[0].series[0].values.last == 30.0 / 410 && spec.panels[0].series[0].intervals.count == 8)
        let d = ChartDrawing(spec)
        try keep("small_multiples", spec)
        // Two rows of three panels.
        #expect(d.width == 640 && d.height > 300 && d.height < 400)
        let texts = labels(d).map(\.text)
        #expect(texts.filter { $0.hasPrefix("spoof_fail.SCREEN") || $0.hasPrefix("pass_rate.") || $0.hasPrefix("id_failure.") || $0 == "willing_fail" }.count == 4)
        // Each panel's current value; the empty one says so; the late one says where it starts.
        #expect(texts.contains(ReportFormat.percent(30.0 / 410)) && texts.contains("72.0%") && texts.contains("18.0%"))
        #expect(texts.contains("no data") && texts.contains("data starts 2026-10-05"))
        // One band and one report-period mark per panel with data; each panel's axis its own.
        #expect(d.marks.filter { if case .area = $0 { true } else { false } }.count == 3)
        #expect(d.marks.filter { if case .bar(_, _, _, let c) = $0 { c == ChartDrawing.currentPeriodFill } else { false } }.count == 3)
        let tickTexts = labels(d).filter { $0.size == 9 && $0.text.hasSuffix("%") }.map(\.text)
        #expect(tickTexts.contains("0%") && tickTexts.contains { $0 != "0%" && $0 != "100%" })
        // Panels stay inside the canvas.
        for l in labels(d) { #expect(l.at.x >= 0 && l.at.x <= d.width && l.at.y <= d.height) }
        // The SVG parses, and the name is escaped.
        let svg = SVGChartRenderer.render(d)
        let elements = try XMLElements.parse(svg)
        #expect(elements.contains { $0.name == "polygon" } && !svg.contains("<script"))
        #expect(elements.contains { $0.name == "text" && $0.text.hasPrefix("id_failure.<script>") })

        let none = ChartDrawing(ChartSpec.smallMultiples(name: "s", title: "t", signals: []))
        #expect(none.marks.isEmpty && none.message != nil)
    }

    @Test("the narrow layout (a phone's width): the same marks in 360 points, labels kept inside, small multiples two to a row")
    func narrowLayouts() throws {
        let reasons = ChartSpec(name: "failure_reasons", kind: .horizontalBars, title: "Failures", categories: ["SCREEN_RECAPTURE", String(repeating: "LONG_", count: 8), "BLUR"],
                                series: [ChartSpec.Series(name: "n", values: [1836, 898, 12])], values: .counts, valueAxis: "failed transactions")
        let histogram = ChartSpec(name: "q", kind: .bars, title: "Quality", categories: (0..<10).map { "\($0 * 10)–\($0 * 10 + 10)" },
                                  series: [ChartSpec.Series(name: "n", values: (0..<10).map { Double(1000 + $0 * 1234) })], values: .counts)
        let multiples = ChartSpec.smallMultiples(name: "s", title: "Signals", signals: (0..<3).map { k in
            (name: "signal_\(k)", categories: weeks, points: weeks.indices.map { (numerator: 10 + k + $0, denominator: 100) })
        })
        try keep("failure_reasons", reasons)
        try keep("histogram", histogram)
        for spec in [Self.trend, reasons, histogram, multiples] {
            let wide = ChartDrawing(spec), narrow = ChartDrawing(spec, width: ChartDrawing.narrowWidth)
            #expect(wide.width == 640 && narrow.width == 360)
            for l in labels(narrow) {
                // A label's ends, as far as its anchor and about 0.6 em a character tell.
                let w = ChartDrawing.textWidth(l.text, size: l.size)
                let (start, end): (Double, Double)
                switch narrow.marks.compactMap({ if case .label(let t, let at, _, let a) = $0, t == l.text, at == l.at { a } else { nil } }).first {
                case .start: (start, end) = (l.at.x, l.at.x + w)
                case .end: (start, end) = (l.at.x - w, l.at.x)
                default: (start, end) = (l.at.x - w / 2, l.at.x + w / 2)
                }
                #expect(start >= 0 && end <= narrow.width + 1, "\(spec.name): \(l.text) runs from \(start) to \(end)")
            }
        }
        // The ranked chart's long category is cut shorter; the histogram's values would not
        // fit above its narrow bars and are left to the axis.
        let cut = labels(ChartDrawing(reasons, width: 360)).map(\.text)
        #expect(cut.contains { $0.hasPrefix("LONG_") && $0.hasSuffix("…") && $0.count < 25 })
        #expect(!labels(ChartDrawing(histogram, width: 360)).contains { $0.text == "12106" })
        #expect(labels(ChartDrawing(histogram)).contains { $0.text == "12106" })
        // Three panels: one row of three, or two rows of two.
        #expect(ChartDrawing(multiples).height < ChartDrawing(multiples, width: 360).height)
    }

    @Test("every kind of chart paints an SVG an XML parser reads, intervals as see-through polygons")
    func svgParses() throws {
        let elements = try XMLElements.parse(SVGChartRenderer.render(Self.trend))
        let polygon = try #require(elements.first { $0.name == "polygon" })
        #expect(polygon.attributes["fill-opacity"] == "0.18" && (polygon.attributes["points"]?.split(separator: " ").count ?? 0) == 10)
        #expect(elements.filter { $0.name == "text" }.map(\.text).contains("data starts 2026-10-12"))
    }
}
