import Foundation
import Testing
@testable import VerdictCore

// What a query file says about its columns, through the built binary: a report reads the
// columns it interprets by name, so a file that replaces a built-in query without them is
// refused naming the file; counts, rates and dates are declared in the file's opening
// comment, never guessed from a column's name.

private let week = "2026-W46"

/// A database with a few transactions in the week, closed so the binary has it alone.
private func sampleDatabase(_ box: Sandbox) throws {
    let (db, summary) = try box.ingestLines([
        Log.idVerdict("I1", at: "2026-11-10T08:00:00Z", "Y"),
        Log.idVerdict("I2", at: "2026-11-11T08:00:00Z", "N", more: "\"recognitionErrorCode\": \"BLUR\""),
        Log.vv("V1", at: "2026-11-12T08:00:00Z", verdict: "Success", ext: #"{"quality": 55}"#),
    ])
    #expect(summary.total.accepted == 3)
    try db.queue.close()
}

/// Writes `sql` as `dir/name.sql` in the sandbox; returns its path.
@discardableResult
private func query(_ box: Sandbox, _ dir: String, _ name: String, _ sql: String) throws -> String {
    try FileManager.default.createDirectory(atPath: box.file(dir), withIntermediateDirectories: true)
    return try box.write(dir + "/" + name + ".sql", lines: [sql])
}

private func report(_ box: Sandbox, out: String, _ extra: [String]) throws -> ProcessOutput {
    try runVerdict(["report", "--db", box.databasePath, "--week", week, "--out", box.file(out)] + extra, in: box)
}

/// The rows of the first Markdown table under a line equal to `header` in `text`, as cells.
private func markdownTable(_ text: String, header: String) -> [[String]] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let start = lines.firstIndex(of: header) else { return [] }
    return lines[(start + 2)...].prefix { $0.hasPrefix("|") }.map { line in
        line.dropFirst().dropLast().split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

@Suite("Report: the columns a report reads, and the kinds query files declare")
struct ReportColumnsTests {
    static let interpreted = ["outcomes", "trend", "spoof_checks", "quality_histogram", "id_failure_reasons", "data_quality"]

    @Test("a query that replaces an interpreted one without its columns: exit 64, one line naming the file and the column, nothing written",
          arguments: interpreted)
    func missingColumn(_ name: String) throws {
        try withSandbox { box in
            try sampleDatabase(box)
            let path = try query(box, "q", name, "SELECT 1 AS anything;")
            let out = try report(box, out: "r", ["--queries", box.file("q")])
            #expect(out.status == 64, "\(name): \(out.status) \(out.stderr)")
            let lines = out.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(name): \(out.stderr)")
            #expect(lines.first?.hasPrefix("verdict: error: " + path + ": has no column ") == true, "\(name): \(out.stderr)")
            #expect(!FileManager.default.fileExists(atPath: box.file("r")))
        }
    }

    @Test("a count that holds text: exit 64 naming the file, the column and the row")
    func wrongType() throws {
        try withSandbox { box in
            try sampleDatabase(box)
            let path = try query(box, "q", "outcomes", """
                SELECT 'ID_RECOGNITION' AS product, 2 AS transactions, 2 AS completed, 1 AS passed, 1 AS failed,
                       0 AS pending, 0 AS api_error, 0.5 AS pass_rate
                UNION ALL SELECT 'VIDEO_VERIFY', 1, 'one', 1, 0, 0, 0, 1.0;
                """)
            let out = try report(box, out: "r", ["--queries", box.file("q")])
            #expect(out.status == 64, "\(out.stderr)")
            #expect(out.stderr == "verdict: error: \(path): column completed holds text on row 2, where the report expects a whole number\n")
            #expect(!FileManager.default.fileExists(atPath: box.file("r")))
        }
    }

    @Test("rates are the columns a file declares: a declared rate is a percentage, an undeclared *_rate a decimal, in report.md and in query --format md")
    func declaredRates() throws {
        try withSandbox { box in
            try sampleDatabase(box)
            let path = try query(box, "q", "shares", """
                -- shares: an analyst's query.
                -- Counts: n
                -- Rates: ratio
                SELECT 'a' AS label, 3 AS n, 0.5 AS ratio, 0.25 AS pass_rate;
                """)
            let template = try box.write("t.mustache", lines: ["{{{tables.shares}}}"])
            let out = try report(box, out: "r", ["--queries", box.file("q"), "--template", template])
            #expect(out.status == 0, "\(out.stderr)")
            let table = "| label | n | ratio | pass\\_rate |\n| --- | ---: | ---: | ---: |\n| a | 3 | 50.0% | 0.25 |\n"
            #expect(try readText(box.file("r/report.md")) == table + "\n")
            let md = try runVerdict(["query", "--db", box.databasePath, path, "--week", week, "--format", "md"], in: box)
            #expect(md.status == 0, "\(md.stderr)")
            #expect(md.stdout == table)
        }
    }

    @Test("a folded table ranks and adds up the counts its file declares, whatever their names")
    func declaredCounts() throws {
        try withSandbox { box in
            try sampleDatabase(box)
            // 25 rows: bucket i and n = 10 i. The 20 largest n are buckets 6…25; the other five
            // add up to 10 (1 + 2 + 3 + 4 + 5) = 150; a bucket is a whole number that does not add up.
            try query(box, "q", "buckets", """
                -- buckets: an analyst's query.
                -- Counts: n
                WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 25)
                SELECT 'k' || i AS key, i AS bucket, 10 * i AS n FROM r ORDER BY i;
                """)
            let template = try box.write("t.mustache", lines: ["{{{tables.buckets}}}"])
            let out = try report(box, out: "r", ["--queries", box.file("q"), "--template", template])
            #expect(out.status == 0, "\(out.stderr)")
            let rows = markdownTable(try readText(box.file("r/report.md")), header: "| key | bucket | n |")
            #expect(rows.count == 21)
            #expect(rows.dropLast().map { $0[1] } == (6...25).map(String.init))
            #expect(rows.last == ["other (5 more)", "–", "150"])
        }
    }

    @Test("a query returning two columns of one name is shown, the first one's value under that name")
    func duplicateColumnNames() throws {
        try withSandbox { box in
            try sampleDatabase(box)
            try query(box, "q", "dup", "SELECT 1 AS a, 2 AS a;")
            let template = try box.write("t.mustache", lines: ["{{#rows.dup}}a={{a}}{{/rows.dup}}", "{{{tables.dup}}}"])
            let out = try report(box, out: "r", ["--queries", box.file("q"), "--template", template])
            #expect(out.status == 0, "\(out.status) \(out.stderr)")
            #expect(try readText(box.file("r/report.md")) == "a=1\n| a | a |\n| ---: | ---: |\n| 1 | 2 |\n\n")
        }
    }

    @Test("a declaration that names no column, or gives a column two kinds: exit 64 naming the file, for report and query",
          arguments: [
              ("-- Rates: pass_rat", "declares pass_rat a rate, but the query returns no column pass_rat"),
              ("-- Rates: pass_rate\n-- Counts: pass_rate", "declares column pass_rate both a rate and a count"),
          ])
    func badDeclaration(_ header: String, _ complaint: String) throws {
        try withSandbox { box in
            try sampleDatabase(box)
            let path = try query(box, "q", "mine", header + "\nSELECT 0.5 AS pass_rate;")
            let out = try report(box, out: "r", ["--queries", box.file("q")])
            #expect(out.status == 64, "\(out.stderr)")
            #expect(out.stderr.hasPrefix("verdict: error: \(path): \(complaint)") && out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
            #expect(!FileManager.default.fileExists(atPath: box.file("r")))
            let q = try runVerdict(["query", "--db", box.databasePath, path, "--week", week], in: box)
            #expect(q.status == 64 && q.stdout.isEmpty, "\(q.stderr)")
            #expect(q.stderr.contains(complaint), "\(q.stderr)")
        }
    }
}
