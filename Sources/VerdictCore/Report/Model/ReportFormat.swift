/// How numbers and log text read in the outputs meant for people (report.md today; an HTML
/// page or a mail summary would use the same words). CSV files, which programs read, have
/// rules of their own (`CSVWriter`).
public enum ReportFormat {
    /// "–" where there is no value.
    public static let none = "–"

    /// A cell of a table: no value "–"; a whole number as it is; a rate as a percentage with
    /// one decimal; another decimal with two; text as it is, a NUL replaced.
    public static func cell(_ value: Cell, kind: ColumnKind) -> String {
        switch value {
        case .null: none
        case .integer(let i): String(i)
        case .real(let d): kind == .rate ? percent(d) : fixed(d, 2)
        case .text(let s): s.utf8.contains(0) ? withoutNUL(s) : s
        }
    }

    /// A share from 0 to 1 as a percentage: `0.4` → `40.0%`; "–" when absent or not finite.
    public static func percent(_ d: Double?, digits: Int = 1) -> String {
        guard let d, d.isFinite else { return none }
        return fixed(d * 100, digits) + "%"
    }

    /// `d` rounded half away from zero to `digits` decimals, always written with them; an
    /// infinity or NaN (a user's query may make one) is "–", as CSV leaves it empty, and a
    /// negative zero is written without its sign.
    public static func fixed(_ d: Double, _ digits: Int) -> String {
        guard d.isFinite else { return none }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (d * scale).rounded() / scale + 0.0
        var s = String(r == 0 ? 0.0 : r)
        if s.contains("e") { return String(d) }
        if !s.contains(".") { s += "." }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        var frac = String(parts[1])
        while frac.count < digits { frac += "0" }
        return digits == 0 ? String(parts[0]) : parts[0] + "." + frac.prefix(digits)
    }

    /// A 95% interval: `11.8%–76.9%`, or "–" when there is none.
    public static func interval(_ interval: Interval?) -> String {
        guard let interval else { return none }
        return percent(interval.low) + "–" + percent(interval.high)
    }

    /// An instant as RFC 3339 in UTC to the second (`2026-11-12T14:03:05Z`); "–" when absent.
    public static func instant(_ ms: Int64?) -> String {
        guard let ms else { return none }
        let dayMs: Int64 = 86_400_000
        let days = ms >= 0 ? ms / dayMs : -((-ms + dayMs - 1) / dayMs)
        let secs = Int((ms - days * dayMs) / 1000)
        return CalendarDay(days: Int(days)).isoDate + "T" + Timestamp.pad(secs / 3600, 2) + ":" + Timestamp.pad(secs / 60 % 60, 2)
            + ":" + Timestamp.pad(secs % 60, 2) + "Z"
    }

    /// A length of time in its two largest units: `3 days 4 hours`, `38 seconds`.
    public static func duration(_ ms: Int64) -> String {
        let s = max(0, ms / 1000)
        let units: [(Int64, String)] = [(86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second")]
        var parts: [String] = []
        var rest = s
        for (size, name) in units where parts.count < 2 {
            let n = rest / size
            if n > 0 || (!parts.isEmpty) {
                if n > 0 { parts.append("\(n) \(name)" + (n == 1 ? "" : "s")) }
                rest -= n * size
                if !parts.isEmpty && n == 0 { break }
            }
        }
        return parts.isEmpty ? "less than a second" : parts.joined(separator: " ")
    }

    /// A p-value: `p < 0.001`, `p = 0.036`; "–" when there is none.
    public static func pValue(_ p: Double?) -> String {
        guard let p, p.isFinite else { return none }
        return p < 0.001 ? "< 0.001" : fixed(p, 3)
    }

    /// A change in percentage points: `+25.0 pp`, `-3.2 pp`, or "–" when it cannot be said.
    public static func points(_ change: Double?) -> String {
        guard let change else { return none }
        return (change >= 0 ? "+" : "") + fixed(change, 1) + " pp"
    }

    /// What a comparison of two periods found: "significant (z = 2.10, p = 0.036)", "not
    /// significant (…), small sample", or why nothing can be said.
    public static func significance(_ change: RateChange) -> String {
        switch change.test {
        case .noComparison: return "no comparison (a period has no completed transactions)"
        case .noVariance: return "no change to test"
        case .zTest(let z, let p):
            let pText = p < 0.001 ? "p < 0.001" : "p = " + fixed(p, 3)
            var s = (change.isSignificant ? "significant" : "not significant") + " (z = " + fixed(z, 2) + ", " + pText + ")"
            if change.smallSample { s += ", small sample" }
            return s
        }
    }

    /// `s` with every NUL replaced by U+FFFD (the replacement character): many readers end
    /// a cell, a line or the file at a NUL.
    public static func withoutNUL(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars { out.append(c == "\u{0}" ? "\u{FFFD}" : c) }
        return String(out)
    }
}
