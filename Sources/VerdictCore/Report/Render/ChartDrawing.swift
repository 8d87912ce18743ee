/// A chart laid out: a canvas, a title, and marks at positions (points from the top left).
/// `ChartDrawing(spec)` does all the layout, so every picture of a chart (the SVG files and
/// the page's inline SVG; the PNG for mail, painted from that SVG) is drawn from the same
/// marks and only has to paint them.
public struct ChartDrawing: Sendable, Equatable {
    public var width: Double
    public var height: Double
    /// Drawn at `titleOrigin`, `titleSize`, bold.
    public var title: String
    /// Said at `messageOrigin` when there is nothing to plot.
    public var message: String?
    /// In painting order: later marks cover earlier ones.
    public var marks: [Mark]

    public static let titleOrigin = Point(16, 24)
    public static let titleSize = 15.0
    public static let messageOrigin = Point(20, 60)
    public static let messageSize = 12.0
    /// A legend key: a short bar of the series' colour.
    public static let legendKeySize = (width: 12.0, height: 4.0)
    public static let background = "#ffffff"
    public static let palette = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed"]
    /// Behind the report period (the last category) of a chart over periods, with
    /// `currentPeriodLabel` above it.
    public static let currentPeriodFill = "#fdf1c7"
    public static let currentPeriodLabel = "report period"
    /// How see-through an interval's band is.
    public static let intervalOpacity = 0.18
    static let gridColor = "#e5e7eb"
    static let axisColor = "#9ca3af"

    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double

