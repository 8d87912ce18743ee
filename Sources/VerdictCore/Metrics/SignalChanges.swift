/// changes.csv: each signal of the report period against the previous period, with the
/// pooled two-proportion z-test (two-sided), from the rows of `signals`.
///
/// One row per signal whose denominator is not zero in the period or the one before it.
/// `change_pp` = (rate − previous rate) × 100, empty when either rate is; `z` and `p_value`
/// are empty when either denominator is 0 or the pooled rate is 0 or 1; `small_sample` is 1
/// when either denominator is below 30; `significant` is 1 when p < 0.05 on no small sample.
/// Ordered by significant (first), |z| (largest first, empty last), then signal (code points).
public enum SignalChanges {
    /// The name changes.csv and `verdict query changes` go by.
    public static let name = "changes"

    /// changes of `period`, from the signals query run on `engine`.
    public static func compute(for period: Period, engine: MetricsEngine) throws(VerdictError) -> QueryResult {
        let snapshot = try engine.run(["signals"], period: period)
        let signals = snapshot.results["signals"] ?? QueryResult(name: "signals", columns: [], rows: [], source: "built-in", declared: ColumnDeclarations())
        return compute(signals, current: period.first.isoDate, previous: period.shifted(by: 1).first.isoDate)
    }

    public static let columns = [
        "signal", "numerator", "denominator", "rate", "previous_numerator", "previous_denominator",
        "previous_rate", "change_pp", "z", "p_value", "small_sample", "significant",
    ]

    public static let declared = ColumnDeclarations([
        "numerator": .count, "denominator": .count, "previous_numerator": .count, "previous_denominator": .count,
        "rate": .rate, "previous_rate": .rate,
    ])

    /// `signals`: the rows of Queries/signals.sql (signal, period_start, numerator,
    /// denominator, rate); `current` and `previous`: the first days of the two periods.
    public static func compute(_ signals: QueryResult, current: String, previous: String) -> QueryResult {
        struct Pair { var x1 = 0, n1 = 0, x2 = 0, n2 = 0 }
        var pairs: [String: Pair] = [:]
        var order: [String] = []
        for row in signals.rows where row.count >= 4 {
            guard let name = row[0].string, let start = row[1].string else { continue }
            let x = row[2].int ?? 0, n = row[3].int ?? 0
            if pairs[name] == nil { pairs[name] = Pair(); order.append(name) }
            if start == current { pairs[name]!.x1 = x; pairs[name]!.n1 = n }
            if start == previous { pairs[name]!.x2 = x; pairs[name]!.n2 = n }
        }
        struct Line { var significant: Bool; var z: Double?; var name: String; var cells: [Cell] }
        var lines: [Line] = []
        for name in order {
            let p = pairs[name]!
            guard p.n1 > 0 || p.n2 > 0 else { continue }
            func rate(_ x: Int, _ n: Int) -> Cell { n > 0 ? .real(Double(x) / Double(n)) : .null }
            let change: Cell = p.n1 > 0 && p.n2 > 0 ? .real((Double(p.x1) / Double(p.n1) - Double(p.x2) / Double(p.n2)) * 100) : .null
            let test = Statistics.twoProportionZTest(x1: p.x1, n1: p.n1, x2: p.x2, n2: p.n2)
            let small = p.n1 < Statistics.smallSample || p.n2 < Statistics.smallSample
            let significant = (test.map { $0.p < 0.05 } ?? false) && !small
            lines.append(Line(significant: significant, z: test?.z, name: name, cells: [
                .text(name), .integer(Int64(p.x1)), .integer(Int64(p.n1)), rate(p.x1, p.n1),
                .integer(Int64(p.x2)), .integer(Int64(p.n2)), rate(p.x2, p.n2), change,
                test.map { .real($0.z) } ?? .null, test.map { .real($0.p) } ?? .null,
                .integer(small ? 1 : 0), .integer(significant ? 1 : 0),
            ]))
        }
        lines.sort { a, b in
            if a.significant != b.significant { return a.significant }
            switch (a.z, b.z) {
            case (nil, nil): break
            case (nil, _): return false
            case (_, nil): return true
            case let (za?, zb?): if abs(za) != abs(zb) { return abs(za) > abs(zb) }
            }
            return Array(a.name.utf8).lexicographicallyPrecedes(Array(b.name.utf8))
        }
        return QueryResult(name: "changes", columns: columns, rows: lines.map(\.cells), source: "built-in", declared: declared)
    }
}
