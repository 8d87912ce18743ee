import Foundation
import Testing
@testable import VerdictCore

private let at = "2026-11-11T12:00:00Z"

@Suite("Metrics: VideoVerify quality and willing verification")
struct VideoMetricsTests {
    @Test("quality_summary.csv and quality_histogram.csv against a hand computation (numpy's linear method)")
    func qualitySummary() throws {
        try withSandbox { box in
            let lines = [
                Log.vv("Q1", at: at, verdict: "Success", ext: #"{"quality": "99.41563014552693", "qualityPassed": true}"#),
                Log.vv("Q2", at: at, verdict: "Failure", ext: #"{"quality": 45.5, "qualityPassed": false}"#),
                Log.vv("Q3", at: at, verdict: "Success", ext: #"{"quality": "10.0", "qualityPassed": true}"#),
                Log.vv("Q4", at: at, verdict: "Success", ext: #"{"quality": 100}"#),
                Log.vv("Q5", at: at, verdict: "Failure", ext: #"{"quality": "0", "qualityPassed": "yes"}"#),
                // Pending and API-error transactions count too (the rule is about the final poll).
                Log.vv("Q6", at: at, verdict: "InProcess", ext: #"{"quality": "101", "qualityPassed": false}"#),
                Log.vv("Q7", at: at, code: "PROCESSING", ext: #"{"quality": 20}"#),
                Log.vv("Q8", at: at, status: "F", code: "LIMIT_EXCEEDED", ext: #"{"quality": "90"}"#),
                // The earlier poll carries a quality, the final one does not: not scored.
                Log.vv("Q9", at: "2026-11-11T11:00:00Z", code: "PROCESSING", ext: #"{"quality": 5, "qualityPassed": true}"#),
                Log.vv("Q9", at: at, verdict: "Success"),
                // Other weeks and ID Recognition: not counted.
                Log.vv("QX", at: "2026-11-16T00:00:00Z", verdict: "Success", ext: #"{"quality": 50, "qualityPassed": true}"#),
                Log.id("QI", at: at, ext: #"{"recognitionResult": "Y", "quality": 50}"#),
            ]
            let dir = try box.report(of: lines, try Periods.week("2026-W46"))
            // Scored (final quality in [0, 100]): Q1, Q2, Q3, Q4, Q5, Q7, Q8 → n = 7; Q6's 101 is invalid.
            // Sorted: 0, 10, 20, 45.5, 90, 99.41563014552693, 100.
            // mean = 364.91563014552693 / 7 = 52.130804…
            // p05: h = 6 × 0.05 = 0.3 → 0 + 0.3 × (10 − 0) = 3
            // p25: h = 1.5 → 10 + 0.5 × (20 − 10) = 15
            // p50: h = 3 → 45.5
            // p75: h = 4.5 → 90 + 0.5 × (99.41563014552693 − 90) = 94.707815…
            // p95: h = 5.7 → 99.41563014552693 + 0.7 × (100 − 99.41563014552693) = 99.824689…
            // flagged (boolean qualityPassed on the final poll): Q1 true, Q2 false, Q3 true, Q6 false → 4;
            // quality_passed 2 → 0.5. (Q5's "yes" is not a boolean; Q9's true was not on its final poll.)
            #expect(try readCSV(dir, "quality_summary") == [
                Headers.qualitySummary,
                ["7", "52.130804", "0.000000", "3.000000", "15.000000", "45.500000", "94.707815", "99.824689", "100.000000", "4", "2", "0.500000"],
            ])
            // Buckets: 0 → 0–10; 10.0 → 10–20 (lo ≤ q); 20 → 20–30; 45.5 → 40–50; 90, 99.4…, 100 → 90–100.
            #expect(try readCSV(dir, "quality_histogram") == [
                Headers.qualityHistogram,
                ["0", "10", "1"], ["10", "20", "1"], ["20", "30", "1"], ["30", "40", "0"], ["40", "50", "1"],
                ["50", "60", "0"], ["60", "70", "0"], ["70", "80", "0"], ["80", "90", "0"], ["90", "100", "3"],
            ])
        }
    }

    @Test("the hand-computed percentiles agree with numpy's default (linear) method",
          .enabled(if: Executables.hasNumpy, "numpy is not installed; the hand computation in qualitySummary is the reference"))
    func percentilesAgainstNumpy() throws {
        try withSandbox { box in
            let values = [0, 10, 20, 45.5, 90, 99.41563014552693, 100]
            let numpy = try runPython("""
                import numpy, sys
                v = [float(x) for x in sys.argv[1:]]
                print(",".join("%.6f" % numpy.percentile(v, p) for p in (5, 25, 50, 75, 95)))
                """, values.map { String($0) }, in: box)
            #expect(numpy.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3.000000,15.000000,45.500000,94.707815,99.824689")
        }
    }

    @Test("quality_histogram.csv: bucket edges")
    func histogramEdges() throws {
        try withSandbox { box in
            let qualities = ["0", "9.999", "10.0", "19.999999", "20", "55", "89.999", "90", "99.99", "100"]
            let lines = qualities.enumerated().map { i, q in Log.vv("H\(i)", at: at, verdict: "Success", ext: "{\"quality\": \"\(q)\"}") }
            let dir = try box.report(of: lines, try Periods.week("2026-W46"))
            // 0 and 9.999 → 0–10; 10.0 and 19.999999 → 10–20; 20 → 20–30; 55 → 50–60; 89.999 → 80–90;
            // 90, 99.99 and 100 → 90–100 (the last bucket also holds 100).
            #expect(try readCSV(dir, "quality_histogram") == [
                Headers.qualityHistogram,
                ["0", "10", "2"], ["10", "20", "2"], ["20", "30", "1"], ["30", "40", "0"], ["40", "50", "0"],
                ["50", "60", "1"], ["60", "70", "0"], ["70", "80", "0"], ["80", "90", "1"], ["90", "100", "3"],
            ])
        }
    }

    @Test("quality_summary.csv with nothing scored: zeros and empty cells, twelve columns")
    func qualityEmpty() throws {
        try withSandbox { box in
            let dir = try box.report(of: [Log.vv("E", at: at, verdict: "Success")], try Periods.week("2026-W46"))
            #expect(try readCSV(dir, "quality_summary") == [
                Headers.qualitySummary,
                ["0", "", "", "", "", "", "", "", "", "0", "0", ""],
            ])
            // One scored value: every percentile is that value.
            let db = try box.database("one.db")
            _ = try box.ingest(db, [try box.write("one.ndjson", lines: [Log.vv("O", at: at, verdict: "Success", ext: "{\"quality\": 42.25, \"qualityPassed\": false}")])])
            let dir2 = try box.report(db, try Periods.week("2026-W46"), into: "one")
            #expect(try readCSV(dir2, "quality_summary") == [
                Headers.qualitySummary,
                ["1", "42.250000", "42.250000", "42.250000", "42.250000", "42.250000", "42.250000", "42.250000", "42.250000", "1", "0", "0.000000"],
            ])
        }
    }

    @Test("willing_attempts.csv and willing_statuses.csv")
    func willing() throws {
        try withSandbox { box in
            func records(_ json: String) -> String { "{\"willingRetryRecords\": \(json)}" }
            let sample = Log.q(#"{"retryRecords":[{"status":"WRONG_ANSWER","userInput":"test","attemptNumber":1},{"status":"SUCCESS","userInput":"I confirm","attemptNumber":2}]}"#)
            let lines = [
                // W1: the document's sample (a JSON string): attempts 2, the deciding #2 is SUCCESS.
                Log.vv("W1", at: at, verdict: "Success", ext: records(sample)),
                // W2: an object; the largest attemptNumber (3, "-drop") decides, not the last record.
                Log.vv("W2", at: at, verdict: "Failure", ext: records(#"{"retryRecords": [{"status": "WRONG_ANSWER", "attemptNumber": 1}, {"status": "-drop", "attemptNumber": 3}, {"status": "TIMEOUT", "attemptNumber": 2}]}"#)),
                // W3: no attemptNumber: attempts = 2 records; the last decides and has no status.
                Log.vv("W3", at: at, verdict: "Success", ext: records(#"{"retryRecords": [{"status": "SUCCESS"}, {"userInput": "x"}]}"#)),
                // W4: one attempt, SUCCESS.
                Log.vv("W4", at: at, verdict: "Success", ext: records(#"{"retryRecords": [{"status": "SUCCESS", "attemptNumber": 1}]}"#)),
                // W5: the same records as W1.
                Log.vv("W5", at: at, verdict: "Success", ext: records(sample)),
                // W6: unparsable (a warning, no records); W7: an empty list. Neither is counted.
                Log.vv("W6", at: at, verdict: "Success", ext: records("\"{not json\"")),
                Log.vv("W7", at: at, verdict: "Success", ext: records(#"{"retryRecords": []}"#)),
                // W8: pending, still counted; "success" is not SUCCESS.
                Log.vv("W8", at: at, verdict: "InProcess", ext: records(#"{"retryRecords": [{"status": "success", "attemptNumber": 1}]}"#)),
                // Another week: not counted.
                Log.vv("W9", at: "2026-11-02T00:00:00Z", verdict: "Success", ext: records(sample)),
            ]
            let dir = try box.report(of: lines, try Periods.week("2026-W46"))
            // Counted: W1, W2, W3, W4, W5, W8 = 6 transactions.
            // attempts 1: W4 (succeeded), W8 → 2, 1, 2/6. attempts 2: W1, W3, W5 → 3, 2 (W1, W5), 3/6.
            // attempts 3: W2 → 1, 0, 1/6.
            #expect(try readCSV(dir, "willing_attempts") == [
                Headers.willingAttempts,
                ["1", "2", "1", "0.333333"],
                ["2", "3", "2", "0.500000"],
                ["3", "1", "0", "0.166667"],
            ])
            // Records: W1 2, W2 3, W3 2, W4 1, W5 2, W8 1 = 11.
            // SUCCESS: W1, W3, W4, W5 = 4 (4/11 = 0.363636); WRONG_ANSWER: W1, W2, W5 = 3 (0.272727);
            // then 1 each (1/11 = 0.090909) in code-point order of the logged value:
            // "-drop" (0x2D, written neutralised) < "TIMEOUT" < "UNSPECIFIED" (W3's record without status) < "success".
            #expect(try readCSV(dir, "willing_statuses") == [
                Headers.willingStatuses,
                ["SUCCESS", "4", "0.363636"],
                ["WRONG_ANSWER", "3", "0.272727"],
                ["'-drop", "1", "0.090909"],
                ["TIMEOUT", "1", "0.090909"],
                ["UNSPECIFIED", "1", "0.090909"],
                ["success", "1", "0.090909"],
            ])
        }
    }

    @Test("willing files are header-only when no transaction carries a record")
    func willingEmpty() throws {
        try withSandbox { box in
            let dir = try box.report(of: [Log.vv("N", at: at, verdict: "Success", ext: "{\"qualityPassed\": true}")], try Periods.week("2026-W46"))
            #expect(try readCSV(dir, "willing_attempts") == [Headers.willingAttempts])
            #expect(try readCSV(dir, "willing_statuses") == [Headers.willingStatuses])
        }
    }
}
