import Foundation
import Testing
@testable import VerdictCore

// The report model is numbers: built from hand-made query results here, and from a real
// database for the golden fixture, then checked value by value (no rendered text).

private func period(_ week: String = "2026-W46") throws -> Period { try Periods.week(week) }

/// A result as the built-in query `name` declares its columns.
private func result(_ name: String, _ columns: [String], _ rows: [[Cell]]) throws -> QueryResult {
    let declared = try #require(try QueryCatalog().query(named: name)).declarations()
    return QueryResult(name: name, columns: columns, rows: rows, declared: declared)
}

private func outcomesRow(_ product: String, _ counts: [Int64], _ rate: Double?) -> [Cell] {
    [.text(product)] + counts.map(Cell.integer) + [rate.map(Cell.real) ?? .null]
}

@Suite("Report model")
struct ReportModelTests {
    @Test("the headline is numbers: counts, Wilson interval, change in points and the z-test, previous period from the trend")
    func headline() throws {
        let p = try period()
        var snap = MetricsSnapshot(period: p)
        // ID: 40 of 50 completed passed (80%); the week before (trend row 2026-11-02): 30 of 50 (60%).
        snap.results["outcomes"] = try result("outcomes", Headers.outcomes, [
            outcomesRow("ID_RECOGNITION", [60, 50, 40, 10, 7, 3], 0.8),
            outcomesRow("VIDEO_VERIFY", [5, 4, 4, 0, 1, 0], 1.0),
        ])
        snap.results["trend"] = try result("trend", Headers.trend, [
            [.text("2026-11-02"), .text("ID_RECOGNITION"), .integer(55), .integer(50), .integer(30), .real(0.6)],
            [.text("2026-11-02"), .text("VIDEO_VERIFY"), .integer(0), .integer(0), .integer(0), .null],
            [.text("2026-11-09"), .text("ID_RECOGNITION"), .integer(60), .integer(50), .integer(40), .real(0.8)],
            [.text("2026-11-09"), .text("VIDEO_VERIFY"), .integer(5), .integer(4), .integer(4), .real(1.0)],
        ])
        let model = try ReportModel(snap)
        #expect(model.period.label == "2026-W46" && model.period.previousLabel == "2026-W45")
        #expect(model.period.firstDay.isoDate == "2026-11-09" && model.period.lastDay.isoDate == "2026-11-15")
        #expect(model.headline.map(\.product) == ["ID_RECOGNITION", "VIDEO_VERIFY"])

        let id = model.headline[0]
        #expect([id.transactions, id.completed, id.passed, id.failed, id.pending, id.apiError] as [Int] == [60, 50, 40, 10, 7, 3])
        #expect(id.passRate == 0.8)
        #expect(id.previous == PreviousOutcome(completed: 50, passed: 30, passRate: 0.6))
        #expect(id.change.current == Proportion(40, of: 50) && id.change.previous == Proportion(30, of: 50))
        #expect(abs(try #require(id.change.points) - 20) < 1e-9)
        // Pooled rate 70/100 = 0.7; se = sqrt(0.7 × 0.3 × (1/50 + 1/50)) = 0.0916515;
        // z = 0.2 / se = 2.182179; two-sided p = erfc(z / √2) = 0.029096.
        guard case .zTest(let z, let pValue) = id.change.test else { Issue.record("no z-test: \(id.change.test)"); return }
        #expect(abs(z - 2.182179) < 1e-6)
        #expect(abs(pValue - 0.029096) < 1e-6)
        #expect(id.change.isSignificant && !id.change.smallSample)
        // Wilson 95% for 40/50 (z² = 3.8415): centre (0.8 + z²/100) / (1 + z²/50) = 0.77860, half-width
        // z √(0.8 × 0.2 / 50 + z²/10000) / (1 + z²/50) = 0.10897.
        let interval = try #require(id.change.current.interval)
        #expect(abs(interval.low - 0.6696) < 1e-4 && abs(interval.high - 0.8876) < 1e-4)

        // VideoVerify: nothing completed the week before, so nothing to compare; 4 is a small sample.
        let vv = model.headline[1]
        #expect(vv.previous == PreviousOutcome(completed: 0, passed: 0, passRate: nil))
        #expect(vv.change.test == .noComparison && vv.change.points == nil)
        #expect(vv.change.current.isSmallSample)
    }

    @Test("with the previous period's outcomes queried, the headline compares with them; a pooled rate of 1 has nothing to test")
    func previousFromOutcomes() throws {
        var snap = MetricsSnapshot(period: try period())
        snap.results["outcomes"] = try result("outcomes", Headers.outcomes, [outcomesRow("ID_RECOGNITION", [3, 3, 3, 0, 0, 0], 1.0)])
        snap.previous["outcomes"] = try result("outcomes", Headers.outcomes, [outcomesRow("ID_RECOGNITION", [2, 2, 2, 0, 0, 0], 1.0)])
        let id = try #require(try ReportModel(snap).headline.first)
        #expect(id.previous == PreviousOutcome(completed: 2, passed: 2, passRate: 1.0))
        #expect(id.change.test == .noVariance && id.change.points == 0)
        #expect(!id.change.isSignificant && id.change.smallSample)
    }

