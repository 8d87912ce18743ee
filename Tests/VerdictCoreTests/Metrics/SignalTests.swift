import Foundation
import Testing
@testable import VerdictCore

/// signals.csv and changes.csv worked out by hand for a few transactions.
@Suite("Signals and changes")
struct SignalTests {
    @Test("a small week against the one before: every signal's numerator and denominator, and the z-test, by hand")
    func byHand() throws {
        try withSandbox { box in
            // Week 2026-W45 (the previous one): one ID Recognition transaction, passed.
            // Week 2026-W46: three, two passed and one failed with BLUR; deeperResult Y, N, "".
            let (db, _) = try box.ingestLines([
                Log.idVerdict("P1", at: "2026-11-03T08:00:00Z", "Y"),
                Log.idVerdict("C1", at: "2026-11-10T08:00:00Z", "Y", more: #""deeperResult": "Y""#),
                Log.idVerdict("C2", at: "2026-11-10T09:00:00Z", "Y", more: #""deeperResult": "N""#),
                Log.idVerdict("C3", at: "2026-11-10T10:00:00Z", "N", more: #""recognitionErrorCode": "BLUR", "deeperResult": """#),
            ])
            let out = box.file("r")
            _ = try ReportWriter(engine: MetricsEngine(database: db, catalog: try QueryCatalog())).write(period: try Periods.week("2026-W46"), to: out)
            let signals = CSVReader.parse(try readText(out + "/signals.csv"))
            #expect(signals.first == ["signal", "period_start", "numerator", "denominator", "rate"])
            func rows(_ name: String) -> [[String]] { signals.filter { $0.first == name }.map { Array($0.dropFirst()) }.suffix(2).map { $0 } }
            // The last two of the eight periods: W45, then W46.
            #expect(rows("pass_rate.ID_RECOGNITION") == [["2026-11-02", "1", "1", "1.000000"], ["2026-11-09", "2", "3", "0.666667"]])
            #expect(rows("id_failure.BLUR") == [["2026-11-02", "0", "1", "0.000000"], ["2026-11-09", "1", "3", "0.333333"]])
            #expect(rows("spoof_fail.DEEPER") == [["2026-11-02", "0", "0", ""], ["2026-11-09", "1", "2", "0.500000"]])
            #expect(rows("api_error_rate.ID_RECOGNITION") == [["2026-11-02", "0", "1", "0.000000"], ["2026-11-09", "0", "3", "0.000000"]])
            // No VideoVerify transaction in any period: no VideoVerify signal.
            #expect(!signals.contains { $0.first?.hasSuffix("VIDEO_VERIFY") == true })
            #expect(signals.dropFirst().count % 8 == 0)

            let changes = CSVReader.parse(try readText(out + "/changes.csv"))
            #expect(changes.first == SignalChanges.columns)
            let byName = Dictionary(uniqueKeysWithValues: changes.dropFirst().map { ($0[0], $0) })
            // pooled 3/4, se = sqrt(3/4 · 1/4 · (1/3 + 1)) = 1/2, z = (2/3 − 1) / (1/2).
            #expect(byName["pass_rate.ID_RECOGNITION"] == ["pass_rate.ID_RECOGNITION", "2", "3", "0.666667", "1", "1", "1.000000",
                                                          "-33.333333", "-0.666667", "0.504985", "1", "0"])
            #expect(byName["id_failure.BLUR"] == ["id_failure.BLUR", "1", "3", "0.333333", "0", "1", "0.000000",
                                                 "33.333333", "0.666667", "0.504985", "1", "0"])
            // Nothing in the previous period: no change and no test.
            #expect(byName["spoof_fail.DEEPER"] == ["spoof_fail.DEEPER", "1", "2", "0.500000", "0", "0", "", "", "", "", "1", "0"])
            // A pooled rate of 0 (no API error in either period): no test either.
            #expect(byName["api_error_rate.ID_RECOGNITION"]?[8] == "")
            // Ordered by significant, then |z| (empty last), then name.
            let zs = changes.dropFirst().map { $0[8] }
            #expect(zs.firstIndex(of: "") ?? zs.count >= zs.lastIndex(where: { !$0.isEmpty }).map { $0 + 1 } ?? 0)
        }
    }

    @Test("verdict query signals and verdict query changes print what the report writes")
    func throughQuery() throws {
        try withSandbox { box in
            let log = try box.write("log.ndjson", lines: [
                Log.idVerdict("P1", at: "2026-11-03T08:00:00Z", "Y"),
                Log.idVerdict("C1", at: "2026-11-10T08:00:00Z", "N", more: #""recognitionErrorCode": "BLUR""#),
                Log.idVerdict("C2", at: "2026-11-10T09:00:00Z", "Y"),
            ])
            #expect(try runVerdict(["ingest", "--db", box.databasePath, log], in: box).status == 0)
            let out = box.file("r")
            #expect(try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--out", out], in: box).status == 0)
            for name in ["signals", "changes"] {
                let q = try runVerdict(["query", "--db", box.databasePath, name, "--week", "2026-W46"], in: box)
                #expect(q.status == 0, "\(q.stderr)")
                #expect(q.stdout == (try readText(out + "/\(name).csv")), "\(name)")
                #expect(q.stdout.split(separator: "\n").count > 2)
            }
        }
    }
}
