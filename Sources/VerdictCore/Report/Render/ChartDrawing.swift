/// A chart laid out: a canvas, a title, and marks at positions (points from the top left).
/// `ChartDrawing(spec)` does all the layout, so every picture of a chart (SVG today, a PNG
/// for mail next) is drawn from the same marks and only has to paint them.
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
    }

    public init(width: Double, height: Double, title: String, message: String? = nil, marks: [Mark]) {
        self.width = width
        self.height = height
        self.title = title
        self.message = message
        self.marks = marks
    }

    /// The layout of `spec`.
    public init(_ spec: ChartSpec) {
        switch spec.kind {
        case .lines: self = Self.lines(spec)
        case .bars: self = Self.bars(spec)
        case .horizontalBars: self = Self.horizontalBars(spec)
        }
    }

    /// How a value reads on the chart.
    static func valueLabel(_ v: Double, _ values: ChartSpec.Values) -> String {
        switch values {
        case .counts: String(Int(v))
        case .rates: ReportFormat.percent(v)
        }
    }

    /// Lines of a rate per series across the categories, on an axis from 0 to 100%; a gap
    /// where a value is missing; the legend on the right.
    static func lines(_ spec: ChartSpec) -> ChartDrawing {
        let w = 720.0, h = 320.0, left = 56.0, right = 150.0, top = 40.0, bottom = 48.0
        let plotW = w - left - right, plotH = h - top - bottom
        var marks: [Mark] = []
        for i in 0...4 {
            let v = Double(i) / 4
            let y = top + plotH * (1 - v)
            marks.append(.rule(from: Point(left, y), to: Point(left + plotW, y), color: "#e5e7eb"))
            marks.append(.label("\(Int(v * 100))%", at: Point(left - 8, y + 4), size: 11, anchor: .end))
        }
        let n = max(spec.categories.count, 1)
        func x(_ i: Int) -> Double { n == 1 ? left + plotW / 2 : left + plotW * Double(i) / Double(n - 1) }
        for (i, l) in spec.categories.enumerated() {
            marks.append(.label(l, at: Point(x(i), top + plotH + 18), size: 10, anchor: .middle))
        }
        for (k, serie) in spec.series.enumerated() {
            let color = palette[k % palette.count]
            var runs: [[Point]] = []
            var pen = false
            for (i, v) in serie.values.enumerated() {
                guard let v else { pen = false; continue }
                let p = Point(x(i), top + plotH * (1 - min(max(v, 0), 1)))
                if pen { runs[runs.count - 1].append(p) } else { runs.append([p]) }
                pen = true
                marks.append(.dot(center: p, radius: 3, color: color))
            }
            if !runs.isEmpty { marks.append(.path(runs: runs, color: color, width: 2)) }
            let ly = top + 16 + Double(k) * 18
            marks.append(.legendKey(origin: Point(w - right + 12, ly - 9), color: color))
            marks.append(.label(serie.name, at: Point(w - right + 30, ly - 4), size: 11, anchor: .start))
        }
        return ChartDrawing(width: w, height: h, title: spec.title, marks: marks)
    }

    /// Vertical bars of the first series, scaled to the largest, each with its value above
    /// and its category below.
    static func bars(_ spec: ChartSpec) -> ChartDrawing {
        let w = 720.0, h = 320.0, left = 56.0, right = 20.0, top = 40.0, bottom = 48.0
        let plotW = w - left - right, plotH = h - top - bottom
        let values = spec.series.first?.values ?? []
        let maxV = max(values.compactMap { $0 }.max() ?? 0, 1)
        let slot = plotW / Double(max(values.count, 1))
        var marks: [Mark] = [.rule(from: Point(left, top + plotH), to: Point(left + plotW, top + plotH), color: "#9ca3af")]
        for (i, value) in values.enumerated() {
            let bx = left + slot * Double(i) + slot * 0.15
            let label = i < spec.categories.count ? spec.categories[i] : ""
            if let v = value {
                let bh = plotH * v / maxV
                marks.append(.bar(origin: Point(bx, top + plotH - bh), width: slot * 0.7, height: bh, color: palette[0]))
                marks.append(.label(valueLabel(v, spec.values), at: Point(bx + slot * 0.35, top + plotH - bh - 4), size: 10, anchor: .middle))
            }
            marks.append(.label(label, at: Point(bx + slot * 0.35, top + plotH + 16), size: 10, anchor: .middle))
        }
        return ChartDrawing(width: w, height: h, title: spec.title, marks: marks)
    }

    /// Horizontal bars of the first series in the given order, scaled to the largest, the
    /// category on the left (cut to 32 characters) and the value at the bar's end.
    static func horizontalBars(_ spec: ChartSpec) -> ChartDrawing {
        let rowH = 24.0, top = 40.0, left = 220.0, right = 90.0, w = 720.0
        let values = spec.series.first?.values ?? []
        let h = top + rowH * Double(max(values.count, 1)) + 16
        let maxV = max(values.compactMap { $0 }.max() ?? 0, 1e-9)
        var marks: [Mark] = []
        for (i, value) in values.enumerated() {
            let y = top + rowH * Double(i)
            let category = i < spec.categories.count ? spec.categories[i] : ""
            let label = category.count > 32 ? String(category.prefix(31)) + "…" : category
            marks.append(.label(label, at: Point(left - 8, y + 15), size: 11, anchor: .end))
            if let v = value {
                let bw = (w - left - right) * v / maxV
                marks.append(.bar(origin: Point(left, y + 4), width: bw, height: rowH - 8, color: palette[3]))
                marks.append(.label(valueLabel(v, spec.values), at: Point(left + bw + 6, y + 15), size: 11, anchor: .start))
            }
        }
        return ChartDrawing(width: w, height: h, title: spec.title, message: values.isEmpty ? "No data in this period" : nil, marks: marks)
    }
}
