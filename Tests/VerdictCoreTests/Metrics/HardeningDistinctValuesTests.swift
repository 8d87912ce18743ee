import Foundation
import GRDB
import Testing
@testable import VerdictCore

// Reports over logs where every grouped dimension takes thousands of distinct values
// (countries, document kinds, error codes, result codes, spoof checks and details, willing
// statuses and attempts), made by tools/distinct_corpus.py. The cost of each query must
// grow with the rows it reads and the groups it sorts, never with their product: the
// plans are checked for a loop that scans a whole table or CTE once per row of another,
// and the results are checked row by row. report.md tables fold long results into one
// "other" row; the CSV files keep every row.

private let week = "2026-W46"
private let distinct = 3000

/// The generator's corpus of `n` distinct values per dimension, ingested into a fresh database.
private func distinctDatabase(_ box: Sandbox, _ n: Int = distinct) throws -> VerdictDatabase {
    let tool = Executables.packageRoot.appendingPathComponent("tools/distinct_corpus.py").path
    let path = box.file("distinct.ndjson")
    let gen = try runPython("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                            [tool, String(n), path], in: box)
    try #require(gen.status == 0, "distinct_corpus.py: \(gen.stderr)")
    let db = try box.database()
    let summary = try box.ingest(db, [path])
    try #require(summary.total.accepted == 3 * n && summary.total.refusedTotal == 0, "\(summary.total)")
    return db
}

/// One line of EXPLAIN QUERY PLAN.
private struct PlanStep {
    var id: Int
    var parent: Int
    var detail: String
    /// The table, CTE or alias a loop reads ("SCAN c" → "c"), for loops only.
    var source: String? {
        for verb in ["SCAN ", "SEARCH "] where detail.hasPrefix(verb) {
            return detail.dropFirst(verb.count).split(separator: " ").first.map(String.init)
        }
        return nil
    }
    /// A SCAN of a table, CTE or subquery. A table-valued function such as `json_each` shows
    /// as a VIRTUAL TABLE scan; it walks the one value it is given (a row's own JSON, or a
    /// parameter), so its cost is that value's size, never a table's: it is not counted.
    var isFullScan: Bool { detail.hasPrefix("SCAN ") && !detail.contains(" VIRTUAL TABLE ") }
}

/// Sources whose size does not grow with the data: one-row aggregates (totals, total, n,
/// flags), the five wanted percentiles and their positions, the ten histogram buckets, the
/// eight trend periods, the two products, a constant row.
private let constantSources: Set<String> = ["totals", "total", "n", "flags", "wanted", "positions", "buckets", "b", "per", "CONSTANT"]

private func isConstant(_ step: PlanStep) -> Bool {
    guard let source = step.source else { return false }
    return constantSources.contains(source) || step.detail.contains("dim_product")
}

/// Loops that scan a whole table, CTE or subquery once per row of something that grows:
/// an inner loop of a join that is a SCAN (not an index SEARCH) under an outer loop that
/// is not of constant size, and a SCAN inside a correlated subquery (run once per row).
private func perRowScans(_ plan: [PlanStep]) -> [String] {
    var problems: [String] = []
    let children = Dictionary(grouping: plan, by: \.parent)
    for (_, steps) in children {
        let loops = steps.sorted { $0.id < $1.id }.filter { $0.source != nil }
        for (k, loop) in loops.enumerated() where k > 0 && loop.isFullScan && !isConstant(loop) {
            let outer = loops[..<k]
            if !outer.allSatisfy(isConstant) {
                problems.append("'\(loop.detail)' once per row of '\(outer.map(\.detail).joined(separator: "', '"))'")
            }
        }
    }
    let byID = Dictionary(uniqueKeysWithValues: plan.map { ($0.id, $0) })
    for step in plan where step.isFullScan && !isConstant(step) {
        var up = byID[step.parent]
        while let node = up {
            if node.detail.hasPrefix("CORRELATED") {
                problems.append("'\(step.detail)' inside '\(node.detail)'")
                break
            }
            up = byID[node.parent]
        }
    }
    return problems
}

@Suite("Hardening: thousands of distinct countries, documents and codes")
struct HardeningDistinctValuesTests {
    @Test("no built-in query or data check scans a table or CTE once per row of another")
    func plans() throws {
        try withSandbox { box in
            let db = try distinctDatabase(box, 200)
            let parameters = MetricsEngine.parameters(for: try Periods.week(week))
            let sources = Embedded.queries.map { ("Queries/\($0.key).sql", $0.value) }
                + Embedded.checks.map { ("Queries/checks/\($0.key).sql", $0.value) }
            #expect(sources.count >= 20)
            for (name, sql) in sources.sorted(by: { $0.0 < $1.0 }) {
                var named: [String: (any DatabaseValueConvertible)?] = [:]
                for (key, value) in parameters where sql.contains(":" + key) {
                    switch value {
                    case .integer(let v): named[key] = v
                    case .text(let s): named[key] = s
                    }
                }
                let plan = try db.queue.read { d in
                    try Row.fetchAll(d, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(named)).map {
                        PlanStep(id: $0[0], parent: $0[1], detail: $0[3])
                    }
                }
                #expect(plan.contains { $0.source != nil }, "\(name): no plan read")
                #expect(perRowScans(plan).isEmpty, "\(name) scans per row: \(perRowScans(plan))")
            }
        }
    }

    @Test("with the statistics ingest keeps, no period query indexes all of history on the fly")
    func plansWithStatistics() throws {
        try withSandbox { box in
            let built = try distinctDatabase(box, 50)
            // What `PRAGMA optimize` leaves after an ingest that looked up stored transactions,
            // scaled to a long history (600,000 transactions, 1.4M polls).
            try built.queue.writeWithoutTransaction {
                try $0.execute(sql: """
                    ANALYZE fct_transaction; ANALYZE fct_poll;
                    UPDATE sqlite_stat1 SET stat = '600000 300000 1' WHERE tbl = 'fct_transaction' AND idx = 'fct_transaction_by_product_date';
                    UPDATE sqlite_stat1 SET stat = '1400000 3 1 1' WHERE tbl = 'fct_poll' AND idx = 'fct_poll_identity';
                    ANALYZE sqlite_schema;
                    """)
            }
            let db = try VerdictDatabase(path: built.path)
            let parameters = MetricsEngine.parameters(for: try Periods.week(week))
            for (name, sql) in Embedded.queries.sorted(by: { $0.key < $1.key }) {
                var named: [String: (any DatabaseValueConvertible)?] = [:]
                for (key, value) in parameters where sql.contains(":" + key) {
                    switch value {
                    case .integer(let v): named[key] = v
                    case .text(let s): named[key] = s
                    }
                }
                let details = try db.queue.read { d in
                    try Row.fetchAll(d, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(named)).map { $0[3] as String }
                }
                let indexed = details.filter { $0.contains("AUTOMATIC") && ($0.contains("fct_transaction") || $0.contains("fct_poll")) }
                #expect(indexed.isEmpty, "\(name): \(indexed)")
            }
        }
    }

    @Test("the plan check finds the shape that made id_failure_reasons_by_country quadratic")
    func planCheckSeesTheQuadraticShape() throws {
        // The query as it was: each failed row joined to a per-country CTE by its text key.
        let quadratic = """
            WITH c AS (
              SELECT coalesce(nullif(co.country_code, ''), 'UNSPECIFIED') AS country_code,
                     coalesce(nullif(ec.error_code, ''), 'UNSPECIFIED') AS error_code, t.outcome
              FROM fct_transaction t
              LEFT JOIN dim_country co ON co.country_key = t.country_key
              LEFT JOIN dim_error_code ec ON ec.error_code_key = t.error_code_key
              WHERE t.product_key = 1 AND t.outcome IN ('passed', 'failed')
            ),
            completed AS (SELECT country_code, count(*) AS n FROM c GROUP BY country_code)
            SELECT c.country_code, c.error_code, count(*) AS failures, CAST(count(*) AS REAL) / completed.n AS failure_rate
            FROM c JOIN completed ON completed.country_code = c.country_code
            WHERE c.outcome = 'failed'
            GROUP BY c.country_code, c.error_code
            """
        try withSandbox { box in
            let db = try distinctDatabase(box, 50)
            let plan = try db.queue.read { d in
                try Row.fetchAll(d, sql: "EXPLAIN QUERY PLAN " + quadratic).map { PlanStep(id: $0[0], parent: $0[1], detail: $0[3]) }
            }
            #expect(!perRowScans(plan).isEmpty, "\(plan.map(\.detail))")
        }
    }

    @Test("every row of the breakdowns is right, and report.md tables show 20 rows and one 'other' row")
    func results() throws {
        try withSandbox { box in
            let db = try distinctDatabase(box)
            let dir = try box.report(db, try Periods.week(week))
            let n = distinct
            let failedIDs = stride(from: 1, to: n, by: 2).map { String(format: "%06d", $0) }

            // Failure reasons per country and per document category: one failure each,
            // every completed transaction of that country or category failed.
            let byCountry = try readCSV(dir, "id_failure_reasons_by_country")
            #expect(byCountry.first == ["country_code", "error_code", "failures", "failure_rate"])
            #expect(Array(byCountry.dropFirst()) == failedIDs.map { ["C" + $0, "ERR_" + $0, "1", "1.000000"] })
            let byDocument = try readCSV(dir, "id_failure_reasons_by_document")
            #expect(Array(byDocument.dropFirst()) == failedIDs.map { ["DOC_" + $0, "ERR_" + $0, "1", "1.000000"] })

            // Outcomes per country: the API errors carry no country (UNSPECIFIED).
            let idByCountry = try readCSV(dir, "id_by_country")
            #expect(idByCountry.count == n + 2)
            #expect(idByCountry[1] == ["UNSPECIFIED", String(n), "0", "0", "0", ""])
            #expect(idByCountry[2] == ["C000000", "1", "1", "1", "0", "1.000000"])
            #expect(idByCountry[3] == ["C000001", "1", "1", "0", "1", "0.000000"])

            let reasons = try readCSV(dir, "id_failure_reasons")
            #expect(reasons.count == failedIDs.count + 1)
            #expect(reasons[1] == ["ERR_000001", "1", String(format: "%.6f", 1.0 / Double(n)), String(format: "%.6f", 1.0 / Double(failedIDs.count))])

            let codes = try readCSV(dir, "result_codes")
            #expect(codes.count == 1 + n + 2)
            #expect(codes[1] == ["ID_RECOGNITION", "S", "SUCCESS", String(n), "0.500000"])
            #expect(codes[2] == ["ID_RECOGNITION", "F", "RC_000000", "1", String(format: "%.6f", 1.0 / Double(2 * n))])

            let checks = try readCSV(dir, "spoof_checks")
            #expect(checks.count == 1 + n + 2)
            #expect(checks[1] == ["CHECK_000000", "1", "1", "1.000000"])
            #expect(checks[2] == ["CHECK_000001", "1", "0", "0.000000"])
            #expect(checks.contains(["TAMPER_CHECK", String(n), String(n), "1.000000"]))

            let details = try readCSV(dir, "spoof_details")
            #expect(details.count == 1 + 2 * n)
            #expect(details[1] == ["TYPE_000000", "detail000000", "", "1", "1", "1.000000"])
            #expect(details[2] == ["TYPE_000000", "detail000000", "part000000", "1", "1", "1.000000"])

            let statuses = try readCSV(dir, "willing_statuses")
            #expect(statuses.count == 1 + n + 1)
            #expect(statuses[1] == ["SUCCESS", String(n), "0.500000"])
            let attempts = try readCSV(dir, "willing_attempts")
            #expect(attempts.count == 1 + n)
            #expect(attempts[1] == ["2", "1", "1", String(format: "%.6f", 1.0 / Double(n))])

            // Scores 40.0 … 99.9, each tenth five times: 500 in each bucket from 40 up.
            let histogram = try readCSV(dir, "quality_histogram")
            #expect(histogram.dropFirst().map { $0[2] } == ["0", "0", "0", "0", "500", "500", "500", "500", "500", "500"])

            try checkFoldedTables(dir, box: box, expectFolded: [
                "id_by_country", "id_by_document", "id_failure_reasons", "result_codes", "spoof_details",
                "willing_statuses", "willing_attempts",
            ])
            // The risk template shows the failure reasons per country and per category.
            var risk = ReportWriter(engine: MetricsEngine(database: db, catalog: try QueryCatalog()))
            risk.template = "risk"
            let riskDir = box.file("risk")
            _ = try risk.write(period: try Periods.week(week), to: riskDir)
            try checkFoldedTables(riskDir, box: box, expectFolded: [
                "id_failure_reasons_by_country", "id_failure_reasons_by_document", "id_failure_reasons", "spoof_details",
                "willing_statuses",
            ])
        }
    }

    @Test("a report whose spoof checks hold DEEPER twice, in both periods, compares each row with its own")
    func repeatedCheckNames() throws {
        let deeper = "\"deeperResult\": \"Y\", \"spoofResult\": {\"DEEPER\": \"N\"}"
        let lines = [
            Log.idVerdict("D1", at: "2026-11-11T12:00:00Z", "Y", more: deeper),
            Log.idVerdict("D0", at: "2026-11-04T12:00:00Z", "Y", more: deeper),
        ]
        try withSandbox { box in
            let dir = try box.report(of: lines, try Periods.week(week))
            let md = try readText(dir + "/report.md")
            #expect(md.contains("| DEEPER | 1 | 0.0% (small sample) | 0.0%–79.3% | 0.0% | no change to test |"))
            #expect(md.contains("| DEEPER | 1 | 100.0% (small sample) | 20.7%–100.0% | 100.0% | no change to test |"))
        }
    }
}

/// Every table of report.md that has the header of a CSV file of the report: at most
/// `ReportTable.shownRows` rows plus one "other (K more)" row when the CSV has more than
/// one row beyond that; shown rows and K make up the CSV's rows; the counts of the shown
/// rows and of the "other" row add up to the CSV's.
private func checkFoldedTables(_ dir: String, box: Sandbox, expectFolded: Set<String>) throws {
    let html = try cmarkGFM(dir + "/report.md", in: box)
    let tables = htmlTables(html)
    let limit = ReportTable.shownRows
    let catalog = try QueryCatalog()
    var folded: Set<String> = []
    for name in QueryCatalog.contractFiles + QueryCatalog.extraFiles {
        let csv = try readCSV(dir, name)
        guard let header = csv.first else { continue }
        for table in tables where table.header == header {
            let body = csv.dropFirst()
            if body.count <= limit + 1 {
                #expect(table.rows.count == body.count, "\(name)")
                continue
            }
            folded.insert(name)
            #expect(table.rows.count == limit + 1, "\(name): \(table.rows.count) rows")
            let other = try #require(table.rows.last)
            let label = try #require(other.first { $0.hasPrefix("other (") }, "\(name): \(other)")
            #expect(label == "other (\(body.count - limit) more)", "\(name): \(label)")
            let counts = try #require(catalog.query(named: name)).declarations().kinds.filter { $0.value == .count }
            for (c, column) in header.enumerated() where counts[column] != nil {
                let total = body.reduce(0) { $0 + (Int($1[c]) ?? 0) }
                let shown = table.rows.reduce(0) { $0 + (Int($1[c]) ?? 0) }
                #expect(shown == total, "\(name).\(column): \(shown) shown against \(total) in the CSV")
            }
            // The rows shown are the largest counts, each as the CSV has it.
            for row in table.rows.dropLast() {
                #expect(body.contains { csvRow in csvRow.first == row.first }, "\(name): \(row)")
            }
        }
    }
    #expect(folded.isSuperset(of: expectFolded), "folded: \(folded.sorted())")
}
