import Testing
@testable import VerdictCore

private let at = "2026-11-12T12:00:00Z"

private func idWith(_ tx: String, _ verdict: String?, _ ext: String) -> String {
    var fields = ext
    if let verdict { fields = "\"recognitionResult\": \(Log.q(verdict)), " + fields }
    return Log.id(tx, at: at, ext: "{" + fields + "}")
}

@Suite("Metrics: spoof checks and details")
struct SpoofMetricsTests {
    @Test("spoof_checks.csv: one row per spoofResult key seen and always DEEPER")
    func spoofChecks() throws {
        try withSandbox { box in
            let lines = [
                idWith("S1", "Y", #""spoofResult": {"TAMPER_CHECK": "Y", "MATERIAL_CHECK": "Y", "SCREEN_RECAPTURE_CHECK": "Y"}, "deeperResult": "Y""#),
                idWith("S2", "N", #""spoofResult": {"TAMPER_CHECK": "N", "MATERIAL_CHECK": "Y", "SCREEN_RECAPTURE_CHECK": ""}, "deeperResult": "N""#),
                idWith("S3", "N", #""spoofResult": {"TAMPER_CHECK": "maybe", "INFORMATION_CHECK": "Y"}"#),
                // The same profile as S2 but deeperResult "": the profile counts twice.
                idWith("S5", "N", #""spoofResult": {"TAMPER_CHECK": "N", "MATERIAL_CHECK": "Y", "SCREEN_RECAPTURE_CHECK": ""}, "deeperResult": """#),
                idWith("S6", "N", #""spoofResult": {"EMPTY_CHECK": ""}"#),
                // Pending (no verdict) and an API error: their checks are not counted, NEW_CHECK gets no row.
                idWith("S4", nil, #""spoofResult": {"TAMPER_CHECK": "N", "NEW_CHECK": "Y"}, "deeperResult": "N""#),
                Log.id("S7", at: at, status: "F", code: "INVALID_ARGUMENT", ext: #"{"spoofResult": {"NEW_CHECK": "Y"}}"#),
            ]
            let dir = try box.report(of: lines, try Periods.week("2026-W46"))
            // Completed: S1, S2, S3, S5, S6.
            // DEEPER: S1 Y, S2 N; S5 "" is not evaluated; S3, S6 have none → 2 evaluated, 1 passed.
            // EMPTY_CHECK: seen (S6) with "" only → 0, 0, empty rate.
            // INFORMATION_CHECK: S3 Y → 1/1. MATERIAL_CHECK: S1, S2, S5 Y → 3/3.
            // SCREEN_RECAPTURE_CHECK: S1 Y; S2 and S5 "" → 1/1.
            // TAMPER_CHECK: S1 Y, S2 N, S3 maybe, S5 N → 4 evaluated, 1 passed = 0.25.
            #expect(try readCSV(dir, "spoof_checks") == [
                Headers.spoofChecks,
                ["DEEPER", "2", "1", "0.500000"],
                ["EMPTY_CHECK", "0", "0", ""],
                ["INFORMATION_CHECK", "1", "1", "1.000000"],
                ["MATERIAL_CHECK", "3", "3", "1.000000"],
                ["SCREEN_RECAPTURE_CHECK", "1", "1", "1.000000"],
                ["TAMPER_CHECK", "4", "1", "0.250000"],
            ])
        }
    }

    @Test("spoof_checks.csv: the DEEPER row is there even with no completed transaction")
    func spoofChecksAlwaysDeeper() throws {
        try withSandbox { box in
            let dir = try box.report(of: [Log.id("P", at: at, code: "PROCESSING")], try Periods.week("2026-W46"))
            #expect(try readCSV(dir, "spoof_checks") == [Headers.spoofChecks, ["DEEPER", "0", "0", ""]])
        }
    }

    @Test("spoof_details.csv: a row per (spoofType, name) and per component; a detail listed twice counts once")
    func spoofDetails() throws {
        try withSandbox { box in
            func detail(_ type: String, _ name: String, _ result: String, _ components: [(String, String)]) -> String {
                let comps = components.map { "{\"name\": \(Log.q($0.0)), \"subResult\": \(Log.q($0.1))}" }.joined(separator: ", ")
                return "{\"spoofType\": \(Log.q(type)), \"name\": \(Log.q(name)), \"result\": \(Log.q(result)), \"components\": [\(comps)]}"
            }
            func details(_ items: [String]) -> String { "\"extraSpoofResultDetails\": [" + items.joined(separator: ", ") + "]" }
            let lines = [
                idWith("D1", "Y", details([
                    detail("SECURITY_FEATURE_CHECK", "hologramCheck", "Y", [("hologram", "Y")]),
                    detail("INFORMATION_CHECK", "pageInfoCheck", "Y", [("id", "Y"), ("name", "Y")]),
                ])),
                // pageInfoCheck listed twice: results Y and N → evaluated, not passed;
                // component id seen as Y, "" and N → evaluated, not passed.
                idWith("D2", "N", details([
                    detail("INFORMATION_CHECK", "pageInfoCheck", "Y", [("id", "Y")]),
                    detail("INFORMATION_CHECK", "pageInfoCheck", "N", [("id", ""), ("id", "N")]),
                ])),
                // hologramCheck listed twice: Y and "" → evaluated and passed (every non-empty value is Y);
                // component hologram Y twice → once, passed.
                idWith("D3", "N", details([
                    detail("SECURITY_FEATURE_CHECK", "hologramCheck", "Y", [("hologram", "Y")]),
                    detail("SECURITY_FEATURE_CHECK", "hologramCheck", "", [("hologram", "Y")]),
                ])),
                // Seen with empty values only: rows exist, evaluated 0, empty rates.
                idWith("D5", "N", details([detail("INFORMATION_CHECK", "mrzCheck", "", [("NAME", "")])])),
                // Pending: not counted, so no row for X/y.
                idWith("D4", nil, details([detail("X", "y", "Y", [])])),
            ]
            let dir = try box.report(of: lines, try Periods.week("2026-W46"))
            // Ordered by spoof_type, check, component with the detail's own row (empty component) first.
            // INFORMATION_CHECK/pageInfoCheck: D1 Y (passed), D2 Y+N (not) → 2, 1.
            //   id: D1 Y, D2 Y+""+N → 2, 1. name: D1 Y → 1, 1.
            // SECURITY_FEATURE_CHECK/hologramCheck: D1 Y, D3 Y+"" → 2, 2. hologram: D1 Y, D3 Y+Y → 2, 2.
            #expect(try readCSV(dir, "spoof_details") == [
                Headers.spoofDetails,
                ["INFORMATION_CHECK", "mrzCheck", "", "0", "0", ""],
                ["INFORMATION_CHECK", "mrzCheck", "NAME", "0", "0", ""],
                ["INFORMATION_CHECK", "pageInfoCheck", "", "2", "1", "0.500000"],
                ["INFORMATION_CHECK", "pageInfoCheck", "id", "2", "1", "0.500000"],
                ["INFORMATION_CHECK", "pageInfoCheck", "name", "1", "1", "1.000000"],
                ["SECURITY_FEATURE_CHECK", "hologramCheck", "", "2", "2", "1.000000"],
                ["SECURITY_FEATURE_CHECK", "hologramCheck", "hologram", "2", "2", "1.000000"],
            ])
        }
    }

    @Test("spoof details of the ID Recognition sample response")
    func sampleResponse() throws {
        try withSandbox { box in
            // The extraSpoofResultDetails of the ID Recognition document's response sample
            // (the checkresult API reference's sample), on a completed transaction (recognitionResult N).
            let ext = """
                {"recognitionResult": "N", "recognitionErrorCode": "NO_REQUIRED_ID", "deeperResult": "N",
                 "spoofResult": {"TAMPER_CHECK": "Y", "MATERIAL_CHECK": "Y", "SCREEN_RECAPTURE_CHECK": "Y", "INFORMATION_CHECK": "Y", "SECURITY_FEATURE_CHECK": "Y"},
                 "extraSpoofResultDetails": [
                  {"name": "landmarkCheck", "result": "Y", "spoofType": "SECURITY_FEATURE_CHECK", "components": [
                    {"name": "kadPengenalan", "subResult": "Y"}, {"name": "mykadLogo", "subResult": "Y"}, {"name": "flagLogo", "subResult": "Y"},
                    {"name": "mscLogo", "subResult": "Y"}, {"name": "ghostFace", "subResult": "Y"}, {"name": "hibiscusLogo", "subResult": "Y"},
                    {"name": "coatOfArm", "subResult": "Y"}, {"name": "twinTower", "subResult": "Y"}]},
                  {"name": "hologramCheck", "result": "Y", "spoofType": "SECURITY_FEATURE_CHECK", "components": [{"name": "hologram", "subResult": "Y"}]},
                  {"name": "pageInfoCheck", "result": "Y", "spoofType": "INFORMATION_CHECK", "components": [
                    {"name": "id", "subResult": "Y"}, {"name": "symbol", "subResult": "Y"}, {"name": "name", "subResult": "Y"}]},
                  {"result": "N", "components": [{"subResult": "N", "name": "ID_NUMBER"}], "spoofType": "INFORMATION_CHECK", "name": "commonConsistencyCheck"},
                  {"result": "N", "components": [{"subResult": "N", "name": "NAME"}, {"subResult": "Y", "name": "SEX"}], "spoofType": "INFORMATION_CHECK", "name": "mrzVisualConsistencyCheck"}]}
                """.replacingOccurrences(of: "\n", with: " ")
            let dir = try box.report(of: [Log.id("SAMPLE", at: at, ext: ext)], try Periods.week("2026-W46"))
            // One transaction: every row is evaluated once, passed when its value is Y.
            // Checks in code-point order: DEEPER (N) and the five spoofResult keys (Y).
            #expect(try readCSV(dir, "spoof_checks") == [
                Headers.spoofChecks,
                ["DEEPER", "1", "0", "0.000000"],
                ["INFORMATION_CHECK", "1", "1", "1.000000"],
                ["MATERIAL_CHECK", "1", "1", "1.000000"],
                ["SCREEN_RECAPTURE_CHECK", "1", "1", "1.000000"],
                ["SECURITY_FEATURE_CHECK", "1", "1", "1.000000"],
                ["TAMPER_CHECK", "1", "1", "1.000000"],
            ])
            let y = ["1", "1", "1.000000"], n = ["1", "0", "0.000000"]
            // Components sort by code points: upper case before lower case ("ID_NUMBER", "NAME", "SEX";
            // "coatOfArm" < "flagLogo" < "ghostFace" < "hibiscusLogo" < "kadPengenalan" < "mscLogo" < "mykadLogo" < "twinTower").
            #expect(try readCSV(dir, "spoof_details") == [
                Headers.spoofDetails,
                ["INFORMATION_CHECK", "commonConsistencyCheck", ""] + n,
                ["INFORMATION_CHECK", "commonConsistencyCheck", "ID_NUMBER"] + n,
                ["INFORMATION_CHECK", "mrzVisualConsistencyCheck", ""] + n,
                ["INFORMATION_CHECK", "mrzVisualConsistencyCheck", "NAME"] + n,
                ["INFORMATION_CHECK", "mrzVisualConsistencyCheck", "SEX"] + y,
                ["INFORMATION_CHECK", "pageInfoCheck", ""] + y,
                ["INFORMATION_CHECK", "pageInfoCheck", "id"] + y,
                ["INFORMATION_CHECK", "pageInfoCheck", "name"] + y,
                ["INFORMATION_CHECK", "pageInfoCheck", "symbol"] + y,
                ["SECURITY_FEATURE_CHECK", "hologramCheck", ""] + y,
                ["SECURITY_FEATURE_CHECK", "hologramCheck", "hologram"] + y,
                ["SECURITY_FEATURE_CHECK", "landmarkCheck", ""] + y,
                ["SECURITY_FEATURE_CHECK", "landmarkCheck", "coatOfArm"] + y,
                ["SECURITY_FEATURE_CHECK", "landmarkCheck", "flagLogo"] + y,
                ["SECURITY_FEATURE_CHECK", "landmarkCheck", "ghostFace"] + y,
                ["SECURITY_FEATURE_CHECK", "landmarkCheck", "hibiscusLogo"] + y,
                ["SECURITY_FEATURE_CHECK", "landmarkCheck", "kadPengenalan"] + y,
                ["SECURITY_FEATURE_CHECK", "landmarkCheck", "mscLogo"] + y,
                ["SECURITY_FEATURE_CHECK", "landmarkCheck", "mykadLogo"] + y,
                ["SECURITY_FEATURE_CHECK", "landmarkCheck", "twinTower"] + y,
            ])
            // The sample's failure reason.
            #expect(try readCSV(dir, "id_failure_reasons") == [Headers.idFailureReasons, ["NO_REQUIRED_ID", "1", "1.000000", "1.000000"]])
        }
    }
}
