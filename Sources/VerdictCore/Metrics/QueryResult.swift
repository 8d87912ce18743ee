/// One value of a result: typed as SQLite returned it, which decides how it is written.
public enum Cell: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var double: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .real(let d): d
        default: nil
        }
    }

    public var int: Int? {
        if case .integer(let i) = self { return Int(i) }
        return nil
    }

    public var string: String? {
        if case .text(let s) = self { return s }
        return nil
    }
}

/// The rows a query returned, with its column names.
public struct QueryResult: Sendable, Equatable {
    public var name: String
    public var columns: [String]
    public var rows: [[Cell]]

    public init(name: String, columns: [String], rows: [[Cell]]) {
        self.name = name
        self.columns = columns
        self.rows = rows
    }

    /// The value in `column` of row `row`.
    public func value(_ row: Int, _ column: String) -> Cell {
        guard let c = columns.firstIndex(of: column), row < rows.count else { return .null }
        return rows[row][c]
    }

    /// Rows as dictionaries, for templates.
    public var records: [[String: Cell]] {
        rows.map { Dictionary(uniqueKeysWithValues: zip(columns, $0)) }
    }
}
