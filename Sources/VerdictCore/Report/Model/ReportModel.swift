/// Everything a report says, as numbers and typed values, built once from the query results
/// of one period (`ReportModel.init(_:)`, ReportModelBuilder.swift). Every output is rendered
/// from it: CSV files (`CSVWriter`), report.md (`MarkdownRenderer`), report.html
/// (`HTMLRenderer`) and the charts (`ChartDrawing`, `SVGChartRenderer`, `ChartRaster`). No renderer reads another's output, and nothing
/// here is formatted text: how a number reads is the renderer's business (`ReportFormat`).
public struct ReportModel: Sendable {
    public var period: ReportPeriod
    /// One entry per row of `outcomes` (one per product); empty without that query.
    public var headline: [ProductHeadline]
    /// Each spoof check against the previous period, as its table shows the checks (folded
    /// when there are many); nil without a `spoof_checks` query.
    public var spoofChecks: [SpoofCheckChange]?
    /// Every query's result, by query name.
    public var tables: [String: ReportTable]
    /// The charts, in the order they are written.
    public var charts: [ChartSpec]
    /// Data-quality notes; empty without a `data_quality` query.
    public var notes: [ReportNote]
    /// How much of the period the data covers; nil without a `coverage` query.
    public var coverage: Coverage?
    /// The signals that moved against the previous period; empty without `changes`.
    public var whatChanged: WhatChanged
    /// Each alert rule against each signal it matches (`fired` says which fired); empty
    /// when the report was given no rules.
    public var alerts: [AlertResult] = []

    public init(period: ReportPeriod, headline: [ProductHeadline] = [], spoofChecks: [SpoofCheckChange]? = nil,
                tables: [String: ReportTable] = [:], charts: [ChartSpec] = [], notes: [ReportNote] = [],
                coverage: Coverage? = nil, whatChanged: WhatChanged = WhatChanged()) {
        self.coverage = coverage
        self.whatChanged = whatChanged
        self.period = period
        self.headline = headline
        self.spoofChecks = spoofChecks
        self.tables = tables
        self.charts = charts
        self.notes = notes
    }
}

/// The period a report covers and the one it is compared with.
public struct ReportPeriod: Sendable, Equatable {
    /// `2026-W46`, `2026-11` or `2026-11-09..2026-11-15`.
    public var label: String
    /// The zone's name, or `±hh:mm`.
    public var zone: String
    public var firstDay: CalendarDay
    public var lastDay: CalendarDay
    public var previousLabel: String
    public var previousFirstDay: CalendarDay

    public init(_ period: Period) {
        let previous = period.shifted(by: 1)
        label = period.label
        zone = period.zone.identifier
        firstDay = period.first
        lastDay = period.lastDay
        previousLabel = previous.label
        previousFirstDay = previous.first
    }
}

/// `successes` out of `trials`.
public struct Proportion: Sendable, Equatable {
    public var successes: Int
    public var trials: Int

    public init(_ successes: Int, of trials: Int) {
        self.successes = successes
        self.trials = trials
    }

    /// The rate, or nil without trials.
    public var rate: Double? { trials > 0 ? Double(successes) / Double(trials) : nil }
    /// The Wilson 95% interval, or nil without trials.
    public var interval: Interval? {
        Statistics.wilson(successes: successes, n: trials).map { Interval(low: $0.low, high: $0.high) }
    }
    /// Fewer than `Statistics.smallSample` trials, but some.
    public var isSmallSample: Bool { trials > 0 && trials < Statistics.smallSample }
}

/// A confidence interval of a rate, both ends from 0 to 1.
public struct Interval: Sendable, Equatable {
    public var low: Double
    public var high: Double
}

/// A rate of this period against the same rate of the previous one.
public struct RateChange: Sendable, Equatable {
    public var current: Proportion
    public var previous: Proportion

    public enum Test: Sendable, Equatable {
        /// A period has no trials.
        case noComparison
        /// The pooled rate is 0 or 1: nothing varies, nothing to test.
        case noVariance
        /// A two-proportion z-test: z and the two-sided p-value.
        case zTest(z: Double, p: Double)
    }

    public var test: Test

    public init(current: Proportion, previous: Proportion) {
        self.current = current
        self.previous = previous
        if current.trials == 0 || previous.trials == 0 {
            test = .noComparison
        } else if let t = Statistics.twoProportionZTest(x1: current.successes, n1: current.trials,
                                                        x2: previous.successes, n2: previous.trials) {
            test = .zTest(z: t.z, p: t.p)
        } else {
            test = .noVariance
        }
    }

    /// The change in percentage points, when both periods have trials.
    public var points: Double? {
        guard let now = current.rate, let before = previous.rate else { return nil }
        return (now - before) * 100
    }

    /// p below `Statistics.significanceLevel`.
    public var isSignificant: Bool {
        if case .zTest(_, let p) = test { return p < Statistics.significanceLevel }
        return false
    }

