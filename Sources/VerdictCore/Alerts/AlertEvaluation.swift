/// One rule against one signal it matches: the numbers it was decided on, whether it fired,
/// and, when it did not, why (a row of alerts.csv).
public struct AlertResult: Sendable, Equatable {
    public var rule: AlertRule
    public var signal: String
    /// The report period's first day, and those of the periods the baseline pools (oldest first).
    public var period: String
    public var baselinePeriods: [String]
    public var numerator: Int
    public var denominator: Int
    public var baselineNumerator: Int
    public var baselineDenominator: Int
    /// The pooled two-proportion z-test of the period against the baseline (up/down rules
    /// only); nil when a side has no data or both rates are 0, or both 1.
    public var test: (z: Double, p: Double)?
    /// Each sample guard, with the denominator it looked at.
    public var guards: [Guard]
    /// Why the rule did not fire; nil when it fired.
    public var note: Note?

    public var fired: Bool { note == nil }
    public var severity: AlertRule.Severity { rule.severity }
    public var rate: Double? { denominator > 0 ? Double(numerator) / Double(denominator) : nil }
    public var baselineRate: Double? { baselineDenominator > 0 ? Double(baselineNumerator) / Double(baselineDenominator) : nil }
    /// (rate − baseline rate) × 100; nil when either is.
    public var changePP: Double? {
        guard let rate, let baselineRate else { return nil }
        return (rate - baselineRate) * 100
    }

    /// A sample guard: `denominator` had to be at least `minimum` (and not 0).
    public struct Guard: Sendable, Equatable {
        public enum Side: String, Sendable { case period, baseline }
        public var side: Side
        public var denominator: Int
        public var minimum: Int
        public var passed: Bool { denominator > 0 && denominator >= minimum }
    }

    /// Why a rule did not fire, in the words of alerts.csv; when several reasons hold, the
    /// first of this list is given.
    public enum Note: String, Sendable, CaseIterable {
        /// A sample guard failed (a denominator below min_sample, or no data at all).
        case insufficientData = "insufficient data"
        /// up/down: both rates are 0, or both 1: nothing to test.
        case noChange = "no change"
        /// up: the rate fell; down: the rate rose.
        case wentDown = "went down"
        case wentUp = "went up"
        /// up/down: it moved the right way, by less than by_pp.
        case belowByPP = "below by_pp"
        /// up/down: the z-test's p-value is above the rule's p_value.
        case notSignificant = "not significant"
        /// above: rate ≤ value; below: rate ≥ value.
        case notAboveValue = "not above value"
        case notBelowValue = "not below value"
    }

    public static func == (a: AlertResult, b: AlertResult) -> Bool {
        a.rule == b.rule && a.signal == b.signal && a.period == b.period && a.baselinePeriods == b.baselinePeriods
            && a.numerator == b.numerator && a.denominator == b.denominator && a.baselineNumerator == b.baselineNumerator
            && a.baselineDenominator == b.baselineDenominator && a.test?.z == b.test?.z && a.test?.p == b.test?.p
            && a.guards == b.guards && a.note == b.note
    }
}

/// Every rule of a rules file evaluated against the signals of a report period.
public struct AlertEvaluation: Sendable {
    public var rules: AlertRules
    /// The first days of the periods the signals cover, oldest first; the last is the report period.
    public var periods: [String]
    /// One result per rule and matching signal, ordered by rule name, then signal (code points).
    public var results: [AlertResult]
    /// Rules that match no signal with data in the period or its baseline (a typo in a
    /// signal name, or a signal with no data): said on standard error, never silently.
    public var unmatched: [AlertRule]

    public var firings: [AlertResult] { results.filter(\.fired) }
    /// Whether an `error` rule fired (exit status 4).
    public var errorFired: Bool { results.contains { $0.fired && $0.severity == .error } }

    public static let columns = [
        "rule", "signal", "severity", "fired", "rate", "baseline_rate", "change_pp", "p_value",
        "denominator", "baseline_denominator", "note",
    ]

    public static let declared = ColumnDeclarations([
        "fired": .integer, "rate": .rate, "baseline_rate": .rate, "change_pp": .statistic, "p_value": .statistic,
        "denominator": .count, "baseline_denominator": .count,
    ])