    @Test("a table takes its kinds from its file's declarations and its cells, never from column names")
    func tableKinds() throws {
        let declared = ColumnDeclarations(["n": .count, "ratio": .rate, "day": .date, "label_rate": .rate])
        let r = QueryResult(name: "mine", columns: ["label_rate", "n", "ratio", "pass_rate", "bucket", "day", "empty"], rows: [
            [.text("a"), .integer(1), .real(0.5), .real(0.25), .integer(10), .text("2026-11-09"), .null],
            [.text("b"), .integer(2), .null, .real(0.75), .integer(20), .text("2026-11-10"), .null],
        ], source: "/q/mine.sql", declared: declared)
        let t = ReportTable(r)
        // A column holding text is text whatever it was declared (label_rate), unless a date.
        #expect(t.columns.map(\.kind) == [.text, .count, .rate, .statistic, .integer, .date, .statistic])
        #expect(t.source == "/q/mine.sql" && t.fold == nil && t.shownRows == r.rows)
    }

    @Test("a table of more than 21 rows folds: the 20 largest first counts in the query's order, and an other row adding up the counts")
    func foldedTable() throws {
        // 30 countries, transactions = 100 - i, completed = i: the 20 largest transactions are rows 0…19.
        let rows: [[Cell]] = (0..<30).map { i in
            [.text("C\(i)"), .integer(Int64(100 - i)), .integer(Int64(i)), .integer(0), .integer(0), .real(0.5)]
        }
        let t = ReportTable(try result("id_by_country", ["country_code", "transactions", "completed", "passed", "failed", "pass_rate"], rows))
        let fold = try #require(t.fold)
        #expect(fold.kept == Array(0..<20) && fold.omitted == 10)
        // Rows 20…29: transactions 80 + … + 71 = 755, completed 20 + … + 29 = 245; the rate does not add up.
        #expect(fold.other == [.text("other (10 more)"), .integer(755), .integer(245), .integer(0), .integer(0), .null])
        #expect(t.shownRows.count == 21 && t.rows.count == 30)

        // Ranked by the first count, kept in the query's order: the largest transactions are the last rows.
        let rising = ReportTable(try result("id_by_country", ["country_code", "transactions", "completed", "passed", "failed", "pass_rate"],
                                            (0..<25).map { [.text("C\($0)"), .integer(Int64($0)), .integer(1), .integer(1), .integer(0), .real(1)] }))
        #expect(rising.fold?.kept == Array(5..<25))
        #expect(rising.fold?.other == [.text("other (5 more)"), .integer(10), .integer(5), .integer(5), .integer(0), .null])

        // 21 rows are shown whole; nothing folds without `foldAbove`.
        #expect(ReportTable(try result("id_by_country", ["country_code", "transactions"], Array(rows.prefix(21).map { Array($0.prefix(2)) }))).fold == nil)
        #expect(ReportTable(try result("id_by_country", ["country_code", "transactions"], rows.map { Array($0.prefix(2)) }), foldAbove: nil).fold == nil)
    }

    @Test("a folded table without text or counts keeps its first rows; the label goes to its first column")
    func foldWithoutCounts() throws {
        let r = QueryResult(name: "plain", columns: ["attempts", "mean"], rows: (0..<23).map { [.integer(Int64($0)), .real(1.5)] })
        let fold = try #require(ReportTable(r).fold)
        #expect(fold.kept == Array(0..<20))
        #expect(fold.other == [.text("other (3 more)"), .null])
    }

