/// Query results as JSON: an array of objects, one per row, values typed as in SQLite.
public enum JSONOutput {
    public static func render(_ r: QueryResult) -> String {
        let rows = r.rows.map { row in
            "{" + zip(r.columns, row).map { c, v in JSONText.quote(c) + ": " + value(v) }.joined(separator: ", ") + "}"
        }
        return "[" + rows.joined(separator: ",\n ") + "]"
    }

    static func value(_ v: Cell) -> String {
        switch v {
        case .null: "null"
        case .integer(let i): String(i)
        case .real(let d): d.isFinite ? String(d) : "null"
        case .text(let s): JSONText.quote(s)
        }
    }
}