        public init(_ x: Double, _ y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// Where a label's point is: at its start, middle or end (of its baseline).
    public enum Anchor: Sendable, Equatable { case start, middle, end }

    public enum Mark: Sendable, Equatable {
        /// A straight line (grid line, axis).
        case rule(from: Point, to: Point, color: String)
        /// A filled rectangle from its top-left corner.
        case bar(origin: Point, width: Double, height: Double, color: String)
        /// A filled circle.
        case dot(center: Point, radius: Double, color: String)
        /// Connected line segments; each run starts anew (a gap between runs).
        case path(runs: [[Point]], color: String, width: Double)
        /// A legend key (`legendKeySize`) from its top-left corner.
        case legendKey(origin: Point, color: String)
        /// One line of text whose baseline passes through `at`.
        case label(String, at: Point, size: Double, anchor: Anchor)
        /// A filled polygon, see-through (`opacity` from 0 to 1): an interval's band.
        case area(points: [Point], color: String, opacity: Double)
    }

    public init(width: Double, height: Double, title: String, message: String? = nil, marks: [Mark]) {
        self.width = width
        self.height = height
        self.title = title
        self.message = message
        self.marks = marks
    }

    /// The usual width of a chart; `narrowWidth` fits a phone's screen without shrinking
    /// the text.
    public static let standardWidth = 640.0
    public static let narrowWidth = 360.0

    /// The layout of `spec`, `width` wide (at least `narrowWidth`).
    public init(_ spec: ChartSpec, width: Double = ChartDrawing.standardWidth) {
        let w = max(width, Self.narrowWidth)
        switch spec.kind {
        case .lines: self = Self.lines(spec, width: w)
        case .bars: self = Self.bars(spec, width: w)
        case .horizontalBars: self = Self.horizontalBars(spec, width: w)
        case .smallMultiples: self = Self.smallMultiples(spec, width: w)
        }
    }

    /// How a value reads on the chart.
    static func valueLabel(_ v: Double, _ values: ChartSpec.Values) -> String {
        switch values {
        case .counts: String(Int(v))
        case .rates: ReportFormat.percent(v)
        }
    }

    /// About how wide a label can be: in DejaVu Sans (or the fonts that stand in for it) a
    /// capital letter takes up to about 0.7 em, and log codes are mostly capitals.
    static let emPerCharacter = 0.7
    static func textWidth(_ s: String, size: Double) -> Double { Double(s.count) * size * emPerCharacter }

    /// `s` cut to `width` with an ellipsis.
    static func cut(_ s: String, toWidth width: Double, size: Double) -> String {
        let n = max(Int(width / (size * emPerCharacter)), 2)
        return s.count > n ? String(s.prefix(n - 1)) + "…" : s
    }

    // MARK: - Scales

    /// The value axis: from `low` to `high`, a tick every `step`.
    struct ValueAxis: Equatable {
        var low: Double
        var high: Double
        var step: Double

        var ticks: [Double] {
            let n = Int(((high - low) / step).rounded())
            return (0...max(n, 0)).map { low + Double($0) * step }
        }

        /// The y of `v` in a plot from `top` (at `high`) down `height` (to `low`); values
        /// beyond the axis stay on its ends.
        func y(_ v: Double, top: Double, height: Double) -> Double {
            let f = high > low ? (min(max(v, low), high) - low) / (high - low) : 0.5
            return top + height * (1 - f)
        }

        /// The smallest round step (1, 2 or 5 times a power of ten; whole for counts) of at
        /// least `raw`.
        static func step(atLeast raw: Double, counts: Bool) -> Double {
            guard raw.isFinite, raw > 0 else { return counts ? 1 : 0.01 }
            var unit = 1.0
            while unit > raw { unit /= 10 }
            while unit * 10 <= raw { unit *= 10 }
            for m in [1.0, 2, 5, 10] where m * unit >= raw * (1 - 1e-9) {
                return counts ? max(m * unit, 1) : m * unit
            }
            return 10 * unit
        }

        /// An axis for shares that fits them: their range (at least `minimumSpan` wide) in
        /// round steps, stretched to 0% or 100% only when the data comes near, so a rate that
        /// moves between 76% and 80% is drawn on 76%..80%, not on 0..100%.
        static func rates(_ values: [Double], intervals: Int, minimumSpan: Double = 0.02) -> ValueAxis {
            let finite = values.filter(\.isFinite).map { min(max($0, 0), 1) }
            guard var lo = finite.min(), var hi = finite.max() else { return ValueAxis(low: 0, high: 1, step: 0.25) }
            if hi - lo < minimumSpan {
                let mid = (lo + hi) / 2
                lo = mid - minimumSpan / 2
                hi = mid + minimumSpan / 2
                if lo < 0 { hi -= lo; lo = 0 }
                if hi > 1 { lo -= hi - 1; hi = 1 }
            }
            let span = hi - lo
            if lo < span / 2 { lo = 0 }
            if 1 - hi < span / 2 { hi = 1 }
            let step = Self.step(atLeast: (hi - lo) / Double(intervals), counts: false)
            let low = max((lo / step + 1e-9).rounded(.down) * step, 0)
            let high = min((hi / step - 1e-9).rounded(.up) * step, 1)
            return ValueAxis(low: low, high: high, step: step)
        }

        /// An axis for counts, from 0 to the largest in round whole steps.
        static func counts(upTo largest: Double, intervals: Int) -> ValueAxis {
            let step = Self.step(atLeast: max(largest, 1) / Double(intervals), counts: true)
            return ValueAxis(low: 0, high: max((largest / step - 1e-9).rounded(.up), 1) * step, step: step)
        }

        /// How a tick reads: a percentage with as many decimals as the step needs, or a count.
        func label(_ v: Double, _ values: ChartSpec.Values) -> String {
            guard values == .rates else { return String(Int(v.rounded())) }
            var digits = 0
            while digits < 3, abs((step * 100 * pow10(digits)).rounded() - step * 100 * pow10(digits)) > 1e-6 { digits += 1 }
            return ReportFormat.percent(v, digits: digits)
        }

        private func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { a, _ in a * 10 } }
    }

    /// Where a plot is, in the drawing.
    struct Frame {
        var left: Double
        var top: Double
        var width: Double
        var height: Double
        var right: Double { left + width }
        var bottom: Double { top + height }
    }

    /// Which category labels a plot writes.
    enum CategoryLabels { case spaced(size: Double), ends(size: Double) }

    /// The series and categories of a chart over periods from the first category holding a
    /// value on: a run of empty periods before the data starts is left out. `dropped` is how
    /// many were.
    static func fromFirstValue(_ spec: ChartSpec) -> (categories: [String], series: [ChartSpec.Series], dropped: Int)? {
        let n = spec.categories.count
        guard let first = (0..<n).first(where: { i in spec.series.contains { i < $0.values.count && $0.values[i] != nil } }) else { return nil }
        let series = spec.series.map { s in
            ChartSpec.Series(name: s.name, values: Array(s.values.dropFirst(first).prefix(n - first)),
                             intervals: Array(s.intervals.dropFirst(first).prefix(n - first)))
        }
        return (Array(spec.categories[first...]), series, first)
    }

