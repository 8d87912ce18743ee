extension ReportModel {
    /// The model of `snapshot`: every result as a table, and the queries the report
    /// interprets (outcomes, trend, spoof_checks, quality_histogram, id_failure_reasons,
    /// data_quality) decoded once into numbers. Throws, before anything is written, when a
    /// query that replaces a built-in one lacks a column the report reads.
    public init(_ snapshot: MetricsSnapshot) throws(VerdictError) {
        let results = snapshot.results
        var tables: [String: ReportTable] = [:]
        for (name, result) in results { tables[name] = ReportTable(result) }
        let period = ReportPeriod(snapshot.period)

        let outcomes = try results["outcomes"].map { (r) throws(VerdictError) in try OutcomeRow.decode(r) }
        let trend = try results["trend"].map { (r) throws(VerdictError) in try TrendRow.decode(r) }
        var headline: [ProductHeadline] = []
        if let outcomes {
            let previous = try Self.previousOutcomes(snapshot.previous["outcomes"], trend: trend ?? [], period: period)
            headline = outcomes.map { Self.headline($0, previous: previous[$0.product]) }
        }

        var spoofChecks: [SpoofCheckChange]?
        if let table = tables["spoof_checks"] {
            let current = try SpoofCheckRow.decode(table, rows: table.shownRows)
            let previous = try snapshot.previous["spoof_checks"].map { (r) throws(VerdictError) in try SpoofCheckRow.decode(r) } ?? []
            spoofChecks = Self.spoofChanges(current, previous: previous, lastIsOther: table.fold != nil)
        }

        var charts: [ChartSpec] = []
        if let trend { charts.append(Self.trendChart(trend)) }
        if let result = results["quality_histogram"] { charts.append(Self.histogramChart(try HistogramRow.decode(result))) }
        if let result = results["id_failure_reasons"] { charts.append(Self.failureChart(try FailureReasonRow.decode(result))) }

        var notes: [ReportNote] = []
        if let result = results["data_quality"] {
            notes = Self.notes(try DataQualityRow.decode(result), outcomes: outcomes ?? [])
        }
        let coverage = try results["coverage"].flatMap { (r) throws(VerdictError) in try CoverageRow.decode(r).first }.map {
            Coverage(transactions: $0.transactions, firstPoll: $0.firstPoll, lastPoll: $0.lastPoll, latestPoll: $0.latestPoll,
                     periodStart: snapshot.period.startMillis, periodEnd: snapshot.period.endMillis)
        }
        let whatChanged = try results["changes"].map { (r) throws(VerdictError) in WhatChanged(try ChangeRow.decode(r)) } ?? WhatChanged()
        if let signals = results["signals"], let chart = try Self.movedChart(whatChanged, signals: signals) { charts.append(chart) }
        self.init(period: period, headline: headline, spoofChecks: spoofChecks, tables: tables, charts: charts, notes: notes,
                  coverage: coverage, whatChanged: whatChanged)
    }

    // MARK: - Headline

    static func headline(_ r: OutcomeRow, previous: PreviousOutcome?) -> ProductHeadline {
        ProductHeadline(
            product: r.product, transactions: r.transactions, completed: r.completed, passed: r.passed,
            failed: r.failed, pending: r.pending, apiError: r.apiError, passRate: r.passRate, previous: previous,
            change: RateChange(current: Proportion(r.passed, of: r.completed),
                               previous: Proportion(previous?.passed ?? 0, of: previous?.completed ?? 0)))
    }

    /// The previous period's outcomes by product: from `outcomes` run for that period when
    /// it was, otherwise from the trend's row for that period (the same counts, from the
    /// rollup). A product listed twice keeps its last row.
    static func previousOutcomes(_ result: QueryResult?, trend: [TrendRow], period: ReportPeriod) throws(VerdictError) -> [String: PreviousOutcome] {
        var out: [String: PreviousOutcome] = [:]
        if let result {
            for r in try OutcomeRow.decode(result) {
                out[r.product] = PreviousOutcome(completed: r.completed, passed: r.passed, passRate: r.passRate)
            }
            return out
        }
        let start = period.previousFirstDay.isoDate
        for r in trend where r.periodStart == start {
            out[r.product] = PreviousOutcome(completed: r.completed, passed: r.passed, passRate: r.passRate)
        }
        return out
    }

    // MARK: - Spoof checks

    /// Rows are matched to the previous period's by check name and by their place among the
    /// rows of that name (a spoofResult key DEEPER beside deeperResult's row gives a name two
    /// rows). The "other" row ending a folded table has nothing to compare with.
    static func spoofChanges(_ current: [SpoofCheckRow], previous: [SpoofCheckRow], lastIsOther: Bool) -> [SpoofCheckChange] {
        struct Key: Hashable {
            var check: String
            var place: Int
        }
        func keyed(_ rows: [SpoofCheckRow]) -> [(key: Key, row: SpoofCheckRow)] {
            var seen: [String: Int] = [:]
            return rows.map { r in
                defer { seen[r.check, default: 0] += 1 }
                return (Key(check: r.check, place: seen[r.check, default: 0]), r)
            }
        }
        let before = Dictionary(keyed(previous), uniquingKeysWith: { first, _ in first })
        return keyed(current).enumerated().map { i, entry in
            let isOther = lastIsOther && i == current.count - 1
            let p = isOther ? nil : before[entry.key]
            let r = entry.row
            return SpoofCheckChange(
                check: r.check, isOther: isOther, evaluated: r.evaluated, passed: r.passed, passRate: r.passRate,
                previousPassRate: p?.passRate,
                change: RateChange(current: Proportion(r.passed, of: r.evaluated),
                                   previous: Proportion(p?.passed ?? 0, of: p?.evaluated ?? 0)))
        }
    }

    // MARK: - Charts

    /// The pass rate of each product over the trend's periods (the last one is the report
    /// period), with its Wilson 95% interval from passed and completed; a gap where a product
    /// has no row or no rate.
    /// Small multiples of the signals "what changed" lists (the significant ones first, at most
    /// `movedChartPanels`), each over the eight periods of signals.csv; nil when none moved.
    static func movedChart(_ w: WhatChanged, signals: QueryResult) throws(VerdictError) -> ChartSpec? {
        let moved = (w.significant + w.smallSample).prefix(Self.movedChartPanels).map(\.signal)
        guard !moved.isEmpty else { return nil }
        var series: [String: [(start: String, numerator: Int, denominator: Int)]] = [:]
        let wanted = Set(moved)
        for r in try SignalRow.decode(signals) where wanted.contains(r.signal) {
            series[r.signal, default: []].append((r.periodStart, r.numerator, r.denominator))
        }
        let panels = moved.compactMap { name in
            series[name].map { points in
                (name: name, categories: points.map(\.start), points: points.map { (numerator: $0.numerator, denominator: $0.denominator) })
            }
        }
        guard !panels.isEmpty else { return nil }
        return ChartSpec.smallMultiples(name: "signals_moved", title: "Signals that moved (95% intervals)", signals: panels)
    }

    static let movedChartPanels = 6

    static func trendChart(_ rows: [TrendRow]) -> ChartSpec {
        var periods: [String] = []
        var column: [String: Int] = [:]
        for r in rows where column[r.periodStart] == nil {
            column[r.periodStart] = periods.count
            periods.append(r.periodStart)
        }
        let series = Product.allCases.map { product in
            var values = [Double?](repeating: nil, count: periods.count)
            var intervals = [Interval?](repeating: nil, count: periods.count)
            for r in rows where r.product == product.code {
                let i = column[r.periodStart]!
                values[i] = r.passRate
                intervals[i] = r.passRate == nil ? nil : Proportion(r.passed, of: r.completed).interval
            }
            return ChartSpec.Series(name: product.code, values: values, intervals: intervals)
        }
        return ChartSpec(name: "pass_rate_trend", kind: .lines, title: "Pass rate of completed transactions",
                         categories: periods, series: series, values: .rates,
                         categoryAxis: "first day of each period", valueAxis: "passed / completed, with 95% interval")
    }

    static func histogramChart(_ rows: [HistogramRow]) -> ChartSpec {
        ChartSpec(name: "quality_histogram", kind: .bars, title: "VideoVerify face quality",
                  categories: rows.map { "\($0.low)–\($0.high)" },
                  series: [ChartSpec.Series(name: "transactions", values: rows.map { Double($0.transactions) })], values: .counts,
                  categoryAxis: "face quality score", valueAxis: "transactions")
    }

    /// The 12 most frequent reasons (the query orders them).
    static func failureChart(_ rows: [FailureReasonRow]) -> ChartSpec {
        let top = rows.prefix(12)
        return ChartSpec(name: "failure_reasons", kind: .horizontalBars, title: "ID Recognition failures by recognitionErrorCode",
                         categories: top.map(\.errorCode),
                         series: [ChartSpec.Series(name: "failures", values: top.map { Double($0.failures) })], values: .counts,
                         valueAxis: "failed transactions")
    }

    // MARK: - Notes

    static func notes(_ rows: [DataQualityRow], outcomes: [OutcomeRow]) -> [ReportNote] {
        var refused = 0, undated = 0, warnings = 0
        for r in rows {
            switch r.kind {
            case "refused": refused += r.count
            case "refused_undated": undated += r.count
            case "warning": warnings += r.count
            default: break
            }
        }
        var notes: [ReportNote] = [.refusedLines(dated: refused, undated: undated), .invalidFields(warnings)]
        for r in outcomes where r.pending > 0 {
            notes.append(.pending(product: r.product, transactions: r.pending))
        }
        return notes
    }
}
