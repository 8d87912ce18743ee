/// The plain-text part of a report's message, from the `ReportModel`: what changed, the
/// alerts, what the period covers, and the files (attached, left out, or only in DIR).
/// Numbers read as they do in report.md (`ReportFormat`).
public enum MailSummary {
    /// What the summary needs besides the model.
    public struct Facts: Sendable {
        public var directory: String
        /// Files attached to the message, in order.
        public var attached: [String]
        /// Files left out of the message by the size limit, with their sizes.
        public var leftOut: [(name: String, bytes: Int)]
        /// The size limit that left them out.
        public var sizeLimit: Int
        /// Files written into DIR that are not attached (report.md, the charts, ...).
        public var notAttached: [String]
        /// One line per alert that fired; nil when no alert rules were given.
        public var alerts: [String]?

        public init(directory: String, attached: [String], leftOut: [(name: String, bytes: Int)] = [], sizeLimit: Int,
                    notAttached: [String], alerts: [String]? = nil) {
            (self.directory, self.attached, self.leftOut, self.sizeLimit) = (directory, attached, leftOut, sizeLimit)
            (self.notAttached, self.alerts) = (notAttached, alerts)
        }
    }

    public static func render(_ model: ReportModel, _ facts: Facts) -> String {
        let p = model.period
        var s = "Verdict report \(p.label) (\(p.zone)): \(p.firstDay.isoDate) to \(p.lastDay.isoDate), compared with \(p.previousLabel).\n"

        s += "\nWhat changed\n"
        if model.headline.isEmpty { s += "- No transactions in this period or the previous one.\n" }
        for h in model.headline {
            var line = "- \(h.product): pass rate \(ReportFormat.percent(h.change.current.rate))"
            if let interval = h.change.current.interval { line += " (95% interval \(ReportFormat.interval(interval)))" }
            line += ", \(ReportFormat.points(h.change.points)) against \(p.previousLabel)"
            if h.change.previous.rate != nil { line += " (\(ReportFormat.percent(h.change.previous.rate)))" }
            line += ": " + ReportFormat.significance(h.change) + ".\n"
            s += line
        }
        for c in model.spoofChecks ?? [] where !c.isOther && c.change.isSignificant {
            s += "- Spoof check \(ReportFormat.withoutNUL(c.check)): pass rate \(ReportFormat.percent(c.change.current.rate)), \(ReportFormat.points(c.change.points)): " + ReportFormat.significance(c.change) + ".\n"
        }

        s += "\nAlerts\n"
        switch facts.alerts {
        case nil: s += "- No alert rules were given.\n"
        case let lines? where lines.isEmpty: s += "- None fired.\n"
        case let lines?: for l in lines { s += "- " + l + "\n" }
        }

        s += "\nCoverage\n"
        let total = model.headline.reduce(0) { $0 + $1.transactions }
        s += "- \(total) transactions in the period"
        if !model.headline.isEmpty {
            s += " (" + model.headline.map { "\($0.product) \($0.transactions): \($0.completed) completed, \($0.pending) pending, \($0.apiError) API errors" }.joined(separator: "; ") + ")"
        }
        s += ".\n"
        for note in model.notes {
            switch note {
            case .refusedLines(let dated, let undated) where dated + undated > 0:
                s += "- \(dated) refused lines dated in the period" + (undated > 0 ? ", \(undated) without a readable time" : "") + ".\n"
            case .invalidFields(let n) where n > 0:
                s += "- \(n) invalid fields on the period's polls, counted as absent.\n"
            default: break
            }
        }

        s += "\nFiles\n"
        if !facts.attached.isEmpty { s += "- Attached: " + facts.attached.joined(separator: ", ") + ".\n" }
        if !facts.leftOut.isEmpty {
            s += "- Left out of this message, which would otherwise pass the limit of \(megabytes(facts.sizeLimit)): "
            s += facts.leftOut.map { "\($0.name) (\(megabytes($0.bytes)))" }.joined(separator: ", ") + "; they are in the report directory.\n"
        }
        if !facts.notAttached.isEmpty { s += "- Also in the report directory: " + facts.notAttached.joined(separator: ", ") + ".\n" }
        s += "- Report directory: \(facts.directory)\n"
        return s
    }

    /// `10.0 MB` (decimal megabytes, one decimal).
    static func megabytes(_ bytes: Int) -> String {
        ReportFormat.fixed(Double(bytes) / 1_000_000, 1) + " MB"
    }
}
