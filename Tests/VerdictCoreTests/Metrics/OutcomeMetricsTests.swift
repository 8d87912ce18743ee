import Testing
@testable import VerdictCore

// Every expected cell below is worked out by hand from the fixture next to it.
// The report period is ISO week 2026-W46: Monday 2026-11-09 00:00Z to Monday 2026-11-16 00:00Z.

@Suite("Metrics: outcomes, verdicts, result codes, failure reasons")
struct OutcomeMetricsTests {
    @Test("outcomes.csv: one row per product, classes by final poll, pass_rate = passed / completed")
    func outcomes() throws {
        try withSandbox { box in
            let lines = [
                Log.id("I1", at: "2026-11-10T08:00:00Z", code: "PROCESSING"),
                Log.idVerdict("I1", at: "2026-11-10T08:01:00Z", "Y"),  // I1 passed
                Log.idVerdict("I2", at: "2026-11-10T09:00:00Z", "N"),  // I2 failed
                Log.id("I3", at: "2026-11-11T09:00:00Z", code: "PROCESSING"),  // I3 pending (still processing)
                Log.id("I4", at: "2026-11-11T10:00:00Z", ext: "{\"docCategory\": \"PASSPORT\"}"),  // I4 pending (SUCCESS, no verdict)
                Log.id("I5", at: "2026-11-12T10:00:00Z", status: "F", code: "SYSTEM_ERROR"),  // I5 api_error
                Log.idVerdict("I6", at: "2026-11-12T11:00:00Z", ""),  // I6 pending (empty verdict)
                Log.idVerdict("I7", at: "2026-11-16T00:00:00Z", "Y"),  // I7 in W47: not counted
                Log.idVerdict("I8", at: "2026-11-08T23:59:59.999Z", "Y"),  // I8 in W45: not counted
                Log.vv("V1", at: "2026-11-13T08:00:00Z", verdict: "success"),  // V1 passed
                Log.vv("V2", at: "2026-11-13T09:00:00Z", verdict: "InProcess"),  // V2 pending
                Log.vv("V3", at: "2026-11-15T23:59:59.999Z", verdict: "VoidTimeout"),  // V3 failed (a completed verdict that did not pass)
                Log.vv("V4", at: "2026-11-17T00:00:00Z", verdict: "Success"),  // V4 in W47: not counted
            ]
            let dir = try box.report(of: lines, try Periods.week("2026-W46"))
            // ID: T = I1..I6 = 6; completed = I1, I2 = 2; passed 1; failed 1; pending I3, I4, I6 = 3;
            // api_error I5 = 1; pass_rate 1/2. VV: T = V1..V3; completed V1, V3; passed 1; failed 1; pending 1.
            #expect(try readCSV(dir, "outcomes") == [
                Headers.outcomes,
                ["ID_RECOGNITION", "6", "2", "1", "1", "3", "1", "0.500000"],
                ["VIDEO_VERIFY", "3", "2", "1", "1", "1", "0", "0.500000"],
            ])
        }
    }

    @Test("outcomes.csv: both rows always, an empty pass_rate when nothing completed, six decimals")
    func outcomesEdgeCases() throws {
        try withSandbox { box in
            // Only a pending ID Recognition transaction, no VideoVerify at all.
            let pendingOnly = try box.report(of: [Log.id("P", at: "2026-11-10T08:00:00Z", code: "PROCESSING")], try Periods.week("2026-W46"))
            #expect(try readCSV(pendingOnly, "outcomes") == [
                Headers.outcomes,
                ["ID_RECOGNITION", "1", "0", "0", "0", "1", "0", ""],
                ["VIDEO_VERIFY", "0", "0", "0", "0", "0", "0", ""],
            ])
        }
        try withSandbox { box in
            // ID: Y, Y, N → 2/3 = 0.666666… → 0.666667. VV: Success, Failure, failure → 1/3 → 0.333333.
            let lines = [
                Log.idVerdict("A", at: "2026-11-10T08:00:00Z", "Y"), Log.idVerdict("B", at: "2026-11-10T08:00:00Z", "Y"),
                Log.idVerdict("C", at: "2026-11-10T08:00:00Z", "N"),
                Log.vv("D", at: "2026-11-10T08:00:00Z", verdict: "Success"), Log.vv("E", at: "2026-11-10T08:00:00Z", verdict: "Failure"),
                Log.vv("F", at: "2026-11-10T08:00:00Z", verdict: "failure"),
            ]
            let dir = try box.report(of: lines, try Periods.week("2026-W46"))
            #expect(try readCSV(dir, "outcomes") == [
                Headers.outcomes,
                ["ID_RECOGNITION", "3", "3", "2", "1", "0", "0", "0.666667"],
                ["VIDEO_VERIFY", "3", "3", "1", "2", "0", "0", "0.333333"],
            ])
            // An empty database and an empty week give both rows too.
            let empty = try box.report(try box.database("empty.db"), try Periods.week("2026-W46"), into: "empty")
            #expect(try readCSV(empty, "outcomes") == [
                Headers.outcomes,
                ["ID_RECOGNITION", "0", "0", "0", "0", "0", "0", ""],
                ["VIDEO_VERIFY", "0", "0", "0", "0", "0", "0", ""],
            ])
        }
    }

    @Test("verdicts.csv: completed transactions by verdict; VideoVerify spellings made canonical")
    func verdicts() throws {
        try withSandbox { box in
            let at = "2026-11-11T12:00:00Z"
            let lines = [
                Log.idVerdict("I1", at: at, "Y"), Log.idVerdict("I2", at: at, "Y"), Log.idVerdict("I3", at: at, "N"),
                Log.idVerdict("I4", at: at, "y"),  // any other value, as logged
                Log.id("I5", at: at, code: "PROCESSING"),  // not completed
                Log.vv("V1", at: at, verdict: "success"), Log.vv("V2", at: at, verdict: "SUCCESS"), Log.vv("V3", at: at, verdict: "Success"),
                Log.vv("V4", at: at, verdict: "FAILURE"), Log.vv("V5", at: at, verdict: "voidtimeout"), Log.vv("V6", at: at, verdict: "Maybe"),
                Log.vv("V7", at: at, verdict: "inprocess"),  // not completed
                Log.vv("V8", at: at, status: "F", code: "LIMIT_EXCEEDED"),  // not completed
            ]
            let dir = try box.report(of: lines, try Periods.week("2026-W46"))
            // ID: 4 completed: Y 2 (2/4), N 1, y 1 (1/4 each); N (0x4E) sorts before y (0x79).
            // VV: 6 completed: Success 3 (3/6), then Failure, Maybe, VoidTimeout with 1 each (1/6 = 0.1666… → 0.166667).
            #expect(try readCSV(dir, "verdicts") == [
                Headers.verdicts,
                ["ID_RECOGNITION", "Y", "2", "0.500000"],
                ["ID_RECOGNITION", "N", "1", "0.250000"],
                ["ID_RECOGNITION", "y", "1", "0.250000"],
                ["VIDEO_VERIFY", "Success", "3", "0.500000"],
                ["VIDEO_VERIFY", "Failure", "1", "0.166667"],
                ["VIDEO_VERIFY", "Maybe", "1", "0.166667"],
                ["VIDEO_VERIFY", "VoidTimeout", "1", "0.166667"],
            ])
        }
    }

    @Test("result_codes.csv: final poll status and code; ordered by transactions, code, status")
    func resultCodes() throws {
        try withSandbox { box in
            let lines = [
                Log.idVerdict("T1", at: "2026-11-10T08:00:00Z", "Y"),
                Log.idVerdict("T2", at: "2026-11-10T08:00:00Z", "N"),
                Log.id("T3", at: "2026-11-10T08:00:00Z", status: "F", code: "SYSTEM_ERROR"),
                Log.id("T4", at: "2026-11-10T08:00:00Z", code: "PROCESSING"),
                Log.id("T5", at: "2026-11-10T08:00:00Z", status: "F", code: "INVALID_ARGUMENT"),
                Log.id("T6", at: "2026-11-10T08:00:00Z", status: "F", code: "INVALID_ARGUMENT"),
                Log.idVerdict("T6", at: "2026-11-10T08:10:00Z", "Y"),  // T6's final poll is this SUCCESS
                Log.id("T7", at: "2026-11-10T08:00:00Z", status: "S", code: "SYSTEM_ERROR"),
                Log.vv("V1", at: "2026-11-10T08:00:00Z", verdict: "Success"),
            ]
            let dir = try box.report(of: lines, try Periods.week("2026-W46"))
            // ID: 7 transactions; SUCCESS/S: T1, T2, T6 = 3 (3/7 = 0.428571…); the others 1 each (1/7 = 0.142857…),
            // ordered by code (INVALID_ARGUMENT < PROCESSING < SYSTEM_ERROR) then status (F < S).
            #expect(try readCSV(dir, "result_codes") == [
                Headers.resultCodes,
                ["ID_RECOGNITION", "S", "SUCCESS", "3", "0.428571"],
                ["ID_RECOGNITION", "F", "INVALID_ARGUMENT", "1", "0.142857"],
                ["ID_RECOGNITION", "S", "PROCESSING", "1", "0.142857"],
                ["ID_RECOGNITION", "F", "SYSTEM_ERROR", "1", "0.142857"],
                ["ID_RECOGNITION", "S", "SYSTEM_ERROR", "1", "0.142857"],
                ["VIDEO_VERIFY", "S", "SUCCESS", "1", "1.000000"],
            ])
        }
    }

    @Test("id_failure_reasons.csv: failed ones by recognitionErrorCode; rates over completed and over failed")
    func idFailureReasons() throws {
        try withSandbox { box in
            let at = "2026-11-12T12:00:00Z"
            func failed(_ tx: String, _ code: String?) -> String {
                Log.idVerdict(tx, at: at, "N", more: code.map { "\"recognitionErrorCode\": \(Log.q($0))" } ?? "")
            }
            let lines = [
                Log.idVerdict("P1", at: at, "Y"),
                Log.idVerdict("P2", at: at, "Y", more: "\"recognitionErrorCode\": \"IGNORED\""),  // passed: not a failure
                failed("F1", "NO_REQUIRED_ID"), failed("F2", "NO_REQUIRED_ID"), failed("F3", "NO_REQUIRED_ID"),
                failed("F4", ""),  // empty: UNSPECIFIED
                Log.idVerdict("F5", at: at, "maybe"),  // absent: UNSPECIFIED (and "maybe" is a failure)
                failed("F6", "Zeta"), failed("F7", "alpha"),
                // Not completed: never counted.
                Log.id("X1", at: at, ext: "{\"recognitionErrorCode\": \"PENDING_CODE\"}"),
                Log.id("X2", at: at, status: "F", code: "INVALID_ARGUMENT", ext: "{\"recognitionErrorCode\": \"API_CODE\"}"),
                // Another week: not counted.
                failed("W47", "NO_REQUIRED_ID").replacingOccurrences(of: at, with: "2026-11-16T00:00:00Z"),
            ]
            let dir = try box.report(of: lines, try Periods.week("2026-W46"))
            // completed = P1, P2, F1..F7 = 9; failed = 7.
            // NO_REQUIRED_ID 3: 3/9 = 0.333333, 3/7 = 0.428571. UNSPECIFIED 2 (F4, F5): 2/9 = 0.222222, 2/7 = 0.285714.
            // Zeta and alpha 1 each: 1/9 = 0.111111, 1/7 = 0.142857; "Z" (0x5A) before "a" (0x61).
            #expect(try readCSV(dir, "id_failure_reasons") == [
                Headers.idFailureReasons,
                ["NO_REQUIRED_ID", "3", "0.333333", "0.428571"],
                ["UNSPECIFIED", "2", "0.222222", "0.285714"],
                ["Zeta", "1", "0.111111", "0.142857"],
                ["alpha", "1", "0.111111", "0.142857"],
            ])
        }
        try withSandbox { box in
            // Nothing failed: the header only.
            let dir = try box.report(of: [Log.idVerdict("P", at: "2026-11-10T08:00:00Z", "Y")], try Periods.week("2026-W46"))
            #expect(try readCSV(dir, "id_failure_reasons") == [Headers.idFailureReasons])
        }
    }
}
