import Testing
@testable import VerdictCore

private let at = "2026-11-10T08:00:00Z"

private func idPoll(_ ext: String, code: String = "SUCCESS") throws -> PollRecord {
    try #require(parseLine(Log.id("T", at: at, code: code, ext: ext)).poll)
}

private func vvPoll(_ ext: String?, verdict: String? = "Success", code: String = "SUCCESS") throws -> PollRecord {
    try #require(parseLine(Log.vv("V", at: at, code: code, verdict: verdict, ext: ext)).poll)
}

private func fields(_ p: PollRecord) -> [String] { p.warnings.map(\.field) }

@Suite("Field quirks and warnings (docs/LOG_FORMAT.md (Warnings))")
struct FieldQuirkTests {
    // MARK: VideoVerify

    @Test("quality: a number written as a string, or a JSON number")
    func qualityAccepted() throws {
        #expect(try vvPoll("{\"quality\": \"99.41563014552693\"}").quality == 99.41563014552693)
        #expect(try vvPoll("{\"quality\": 45.5}").quality == 45.5)
        #expect(try vvPoll("{\"quality\": 100}").quality == 100)
        #expect(try vvPoll("{\"quality\": \"0\"}").quality == 0)
        #expect(try vvPoll("{\"quality\": \"1e2\"}").quality == 100)
        #expect(try vvPoll("{\"quality\": 0.0}").warnings.isEmpty)
    }

    @Test("quality: out of [0, 100] or not a number is one warning and counts as absent", arguments: [
        "\"101\"", "100.5", "-1", "\"-0.001\"", "\"abc\"", "\"NaN\"", "\"Infinity\"", "\"0x10\"", "\"\"", "true", "[50]", "{}", "1e400",
    ])
    func qualityRefused(_ raw: String) throws {
        let p = try vvPoll("{\"quality\": \(raw)}")
        #expect(p.quality == nil)
        #expect(fields(p) == ["extInfo.quality"])
    }

    @Test("qualityPassed must be a boolean; \"yes\" is a warning; null is absent")
    func qualityPassed() throws {
        #expect(try vvPoll("{\"qualityPassed\": true}").qualityPassed == true)
        #expect(try vvPoll("{\"qualityPassed\": false}").qualityPassed == false)
        for raw in ["\"yes\"", "\"true\"", "1", "0", "[]"] {
            let p = try vvPoll("{\"qualityPassed\": \(raw)}")
            #expect(p.qualityPassed == nil)
            #expect(fields(p) == ["extInfo.qualityPassed"], "qualityPassed \(raw)")
        }
        let none = try vvPoll("{\"qualityPassed\": null, \"quality\": null, \"willingRetryRecords\": null}")
        #expect(none.qualityPassed == nil && none.quality == nil && none.retryRecords == nil)
        #expect(none.warnings.isEmpty)
    }

