extension Cell {
    /// The value as plain text, for messages such as a data check's offending row: empty for
    /// NULL, digits for an integer, the shortest decimal that reads back as the same real,
    /// and text as it is, with line breaks and tabs written `\n`, `\r`, `\t` so that the
    /// value stays on its line. (Files have their own formats: CSVWriter, Markdown.)
    public var plainText: String {
        switch self {
        case .null: return ""
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .text(let s):
            guard s.unicodeScalars.contains(where: { Cell.escapes[$0] != nil }) else { return s }
            var out = ""
            for u in s.unicodeScalars {
                if let escaped = Cell.escapes[u] { out += escaped } else { out.unicodeScalars.append(u) }
            }
            return out
        }
    }

    private static let escapes: [Unicode.Scalar: String] = ["\n": "\\n", "\r": "\\r", "\t": "\\t"]
}
