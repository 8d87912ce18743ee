import Foundation
import Testing
@testable import VerdictCore

/// Golden files: the report of one fixed fixture, compared byte for byte.
///
/// Input: Fixtures/golden/input/, a copy of tools/oracle/fixtures (ingested in the order
/// a, b, c). Expected output: Fixtures/golden/expected/ (every CSV file, report.md and report.html of
/// `--week 2026-W46`). Re-record with `VERDICT_RECORD_GOLDEN=1 swift test …`, then rebuild
/// (the fixtures are copied into the test bundle) and review the diff: Fixtures/golden/README.md
/// says how the recorded files were checked.
@Suite("Golden files")
struct GoldenTests {
    static let inputs = ["a_idrecognition.ndjson", "b_videoverify.ndjson", "c_refused.ndjson.gz"]
    static let outputs = (QueryCatalog.contractFiles + QueryCatalog.extraFiles).map { $0 + ".csv" } + ["report.md", "report.html"]
    static var recording: Bool { ProcessInfo.processInfo.environment["VERDICT_RECORD_GOLDEN"] == "1" }

    /// Ingests the golden input into a fresh database in `box` and writes the W46 report.
    static func goldenReport(in box: Sandbox) throws -> (IngestSummary, String) {
        let input = try Fixtures.directory + "/golden/input/"
        let db = try box.database()
        let summary = try box.ingest(db, inputs.map { input + $0 })
        return (summary, try box.report(db, try Periods.week("2026-W46")))
    }

    @Test("the fixture's ingest summary, checked by hand")
    func summary() throws {
        try withSandbox { box in
            let (s, _) = try Self.goldenReport(in: box)
            // a (23 lines, no final newline): 19 polls, 2 duplicates (the same line, and the same
            // instant as epoch ms), 2 blank lines, 3 warnings, all on T7's line 13: bizId 123,
            // docEdition "two" and a spoofResult entry that is not a string.
            // b (9 lines, CRLF): 9 polls, 3 warnings (V5: quality "101", qualityPassed "yes",
            // willingRetryRecords "{not json").
            // c (gzip, two members, 23 lines): 1 duplicate (V1 again), 1 blank, 21 refused:
            // invalid_json 4 (truncated, NaN, [1, 2], invalid UTF-8), missing_transaction_id 2 ("" and 42),
            // missing_timestamp 3 (none, none, all null; the "\ud800" id is valid JSON here, so its
            // line counts as missing_timestamp, not invalid_json), invalid_timestamp 6, missing_result 3,
            // unknown_product 3.
            #expect(s.files.map(\.lines) == [23, 9, 23])
            #expect(s.files.map(\.accepted) == [19, 9, 0])
            #expect(s.total.lines == 55 && s.total.accepted == 28 && s.total.duplicates == 3 && s.total.blank == 3)
            #expect(s.total.refused == [.invalidJSON: 4, .missingTransactionId: 2, .missingTimestamp: 3, .invalidTimestamp: 6, .missingResult: 3, .unknownProduct: 3])
            #expect(s.total.warnings == 6)
            #expect(s.transactions == [.idRecognition: 13, .videoVerify: 8])
            #expect(s.files.allSatisfy { $0.error == nil && $0.addsUp })
        }
    }

    @Test("the report matches the golden files byte for byte")
    func goldenFiles() throws {
        try withSandbox { box in
            let (_, dir) = try Self.goldenReport(in: box)
            // A few numbers worked out by hand (tools/oracle/README.md): T1…T13 and V1…V8,
            // of which 10 and 8 start in W46 (T9 on 11-03 and T13 in 2024 do not, T10 at
            // 2026-11-16T00:30Z does not, T11 starts 11-15T23:59:59.999Z and does).
            #expect(try readCSV(dir, "outcomes") == [
                Headers.outcomes,
                ["ID_RECOGNITION", "10", "5", "2", "3", "2", "3", "0.400000"],
                ["VIDEO_VERIFY", "8", "5", "2", "3", "2", "1", "0.400000"],
            ])
            let quality = try readCSV(dir, "quality_summary")
            #expect(quality[1][1] == "44.067605" && quality[1][6] == "85.811723")

            let expectedDir = try Fixtures.directory + "/golden/expected/"
            if Self.recording {
                let target = Fixtures.sourceDirectory + "/golden/expected/"
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                for name in Self.outputs {
                    try FileBytes.writeAtomically(path: target + name, bytes: try #require(FileBytes.readAll(path: dir + "/" + name)))
                }
                Issue.record("Recorded \(Self.outputs.count) golden files into \(target); unset VERDICT_RECORD_GOLDEN, rebuild and run again.")
                return
            }
            for name in Self.outputs {
                let expected = try #require(FileBytes.readAll(path: expectedDir + name), "missing golden file \(name): record with VERDICT_RECORD_GOLDEN=1")
                let actual = try #require(FileBytes.readAll(path: dir + "/" + name))
                if expected != actual {
                    let e = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                    let a = String(decoding: actual, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                    let line = Array(zip(e, a)).firstIndex { $0.0 != $0.1 } ?? min(e.count, a.count)
                    Issue.record("\(name) differs from its golden file at line \(line + 1): expected \(line < e.count ? String(e[line]) : "<end>"), got \(line < a.count ? String(a[line]) : "<end>")")
                }
            }
        }
    }

    @Test("the golden CSV files agree with the independent reference implementation (tools/oracle)",
          .enabled(if: Executables.python3 != nil, "python3 is not installed"))
    func oracleAgrees() throws {
        try withSandbox { box in
            let oracle = Executables.packageRoot.appendingPathComponent("tools/oracle/verdict_oracle.py").path
            try #require(FileManager.default.fileExists(atPath: oracle), "tools/oracle is not in this checkout")
            let input = try Fixtures.directory + "/golden/input/"
            let out = try run(try #require(Executables.python3), [oracle, "--out", box.file("oracle"), "--week", "2026-W46"] + Self.inputs.map { input + $0 }, in: box)
            #expect(out.status == 0, "\(out.stderr)")
            let summary = try jsonObject(out.stdout)
            #expect(summary["lines"] as? Int == 55 && summary["accepted"] as? Int == 28 && summary["warnings"] as? Int == 6)
            for name in QueryCatalog.contractFiles {
                let golden = FileBytes.readAll(path: try Fixtures.directory + "/golden/expected/" + name + ".csv")
                #expect(golden != nil && golden == FileBytes.readAll(path: box.file("oracle/" + name + ".csv")), "\(name).csv: oracle and golden file differ")
            }
        }
    }
}