    /// A plot of shares across periods in `f`: an axis fitted to the values and their
    /// intervals with its tick labels, the last period marked, each series' interval as a
    /// band (a whisker where a value stands alone), its line (a gap where a value is missing)
    /// and its dots, the report period's larger.
    static func ratePlot(_ series: [ChartSpec.Series], categories: [String], in f: Frame, tickIntervals: Int,
                         tickSize: Double, categoryLabels: CategoryLabels, dot: Double, line: Double) -> [Mark] {
        let n = max(categories.count, 1)
        let slot = f.width / Double(n)
        func x(_ i: Int) -> Double { f.left + slot * (Double(i) + 0.5) }
        func interval(_ s: ChartSpec.Series, _ i: Int) -> Interval? { i < s.intervals.count ? s.intervals[i] : nil }
        var all: [Double] = []
        for s in series {
            for (i, v) in s.values.enumerated() {
                guard let v else { continue }
                all.append(v)
                if let iv = interval(s, i) { all += [iv.low, iv.high] }
            }
        }
        let axis = ValueAxis.rates(all, intervals: tickIntervals)
        func y(_ v: Double) -> Double { axis.y(v, top: f.top, height: f.height) }

        var marks: [Mark] = [.bar(origin: Point(x(n - 1) - slot / 2, f.top), width: slot, height: f.height, color: currentPeriodFill)]
        for t in axis.ticks {
            marks.append(.rule(from: Point(f.left, y(t)), to: Point(f.right, y(t)), color: gridColor))
            marks.append(.label(axis.label(t, .rates), at: Point(f.left - 6, y(t) + tickSize / 3), size: tickSize, anchor: .end))
        }
        switch categoryLabels {
        case .spaced(let size):
            let widest = categories.map { textWidth($0, size: size) }.max() ?? 0
            let every = max(Int(((widest + 8) / slot).rounded(.up)), 1)
            for (i, c) in categories.enumerated() where (categories.count - 1 - i) % every == 0 {
                marks.append(.label(c, at: Point(x(i), f.bottom + size + 6), size: size, anchor: .middle))
            }
        case .ends(let size):
            if categories.count == 1 {
                marks.append(.label(categories[0], at: Point(x(0), f.bottom + size + 4), size: size, anchor: .middle))
            } else if let first = categories.first, let last = categories.last {
                marks.append(.label(first, at: Point(f.left, f.bottom + size + 4), size: size, anchor: .start))
                marks.append(.label(last, at: Point(f.right, f.bottom + size + 4), size: size, anchor: .end))
            }
        }
        for (k, s) in series.enumerated() {
            let color = palette[k % palette.count]
            var run: [(x: Double, iv: Interval)] = []
            func closeRun() {
                if run.count == 1, let only = run.first {
                    marks.append(.rule(from: Point(only.x, y(only.iv.low)), to: Point(only.x, y(only.iv.high)), color: color))
                    for end in [only.iv.low, only.iv.high] {
                        marks.append(.rule(from: Point(only.x - 4, y(end)), to: Point(only.x + 4, y(end)), color: color))
                    }
                } else if run.count > 1 {
                    let upper = run.map { Point($0.x, y($0.iv.high)) }
                    let lower = run.reversed().map { Point($0.x, y($0.iv.low)) }
                    marks.append(.area(points: upper + lower, color: color, opacity: intervalOpacity))
                }
                run = []
            }
            for i in s.values.indices {
                if s.values[i] != nil, let iv = interval(s, i) { run.append((x(i), iv)) } else { closeRun() }
            }
            closeRun()
        }
        for (k, s) in series.enumerated() {
            let color = palette[k % palette.count]
            var runs: [[Point]] = []
            var pen = false
            var dots: [Mark] = []
            for (i, v) in s.values.enumerated() {
                guard let v else { pen = false; continue }
                let p = Point(x(i), y(v))
                if pen { runs[runs.count - 1].append(p) } else { runs.append([p]) }
                pen = true
                dots.append(.dot(center: p, radius: i == categories.count - 1 ? dot * 1.5 : dot, color: color))
            }
            if !runs.isEmpty { marks.append(.path(runs: runs, color: color, width: line)) }
            marks += dots
        }
        return marks
    }

