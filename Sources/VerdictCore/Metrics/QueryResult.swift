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

/// What a column holds. A query file declares its counts, rates and dates in its opening
/// comment (`QuerySource.declarations`); a column it does not declare is text, a whole
/// number or a statistic as its cells are. Nothing is inferred from a column's name.
public enum ColumnKind: String, Sendable, Equatable, CaseIterable {
    /// Whole numbers that add up across rows (transactions, failures): `-- Counts:`.
    case count
    /// A whole number that does not add up (a bucket bound, a number of attempts, an hour).
    case integer
    /// A share of something, from 0 to 1 (shown as a percentage): `-- Rates:`.
    case rate
    /// Any other decimal number (a mean, a percentile).
    case statistic
    case text
    /// A day or an instant written as ISO 8601 text: `-- Dates:`.
    case date

    /// Numbers are right-aligned and, for counts, added up; text and dates are not.
    public var isNumeric: Bool { self != .text && self != .date }
}

/// The kinds a query file gives some of its columns, by column name.
public struct ColumnDeclarations: Sendable, Equatable {
    public var kinds: [String: ColumnKind]

    public init(_ kinds: [String: ColumnKind] = [:]) {
        self.kinds = kinds
    }

    public static let none = ColumnDeclarations()
}

/// The rows a query returned, with its column names.
public struct QueryResult: Sendable, Equatable {
    public var name: String
    public var columns: [String]
    public var rows: [[Cell]]
    /// How messages name the query: `query NAME` when built in, else its file.
    public var source: String
    /// The column kinds its file declares.
    public var declared: ColumnDeclarations

    public init(name: String, columns: [String], rows: [[Cell]], source: String? = nil, declared: ColumnDeclarations = .none) {
        self.name = name
        self.columns = columns
        self.rows = rows
        self.source = source ?? "query " + name
        self.declared = declared
    }
}