    /// Either period has fewer than `Statistics.smallSample` trials.
    public var smallSample: Bool {
        current.trials < Statistics.smallSample || previous.trials < Statistics.smallSample
    }
}

/// One product's headline: how its transactions ended and how the pass rate moved.
public struct ProductHeadline: Sendable, Equatable {
    public var product: String
    public var transactions: Int
    public var completed: Int
    public var passed: Int
    public var failed: Int
    public var pending: Int
    public var apiError: Int
    /// As `outcomes` gives it (nil when nothing completed).
    public var passRate: Double?
    /// The same product in the previous period, when there is a row for it.
    public var previous: PreviousOutcome?
    /// Passed of completed (`change.current`: its interval, its small-sample flag), against
    /// the previous period's.
    public var change: RateChange
}

/// A product's completed and passed transactions in the previous period.
public struct PreviousOutcome: Sendable, Equatable {
    public var completed: Int
    public var passed: Int
    public var passRate: Double?
}

/// One spoof check of this period against the same check in the previous one.
public struct SpoofCheckChange: Sendable, Equatable {
    /// The check's name; for `isOther`, "other (K more)".
    public var check: String
    /// The row that stands for the checks a folded table leaves out: it has no previous.
    public var isOther: Bool
    public var evaluated: Int
    public var passed: Int
    /// As `spoof_checks` gives it.
    public var passRate: Double?
    public var previousPassRate: Double?
    /// Passed of evaluated (`change.current`), against the previous period's.
    public var change: RateChange
}

/// A data-quality fact the report states.
public enum ReportNote: Sendable, Equatable {
    /// Refused lines dated in the period, and refused lines without a readable timestamp.
    case refusedLines(dated: Int, undated: Int)
    /// Fields of the period's polls that were invalid and counted as absent.
    case invalidFields(Int)
    /// Transactions of a product that have not ended yet.
    case pending(product: String, transactions: Int)
}

/// A chart: what it plots, not how it is drawn (`ChartDrawing` lays it out).
public struct ChartSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// One line per series across the categories (periods), the last category being the
        /// report period.
        case lines
        /// One vertical bar per category, first series.
        case bars
        /// One horizontal bar per category, first series, in the given order (largest first).
        case horizontalBars
        /// A grid of small line charts, one per panel (`panels`), each on its own scale.
        case smallMultiples
    }

    /// What the values are, which decides the axis and the value labels.
    public enum Values: Sendable, Equatable {
        /// Shares from 0 to 1, on an axis fitted to them (within 0 to 100%).
        case rates
        /// Counts, on an axis from 0 to the largest.
        case counts
    }

    public struct Series: Sendable, Equatable {
        public var name: String
        /// One per category; nil where there is no value (a gap).
        public var values: [Double?]
        /// The 95% interval of each value, when the values are shares of counts (one per
        /// category, nil where there is none); empty when the series has no intervals.
        public var intervals: [Interval?]

        public init(name: String, values: [Double?], intervals: [Interval?] = []) {
            self.name = name
            self.values = values
            self.intervals = intervals
        }

        /// Shares of counts: each value is numerator / denominator (none when the
        /// denominator is 0), with its Wilson 95% interval.
        public init(name: String, proportions: [Proportion]) {
            self.init(name: name, values: proportions.map(\.rate), intervals: proportions.map(\.interval))
        }
    }

    /// The file name without its extension (`pass_rate_trend`).
    public var name: String
    public var kind: Kind
    public var title: String
    public var categories: [String]
    public var series: [Series]
    public var values: Values
    /// What the category axis shows (`first day of each period`); nil: no axis title.
    public var categoryAxis: String?
    /// What the value axis shows (`pass rate`); nil: no axis title.
    public var valueAxis: String?
    /// The charts of a `.smallMultiples` grid, each a `.lines` chart of rates titled with what
    /// it plots; empty for every other kind.
    public var panels: [ChartSpec]

    public init(name: String, kind: Kind, title: String, categories: [String], series: [Series], values: Values,
                categoryAxis: String? = nil, valueAxis: String? = nil, panels: [ChartSpec] = []) {
        self.name = name
        self.kind = kind
        self.title = title
        self.categories = categories
        self.series = series
        self.values = values
        self.categoryAxis = categoryAxis
        self.valueAxis = valueAxis
        self.panels = panels
    }

    /// Small multiples: one small line chart per signal, its rate (numerator / denominator)
    /// with the Wilson 95% interval per category, the last category being the report period.
    public static func smallMultiples(
        name: String, title: String,
        signals: [(name: String, categories: [String], points: [(numerator: Int, denominator: Int)])]
    ) -> ChartSpec {
        let panels = signals.map { signal in
            ChartSpec(name: signal.name, kind: .lines, title: signal.name, categories: signal.categories,
                      series: [Series(name: signal.name, proportions: signal.points.map { Proportion($0.numerator, of: $0.denominator) })],
                      values: .rates)
        }
        return ChartSpec(name: name, kind: .smallMultiples, title: title, categories: [], series: [], values: .rates, panels: panels)
    }
}