    /// Evaluates `rules` on the rows of Queries/signals.sql (signal, period_start,
    /// numerator, denominator, rate) for `periods`, which must reach back as far as the
    /// longest baseline (`AlertRules.periodCount`).
    public static func evaluate(_ rules: AlertRules, signals: QueryResult, periods: [String]) -> AlertEvaluation {
        let index = Dictionary(periods.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var series: [String: [(x: Int, n: Int)]] = [:]
        for row in signals.rows where row.count >= 4 {
            guard let name = row[0].string, let start = row[1].string, let i = index[start] else { continue }
            series[name, default: Array(repeating: (0, 0), count: periods.count)][i] = (row[2].int ?? 0, row[3].int ?? 0)
        }
        let names = series.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let current = periods.count - 1
        var results: [AlertResult] = []
        var unmatched: [AlertRule] = []
        for rule in rules.rules.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }) {
            let from = max(0, current - rule.baseline.periods)
            var matched = false
            for name in names where rule.matches(name) {
                let s = series[name]!
                guard current >= 0 else { break }
                let (x1, n1) = s[current]
                var x2 = 0, n2 = 0
                for i in from..<current { x2 += s[i].x; n2 += s[i].n }
                guard n1 > 0 || n2 > 0 else { continue }
                matched = true
                results.append(evaluate(rule, signal: name, period: periods[current], baselinePeriods: Array(periods[from..<current]),
                                        x1: x1, n1: n1, x2: x2, n2: n2))
            }
            if !matched { unmatched.append(rule) }
        }
        unmatched.sort { $0.line < $1.line }
        return AlertEvaluation(rules: rules, periods: periods, results: results, unmatched: unmatched)
    }

    static func evaluate(_ rule: AlertRule, signal: String, period: String, baselinePeriods: [String],
                         x1: Int, n1: Int, x2: Int, n2: Int) -> AlertResult {
        var guards = [AlertResult.Guard(side: .period, denominator: n1, minimum: rule.minSample)]
        if rule.when.comparesBaseline { guards.append(AlertResult.Guard(side: .baseline, denominator: n2, minimum: rule.minSample)) }
        var r = AlertResult(rule: rule, signal: signal, period: period, baselinePeriods: baselinePeriods, numerator: x1, denominator: n1,
                            baselineNumerator: x2, baselineDenominator: n2, test: nil, guards: guards, note: nil)
        if rule.when.comparesBaseline { r.test = Statistics.twoProportionZTest(x1: x1, n1: n1, x2: x2, n2: n2) }
        r.note = note(r)
        return r
    }

    /// Why `r` does not fire, or nil when it does: the guards first, then the condition.
    static func note(_ r: AlertResult) -> AlertResult.Note? {
        guard r.guards.allSatisfy(\.passed), let rate = r.rate else { return .insufficientData }
        switch r.rule.when {
        case .above:
            return rate > r.rule.value! ? nil : .notAboveValue
        case .below:
            return rate < r.rule.value! ? nil : .notBelowValue
        case .up, .down:
            guard let baseline = r.baselineRate, let test = r.test else { return r.baselineRate == nil ? .insufficientData : .noChange }
            let moved = r.rule.when == .up ? rate - baseline : baseline - rate
            if moved < 0 { return r.rule.when == .up ? .wentDown : .wentUp }
            if moved < r.rule.byPP / 100 { return .belowByPP }
            return test.p <= r.rule.pValue ? nil : .notSignificant
        }
    }

    /// alerts.csv: one row per result, with the column kinds CSV, Markdown and JSON share.
    /// For above/below rules the baseline columns are informative (the rule's baseline,
    /// `previous` unless it names another) and p_value is empty: no test decides them.
    public var table: QueryResult {
        let rows: [[Cell]] = results.map { r in
            [.text(r.rule.name), .text(r.signal), .text(r.severity.rawValue), .integer(r.fired ? 1 : 0),
             r.rate.map(Cell.real) ?? .null, r.baselineRate.map(Cell.real) ?? .null, r.changePP.map(Cell.real) ?? .null,
             r.test.map { .real($0.p) } ?? .null, .integer(Int64(r.denominator)), .integer(Int64(r.baselineDenominator)),
             .text(r.note?.rawValue ?? "")]
        }
        return QueryResult(name: "alerts", columns: Self.columns, rows: rows, source: rules.file, declared: Self.declared)
    }
}

extension MetricsEngine {
    /// Evaluates `rules` for `period` on the signals query. `signals`, the rows of a report's
    /// own run over the usual eight periods, is used when every baseline fits in them;
    /// otherwise the signals query runs again over as many periods as the longest baseline needs
    /// (signals.csv keeps its eight).
    public func alerts(_ rules: AlertRules, period: Period, signals: QueryResult? = nil) throws(VerdictError) -> AlertEvaluation {
        let count = rules.periodCount
        let periods = (0..<count).reversed().map { period.shifted(by: $0).first.isoDate }
        var rows = signals
        if rows == nil || count > 8 {
            rows = try run(["signals"], period: period, periodCount: count).results["signals"]
        }
        return AlertEvaluation.evaluate(rules, signals: rows ?? QueryResult(name: "signals", columns: [], rows: []), periods: periods)
    }
}
