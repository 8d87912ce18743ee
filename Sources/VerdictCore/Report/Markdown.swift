/// GitHub-flavoured Markdown output that log text cannot break.
public enum Markdown {
    /// Escapes a value for a table cell: `|` and backticks are escaped, HTML is
    /// entity-encoded, and line breaks become spaces, so a crafted value can neither
    /// end the cell nor inject markup. A NUL becomes U+FFFD (as CommonMark renders it),
    /// other control characters a space.
    public static func cell(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "|": out += "\\|"
            case "`": out += "\\`"
            case "\\": out += "\\\\"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "*": out += "\\*"
            case "_": out += "\\_"
            case "[": out += "\\["
            case "]": out += "\\]"
            case "\n", "\r", "\t": out += " "
            case "\u{0}": out += "\u{FFFD}"
            default:
                if ch.value < 0x20 || ch.value == 0x7F { out += " " } else { out.unicodeScalars.append(ch) }
            }
        }
        return out.isEmpty ? " " : out
    }

    /// A table from headers and already formatted cells (escaped here).
    public static func table(_ headers: [String], _ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        guard !headers.isEmpty else { return "" }
        var s = "| " + headers.map(cell).joined(separator: " | ") + " |\n"
        s += "|" + headers.indices.map { rightAligned.contains($0) ? " ---: " : " --- " }.joined(separator: "|") + "|\n"
        for r in rows {
            s += "| " + r.map(cell).joined(separator: " | ") + " |\n"
        }
        return s
    }

    /// A query result as a table: rates (columns named *rate or share, or reals in [0, 1]
    /// under such names) as percentages, other reals with two decimals, counts as they are.
    public static func table(_ result: QueryResult) -> String {
        if result.rows.isEmpty { return "No rows for this period.\n" }
        let numeric = Set(result.columns.indices.filter { c in
            result.rows.contains { r in if case .text = r[c] { return false }; return true }
        })
        let rows = result.rows.map { row in
            row.enumerated().map { c, v in format(v, column: result.columns[c]) }
        }
        return table(result.columns, rows, rightAligned: numeric)
    }

    static func isRate(_ column: String) -> Bool {
        column.hasSuffix("rate") || column == "share" || column.hasPrefix("share_")
    }

    public static func format(_ v: Cell, column: String) -> String {
        switch v {
        case .null: return "–"
        case .integer(let i): return String(i)
        case .real(let d): return isRate(column) ? percent(d) : fixed(d, 2)
        case .text(let s): return s.utf8.contains(0) ? CSVWriter.withoutNUL(s) : s
        }
    }

    public static func percent(_ d: Double?, digits: Int = 1) -> String {
        guard let d, d.isFinite else { return "–" }
        return fixed(d * 100, digits) + "%"
    }

    public static func fixed(_ d: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (d * scale).rounded() / scale
        var s = String(r)
        if s.contains("e") { return String(d) }
        if !s.contains(".") { s += "." }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        var frac = String(parts[1])
        while frac.count < digits { frac += "0" }
        return digits == 0 ? String(parts[0]) : parts[0] + "." + frac.prefix(digits)
    }
}
