import Testing
@testable import VerdictCore

/// The keys of the envelope come from one table each: the timestamp keys and their
/// precedence from `Envelope.timestampKeys`, every other key read from the `KeyTable` of
/// its object. These tests read the tables themselves, so a key added to a table is
/// checked the same way.
@Suite("Envelope keys")
struct EnvelopeKeyTests {
    private static let times = ["2026-11-10T08:00:00Z", "2026-11-11T09:00:00Z", "2026-11-12T10:00:00Z"]

    private func millis(_ text: String) -> Int64 {
        var text = text
        return text.withUTF8 { Timestamp.parseRFC3339($0)! }
    }

    /// An ID Recognition poll whose envelope holds `members` (`"key": value` texts) first.
    private func line(_ members: [String]) -> String {
        let rest = Log.envelope(
            timestamp: nil, api: Log.idAPI, transactionId: "T1",
            response: "{\"result\": " + Log.result("S", "SUCCESS") + #", "extInfo": {"recognitionResult": "Y"}}"#)
        return "{" + members.joined(separator: ", ") + ", " + rest.dropFirst()
    }

    @Test("each timestamp key of the table is read alone, in both forms")
    func eachKeyAlone() throws {
        for key in Envelope.timestampKeys {
            let poll = try #require(parseLine(line([Log.q(key) + ": " + Log.q(Self.times[0])])).poll, "\(key)")
            #expect(poll.timestampMillis == millis(Self.times[0]), "\(key)")
            let epoch = try #require(parseLine(line([Log.q(key) + ": 1794297660123"])).poll, "\(key)")
            #expect(epoch.timestampMillis == 1_794_297_660_123, "\(key)")
        }
    }

    @Test("the first key of the table that is present and not null is the time, whatever the order on the line")
    func precedence() throws {
        let keys = Envelope.timestampKeys
        for i in keys.indices {
            for j in keys.indices where j > i {
                let first = Log.q(keys[i]), later = Log.q(keys[j])
                // The later key written first on the line: the table's order decides.
                let both = try #require(parseLine(line([later + ": " + Log.q(Self.times[1]), first + ": " + Log.q(Self.times[0])])).poll)
                #expect(both.timestampMillis == millis(Self.times[0]), "\(keys[i]) over \(keys[j])")
                // Null counts as absent.
                let null = try #require(parseLine(line([first + ": null", later + ": " + Log.q(Self.times[1])])).poll)
                #expect(null.timestampMillis == millis(Self.times[1]), "\(keys[i]) null, \(keys[j]) read")
                // A repeated key: its last value counts, here null, so the next key is read.
                let repeated = try #require(parseLine(line([
                    first + ": " + Log.q(Self.times[0]), later + ": " + Log.q(Self.times[2]), first + ": null",
                ])).poll)
                #expect(repeated.timestampMillis == millis(Self.times[2]), "\(keys[i]) repeated")
                // The first present one is not a time: refused, naming it, even when a later one is.
                let bad = parseLine(line([later + ": " + Log.q(Self.times[1]), first + ": \"soon\""]))
                guard case .refused(.invalidTimestamp, let detail, nil) = bad else {
                    Issue.record("\(keys[i]) invalid: \(bad)")
                    continue
                }
                #expect(detail.hasPrefix(keys[i] + " is neither"), "\(detail)")
            }
        }
    }

    @Test("a line with no timestamp key is refused with the table's keys, in order")
    func missingNamesTheTable() {
        let refused = parseLine(line([#""when": "2026-11-10T08:00:00Z""#]))
        guard case .refused(.missingTimestamp, let detail, nil) = refused else {
            Issue.record("\(refused)")
            return
        }
        #expect(detail == "none of " + Envelope.timestampKeys.joined(separator: ", ") + " is present")
    }

    @Test("a refusal carries the line's time once it could be read")
    func refusalsAreDated() {
        let at = millis(Self.times[0])
        let stamp = #""timestamp": ""# + Self.times[0] + "\""
        let cases: [(String, RefusalReason, Int64?)] = [
            ("[1]", .invalidJSON, nil),
            ("{" + stamp + #", "request": {}}"#, .missingTransactionId, at),
            (#"{"timestamp": "soon", "request": {"transactionId": "T"}}"#, .invalidTimestamp, nil),
            ("{" + stamp + #", "request": {"transactionId": "T"}, "response": "{}"}"#, .missingResult, at),
            ("{" + stamp + #", "request": {"transactionId": "T"}, "response": "\"x\""}"#, .missingResult, at),
            ("{" + stamp + #", "api": "/x", "request": {"transactionId": "T"}, "response": {"result": {"resultStatus": "S", "resultCode": "OK"}}}"#, .unknownProduct, at),
        ]
        for (text, reason, time) in cases {
            guard case .refused(let r, _, let t) = parseLine(text) else {
                Issue.record("accepted: \(text)")
                continue
            }
            #expect(r == reason && t == time, "\(text)")
        }
    }

    /// `"key":` written with its first letter as a `\u` escape, everywhere on the line.
    private func escapingKey(_ key: String, in text: String) -> String {
        let first = key.unicodeScalars.first!.value
        let hex = String(first, radix: 16)
        let escaped = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex + key.dropFirst()
        return text.replacingOccurrences(of: "\"\(key)\":", with: "\"\(escaped)\":")
    }

    @Test("every key read, written with an escape, is read the same")
    func escapedKeys() throws {
        let id = Log.envelope(
            timestamp: Log.q(Self.times[0]), api: Log.idAPI, transactionId: "T1",
            response: #"{"result": {"resultStatus": "S", "resultCode": "SUCCESS", "resultMessage": "ok"}, "extInfo": {"#
                + #""spoofResult": {"A": "Y"}, "extraSpoofResultDetails": [{"spoofType": "S", "name": "N", "result": "R", "#
                + #""components": [{"name": "C", "subResult": "Y"}]}]}}"#)
        let video = Log.envelope(
            timestamp: Log.q(Self.times[0]), api: nil, transactionId: "T2",
            response: #"{"result": {"resultStatus": "S", "resultCode": "SUCCESS"}, "videoVerifyResult": "Success", "#
                + #""extInfo": {"willingRetryRecords": {"retryRecords": [{"status": "OK", "userInput": "x", "attemptNumber": 2}]}}}"#)
        let envelopeKeys = Envelope.keys.names + RequestFields.keys.names + ResponseFields.keys.names + ResultFields.keys.names
        let detailKeys = ["spoofType", "name", "components", "subResult", "status", "userInput", "attemptNumber"]
        for text in [id, video] {
            let plain = try #require(parseLine(text).poll)
            #expect(plain.warnings.isEmpty)
            for key in envelopeKeys + detailKeys where text.contains("\"\(key)\":") {
                let escaped = escapingKey(key, in: text)
                #expect(escaped != text)
                let poll = try #require(parseLine(escaped).poll, "\(key)")
                #expect(poll == plain, "\(key)")
            }
        }
    }
}
