import Foundation

/// What alerts say to people: the line of a firing on standard error, the warning for a
/// rule that matches nothing, and `verdict alerts --explain`.
///
/// Rates are percentages with two decimals (`12.50%`), changes signed percentage points with
/// two decimals (`+9.40 pp`), p-values with three decimals, or two significant digits in
/// scientific notation below 0.001 (`p = 3.1e-07`). Rule and signal names are shown with
/// control characters replaced, so a message stays one line.
public enum AlertText {
    /// `verdict: alert: <rule>: <signal> 12.50% (baseline 3.10%, +9.40 pp, p = 3.1e-07)`;
    /// for above/below rules the threshold instead: `… 7.10% (above 5.00%)`.
    public static func firing(_ r: AlertResult) -> String {
        var s = "verdict: alert: " + oneLine(r.rule.name) + ": " + oneLine(r.signal) + " " + percent(r.rate)
        switch r.rule.when {
        case .up, .down:
            s += " (baseline " + percent(r.baselineRate) + ", " + points(r.changePP) + ", p = " + pValue(r.test?.p) + ")"
        case .above, .below:
            s += " (" + r.rule.when.rawValue + " " + percent(r.rule.value) + ")"
        }
        return s
    }

    /// `verdict: warning: FILE: line N: rule 'x' matches no signal with data in 2026-11-09 or its baseline (...)`.
    public static func unmatched(_ rule: AlertRule, file: String, period: String) -> String {
        "verdict: warning: " + oneLine(file) + ": line \(rule.line): rule '" + oneLine(rule.name) + "' matches no signal ("
            + oneLine(rule.signal) + ") with data in the period of " + period + " or its baseline"
            + " (check the name against signals.csv)"
    }

    /// Every rule, in the file's order, with each signal it matches: the observed rate, the
    /// baseline, the statistic, the guards and the outcome (`verdict alerts --explain`).
    public static func explanation(_ e: AlertEvaluation) -> String {
        let period = e.periods.last ?? "?"
        var out = "Alert rules of \(oneLine(e.rules.file)) for the period of \(period): \(e.rules.rules.count) rules, "
            + "\(e.results.count) rule/signal pairs, \(e.firings.count) fired"
            + " (\(e.firings.filter { $0.severity == .error }.count) error, \(e.firings.filter { $0.severity == .warn }.count) warn)\n"
        let byRule = Dictionary(grouping: e.results, by: \.rule.name)
        for rule in e.rules.rules {
            out += "\nrule '\(oneLine(rule.name))' (line \(rule.line)): " + describe(rule) + "\n"
            let results = byRule[rule.name] ?? []
            if results.isEmpty {
                out += "  matches no signal with data in the period or its baseline (check the name against signals.csv)\n"
            }
            for r in results { out += explain(r) }
        }
        return out
    }

    /// The rule as it was read, every default filled in.
    static func describe(_ rule: AlertRule) -> String {
        var parts = ["signal " + oneLine(rule.signal), "when " + rule.when.rawValue]
        if rule.when.comparesBaseline {
            parts += ["by_pp " + number(rule.byPP), "p_value " + number(rule.pValue)]
        } else {
            parts.append("value " + number(rule.value ?? 0))
        }
        parts += ["baseline \(rule.baseline)", "min_sample \(rule.minSample)", "severity " + rule.severity.rawValue]
        return parts.joined(separator: ", ")
    }

    static func explain(_ r: AlertResult) -> String {
        let rule = r.rule
        var out = "  " + oneLine(r.signal) + ": " + (r.fired ? "FIRED (\(r.severity.rawValue))" : "not fired: " + r.note!.rawValue) + "\n"
        out += "    observed:  \(r.period): \(r.numerator) / \(r.denominator) = \(percent(r.rate))\n"
        let span = r.baselinePeriods.isEmpty ? "none" : r.baselinePeriods.count == 1 ? r.baselinePeriods[0]
            : "\(r.baselinePeriods.first!) to \(r.baselinePeriods.last!)"
        out += "    baseline:  \(rule.baseline), \(r.baselinePeriods.count) period\(r.baselinePeriods.count == 1 ? "" : "s") pooled (\(span)): "
            + "\(r.baselineNumerator) / \(r.baselineDenominator) = \(percent(r.baselineRate))"
            + (rule.when.comparesBaseline ? "" : " (shown for information)") + "\n"
        switch rule.when {
        case .up, .down:
            let needed = rule.when == .up ? "a rise" : "a fall"
            let moved = r.changePP.map { rule.when == .up ? $0 : -$0 }
            let byPPPass = moved.map { $0 >= 0 && $0 / 100 >= rule.byPP / 100 } ?? false
            out += "    statistic: change \(points(r.changePP)) (needs \(needed) of at least \(number(rule.byPP)) pp: \(byPPPass ? "pass" : "fail"))"
            if let test = r.test {
                out += "; z = " + String(format: "%.2f", test.z) + ", p = " + pValue(test.p)
                    + " (needs at most \(number(rule.pValue)): \(test.p <= rule.pValue ? "pass" : "fail"))\n"
            } else {
                out += "; no z-test (a side without data, or both rates 0% or both 100%)\n"
            }
        case .above, .below:
            let holds = r.rate.map { rule.when == .above ? $0 > rule.value! : $0 < rule.value! } ?? false
            out += "    threshold: rate \(percent(r.rate)) \(rule.when == .above ? ">" : "<") value \(percent(rule.value)): \(holds ? "pass" : "fail")\n"
        }
        out += "    guards:    " + r.guards.map { g in
            "\(g.side.rawValue) denominator \(g.denominator) at least min_sample \(g.minimum)"
                + (g.denominator == 0 ? " and not 0" : "") + ": \(g.passed ? "pass" : "fail")"
        }.joined(separator: "; ") + "\n"
        return out
    }

    static func percent(_ d: Double?) -> String { ReportFormat.percent(d, digits: 2) }

    static func points(_ d: Double?) -> String {
        guard let d else { return ReportFormat.none + " pp" }
        let s = ReportFormat.fixed(d, 2)
        return (s.hasPrefix("-") ? "" : "+") + s + " pp"
    }

    static func pValue(_ p: Double?) -> String {
        guard let p, p.isFinite else { return ReportFormat.none }
        return p >= 0.001 ? ReportFormat.fixed(p, 3) : String(format: "%.1e", p)
    }

    /// A number of a rule as written: `2`, `0.05`.
    static func number(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }

    /// `s` with control characters (C0, DEL, C1, line and paragraph separators) replaced by
    /// U+FFFD, so that a name from a rules file or a log cannot break a message's line.
    public static func oneLine(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars { out.append(isControl(c) ? "\u{FFFD}" : c) }
        return String(out)
    }

    static func isControl(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x20 || (c.value >= 0x7F && c.value < 0xA0) || c.value == 0x2028 || c.value == 0x2029
    }
}
