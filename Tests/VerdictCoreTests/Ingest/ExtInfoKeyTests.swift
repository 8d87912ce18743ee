import Testing
@testable import VerdictCore

/// Every extInfo field the parser reads is found by its name, plain or written with a
/// JSON escape: a value of the wrong type (an object where text or a number is expected)
/// must come back as exactly one warning naming that field. A key the parser failed to
/// recognise would give no warning.
@Suite("extInfo keys")
struct ExtInfoKeyTests {
    static let idKeys = [
        "recognitionResult", "certType", "docCategory", "docEdition", "countryCode", "spoofResult",
        "extraSpoofResultDetails", "deeperResult", "uploadEnabledResult", "recognitionErrorCode",
        "recognitionErrorDescription", "deeperResultDescription", "ocrResult", "ocrResultFormat",
        "ocrResultDetail", "imageContent", "extraImages",
    ]
    static let videoKeys = ["quality", "qualityPassed", "willingRetryRecords", "willingVerifyVideo", "imageContent"]

    /// `true` is the wrong type for every one of these fields but qualityPassed, which
    /// gets `"yes"` instead.
    @Test("each ID Recognition field is recognised", arguments: idKeys)
    func idKey(_ key: String) throws {
        let poll = try #require(parseLine(Log.id("T", at: "2026-11-11T00:00:00Z", ext: "{\"\(key)\": true}")).poll)
        #expect(poll.warnings.map(\.field) == ["extInfo." + key])
    }

    @Test("each VideoVerify field is recognised", arguments: videoKeys)
    func videoKey(_ key: String) throws {
        let wrong = key == "qualityPassed" ? "\"yes\"" : "true"
        let poll = try #require(parseLine(Log.vv("V", at: "2026-11-11T00:00:00Z", verdict: "Success", ext: "{\"\(key)\": \(wrong)}")).poll)
        #expect(poll.warnings.map(\.field) == ["extInfo." + key])
    }

    /// `\u0065` is `e`: the escaped spelling names the same field.
    @Test("an escaped key names the same field")
    func escapedKey() throws {
        let poll = try #require(parseLine(Log.id("T", at: "2026-11-11T00:00:00Z", ext: #"{"c\u0065rtType": "00600000001"}"#)).poll)
        #expect(poll.certType == "00600000001")
    }
}
