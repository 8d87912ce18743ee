/// The values a report template can use.
///
/// - `period`, `zone`, `previous_period`, `first_day`, `last_day`
/// - `products`: one entry per product with counts, `pass_rate`, `interval` (Wilson 95%),
///   `previous_pass_rate`, `change` (percentage points), `significance`, `small_sample`
/// - `tables.NAME`: the result of query NAME as a Markdown table (use triple braces); a
///   result of more than `tableRows` + 1 rows shows `tableRows` of them and one "other" row
///   (`shown`); the CSV file keeps every row
/// - `rows.NAME`: the rows of query NAME as the table shows them, each a map column →
///   formatted value
/// - `spoof_changes`: spoof checks against the previous period, as a Markdown table
/// - `notes`: data-quality sentences
enum ReportContext {
    static func build(_ snap: MetricsSnapshot) -> [String: Any] {
        var ctx: [String: Any] = [:]
        let p = snap.period
        ctx["period"] = p.label
        ctx["zone"] = p.zone.identifier
        ctx["first_day"] = p.first.isoDate
        ctx["last_day"] = p.lastDay.isoDate
        ctx["previous_period"] = p.shifted(by: 1).label

        var tables: [String: String] = [:]
        var rows: [String: [[String: String]]] = [:]
        for (name, full) in snap.results {
            let result = shown(full)
            tables[name] = Markdown.table(result)
            rows[name] = result.rows.map { row in
                Dictionary(uniqueKeysWithValues: zip(result.columns, row).map { ($0, Markdown.format($1, column: $0)) })
            }
        }
        ctx["tables"] = tables
        ctx["rows"] = rows
        ctx["products"] = products(snap)
        ctx["spoof_changes"] = spoofChanges(snap)
        ctx["notes"] = notes(snap)
        return ctx
    }

    static func products(_ snap: MetricsSnapshot) -> [[String: Any]] {
        guard let cur = snap.results["outcomes"] else { return [] }
        let prev = previousOutcomes(snap)
        return cur.records.map { r in
            let completed = r["completed"]?.int ?? 0
            let passed = r["passed"]?.int ?? 0
            var e: [String: Any] = [:]
            for k in ["product", "transactions", "completed", "passed", "failed", "pending", "api_error"] {
                e[k] = r[k].map { Markdown.format($0, column: k) } ?? ""
            }
            e["pass_rate"] = Markdown.percent(r["pass_rate"]?.double)
            if let w = Statistics.wilson(successes: passed, n: completed) {
                e["interval"] = Markdown.percent(w.low) + "–" + Markdown.percent(w.high)
            } else {
                e["interval"] = "–"
            }
            e["small_sample"] = completed > 0 && completed < Statistics.smallSample
            let pr = r["product"]?.string.flatMap { prev[$0] }
            let pc = pr?["completed"]?.int ?? 0, pp = pr?["passed"]?.int ?? 0
            e["previous_pass_rate"] = Markdown.percent(pr?["pass_rate"]?.double)
            e["previous_completed"] = String(pc)
            if completed > 0, pc > 0 {
                let change = (Double(passed) / Double(completed) - Double(pp) / Double(pc)) * 100
                e["change"] = (change >= 0 ? "+" : "") + Markdown.fixed(change, 1) + " pp"
            } else {
                e["change"] = "–"
            }
            e["significance"] = significance(x1: passed, n1: completed, x2: pp, n2: pc)
            return e
        }
    }

    /// The previous period's outcomes by product: from `outcomes` run for that period when
    /// it was, otherwise from the trend's row for that period (the same counts, from the rollup).
    static func previousOutcomes(_ snap: MetricsSnapshot) -> [String: [String: Cell]] {
        var out: [String: [String: Cell]] = [:]
        if let prev = snap.previous["outcomes"] {
            for r in prev.records { if let p = r["product"]?.string { out[p] = r } }
            return out
        }
        let start = snap.period.shifted(by: 1).first.isoDate
        for r in snap.results["trend"]?.records ?? [] where r["period_start"]?.string == start {
            if let p = r["product"]?.string { out[p] = r }
        }
        return out
    }

    /// "significant (p = 0.003)", "not significant (p = 0.41)", or why it cannot be said.
    static func significance(x1: Int, n1: Int, x2: Int, n2: Int) -> String {
        guard n1 > 0, n2 > 0 else { return "no comparison (a period has no completed transactions)" }
        guard let t = Statistics.twoProportionZTest(x1: x1, n1: n1, x2: x2, n2: n2) else { return "no change to test" }
        let pText = t.p < 0.001 ? "p < 0.001" : "p = " + Markdown.fixed(t.p, 3)
        var s = (t.p < 0.05 ? "significant" : "not significant") + " (z = " + Markdown.fixed(t.z, 2) + ", " + pText + ")"
        if n1 < Statistics.smallSample || n2 < Statistics.smallSample { s += ", small sample" }
        return s
    }