    @Test("willingRetryRecords: JSON inside a string, or an already-parsed object")
    func retryRecordsForms() throws {
        // The sample of the VideoVerify document, verbatim.
        let sample = #"{"willingRetryRecords": "{\"retryRecords\":[{\"status\":\"WRONG_ANSWER\",\"userInput\":\"test\",\"attemptNumber\":1},{\"status\":\"SUCCESS\",\"userInput\":\"I confirm\",\"attemptNumber\":2}]}"}"#
        let expected = [RetryRecord(status: "WRONG_ANSWER", attemptNumber: 1), RetryRecord(status: "SUCCESS", attemptNumber: 2)]
        let fromString = try vvPoll(sample)
        #expect(fromString.retryRecords == expected)
        #expect(fromString.warnings.isEmpty)
        let object = #"{"willingRetryRecords": {"retryRecords": [{"status": "WRONG_ANSWER", "userInput": "test", "attemptNumber": 1}, {"status": "SUCCESS", "userInput": "I confirm", "attemptNumber": 2}]}}"#
        let fromObject = try vvPoll(object)
        #expect(fromObject.retryRecords == expected)
        #expect(fromObject.warnings.isEmpty)
        // Records without attemptNumber or status keep nil.
        let partial = try vvPoll(#"{"willingRetryRecords": {"retryRecords": [{"status": "SUCCESS"}, {"userInput": "x"}]}}"#)
        #expect(partial.retryRecords == [RetryRecord(status: "SUCCESS", attemptNumber: nil), RetryRecord(status: nil, attemptNumber: nil)])
    }

    @Test("willingRetryRecords that does not parse is one warning and no records", arguments: [
        "\"{not json\"", "\"[1, 2]\"", "\"\"", "\"{\\\"retryRecords\\\": [1,]}\"", "42", "true", "[{\"status\": \"SUCCESS\"}]",
    ])
    func retryRecordsUnparsable(_ raw: String) throws {
        let p = try vvPoll("{\"willingRetryRecords\": \(raw)}")
        #expect(p.retryRecords == nil)
        #expect(p.warnings.count == 1)
        #expect(fields(p).allSatisfy { $0.hasPrefix("extInfo.willingRetryRecords") })
    }

    @Test("bad retry record elements are a warning each; the good ones are kept")
    func retryRecordElements() throws {
        // Element 0 is not an object (1 warning); element 1 has a string attemptNumber
        // (1 warning, the record is kept without it); element 2 has a float (1 warning).
        let p = try vvPoll(#"{"willingRetryRecords": {"retryRecords": [7, {"status": "SUCCESS", "attemptNumber": "2"}, {"status": "X", "attemptNumber": 1.0}]}}"#)
        #expect(p.retryRecords == [RetryRecord(status: "SUCCESS", attemptNumber: nil), RetryRecord(status: "X", attemptNumber: nil)])
        #expect(p.warnings.count == 3)
    }

    @Test("videoVerifyResult is compared without regard to case", arguments: [
        ("Success", Outcome.passed), ("success", .passed), ("SUCCESS", .passed), ("sUcCeSs", .passed),
        ("Failure", .failed), ("FAILURE", .failed), ("VoidTimeout", .failed), ("voidtimeout", .failed), ("Maybe", .failed),
        ("InProcess", .pending), ("inprocess", .pending), ("INPROCESS", .pending), ("", .pending),
    ])
    func videoVerifyResultCase(_ verdict: String, _ outcome: Outcome) throws {
        #expect(try vvPoll(nil, verdict: verdict).outcome == outcome)
    }

    @Test("VideoVerify without a verdict, or not SUCCESS, is pending or an API error")
    func videoVerifyOutcomes() throws {
        #expect(try vvPoll(nil, verdict: nil).outcome == .pending)
        #expect(try vvPoll(nil, verdict: "Success", code: "PROCESSING").outcome == .pending)
        #expect(try #require(parseLine(Log.vv("V", at: at, status: "F", code: "LIMIT_EXCEEDED")).poll).outcome == .apiError)
        let nonString = try vvPoll(nil, verdict: nil)
        #expect(nonString.warnings.isEmpty)
        let numeric = try #require(parseLine(
            Log.envelope(timestamp: Log.q(at), api: Log.vvAPI, transactionId: "V",
                         response: "{\"result\": \(Log.result("S", "SUCCESS")), \"videoVerifyResult\": 1}")).poll)
        #expect(numeric.outcome == .pending)
        #expect(fields(numeric) == ["videoVerifyResult"])
    }

    @Test("VideoVerify imageContent is a single base64 string: only its size is kept")
    func videoImageContent() throws {
        let p = try vvPoll("{\"imageContent\": \"QUJDRA==\", \"willingVerifyVideo\": \"QUJDREVGR0g=\"}")
        // 8 base64 characters decode to at most 6 bytes; 12 to at most 9.
        #expect(p.imageCount == 1 && p.imageBytes == 6 && p.videoBytes == 9)
        #expect(p.warnings.isEmpty)
    }

    // MARK: ID Recognition

