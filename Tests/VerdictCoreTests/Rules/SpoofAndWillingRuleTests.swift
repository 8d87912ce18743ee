import Testing
@testable import VerdictCore

/// The spoof and willing rules of Rules/SpoofRule.swift and Rules/WillingRule.swift, as
/// docs/METRICS.md (spoof_checks.csv, spoof_details.csv, willing_attempts.csv) defines them.
@Suite("Rules: spoof checks and willing attempts")
struct SpoofAndWillingRuleTests {
    @Test("one spoof value: evaluated when not empty, passed when exactly Y")
    func oneValue() {
        let cases: [(String, evaluated: Bool, passed: Bool)] = [
            ("Y", true, true), ("N", true, false), ("y", true, false), ("", false, false),
            (" ", true, false), ("maybe", true, false), ("Y ", true, false),
        ]
        for (v, evaluated, passed) in cases {
            #expect(SpoofRule.evaluated(v) == evaluated && SpoofRule.passed(v) == passed, "'\(v)'")
        }
    }

    @Test("a detail or component listed several times: evaluated if any value is not empty, passed if every non-empty one is Y")
    func collapsed() {
        func collapse(_ values: [String?]) -> (evaluated: Bool, passed: Bool) {
            var c = SpoofRule.Collapsed()
            for v in values { c.add(v) }
            return (c.evaluated, c.passed)
        }
        #expect(collapse([]) == (false, false))
        #expect(collapse(["Y"]) == (true, true))
        #expect(collapse(["N"]) == (true, false))
        #expect(collapse([""]) == (false, false))
        #expect(collapse([nil]) == (false, false))
        #expect(collapse(["Y", "N"]) == (true, false))
        #expect(collapse(["N", "Y"]) == (true, false))
        #expect(collapse(["Y", "Y"]) == (true, true))
        // Empty and absent values are left out, whatever their place.
        #expect(collapse(["", "Y"]) == (true, true))
        #expect(collapse(["Y", nil, ""]) == (true, true))
        #expect(collapse([nil, "", nil]) == (false, false))
        #expect(collapse(["", "maybe", "Y"]) == (true, false))
    }

    @Test("the stored spoof profile applies the collapse to every detail and component row, in logged order")
    func profileRows() throws {
        let details = [
            SpoofDetail(spoofType: "INFORMATION_CHECK", name: "pageInfoCheck", result: "Y",
                        components: [SpoofComponent(name: "id", subResult: "Y"), SpoofComponent(name: "id", subResult: "")]),
            SpoofDetail(spoofType: "INFORMATION_CHECK", name: "pageInfoCheck", result: "N",
                        components: [SpoofComponent(name: "name", subResult: nil)]),
            SpoofDetail(spoofType: "SECURITY_FEATURE_CHECK", name: "hologramCheck", result: "",
                        components: [SpoofComponent(name: "hologram", subResult: "N"), SpoofComponent(name: "hologram", subResult: "Y")]),
        ]
        let profile = try #require(Profiles.spoof(checks: [], details: details))
        // type/check/component: evaluated?, passed?
        let rows = profile.details.map { "\($0.spoofType)/\($0.check)/\($0.component): \($0.evaluated), \($0.passed)" }
        #expect(rows == [
            "INFORMATION_CHECK/pageInfoCheck/: true, false", "INFORMATION_CHECK/pageInfoCheck/id: true, true",
            "INFORMATION_CHECK/pageInfoCheck/name: false, false",
            "SECURITY_FEATURE_CHECK/hologramCheck/: false, false", "SECURITY_FEATURE_CHECK/hologramCheck/hologram: true, false",
        ])
    }

    @Test("willing: attempts is the largest attemptNumber, else the record count; the deciding record decides")
    func willing() {
        func r(_ status: String?, _ n: Int?) -> RetryRecord { RetryRecord(status: status, attemptNumber: n) }
        func summary(_ records: [RetryRecord]) -> [String] {
            guard let s = WillingRule.summary(records) else { return [] }
            return [String(s.attempts), s.succeeded ? "succeeded" : "not", String(WillingRule.decidingIndex(records))]
        }
        #expect(summary([]) == [])
        // No numbers: the count, and the last record decides.
        #expect(summary([r("WRONG_ANSWER", nil), r("SUCCESS", nil)]) == ["2", "succeeded", "1"])
        #expect(summary([r("SUCCESS", nil), r("TIMEOUT", nil)]) == ["2", "not", "1"])
        // The largest number decides, wherever it is.
        #expect(summary([r("WRONG_ANSWER", 1), r("SUCCESS", 3), r("TIMEOUT", 2)]) == ["3", "succeeded", "1"])
        // Of equal largest numbers, the last.
        #expect(summary([r("SUCCESS", 2), r("TIMEOUT", 2)]) == ["2", "not", "1"])
        #expect(summary([r("TIMEOUT", 2), r("SUCCESS", 2), r("WRONG", 1)]) == ["2", "succeeded", "1"])
        // Some numbered, some not: the numbered ones decide; attempts is their largest,
        // even when smaller than the count.
        #expect(summary([r("SUCCESS", 1), r("TIMEOUT", nil), r("WRONG", nil)]) == ["1", "succeeded", "0"])
        // Exactly SUCCESS: another case, or no status, does not succeed.
        #expect(summary([r("success", 1)]) == ["1", "not", "0"])
        #expect(summary([r(nil, nil)]) == ["1", "not", "0"])
        // Zero and negative numbers are numbers too.
        #expect(summary([r("SUCCESS", 0), r("TIMEOUT", nil)]) == ["0", "succeeded", "0"])
        #expect(summary([r("SUCCESS", -1), r("TIMEOUT", -2)]) == ["-1", "succeeded", "0"])
    }

    @Test("the stored willing profile carries the rule's attempts and success")
    func willingProfile() throws {
        let records = [RetryRecord(status: "WRONG_ANSWER", attemptNumber: 1), RetryRecord(status: "SUCCESS", attemptNumber: 2)]
        let profile = try #require(Profiles.willing(records))
        #expect(profile.attempts == 2 && profile.succeeded)
        #expect(profile.json == #"[["WRONG_ANSWER",1],["SUCCESS",2]]"#)
        #expect(Profiles.willing([]) == nil && Profiles.willing(nil) == nil)
    }
}
