import Foundation
import VerdictLibCSV

/// Writes query results as CSV the way docs/METRICS.md specifies.
///
/// UTF-8, comma-separated, `\n` line ends, quoting (through libcsv) only where RFC 4180
/// requires it. Integers are written plainly, reals with six decimals, NULL as an empty
/// cell. Text cells start with `=`, `+`, `-`, `@`, a tab or a carriage return get a
/// leading `'` so spreadsheets do not run them as formulas (OWASP); numbers never change.
/// A NUL character (which a log value may carry as `\u0000`) is written as U+FFFD: many
/// CSV readers end a cell or the file at a NUL byte.
public enum CSVWriter {
    public static func render(_ result: QueryResult) -> String {
        render(columns: result.columns, rows: result.rows)
    }

    /// Every row of a report table (never folded: CSV files are read by programs).
    public static func render(_ table: ReportTable) -> String {
        render(columns: table.columns.map(\.name), rows: table.rows)
    }

    static func render(columns: [String], rows: [[Cell]]) -> String {
        var out = columns.map(field).joined(separator: ",") + "\n"
        for row in rows {
            out += row.map(cell).joined(separator: ",") + "\n"
        }
        return out
    }

    /// The text of one cell, quoted if needed.
    public static func cell(_ c: Cell) -> String {
        switch c {
        case .null: ""
        case .integer(let i): String(i)
        case .real(let d): decimal(d)
        case .text(let s): field(neutralised(s))
        }
    }

    /// A rate or statistic: fixed six decimals, never an exponent, `-0` written as `0`.
    public static func decimal(_ d: Double) -> String {
        guard d.isFinite else { return "" }
        let s = String(format: "%.6f", d)
        return s == "-0.000000" ? "0.000000" : s
    }

    /// Prefixes a `'` to log text a spreadsheet would read as a formula.
    public static func neutralised(_ s: String) -> String {
        guard let first = s.utf8.first else { return s }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D:
            return "'" + s
        default:
            return s
        }
    }

    /// Quotes a field through libcsv when it holds a comma, a quote, CR or LF; a NUL becomes U+FFFD.
    public static func field(_ s: String) -> String {
        let s = s.utf8.contains(0) ? ReportFormat.withoutNUL(s) : s
        let needsQuotes = s.utf8.contains { (c: UInt8) -> Bool in c == 0x2C || c == 0x22 || c == 0x0A || c == 0x0D }
        guard needsQuotes else { return s }
        let src = Array(s.utf8)
        var dest = [UInt8](repeating: 0, count: src.count * 2 + 2)
        let n = src.withUnsafeBytes { sp in
            dest.withUnsafeMutableBytes { dp in
                csv_write(dp.baseAddress, dp.count, sp.baseAddress, sp.count)
            }
        }
        return String(decoding: dest[0..<n], as: UTF8.self)
    }
}

/// Reads CSV back with libcsv's parser (for tests and for `verdict rejects` round trips).
public enum CSVReader {
    public static func parse(_ text: String) -> [[String]] {
        final class State {
            var rows: [[String]] = []
            var row: [String] = []
        }
        let state = State()
        var parser = csv_parser()
        csv_init(&parser, UInt8(CSV_STRICT | CSV_STRICT_FINI))
        let bytes = Array(text.utf8)
        let ctx = Unmanaged.passUnretained(state).toOpaque()
        let fieldCB: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = { p, n, data in
            let s = Unmanaged<State>.fromOpaque(data!).takeUnretainedValue()
            let str = p.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: n), as: UTF8.self) } ?? ""
            s.row.append(str)
        }
        let rowCB: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { _, data in
            let s = Unmanaged<State>.fromOpaque(data!).takeUnretainedValue()
            s.rows.append(s.row)
            s.row = []
        }
        bytes.withUnsafeBytes { b in
            _ = csv_parse(&parser, b.baseAddress, b.count, fieldCB, rowCB, ctx)
        }
        csv_fini(&parser, fieldCB, rowCB, ctx)
        csv_free(&parser)
        return state.rows
    }
}
