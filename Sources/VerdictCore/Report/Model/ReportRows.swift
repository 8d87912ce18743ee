/// The rows of the queries the report interprets (beyond showing them as tables), each
/// decoded once into a small struct. Their column names appear here and nowhere else.
///
/// A query file that replaces a built-in one (`--queries DIR`) must return at least the
/// columns listed in `columns`; when it does not, or a cell holds another type than the
/// report expects, the report stops with an error naming the file.
protocol QueryRow {
    /// The query it comes from.
    static var query: String { get }
    /// The columns it reads.
    static var columns: [String] { get }
    init(_ fields: RowFields) throws(VerdictError)
}

extension QueryRow {
    /// Every row of `result`, or of `rows` when given (a folded table's shown rows).
    static func decode(_ result: QueryResult) throws(VerdictError) -> [Self] {
        try decode(columns: result.columns, rows: result.rows, source: result.source)
    }

    static func decode(_ table: ReportTable, rows: [[Cell]]) throws(VerdictError) -> [Self] {
        try decode(columns: table.columns.map(\.name), rows: rows, source: table.source)
    }

    static func decode(columns: [String], rows: [[Cell]], source: String) throws(VerdictError) -> [Self] {
        var index: [String: Int] = [:]
        for (i, c) in columns.enumerated() where index[c] == nil { index[c] = i }
        let missing = Self.columns.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw VerdictError(.query, "\(source): has no column " + missing.joined(separator: ", ") + ", which the report reads from \(query)",
                               hint: "a query that replaces the built-in \(query) returns at least " + Self.columns.joined(separator: ", "))
        }
        var out: [Self] = []
        out.reserveCapacity(rows.count)
        for (n, row) in rows.enumerated() {
            out.append(try Self(RowFields(cells: row, index: index, row: n + 1, source: source)))
        }
        return out
    }
}

/// The cells of one row, read by column name and type.
struct RowFields {
    let cells: [Cell]
    let index: [String: Int]
    /// 1 for the first row.
    let row: Int
    let source: String

    /// A whole number; no value is 0 (SQL's sum of nothing).
    func count(_ column: String) throws(VerdictError) -> Int {
        switch cells[index[column]!] {
        case .integer(let i): return Int(i)
        case .null: return 0
        case let other: throw mismatch(column, other, expected: "a whole number")
        }
    }

    /// A number, or nil when there is no value (a rate over nothing).
    func rate(_ column: String) throws(VerdictError) -> Double? {
        switch cells[index[column]!] {
        case .real(let d): return d
        case .integer(let i): return Double(i)
        case .null: return nil
        case let other: throw mismatch(column, other, expected: "a number")
        }
    }

    /// Text; no value is the empty text.
    func text(_ column: String) throws(VerdictError) -> String {
        switch cells[index[column]!] {
        case .text(let s): return s
        case .null: return ""
        case let other: throw mismatch(column, other, expected: "text")
        }
    }

    func mismatch(_ column: String, _ cell: Cell, expected: String) -> VerdictError {
        let found: String
        switch cell {
        case .text: found = "text"
        case .real: found = "a decimal number"
        case .integer: found = "a whole number"
        case .null: found = "no value"
        }
        return VerdictError(.query, "\(source): column \(column) holds \(found) on row \(row), where the report expects \(expected)")
    }
}

/// A product's transactions of the period by how they ended.
struct OutcomeRow: QueryRow {
    static let query = "outcomes"
    static let columns = ["product", "transactions", "completed", "passed", "failed", "pending", "api_error", "pass_rate"]
    var product: String
    var transactions, completed, passed, failed, pending, apiError: Int
    var passRate: Double?

    init(_ f: RowFields) throws(VerdictError) {
        product = try f.text("product")
        transactions = try f.count("transactions")
        completed = try f.count("completed")
        passed = try f.count("passed")
        failed = try f.count("failed")
        pending = try f.count("pending")
        apiError = try f.count("api_error")
        passRate = try f.rate("pass_rate")
    }
}

/// A product in one period of the trend.
struct TrendRow: QueryRow {
    static let query = "trend"
    static let columns = ["period_start", "product", "completed", "passed", "pass_rate"]
    /// The period's first day, ISO 8601.
    var periodStart: String
    var product: String
    var completed, passed: Int
    var passRate: Double?

