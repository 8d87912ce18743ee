import Foundation
import Testing
@testable import VerdictCore

private let at = "2026-11-11T12:00:00Z"

/// Error codes a log can carry that a spreadsheet or a naive CSV reader would trip on.
/// (code as logged, failures)
private let craftedCodes: [(String, Int)] = [
    ("=cmd|' /C calc'!A0", 1), ("-1", 2), ("@x", 1), ("+x", 1), ("\tx", 1), ("\rR", 1),
    ("a,b", 1), ("say \"hi\"", 1), ("line1\nline2", 1), ("(a", 1), ("=b", 1),
]

private func craftedLog() -> [String] {
    var lines: [String] = []
    var n = 0
    for (code, count) in craftedCodes {
        for _ in 0..<count {
            n += 1
            lines.append(Log.idVerdict("F\(n)", at: at, "N", more: "\"recognitionErrorCode\": \(Log.q(code))"))
        }
    }
    // Three passed ones; one carries a spoof check whose name looks like a formula.
    lines.append(Log.idVerdict("P1", at: at, "Y", more: "\"spoofResult\": {\"-CHECK\": \"Y\"}"))
    lines.append(Log.idVerdict("P2", at: at, "Y", more: "\"spoofResult\": {\"-CHECK\": \"Y\"}"))
    lines.append(Log.idVerdict("P3", at: at, "Y", more: "\"spoofResult\": {\"-CHECK\": \"Y\"}"))
    // An API error whose status and code look like formulas.
    lines.append(Log.id("E1", at: at, status: "+", code: "-5"))
    // A VideoVerify verdict and a retry status that look like formulas.
    lines.append(Log.vv("V1", at: at, verdict: "=1+1", ext: #"{"willingRetryRecords": {"retryRecords": [{"status": "@SUM(A1)", "attemptNumber": 1}]}}"#))
    return lines
}

@Suite("CSV formatting")
struct CSVFormatTests {
    @Test("log text is neutralised against formula injection, quoted as RFC 4180 requires, ordered as logged")
    func neutraliseQuoteOrder() throws {
        try withSandbox { box in
            let dir = try box.report(of: craftedLog(), try Periods.week("2026-W46"))
            // Completed ID: 12 failed (the codes above, "-1" twice) + 3 passed = 15.
            // "-1": 2/15 = 0.133333, 2/12 = 0.166667. Others: 1/15 = 0.066667, 1/12 = 0.083333.
            // Order: failures descending, then the code as logged, by code points:
            // \t (0x09) < \r (0x0D) < ( (0x28) < + (0x2B) < "=b" < "=cmd…" (b < c) < @ (0x40) < a < l < s.
            // Written with a leading ' when the logged text starts with = + - @ tab or CR; "(a" is
            // first of "(a" and "=b" although "'=b" would sort before it after neutralising.
            let one = ["1", "0.066667", "0.083333"]
            #expect(try readCSV(dir, "id_failure_reasons") == [
                Headers.idFailureReasons,
                ["'-1", "2", "0.133333", "0.166667"],
                ["'\tx"] + one, ["'\rR"] + one, ["(a"] + one, ["'+x"] + one, ["'=b"] + one,
                ["'=cmd|' /C calc'!A0"] + one, ["'@x"] + one, ["a,b"] + one, ["line1\nline2"] + one, ["say \"hi\""] + one,
            ])
            // The raw text: quotes only where a comma, a quote, CR or LF requires them.
            let raw = try readText(dir + "/id_failure_reasons.csv")
            #expect(raw.hasPrefix("error_code,failures,failure_rate,share_of_failures\n'-1,2,0.133333,0.166667\n'\tx,1,"))
            #expect(raw.contains("\n\"'\rR\",1,0.066667,0.083333\n"))
            #expect(raw.contains("\n(a,1,"))
            #expect(raw.contains("\n'=cmd|' /C calc'!A0,1,"))
            #expect(raw.contains("\n\"a,b\",1,"))
            #expect(raw.contains("\n\"line1\nline2\",1,"))
            #expect(raw.contains("\n\"say \"\"hi\"\"\",1,0.066667,0.083333\n"))
            #expect(raw.hasSuffix("\n"))
            #expect(!raw.contains("\r\n"))

            // Status, code, verdict, check and retry status are log text too; numbers are not touched.
            #expect(try readCSV(dir, "result_codes") == [
                Headers.resultCodes,
                // 16 ID transactions: 15 SUCCESS (15/16 = 0.9375) and E1 (1/16 = 0.0625).
                ["ID_RECOGNITION", "S", "SUCCESS", "15", "0.937500"],
                ["ID_RECOGNITION", "'+", "'-5", "1", "0.062500"],
                ["VIDEO_VERIFY", "S", "SUCCESS", "1", "1.000000"],
            ])
            #expect(try readCSV(dir, "verdicts") == [
                Headers.verdicts,
                ["ID_RECOGNITION", "N", "12", "0.800000"],
                ["ID_RECOGNITION", "Y", "3", "0.200000"],
                ["VIDEO_VERIFY", "'=1+1", "1", "1.000000"],
            ])
            // "-CHECK" (0x2D) sorts before "DEEPER" (0x44).
            #expect(try readCSV(dir, "spoof_checks") == [
                Headers.spoofChecks, ["'-CHECK", "3", "3", "1.000000"], ["DEEPER", "0", "0", ""],
            ])
            #expect(try readCSV(dir, "willing_statuses") == [Headers.willingStatuses, ["'@SUM(A1)", "1", "1.000000"]])
            // The verdict "=1+1" is a completed VideoVerify verdict that did not pass.
            #expect(try readCSV(dir, "outcomes")[2] == ["VIDEO_VERIFY", "1", "1", "0", "1", "0", "0", "0.000000"])
        }
    }

    @Test("CSVWriter: six decimals, no exponent, -0 as 0, NULL as an empty cell, integers plain")
    func cellFormatting() {
        #expect(CSVWriter.cell(.real(0.5)) == "0.500000")
        #expect(CSVWriter.cell(.real(2.0 / 3.0)) == "0.666667")
        #expect(CSVWriter.cell(.real(1e-9)) == "0.000000")
        #expect(CSVWriter.cell(.real(-0.0)) == "0.000000")
        #expect(CSVWriter.cell(.real(123456789.125)) == "123456789.125000")
        #expect(CSVWriter.cell(.null) == "")
        #expect(CSVWriter.cell(.integer(-12)) == "-12")  // a number is never neutralised
        #expect(CSVWriter.cell(.integer(1_234_567)) == "1234567")
        #expect(CSVWriter.cell(.text("-12")) == "'-12")  // the same characters as log text are
        #expect(CSVWriter.cell(.text("")) == "")
        #expect(CSVWriter.cell(.text("plain")) == "plain")
    }

    @Test("two report runs write byte-identical CSV files")
    func byteIdentical() throws {
        try withSandbox { box in
            let path = try box.write("log.ndjson", lines: craftedLog())
            let db = try box.database()
            _ = try box.ingest(db, [path])
            let period = try Periods.week("2026-W46")
            let first = try box.report(db, period, into: "first")
            let second = try box.report(db, period, into: "second")
            // And after ingesting the same file again and reopening the database.
            _ = try box.ingest(db, [path])
            let third = try box.report(try box.database(), period, into: "third")
            let names = try FileManager.default.contentsOfDirectory(atPath: first).filter { $0.hasSuffix(".csv") }.sorted()
            #expect(names.count == QueryCatalog.contractFiles.count + QueryCatalog.extraFiles.count)
            for name in QueryCatalog.contractFiles {
                #expect(names.contains(name + ".csv"), "missing \(name).csv")
            }
            for name in names {
                let a = FileBytes.readAll(path: first + "/" + name)
                #expect(a != nil && a == FileBytes.readAll(path: second + "/" + name), "\(name) differs between runs")
                #expect(a == FileBytes.readAll(path: third + "/" + name), "\(name) differs after a re-ingest")
            }
        }
    }

    @Test("every CSV file reads the same with Python's csv module as with libcsv, cell by cell",
          .enabled(if: Executables.python3 != nil, "python3 is not installed"))
    func pythonCSVReader() throws {
        try withSandbox { box in
            let dir = try box.report(of: craftedLog(), try Periods.week("2026-W46"))
            let script = """
                import csv, glob, json, os, sys
                out = {}
                for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.csv"))):
                    with open(path, newline="", encoding="utf-8") as f:
                        out[os.path.basename(path)[:-4]] = list(csv.reader(f, strict=True))
                print(json.dumps(out))
                """
            let py = try runPython(script, [dir], in: box)
            #expect(py.status == 0, "\(py.stderr)")
            let decoded = try JSONDecoder().decode([String: [[String]]].self, from: Data(py.stdout.utf8))
            #expect(decoded.count == QueryCatalog.contractFiles.count + QueryCatalog.extraFiles.count)
            for (name, pythonRows) in decoded {
                let libcsvRows = try readCSV(dir, name)
                #expect(pythonRows.count == libcsvRows.count, "\(name): row count")
                for (i, (p, l)) in zip(pythonRows, libcsvRows).enumerated() {
                    #expect(p == l, "\(name) row \(i): python \(p) libcsv \(l)")
                }
                // Every row has as many cells as the header.
                if let header = pythonRows.first {
                    #expect(pythonRows.allSatisfy { $0.count == header.count }, "\(name): ragged rows")
                }
            }
            // And Python sees the expected cells of the crafted file (see neutraliseQuoteOrder).
            let reasons = try #require(decoded["id_failure_reasons"])
            #expect(reasons.map { $0[0] } == ["error_code", "'-1", "'\tx", "'\rR", "(a", "'+x", "'=b", "'=cmd|' /C calc'!A0", "'@x", "a,b", "line1\nline2", "say \"hi\""])
            #expect(decoded["outcomes"] == [Headers.outcomes,
                                             ["ID_RECOGNITION", "16", "15", "3", "12", "0", "1", "0.200000"],
                                             ["VIDEO_VERIFY", "1", "1", "0", "1", "0", "0", "0.000000"]])
            #expect(decoded["quality_histogram"]?.count == 11)
            #expect(decoded["trend"]?.count == 17)
        }
    }

    @Test("the header rows are exactly those of docs/METRICS.md")
    func headers() throws {
        try withSandbox { box in
            let dir = try box.report(of: [], try Periods.week("2026-W46"))
            let expected: [String: [String]] = [
                "outcomes": Headers.outcomes, "verdicts": Headers.verdicts, "result_codes": Headers.resultCodes,
                "id_failure_reasons": Headers.idFailureReasons, "spoof_checks": Headers.spoofChecks,
                "spoof_details": Headers.spoofDetails, "quality_summary": Headers.qualitySummary,
                "quality_histogram": Headers.qualityHistogram, "willing_attempts": Headers.willingAttempts,
                "willing_statuses": Headers.willingStatuses, "trend": Headers.trend,
            ]
            #expect(Set(expected.keys) == Set(QueryCatalog.contractFiles))
            for (name, header) in expected {
                #expect(try readCSV(dir, name).first == header, "\(name).csv header")
            }
        }
    }
}