    // MARK: - Kinds

    /// Shares per series across periods (the last one the report period, marked), on an axis
    /// fitted to the values and their 95% intervals, drawn as bands; the periods before the
    /// first value are left out and the chart says where the data starts. The legend runs
    /// under the title.
    static func lines(_ spec: ChartSpec, width w: Double) -> ChartDrawing {
        let h = 320.0
        guard let (categories, series, dropped) = fromFirstValue(spec) else {
            return ChartDrawing(width: w, height: 80, title: spec.title, message: "No data in these periods", marks: [])
        }
        let left = w < 500 ? 52.0 : 64.0
        let f = Frame(left: left, top: 76, width: w - left - 14, height: h - 76 - 52)
        var marks = ratePlot(series, categories: categories, in: f, tickIntervals: 5, tickSize: 11,
                             categoryLabels: .spaced(size: 10), dot: 3, line: 2)
        var lx = 16.0
        for (k, s) in series.enumerated() {
            marks.append(.legendKey(origin: Point(lx, 40), color: palette[k % palette.count]))
            marks.append(.label(s.name, at: Point(lx + 16, 46), size: 11, anchor: .start))
            lx += 16 + textWidth(s.name, size: 11) + 18
        }
        if dropped > 0, let first = categories.first {
            marks.append(.label("data starts " + first, at: Point(f.right, h - 10), size: 11, anchor: .end))
        }
        if let title = spec.valueAxis { marks.append(.label(title, at: Point(16, 66), size: 11, anchor: .start)) }
        let current = f.left + f.width * (1 - 0.5 / Double(categories.count))
        marks.append(.label(currentPeriodLabel, at: Point(min(current, w - 4 - textWidth(currentPeriodLabel, size: 10) / 2), 66), size: 10, anchor: .middle))
        if let title = spec.categoryAxis { marks.append(.label(title, at: Point(16, h - 10), size: 11, anchor: .start)) }
        return ChartDrawing(width: w, height: h, title: spec.title, marks: marks)
    }

    /// Vertical bars of the first series on an axis from 0 in round steps, each with its value
    /// above and its category below.
    static func bars(_ spec: ChartSpec, width w: Double) -> ChartDrawing {
        let h = 320.0
        let left = w < 500 ? 52.0 : 64.0
        let f = Frame(left: left, top: 64, width: w - left - 14, height: h - 64 - 52)
        let values = spec.series.first?.values ?? []
        let axis = ValueAxis.counts(upTo: values.compactMap { $0 }.max() ?? 0, intervals: 4)
        func y(_ v: Double) -> Double { axis.y(v, top: f.top, height: f.height) }
        let slot = f.width / Double(max(values.count, 1))
        var marks: [Mark] = []
        for t in axis.ticks {
            marks.append(.rule(from: Point(f.left, y(t)), to: Point(f.right, y(t)), color: t == 0 ? axisColor : gridColor))
            marks.append(.label(axis.label(t, spec.values), at: Point(f.left - 6, y(t) + 4), size: 11, anchor: .end))
        }
        let widest = spec.categories.map { textWidth($0, size: 10) }.max() ?? 0
        let every = max(Int(((widest + 6) / slot).rounded(.up)), 1)
        // Values above the bars only where they fit side by side; the axis gives the scale.
        let valuesFit = values.compactMap { $0 }.allSatisfy { textWidth(valueLabel($0, spec.values), size: 10) <= slot * 0.95 }
        for (i, value) in values.enumerated() {
            let bx = f.left + slot * Double(i) + slot * 0.15
            let label = i < spec.categories.count ? spec.categories[i] : ""
            if let v = value {
                let top = y(v)
                marks.append(.bar(origin: Point(bx, top), width: slot * 0.7, height: f.bottom - top, color: palette[0]))
                if valuesFit { marks.append(.label(valueLabel(v, spec.values), at: Point(bx + slot * 0.35, top - 4), size: 10, anchor: .middle)) }
            }
            if i % every == 0 { marks.append(.label(label, at: Point(bx + slot * 0.35, f.bottom + 16), size: 10, anchor: .middle)) }
        }
        if let title = spec.valueAxis { marks.append(.label(title, at: Point(16, 48), size: 11, anchor: .start)) }
        if let title = spec.categoryAxis { marks.append(.label(title, at: Point(f.left + f.width / 2, h - 10), size: 11, anchor: .middle)) }
        return ChartDrawing(width: w, height: h, title: spec.title, marks: marks)
    }

