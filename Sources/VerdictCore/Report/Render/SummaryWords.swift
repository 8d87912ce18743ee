/// The words of the "what changed" summary that opens every report: the period and its
/// coverage, the headline pass rates, then the signals that moved. report.md, report.html and
/// the mail's plain text all say it with these sentences and table rows, each in its own
/// markup.
public enum SummaryWords {
    /// The period and what the data covers, as sentences (log text never appears here).
    public static func coverage(_ model: ReportModel) -> [String] {
        let p = model.period
        var out = ["\(p.label): \(p.firstDay.isoDate) to \(p.lastDay.isoDate) (\(p.zone)), compared with \(p.previousLabel)."]
        guard let c = model.coverage else { return out }
        if c.isEmpty {
            out.append("This period has no data: no transaction started in it.")
        } else {
            out.append("\(c.transactions) transaction(s), the first started \(ReportFormat.instant(c.firstPoll)) and the last \(ReportFormat.instant(c.lastPoll)).")
        }
        if !c.complete {
            if let latest = c.latestPoll, latest >= c.periodStart {
                var s = "Partial period: the data ends \(ReportFormat.instant(latest)), \(ReportFormat.duration(c.periodEnd - latest)) before the period does (\(ReportFormat.percent(c.coveredFraction)) of it covered)"
                if c.coveredFraction < 0.95 { s += "; every comparison with \(p.previousLabel) sets this part against a whole period" }
                out.append(s + ".")
            } else if !c.isEmpty || c.latestPoll != nil {
                out.append("Partial period: no data from after it has arrived yet.")
            } else {
                out.append("The database holds no transactions at all.")
            }
        }
        return out
    }

    /// "Pass rates: ID_RECOGNITION 81.2% (previous 83.0%, -1.8 pp), ..."; nil without a headline.
    public static func passRates(_ model: ReportModel) -> String? {
        guard !model.headline.isEmpty else { return nil }
        let parts = model.headline.map { h in
            var s = "\(h.product) " + ReportFormat.percent(h.passRate)
            if h.change.current.isSmallSample { s += " on a small sample" }
            s += " (previous " + ReportFormat.percent(h.previous?.passRate) + ", " + ReportFormat.points(h.change.points) + ")"
            return s
        }
        return "Pass rates: " + parts.joined(separator: "; ") + "."
    }

    public static let moveColumns = ["signal", "rate", "previous", "change", "p", "transactions (now / before)"]
    /// The right-aligned columns of `moveColumns`.
    public static let moveNumeric: Set<Int> = [1, 2, 3, 4, 5]

    /// One signal as the summary lists it.
    public static func moveRow(_ m: SignalMove) -> [String] {
        [m.signal, ReportFormat.percent(m.current.rate, digits: 2), ReportFormat.percent(m.previous.rate, digits: 2),
         ReportFormat.points(m.changePoints), ReportFormat.pValue(m.p),
         "\(m.current.trials) / \(m.previous.trials)"]
    }

    public static let significantTitle = "Moved significantly (p < 0.05 on samples of 30 or more), largest |z| first:"
    public static let nothingSignificant = "No signal moved significantly against the previous period."
    public static let smallSampleTitle = "Moved by \(Int(WhatChanged.smallSampleMove)) points or more on a small sample (under 30 transactions: not conclusive):"

    public static let alertColumns = ["rule", "severity", "signal", "rate", "baseline", "change", "p"]
    public static let alertNumeric: Set<Int> = [3, 4, 5, 6]

    /// The firings of the report's alert rules (error ones first), or nil when it was given none.
    public static func firings(_ model: ReportModel) -> [AlertResult] {
        model.alerts.filter(\.fired).sorted { a, b in a.severity == .error && b.severity != .error }
    }

    public static func alertsTitle(_ model: ReportModel) -> String? {
        guard !model.alerts.isEmpty else { return nil }
        let fired = firings(model)
        if fired.isEmpty { return "No alert rule fired (\(Set(model.alerts.map(\.rule.name)).count) rule(s) evaluated; see alerts.csv)." }
        let errors = fired.filter { $0.severity == .error }.count
        return "Alerts fired: \(fired.count) (\(errors) of severity error):"
    }

    public static func alertRow(_ r: AlertResult) -> [String] {
        let baseline: String, change: String
        switch r.rule.when {
        case .up, .down:
            baseline = ReportFormat.percent(r.baselineRate, digits: 2)
            change = ReportFormat.points(r.changePP)
        case .above, .below:
            baseline = r.rule.when.rawValue + " " + ReportFormat.percent(r.rule.value, digits: 2)
            change = ReportFormat.none
        }
        return [r.rule.name, r.severity.rawValue, r.signal, ReportFormat.percent(r.rate, digits: 2), baseline, change,
                ReportFormat.pValue(r.test?.p)]
    }

    /// "…and 4 more in changes.csv." when a list is cut; nil when it is not.
    public static func more(_ total: Int) -> String? {
        total > WhatChanged.shown ? "…and \(total - WhatChanged.shown) more in changes.csv." : nil
    }
}
