/// One column of a report table: its name and what it holds.
public struct ReportColumn: Sendable, Equatable {
    public var name: String
    public var kind: ColumnKind

    public init(_ name: String, _ kind: ColumnKind) {
        self.name = name
        self.kind = kind
    }
}

/// A query's result as the report holds it: every row (what its CSV file writes), each
/// column's kind, and, when there are too many rows for a person to read, the rows a table
/// shows: the largest counts and one "other (K more)" row.
public struct ReportTable: Sendable, Equatable {
    public var name: String
    /// How messages name the query behind it (`query NAME`, or its file).
    public var source: String
    public var columns: [ReportColumn]
    /// Every row, in the query's order, with the types SQLite gave the cells.
    public var rows: [[Cell]]
    /// Set when the table is shown folded.
    public var fold: Fold?

    /// The rows a folded table keeps, and the row that stands for the others.
    public struct Fold: Sendable, Equatable {
        /// Indices into `rows`, in the query's order.
        public var kept: [Int]
        /// "other (K more)" in the first text column, the sums of the counts left out, empty
        /// text and no value elsewhere (rates and statistics do not add up).
        public var other: [Cell]
        public var omitted: Int
    }

    /// Rows a table shows before folding the rest into one row.
    public static let shownRows = 20

    /// The table of `result`. With `foldAbove` set, a result of more than `foldAbove` + 1
    /// rows is folded: it shows the `foldAbove` rows with the largest first count (the first
    /// count column whose cells are all whole numbers; ties, and a result without counts,
    /// keep the query's first rows), in the query's order, then the "other" row. One sort,
    /// so this grows as n log n whatever the number of rows.
    public init(_ result: QueryResult, foldAbove limit: Int? = ReportTable.shownRows) {
        name = result.name
        source = result.source
        rows = result.rows
        columns = zip(result.columns, Self.kinds(result)).map { ReportColumn($0, $1) }
        fold = limit.flatMap { Self.fold(columns: columns, rows: rows, limit: $0) }
    }

    public init(name: String, source: String? = nil, columns: [ReportColumn], rows: [[Cell]], fold: Fold? = nil) {
        self.name = name
        self.source = source ?? "query " + name
        self.columns = columns
        self.rows = rows
        self.fold = fold
    }

    /// The rows as a table shows them: all, or the kept ones and the "other" row.
    public var shownRows: [[Cell]] {
        guard let fold else { return rows }
        return fold.kept.map { rows[$0] } + [fold.other]
    }

    /// Each column's kind: as the query declares it, else as its cells are (text, whole
    /// numbers, decimals; a column without values counts as a statistic). A column holding
    /// text is text whatever it was declared, unless declared a date.
    static func kinds(_ result: QueryResult) -> [ColumnKind] {
        result.columns.indices.map { c in
            var text = false, real = false, integer = false
            for row in result.rows {
                switch row[c] {
                case .text: text = true
                case .real: real = true
                case .integer: integer = true
                case .null: break
                }
            }
            let declared = result.declared.kinds[result.columns[c]]
            if text { return declared == .date ? .date : .text }
            if let declared { return declared }
            return real ? .statistic : integer ? .integer : .statistic
        }
    }

    static func fold(columns: [ReportColumn], rows: [[Cell]], limit: Int) -> Fold? {
        guard rows.count > limit + 1 else { return nil }
        let rankColumn = columns.indices.first { c in
            columns[c].kind == .count && rows.allSatisfy { if case .integer = $0[c] { return true }; return false }
        }
        let kept: [Int]
        if let c = rankColumn {
            let ranked = rows.indices.sorted { a, b in
                let x = rows[a][c].int ?? 0, y = rows[b][c].int ?? 0
                return x != y ? x > y : a < b
            }
            kept = Array(ranked.prefix(limit)).sorted()
        } else {
            kept = Array(0..<limit)
        }
        var keep = [Bool](repeating: false, count: rows.count)
        for i in kept { keep[i] = true }
        let omitted = rows.count - kept.count
        let labelColumn = columns.indices.first { !columns[$0].kind.isNumeric } ?? 0
        let other: [Cell] = columns.indices.map { c in
            if c == labelColumn { return .text("other (\(omitted) more)") }
            switch columns[c].kind {
            case .count:
                var sum: Int64 = 0
                for (i, row) in rows.enumerated() where !keep[i] { sum &+= row[c].int.map(Int64.init) ?? 0 }
                return .integer(sum)
            case .text, .date: return .text("")
            case .integer, .rate, .statistic: return .null
            }
        }
        return Fold(kept: kept, other: other, omitted: omitted)
    }
}