    @Test("countryCode: a string, or a list that contributes its first element")
    func countryCode() throws {
        #expect(try idPoll("{\"countryCode\": \"CHN\"}").countryCode == "CHN")
        #expect(try idPoll("{\"countryCode\": [\"MYS\", \"CHN\"]}").countryCode == "MYS")
        let empty = try idPoll("{\"countryCode\": []}")
        #expect(empty.countryCode == nil && empty.warnings.isEmpty)
        for raw in ["5", "{}", "true", "[5]"] {
            let p = try idPoll("{\"countryCode\": \(raw)}")
            #expect(p.countryCode == nil)
            #expect(fields(p) == ["extInfo.countryCode"], "countryCode \(raw)")
        }
    }

    @Test("docEdition: an integer or a digit string")
    func docEdition() throws {
        #expect(try idPoll("{\"docEdition\": 2}").docEdition == 2)
        #expect(try idPoll("{\"docEdition\": \"2\"}").docEdition == 2)
        #expect(try idPoll("{\"docEdition\": \"12\"}").docEdition == 12)
        #expect(try idPoll("{\"docEdition\": 0}").docEdition == 0)
        for raw in ["\"two\"", "2.5", "2.0", "\"\"", "\"2a\"", "\" 2\"", "\"-2\"", "true", "[2]", "99999999999999999999"] {
            let p = try idPoll("{\"docEdition\": \(raw)}")
            #expect(p.docEdition == nil)
            #expect(fields(p) == ["extInfo.docEdition"], "docEdition \(raw)")
        }
        #expect(try idPoll("{\"docEdition\": null}").warnings.isEmpty)
    }

    @Test("extraImages may be the empty string instead of a map")
    func extraImages() throws {
        let empty = try idPoll("{\"extraImages\": \"\", \"imageContent\": [\"QUJD\", \"QUJDREVG\"]}")
        #expect(empty.warnings.isEmpty)
        // Two images: 4 and 8 base64 characters → 3 + 6 bytes.
        #expect(empty.imageCount == 2 && empty.imageBytes == 9)
        let map = try idPoll("{\"extraImages\": {\"DOC_FRONT_ANGLE\": \"QUJD\", \"CROPPED_FRONT\": \"QUJD\"}}")
        #expect(map.warnings.isEmpty && map.imageCount == 2 && map.imageBytes == 6)
        for raw in ["\"x\"", "5", "[\"QUJD\"]", "{\"A\": 5}"] {
            #expect(fields(try idPoll("{\"extraImages\": \(raw)}")) == ["extInfo.extraImages"], "extraImages \(raw)")
        }
    }

    @Test("ID Recognition imageContent is a list of base64 strings")
    func idImageContent() throws {
        let p = try idPoll("{\"imageContent\": [\"base64string.....\", \"base64string.....\"]}")
        #expect(p.imageCount == 2)
        #expect(p.warnings.isEmpty)
        #expect(fields(try idPoll("{\"imageContent\": [5]}")) == ["extInfo.imageContent"])
        #expect(fields(try idPoll("{\"imageContent\": 5}")) == ["extInfo.imageContent"])
    }

    @Test("recognitionResult Y passes, anything else completed fails, kept verbatim")
    func recognitionResult() throws {
        #expect(try idPoll("{\"recognitionResult\": \"Y\"}").outcome == .passed)
        for v in ["N", "y", "maybe", "YES"] {
            let p = try idPoll("{\"recognitionResult\": \(Log.q(v))}")
            #expect(p.outcome == .failed)
            #expect(p.verdict == v)
        }
        #expect(try idPoll("{\"recognitionResult\": \"\"}").outcome == .pending)
        #expect(try idPoll("{}").outcome == .pending)
        #expect(try idPoll("{\"recognitionResult\": \"Y\"}", code: "PROCESSING").outcome == .pending)
        let bad = try idPoll("{\"recognitionResult\": true}")
        #expect(bad.outcome == .pending && fields(bad) == ["extInfo.recognitionResult"])
    }

