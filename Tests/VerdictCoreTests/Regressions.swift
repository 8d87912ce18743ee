import Testing
@testable import VerdictCore

// Regression tests for defects found while writing the suite; each test says what the
// contract requires. Expected values are
// worked out from docs/LOG_FORMAT.md, docs/METRICS.md, the README's Reliability section and the "Readings" of
// tools/oracle/README.md, which the Swift code is meant to follow (the reference oracle,
// tools/oracle/verdict_oracle.py, gives the expected result in every case below).

private let at = "2026-11-11T12:00:00Z"

@Suite("Regressions")
struct Regressions {
    @Test("extInfo.certType is read: it identifies ID Recognition without an api, and is stored")
    func certTypeNeverRead() throws {
        // docs/LOG_FORMAT.md (The envelope): no api, extInfo holding certType → ID Recognition.
        let line = Log.envelope(timestamp: "\"\(at)\"", api: nil, transactionId: "T",
                                response: "{\"result\": \(Log.result("S", "SUCCESS")), \"extInfo\": {\"certType\": \"00600000001\"}}")
        let p = try #require(parseLine(line).poll)
        #expect(p.product == .idRecognition)
        #expect(p.certType == "00600000001")
        // With an api: the value is kept, and a number is a wrong-typed field.
        #expect(try #require(parseLine(Log.id("T", at: at, ext: #"{"certType": "00600000001"}"#)).poll).certType == "00600000001")
        #expect(try #require(parseLine(Log.id("T", at: at, ext: #"{"certType": 5}"#)).poll).warnings.map(\.field) == ["extInfo.certType"])
        // And it reaches the database.
        try withSandbox { box in
            let (db, _) = try box.ingestLines([Log.id("T", at: at, ext: #"{"recognitionResult": "Y", "certType": "00600000001", "docCategory": "PASSPORT"}"#)])
            #expect(try db.rows("SELECT cert_type, doc_category FROM dim_document") == [["00600000001", "PASSPORT"]])
        }
    }

    @Test("ID Recognition imageContent given as a single string is a wrong-typed field (one warning)")
    func idImageContentString() throws {
        let p = try #require(parseLine(Log.id("T", at: at, ext: #"{"recognitionResult": "Y", "imageContent": "QUJD"}"#)).poll)
        #expect(p.warnings.map(\.field) == ["extInfo.imageContent"])
        #expect(p.imageCount == 0)
    }

    @Test("VideoVerify imageContent given as a list is a wrong-typed field (one warning)")
    func videoImageContentList() throws {
        let p = try #require(parseLine(Log.vv("V", at: at, verdict: "Success", ext: #"{"imageContent": ["QUJD", "QUJD"]}"#)).poll)
        #expect(p.warnings.map(\.field) == ["extInfo.imageContent"])
    }

    @Test("a quality string with spaces around the number is not a JSON number (warning, not scored)")
    func qualityWithSpaces() throws {
        for raw in ["\" 50\"", "\"50 \"", "\"\\t50\""] {
            let p = try #require(parseLine(Log.vv("V", at: at, verdict: "Success", ext: "{\"quality\": \(raw)}")).poll)
            #expect(p.quality == nil, "quality \(raw)")
            #expect(p.warnings.map(\.field) == ["extInfo.quality"], "quality \(raw)")
        }
        // And so it must not reach quality_summary: one transaction with " 50" → scored 0.
        try withSandbox { box in
            let dir = try box.report(of: [Log.vv("V", at: at, verdict: "Success", ext: "{\"quality\": \" 50\"}")], try Periods.week("2026-W46"))
            #expect(try readCSV(dir, "quality_summary")[1][0] == "0")
        }
    }

    @Test("countryCode must be a list of strings, not only its first element")
    func countryCodeList() throws {
        let p = try #require(parseLine(Log.id("T", at: at, ext: #"{"recognitionResult": "Y", "countryCode": ["CHN", 1]}"#)).poll)
        #expect(p.warnings.map(\.field) == ["extInfo.countryCode"])
        #expect(p.countryCode == nil)
    }

    @Test("recognitionErrorDescription and deeperResultDescription are validated as strings")
    func descriptionsValidated() throws {
        let p = try #require(parseLine(Log.id("T", at: at, ext: #"{"recognitionResult": "N", "recognitionErrorDescription": 5, "deeperResultDescription": ["x"]}"#)).poll)
        #expect(Set(p.warnings.map(\.field)) == ["extInfo.recognitionErrorDescription", "extInfo.deeperResultDescription"])
        // Through ingest: the summary counts both.
        try withSandbox { box in
            let (_, s) = try box.ingestLines([Log.id("T", at: at, ext: #"{"recognitionResult": "N", "recognitionErrorDescription": 5, "deeperResultDescription": ["x"]}"#)])
            #expect(s.total.warnings == 2)
        }
    }

    @Test("a spoofResult key named DEEPER gets its own row, apart from the deeperResult row")
    func spoofResultDeeperKey() throws {
        try withSandbox { box in
            // One completed transaction: spoofResult DEEPER "N", deeperResult "Y".
            let dir = try box.report(of: [
                Log.idVerdict("T", at: at, "Y", more: #""spoofResult": {"DEEPER": "N"}, "deeperResult": "Y""#),
            ], try Periods.week("2026-W46"))
            // Two DEEPER rows: the spoofResult entry (1 evaluated, 0 passed), then deeperResult (1, 1).
            #expect(try readCSV(dir, "spoof_checks") == [
                Headers.spoofChecks, ["DEEPER", "1", "0", "0.000000"], ["DEEPER", "1", "1", "1.000000"],
            ])
        }
    }

    @Test("underscores in log text cannot turn into emphasis markup in report.md",
          .enabled(if: Executables.cmarkGFM != nil, "cmark-gfm is not installed"))
    func underscoreEmphasis() throws {
        try withSandbox { box in
            let dir = try box.report(of: [
                Log.idVerdict("T", at: at, "N", more: #""recognitionErrorCode": "__init__ _em_""#),
            ], try Periods.week("2026-W46"))
            let html = try cmarkGFM(dir + "/report.md", in: box)
            #expect(!html.contains("<em>"))
            // The only strong text is the summary's own warning about the period.
            let strong = html.components(separatedBy: "<strong>").dropFirst().map { $0.components(separatedBy: "</strong>")[0] }
            #expect(strong.allSatisfy { $0.hasPrefix("Partial period") || $0.hasPrefix("This period has no data") }, "\(strong)")
            #expect(html.contains("__init__ _em_"))
        }
    }
}