    init(_ f: RowFields) throws(VerdictError) {
        periodStart = try f.text("period_start")
        product = try f.text("product")
        completed = try f.count("completed")
        passed = try f.count("passed")
        passRate = try f.rate("pass_rate")
    }
}

/// A bucket of face-quality scores.
struct HistogramRow: QueryRow {
    static let query = "quality_histogram"
    static let columns = ["bucket_lo", "bucket_hi", "transactions"]
    var low, high, transactions: Int

    init(_ f: RowFields) throws(VerdictError) {
        low = try f.count("bucket_lo")
        high = try f.count("bucket_hi")
        transactions = try f.count("transactions")
    }
}

/// A recognitionErrorCode and how many ID Recognition transactions failed with it.
struct FailureReasonRow: QueryRow {
    static let query = "id_failure_reasons"
    static let columns = ["error_code", "failures"]
    var errorCode: String
    var failures: Int

    init(_ f: RowFields) throws(VerdictError) {
        errorCode = try f.text("error_code")
        failures = try f.count("failures")
    }
}

/// An anti-spoofing check: how many transactions it evaluated and passed.
struct SpoofCheckRow: QueryRow {
    static let query = "spoof_checks"
    static let columns = ["check", "evaluated", "passed", "pass_rate"]
    var check: String
    var evaluated, passed: Int
    var passRate: Double?

    init(_ f: RowFields) throws(VerdictError) {
        check = try f.text("check")
        evaluated = try f.count("evaluated")
        passed = try f.count("passed")
        passRate = try f.rate("pass_rate")
    }
}

/// A count of what ingest could not use (`refused`, `refused_undated`, `warning`).
struct DataQualityRow: QueryRow {
    static let query = "data_quality"
    static let columns = ["kind", "count"]
    var kind: String
    var count: Int

    init(_ f: RowFields) throws(VerdictError) {
        kind = try f.text("kind")
        count = try f.count("count")
    }
}

/// How much of the period the data covers (Queries/coverage.sql).
struct CoverageRow: QueryRow {
    static let query = "coverage"
    static let columns = ["transactions", "first_poll", "last_poll", "latest_poll"]
    var transactions: Int
    var firstPoll, lastPoll, latestPoll: Int64?

    init(_ f: RowFields) throws(VerdictError) {
        transactions = try f.count("transactions")
        firstPoll = try f.instant("first_poll")
        lastPoll = try f.instant("last_poll")
        latestPoll = try f.instant("latest_poll")
    }
}

/// A signal of this period against the previous one (changes.csv, `SignalChanges`).
struct ChangeRow: QueryRow {
    static let query = "changes"
    static let columns = SignalChanges.columns
    var signal: String
    var numerator, denominator, previousNumerator, previousDenominator: Int
    var changePoints, z, p: Double?
    var smallSample, significant: Bool

    init(_ f: RowFields) throws(VerdictError) {
        signal = try f.text("signal")
        numerator = try f.count("numerator")
        denominator = try f.count("denominator")
        previousNumerator = try f.count("previous_numerator")
        previousDenominator = try f.count("previous_denominator")
        changePoints = try f.rate("change_pp")
        z = try f.rate("z")
        p = try f.rate("p_value")
        smallSample = try f.count("small_sample") != 0
        significant = try f.count("significant") != 0
    }
}

extension RowFields {
    /// An instant in epoch milliseconds, nil when there is no value.
    func instant(_ column: String) throws(VerdictError) -> Int64? {
        switch cells[index[column]!] {
        case .integer(let i): return i
        case .null: return nil
        case let other: throw mismatch(column, other, expected: "an instant in epoch milliseconds")
        }
    }
}

/// A signal in one period (Queries/signals.sql).
struct SignalRow: QueryRow {
    static let query = "signals"
    static let columns = ["signal", "period_start", "numerator", "denominator"]
    var signal, periodStart: String
    var numerator, denominator: Int

    init(_ f: RowFields) throws(VerdictError) {
        signal = try f.text("signal")
        periodStart = try f.text("period_start")
        numerator = try f.count("numerator")
        denominator = try f.count("denominator")
    }
}
