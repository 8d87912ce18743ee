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

    /// Every row of a query result as a table (`verdict query --format md`): the columns its
    /// file declares rates as percentages, other decimals with two digits, whole numbers as
    /// they are.
    public static func table(_ result: QueryResult) -> String {
        MarkdownRenderer.table(ReportTable(result, foldAbove: nil))
    }
}