    @Test("spoof checks are matched with the previous period by name and place; the other row of a folded table has no previous")
    func spoofChecks() throws {
        var snap = MetricsSnapshot(period: try period())
        let columns = ["check", "evaluated", "passed", "pass_rate"]
        snap.results["spoof_checks"] = try result("spoof_checks", columns, [
            [.text("DEEPER"), .integer(10), .integer(5), .real(0.5)],
            [.text("DEEPER"), .integer(10), .integer(9), .real(0.9)],
            [.text("TAMPER_CHECK"), .integer(4), .integer(4), .real(1.0)],
        ])
        snap.previous["spoof_checks"] = try result("spoof_checks", columns, [
            [.text("DEEPER"), .integer(20), .integer(2), .real(0.1)],
            [.text("DEEPER"), .integer(20), .integer(20), .real(1.0)],
        ])
        let checks = try #require(try ReportModel(snap).spoofChecks)
        #expect(checks.map(\.check) == ["DEEPER", "DEEPER", "TAMPER_CHECK"])
        #expect(checks.map(\.previousPassRate) == [0.1, 1.0, nil])
        #expect(checks[0].change.previous == Proportion(2, of: 20) && checks[1].change.previous == Proportion(20, of: 20))
        #expect(checks[2].change.test == .noComparison && !checks.contains(where: \.isOther))

        // 25 checks, all in the previous period too: the folded table's last row stands for 5.
        let many: [[Cell]] = (0..<25).map { [.text("C\($0)"), .integer(Int64(30 + $0)), .integer(Int64(30)), .real(0.9)] }
        snap.results["spoof_checks"] = try result("spoof_checks", columns, many)
        snap.previous["spoof_checks"] = try result("spoof_checks", columns, many + [[.text("other (5 more)"), .integer(1), .integer(1), .real(1)]])
        let folded = try #require(try ReportModel(snap).spoofChecks)
        #expect(folded.count == 21)
        let other = try #require(folded.last)
        // Evaluated 30 + … + 34 = 160, passed 5 × 30 = 150.
        #expect(other.isOther && other.check == "other (5 more)" && other.evaluated == 160 && other.passed == 150)
        #expect(other.passRate == nil && other.previousPassRate == nil && other.change.test == .noComparison)
        #expect(folded.dropLast().allSatisfy { !$0.isOther && $0.previousPassRate == 0.9 })
    }