    /// Horizontal bars of the first series in the given order, scaled to the largest, the
    /// category on the left (cut to the room there: 27 characters, 17 on a narrow chart) and
    /// the value at the bar's end; the value axis's title under them.
    static func horizontalBars(_ spec: ChartSpec, width w: Double) -> ChartDrawing {
        let rowH = 24.0, top = 40.0, left = min(220.0, (w * 0.4).rounded()), right = w < 500 ? 56.0 : 80.0
        let values = spec.series.first?.values ?? []
        let titled = spec.valueAxis != nil && !values.isEmpty
        let h = top + rowH * Double(max(values.count, 1)) + 16 + (titled ? 20 : 0)
        let maxV = max(values.compactMap { $0 }.max() ?? 0, 1e-9)
        var marks: [Mark] = []
        for (i, value) in values.enumerated() {
            let y = top + rowH * Double(i)
            let category = i < spec.categories.count ? spec.categories[i] : ""
            let label = cut(category, toWidth: left - 8, size: 11)
            marks.append(.label(label, at: Point(left - 8, y + 15), size: 11, anchor: .end))
            if let v = value {
                let bw = (w - left - right) * v / maxV
                marks.append(.bar(origin: Point(left, y + 4), width: bw, height: rowH - 8, color: palette[3]))
                marks.append(.label(valueLabel(v, spec.values), at: Point(left + bw + 6, y + 15), size: 11, anchor: .start))
            }
        }
        if titled, let title = spec.valueAxis {
            let y = top + rowH * Double(values.count)
            marks.append(.rule(from: Point(left, top), to: Point(left, y), color: axisColor))
            marks.append(.label(title, at: Point(left, y + 20), size: 11, anchor: .start))
        }
        return ChartDrawing(width: w, height: h, title: spec.title, message: values.isEmpty ? "No data in this period" : nil, marks: marks)
    }

    /// A grid of small line charts, three to a row (two on a narrow chart), one per panel: its title, its value in
    /// the report period (the last category), and its share across the periods on an axis of
    /// its own, with the interval band and the report period marked, as `lines` draws them;
    /// a panel whose first periods are empty starts at its data and says so.
    static func smallMultiples(_ spec: ChartSpec, width w: Double) -> ChartDrawing {
        let side = 16.0, gap = 14.0, top = 40.0, ph = 150.0
        let columns = w < 500 ? 2 : 3
        let pw = (w - 2 * side - gap * Double(columns - 1)) / Double(columns)
        guard !spec.panels.isEmpty else {
            return ChartDrawing(width: w, height: 80, title: spec.title, message: "No signals to show", marks: [])
        }
        let rows = (spec.panels.count + columns - 1) / columns
        let h = top + Double(rows) * (ph + gap)
        var marks: [Mark] = []
        for (i, panel) in spec.panels.enumerated() {
            let ox = side + Double(i % columns) * (pw + gap), oy = top + Double(i / columns) * (ph + gap)
            marks.append(.label(cut(panel.title, toWidth: pw, size: 11), at: Point(ox, oy + 12), size: 11, anchor: .start))
            guard let (categories, series, dropped) = fromFirstValue(panel) else {
                marks.append(.label("no data", at: Point(ox, oy + 28), size: 10, anchor: .start))
                continue
            }
            let last = series.first?.values.last ?? nil
            marks.append(.label(last.map { valueLabel($0, .rates) } ?? ReportFormat.none, at: Point(ox + pw, oy + 28), size: 11, anchor: .end))
            if dropped > 0, let first = categories.first {
                marks.append(.label("data starts " + first, at: Point(ox, oy + 28), size: 9, anchor: .start))
            }
            let f = Frame(left: ox + 38, top: oy + 38, width: pw - 38 - 2, height: ph - 38 - 20)
            marks += ratePlot(series, categories: categories, in: f, tickIntervals: 2, tickSize: 9,
                              categoryLabels: .ends(size: 9), dot: 2, line: 1.5)
        }
        return ChartDrawing(width: w, height: h, title: spec.title, marks: marks)
    }
}