    static func spoofChanges(_ snap: MetricsSnapshot) -> String {
        guard let full = snap.results["spoof_checks"] else { return "" }
        let cur = shown(full)
        // A check name may hold two rows (a spoofResult key DEEPER beside deeperResult's
        // row): rows are matched by name and by their place among the rows of that name.
        func keyed(_ records: [[String: Cell]]) -> [(key: SpoofRow, record: [String: Cell])] {
            var seen: [String: Int] = [:]
            return records.map { r in
                let check = r["check"]?.string ?? ""
                defer { seen[check, default: 0] += 1 }
                return (SpoofRow(check: check, place: seen[check, default: 0]), r)
            }
        }
        let prev = Dictionary(keyed(snap.previous["spoof_checks"]?.records ?? []), uniquingKeysWith: { first, _ in first })
        let isFolded = cur.rows.count < full.rows.count
        let rows: [[String]] = keyed(cur.records).enumerated().map { i, entry in
            let (key, r) = entry
            let check = key.check
            let n1 = r["evaluated"]?.int ?? 0, x1 = r["passed"]?.int ?? 0
            // The "other" row that ends a folded table has no previous period to compare.
            let p = isFolded && i == cur.rows.count - 1 ? nil : prev[key]
            let n2 = p?["evaluated"]?.int ?? 0, x2 = p?["passed"]?.int ?? 0
            let rate = Markdown.percent(r["pass_rate"]?.double)
            let interval = Statistics.wilson(successes: x1, n: n1).map { Markdown.percent($0.low) + "–" + Markdown.percent($0.high) } ?? "–"
            let flag = n1 > 0 && n1 < Statistics.smallSample ? " (small sample)" : ""
            return [check, String(n1), rate + flag, interval, Markdown.percent(p?["pass_rate"]?.double),
                    significance(x1: x1, n1: n1, x2: x2, n2: n2)]
        }
        return Markdown.table(["check", "evaluated", "pass rate", "95% interval", "previous", "change"], rows, rightAligned: [1, 2, 4])
    }

    private struct SpoofRow: Hashable {
        var check: String
        var place: Int
    }

    /// Rows a Markdown table of the report shows before folding the rest into one row.
    static let tableRows = 20

    /// Columns whose values add up across rows: counts. (Rates and shares do not: a share is
    /// of its product's total in some tables.)
    static let additiveColumns: Set<String> = [
        "transactions", "completed", "passed", "failed", "pending", "api_error", "failures", "evaluated",
        "records", "succeeded", "count",
    ]

    /// `result` as a table of the report shows it. Up to `limit` + 1 rows: all of them.
    /// More: the `limit` rows with the largest first count (the first additive integer
    /// column; ties and a result without counts keep the query's first rows), in the
    /// query's order, then one row "other (K more)" whose additive columns are the sums
    /// over the K rows left out; its other text cells are empty, its other numbers "–".
    /// Sorting the counts once keeps this n log n whatever the number of rows.
    static func shown(_ result: QueryResult, limit: Int = tableRows) -> QueryResult {
        guard result.rows.count > limit + 1 else { return result }
        let countColumn = result.columns.indices.first { c in
            additiveColumns.contains(result.columns[c]) && result.rows.allSatisfy { row in
                if case .integer = row[c] { return true }
                return false
            }
        }
        let kept: [Int]
        if let c = countColumn {
            let ranked = result.rows.indices.sorted { a, b in
                let x = result.rows[a][c].int ?? 0, y = result.rows[b][c].int ?? 0
                return x != y ? x > y : a < b
            }
            kept = Array(ranked.prefix(limit)).sorted()
        } else {
            kept = Array(0..<limit)
        }
        var keep = [Bool](repeating: false, count: result.rows.count)
        for i in kept { keep[i] = true }
        let omitted = result.rows.count - kept.count
        let labelColumn = result.columns.indices.first { c in
            result.rows.contains { if case .text = $0[c] { return true }; return false }
        } ?? 0
        let other: [Cell] = result.columns.indices.map { c in
            if c == labelColumn { return .text("other (\(omitted) more)") }
            guard additiveColumns.contains(result.columns[c]) else {
                // Text is left empty; a number that does not add up (a rate) shows "–".
                return result.rows.contains { if case .text = $0[c] { return true }; return false } ? .text("") : .null
            }
            var sum: Int64 = 0
            for (i, row) in result.rows.enumerated() where !keep[i] { sum &+= row[c].int.map(Int64.init) ?? 0 }
            return .integer(sum)
        }
        return QueryResult(name: result.name, columns: result.columns, rows: kept.map { result.rows[$0] } + [other])
    }

    static func notes(_ snap: MetricsSnapshot) -> [String] {
        var notes: [String] = []
        guard let dq = snap.results["data_quality"] else { return notes }
        var refused = 0, undated = 0, warnings = 0
        for r in dq.records {
            let n = r["count"]?.int ?? 0
            switch r["kind"]?.string {
            case "refused": refused += n
            case "refused_undated": undated += n
            case "warning": warnings += n
            default: break
            }
        }
        notes.append("\(refused) refused line(s) are dated in this period; \(undated) refused line(s) in the database carry no readable timestamp. List them with `verdict rejects list`.")
        notes.append("\(warnings) invalid field(s) on polls of this period were counted as absent.")
        if let o = snap.results["outcomes"] {
            for r in o.records where (r["pending"]?.int ?? 0) > 0 {
                notes.append("\(r["product"]?.string ?? ""): \(r["pending"]?.int ?? 0) transaction(s) still pending; a later ingest may complete them.")
            }
        }
        return notes
    }
}