    @Test("charts are specs: the trend by period with gaps, the histogram's buckets, the 12 most frequent failure reasons")
    func charts() throws {
        var snap = MetricsSnapshot(period: try period())
        snap.results["trend"] = try result("trend", Headers.trend, [
            [.text("2026-11-02"), .text("ID_RECOGNITION"), .integer(2), .integer(2), .integer(1), .real(0.5)],
            [.text("2026-11-02"), .text("VIDEO_VERIFY"), .integer(0), .integer(0), .integer(0), .null],
            [.text("2026-11-09"), .text("ID_RECOGNITION"), .integer(4), .integer(4), .integer(3), .real(0.75)],
        ])
        snap.results["quality_histogram"] = try result("quality_histogram", Headers.qualityHistogram, [
            [.integer(0), .integer(10), .integer(3)], [.integer(10), .integer(20), .integer(0)],
        ])
        snap.results["id_failure_reasons"] = try result("id_failure_reasons", Headers.idFailureReasons,
                                                        (0..<15).map { [.text("E\($0)"), .integer(Int64(15 - $0)), .real(0.1), .real(0.1)] })
        let charts = try ReportModel(snap).charts
        #expect(charts.map(\.name) == ["pass_rate_trend", "quality_histogram", "failure_reasons"])
        #expect(charts.map(\.kind) == [.lines, .bars, .horizontalBars])
        let trend = charts[0]
        #expect(trend.values == .rates && trend.categories == ["2026-11-02", "2026-11-09"])
        // Each rate with its Wilson 95% interval from passed and completed.
        #expect(trend.series == [ChartSpec.Series(name: "ID_RECOGNITION", proportions: [Proportion(1, of: 2), Proportion(3, of: 4)]),
                                 ChartSpec.Series(name: "VIDEO_VERIFY", values: [nil, nil], intervals: [nil, nil])])
        #expect(trend.series[0].intervals[1] == Interval(low: 0.30064184258240184, high: 0.9544127391902995))
        #expect(charts[1].categories == ["0–10", "10–20"] && charts[1].series.first?.values == [3, 0] && charts[1].values == .counts)
        #expect(charts[2].categories == (0..<12).map { "E\($0)" })
        #expect(charts[2].series.first?.values == (4...15).reversed().map { Double($0) })
    }

    @Test("notes are values: refused lines dated and undated, invalid fields, pending transactions per product")
    func notes() throws {
        var snap = MetricsSnapshot(period: try period())
        snap.results["data_quality"] = try result("data_quality", ["kind", "item", "count"], [
            [.text("refused"), .text("invalid_json"), .integer(2)], [.text("refused"), .text("missing_result"), .integer(3)],
            [.text("refused_undated"), .text("invalid_json"), .integer(4)], [.text("warning"), .text("extInfo.quality"), .integer(6)],
            [.text("something_new"), .text("x"), .integer(100)],
        ])
        snap.results["outcomes"] = try result("outcomes", Headers.outcomes, [
            outcomesRow("ID_RECOGNITION", [3, 1, 1, 0, 2, 0], 1), outcomesRow("VIDEO_VERIFY", [1, 1, 1, 0, 0, 0], 1),
        ])
        #expect(try ReportModel(snap).notes == [.refusedLines(dated: 5, undated: 4), .invalidFields(6), .pending(product: "ID_RECOGNITION", transactions: 2)])
        snap.results["data_quality"] = nil
        #expect(try ReportModel(snap).notes.isEmpty)
    }

    @Test("a replaced query without a column the model reads, or with a cell of another type: an error naming the file, column and row")
    func decodingErrors() throws {
        var snap = MetricsSnapshot(period: try period())
        snap.results["quality_histogram"] = QueryResult(name: "quality_histogram", columns: ["bucket_lo", "n"], rows: [], source: "/q/quality_histogram.sql")
        do {
            _ = try ReportModel(snap)
            Issue.record("a histogram without bucket_hi and transactions was accepted")
        } catch {
            #expect(error.code == .query)
            #expect(error.description == "/q/quality_histogram.sql: has no column bucket_hi, transactions, which the report reads from quality_histogram (a query that replaces the built-in quality_histogram returns at least bucket_lo, bucket_hi, transactions)")
        }
        snap.results["quality_histogram"] = QueryResult(name: "quality_histogram", columns: ["bucket_lo", "bucket_hi", "transactions"],
                                                        rows: [[.integer(0), .integer(10), .integer(1)], [.integer(10), .real(20), .integer(1)]],
                                                        source: "/q/quality_histogram.sql")
        do {
            _ = try ReportModel(snap)
            Issue.record("a decimal bucket bound was accepted")
        } catch {
            #expect(error.description == "/q/quality_histogram.sql: column bucket_hi holds a decimal number on row 2, where the report expects a whole number")
        }
    }

    @Test("declarations: counts, rates and dates of the opening comment only, any case, quoted names; a column with two kinds is refused")
    func declarations() throws {
        let sql = """
            -- mine: an analyst's query.
            --   counts: n, "check"
            -- RATES: ratio ,share
            -- Parameters: :start_ms
            -- Dates: day
            SELECT 1 AS n
            -- Rates: late
            """
        let d = try QuerySource(name: "mine", sql: sql, origin: "/q/mine.sql").declarations()
        #expect(d.kinds == ["n": .count, "check": .count, "ratio": .rate, "share": .rate, "day": .date])
        #expect(try QuerySource(name: "x", sql: "SELECT 1", origin: "built-in").declarations() == .none)
        do {
            _ = try QuerySource(name: "two", sql: "-- Counts: n\n-- Dates: n\nSELECT 1 AS n", origin: "/q/two.sql").declarations()
            Issue.record("a column declared twice was accepted")
        } catch {
            #expect(error.code == .query && error.description.hasPrefix("/q/two.sql: declares column n both a count and a date"))
        }
        // Every built-in query declares only columns it returns (the engine checks), and the
        // counts of the folded tables are declared.
        let catalog = try QueryCatalog()
        #expect(try catalog.query(named: "outcomes")?.declarations().kinds.filter { $0.value == .count }.count == 6)
        #expect(try catalog.query(named: "willing_attempts")?.declarations().kinds["attempts"] == nil)
    }

    @Test("the golden fixture's model: the headline and notes as numbers")
    func goldenModel() throws {
        try withSandbox { box in
            let input = try Fixtures.directory + "/golden/input/"
            let db = try box.database()
            _ = try box.ingest(db, GoldenTests.inputs.map { input + $0 })
            let engine = MetricsEngine(database: db, catalog: try QueryCatalog())
            let model = try ReportModel(try engine.run(engine.catalog.names, period: try period(), alsoPrevious: ["spoof_checks"]))
            // outcomes.csv: 10,5,2,3,2,3,0.400000 and 8,5,2,3,2,1,0.400000 (tools/oracle/README.md).
            let id = try #require(model.headline.first)
            #expect([id.transactions, id.completed, id.passed, id.failed, id.pending, id.apiError] as [Int] == [10, 5, 2, 3, 2, 3])
            // W45: one ID Recognition transaction, passed. Pooled 3/6: se = sqrt(0.25 × 1.2),
            // z = (0.4 − 1) / se = −1.095445, p = erfc(1.095445 / √2) = 0.273322.
            #expect(id.previous == PreviousOutcome(completed: 1, passed: 1, passRate: 1.0))
            guard case .zTest(let z, let p) = id.change.test else { Issue.record("\(id.change.test)"); return }
            #expect(abs(z + 1.095445) < 1e-6 && abs(p - 0.273322) < 1e-6)
            #expect(abs(try #require(id.change.points) + 60) < 1e-9)
            // data_quality.csv: refused 3 + 3 + 1 dated, 6 + 4 + 3 + 1 undated; six warnings.
            #expect(model.notes.prefix(2) == [.refusedLines(dated: 7, undated: 14), .invalidFields(6)])
            #expect(model.tables.count == engine.catalog.names.count)
        }
    }
}