    @Test("spoofResult and extraSpoofResultDetails: wrong-typed entries are a warning each")
    func spoofFields() throws {
        let p = try idPoll(#"""
            {"spoofResult": {"TAMPER_CHECK": "Y", "MATERIAL_CHECK": 1, "SCREEN_RECAPTURE_CHECK": null, "X": "maybe"},
             "extraSpoofResultDetails": [5, {"name": "hologramCheck", "result": "Y", "spoofType": "SECURITY_FEATURE_CHECK",
               "components": [{"name": "hologram", "subResult": "Y"}, 7, {"name": "", "subResult": "N"}]}]}
            """#)
        #expect(p.spoofChecks == [SpoofCheck(check: "TAMPER_CHECK", value: "Y"), SpoofCheck(check: "X", value: "maybe")])
        #expect(p.spoofDetails == [SpoofDetail(spoofType: "SECURITY_FEATURE_CHECK", name: "hologramCheck", result: "Y",
                                               components: [SpoofComponent(name: "hologram", subResult: "Y")])])
        // MATERIAL_CHECK: 1, the detail element 5, the component element 7.
        #expect(fields(p) == ["extInfo.spoofResult.MATERIAL_CHECK", "extInfo.extraSpoofResultDetails[0]",
                              "extInfo.extraSpoofResultDetails[1].components[1]"])
        #expect(fields(try idPoll("{\"spoofResult\": \"Y\"}")) == ["extInfo.spoofResult"])
        #expect(fields(try idPoll("{\"extraSpoofResultDetails\": {}}")) == ["extInfo.extraSpoofResultDetails"])
    }

    @Test("envelope fields: bizId and resultMessage must be strings; extInfo an object")
    func envelopeFields() throws {
        let line = "{\"timestamp\": \"\(at)\", \"api\": \"\(Log.idAPI)\", \"request\": {\"bizId\": 123, \"transactionId\": \"T\"}, "
            + "\"response\": {\"result\": {\"resultStatus\": \"S\", \"resultCode\": \"PROCESSING\", \"resultMessage\": 5}, \"extInfo\": \"x\"}}"
        let p = try #require(parseLine(line).poll)
        #expect(p.bizId == nil)
        #expect(Set(fields(p)) == ["request.bizId", "result.resultMessage", "extInfo"])
        #expect(p.warnings.count == 3)
        #expect(try #require(parseLine(Log.id("T", at: at)).poll).bizId == "B1")
    }

    @Test("one warning per invalid field; null is absent")
    func oneWarningPerField() throws {
        let p = try vvPoll(#"{"quality": "abc", "qualityPassed": "yes", "willingRetryRecords": "{bad", "imageContent": null, "willingVerifyVideo": null}"#)
        #expect(Set(fields(p)) == ["extInfo.quality", "extInfo.qualityPassed", "extInfo.willingRetryRecords"])
        #expect(p.warnings.count == 3)
        let nulls = try idPoll(#"{"recognitionResult": null, "docEdition": null, "countryCode": null, "spoofResult": null, "extraSpoofResultDetails": null, "extraImages": null, "imageContent": null, "ocrResult": null}"#)
        #expect(nulls.warnings.isEmpty)
        #expect(nulls.outcome == .pending)
    }

    @Test("fields of the other product are not validated")
    func otherProductFields() throws {
        // A VideoVerify poll with an ID Recognition field of a wrong type, and the reverse.
        #expect(try vvPoll("{\"docEdition\": \"two\", \"countryCode\": 5}").warnings.isEmpty)
        #expect(try idPoll("{\"quality\": \"abc\", \"qualityPassed\": \"yes\"}").warnings.isEmpty)
    }

    @Test("OCR maps keep only their field names")
    func ocrFieldNames() throws {
        let p = try idPoll(#"{"ocrResult": {"ID_NUMBER": "12345", "SEX": "M"}, "ocrResultFormat": {"NUMBER": "12345"}, "ocrResultDetail": {"MRZ_ID_NUMBER": {"value": "xxxx"}}}"#)
        #expect(Set(p.ocrFieldNames) == ["ocrResult.ID_NUMBER", "ocrResult.SEX", "ocrResultDetail.MRZ_ID_NUMBER", "ocrResultFormat.NUMBER"])
        #expect(p.ocrFieldNames.count == 4)
        #expect(p.documentHash == nil)  // no key given
        #expect(fields(try idPoll("{\"ocrResult\": [\"12345\"]}")) == ["extInfo.ocrResult"])
    }

    @Test("OCR field names come in logged order, map by map, however often a parser has seen the same keys")
    func ocrFieldNamesRepeated() throws {
        let key = try DocumentHasher(key: Array("0123456789abcdef0123456789abcdef".utf8))
        let parser = LogLineParser(documentKey: key)
        func poll(_ ext: String) throws -> PollRecord {
            let bytes = Array(Log.id("T", at: at, ext: ext).utf8)
            return try #require(bytes.withUnsafeBufferPointer { parser.parse($0, lineNumber: 1) }.poll)
        }
        let cases: [(String, [String])] = [
            (#"{"ocrResult": {"ID_NUMBER": "A1", "SEX": "M"}}"#, ["ocrResult.ID_NUMBER", "ocrResult.SEX"]),
            (#"{"ocrResult": {"ID_NUMBER": "B2", "SEX": "F"}}"#, ["ocrResult.ID_NUMBER", "ocrResult.SEX"]),
            (#"{"ocrResult": {"SEX": "F", "ID_NUMBER": "B2"}}"#, ["ocrResult.SEX", "ocrResult.ID_NUMBER"]),
            (#"{"ocrResult": {"A": "1"}, "ocrResultFormat": {"B": "2"}}"#, ["ocrResult.A", "ocrResultFormat.B"]),
            (#"{"ocrResult": {"A": "1", "B": "2"}}"#, ["ocrResult.A", "ocrResult.B"]),
            (#"{"ocrResult": {"\u0041": "1", "B": "2"}}"#, ["ocrResult.A", "ocrResult.B"]),
            (#"{"ocrResultFormat": {"B": "2"}, "ocrResult": {"A": "1"}}"#, ["ocrResult.A", "ocrResultFormat.B"]),
            (#"{"ocrResult": {"A": "1", "A": "2"}, "ocrResultDetail": {"A": {}}}"#, ["ocrResult.A", "ocrResultDetail.A"]),
            (#"{"ocrResult": {}}"#, []),
            (#"{"ocrResult": {"ID_NUMBER": "A1", "SEX": "M"}}"#, ["ocrResult.ID_NUMBER", "ocrResult.SEX"]),
        ]
        for (ext, names) in cases {
            #expect(try poll(ext).ocrFieldNames == names, "\(ext)")
        }
        // The same keys with other numbers: each poll hashes its own number.
        let first = try poll(#"{"ocrResult": {"ID_NUMBER": "A1", "SEX": "M"}}"#)
        let second = try poll(#"{"ocrResult": {"ID_NUMBER": "B2", "SEX": "M"}}"#)
        #expect(first.documentHash == key.hash(documentNumber: "A1"))
        #expect(second.documentHash == key.hash(documentNumber: "B2"))
        #expect(first.documentHash != second.documentHash)
        // Maps too large to remember by their keys: the same names, in order, every time
        // (at most the first 256 of them, and none longer than 128 bytes).
        let many = (0..<300).map { String(format: "K%03d", $0) }
        let manyExt = "{\"ocrResult\": {" + many.map { "\"\($0)\": \"v\"" }.joined(separator: ", ") + "}}"
        let longKey = String(repeating: "L", count: 5000)
        for _ in 0..<2 {
            #expect(try poll(manyExt).ocrFieldNames == many.prefix(256).map { "ocrResult." + $0 })
            #expect(try poll("{\"ocrResultFormat\": {\"\(longKey)\": \"v\", \"NUMBER\": \"A1\"}}").ocrFieldNames
                == ["ocrResultFormat.NUMBER"])
        }
        // A map of the wrong type warns on every poll, not only on the first.
        for _ in 0..<3 {
            let p = try poll(#"{"ocrResult": ["A1"], "ocrResultFormat": {"NUMBER": "A1"}}"#)
            #expect(fields(p) == ["extInfo.ocrResult"])
            #expect(p.ocrFieldNames == ["ocrResultFormat.NUMBER"])
        }
    }
}
