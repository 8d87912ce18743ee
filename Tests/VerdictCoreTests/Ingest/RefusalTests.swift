import Testing
@testable import VerdictCore

private let okTimestamp = "\"2026-11-10T08:00:00Z\""
private let okResponse = "{\"result\": {\"resultStatus\": \"S\", \"resultCode\": \"SUCCESS\"}, \"extInfo\": {\"recognitionResult\": \"Y\"}}"

/// An envelope with each part given as raw JSON (nil leaves the key out).
private func envelope(ts: String? = okTimestamp, api: String? = "\"\(Log.idAPI)\"", request: String? = "{\"transactionId\": \"T1\"}", response: String? = okResponse, extra: String = "") -> String {
    var parts: [String] = []
    if let ts { parts.append("\"timestamp\": " + ts) }
    if let api { parts.append("\"api\": " + api) }
    if let request { parts.append("\"request\": " + request) }
    if let response { parts.append("\"response\": " + response) }
    if !extra.isEmpty { parts.append(extra) }
    return "{" + parts.joined(separator: ", ") + "}"
}

@Suite("Refused lines (docs/LOG_FORMAT.md (Refused lines))")
struct RefusalTests {
    @Test("the base envelope is accepted, so each variation below changes one thing")
    func baseline() throws {
        let poll = try #require(parseLine(envelope()).poll)
        #expect(poll.product == .idRecognition)
        #expect(poll.transactionId == "T1")
        #expect(poll.resultStatus == "S" && poll.resultCode == "SUCCESS")
        #expect(poll.recognitionResult == "Y")
    }

    @Test("invalid_json: not JSON, not UTF-8, truncated, or not an object")
    func invalidJSON() {
        let lines: [[UInt8]] = [
            Array(envelope(extra: "\"x\": NaN").utf8),
            Array(envelope(extra: "\"x\": Infinity").utf8),
            Array(envelope(extra: "\"x\": [1,]").utf8),
            Array(envelope(extra: "\"x\": 012").utf8),
            Array(String(envelope().dropLast()).utf8),  // truncated: the last brace is missing
            Array(envelope().prefix(40).utf8),  // cut in the middle of a string
            Array((envelope() + " trailing").utf8),
            Array((envelope() + "{}").utf8),
            Array("[1, 2]".utf8), Array("\"a string\"".utf8), Array("42".utf8), Array("null".utf8), Array("true".utf8),
            // Raw invalid UTF-8 in the transaction id: an overlong, a surrogate, a stray byte.
            Array("{\"timestamp\": \(okTimestamp), \"request\": {\"transactionId\": \"T".utf8) + [0xC0, 0xAF] + Array("\"}}".utf8),
            Array("{\"timestamp\": \(okTimestamp), \"request\": {\"transactionId\": \"T".utf8) + [0xED, 0xA0, 0x80] + Array("\"}}".utf8),
            Array("{\"timestamp\": \(okTimestamp), \"request\": {\"transactionId\": \"T".utf8) + [0xFF] + Array("\"}}".utf8),
            // A raw tab inside a string.
            Array(envelope(request: "{\"transactionId\": \"T\t1\"}").utf8),
            // A NUL byte between members.
            Array("{\"timestamp\": \(okTimestamp),".utf8) + [0] + Array(" \"request\": {}}".utf8),
        ]
        for (i, bytes) in lines.enumerated() {
            #expect(parseLine(bytes: bytes).refusal == .invalidJSON, "case \(i): \(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test("missing_transaction_id: no non-empty string request.transactionId")
    func missingTransactionId() {
        for request in [
            nil, "null", "\"{\\\"transactionId\\\": \\\"T1\\\"}\"",  // a request logged as a string is not parsed
            "[]", "{}", "{\"transactionId\": \"\"}", "{\"transactionId\": null}", "{\"transactionId\": 42}",
            "{\"transactionId\": [\"T1\"]}", "{\"transactionid\": \"T1\"}",
        ] as [String?] {
            #expect(parseLine(envelope(request: request)).refusal == .missingTransactionId, "request \(request ?? "absent")")
        }
        // Any non-empty string is an id, " " included, and it is not trimmed.
        #expect(parseLine(envelope(request: "{\"transactionId\": \" \"}")).poll?.transactionId == " ")
        // A lone surrogate escape is valid JSON: the id is U+FFFD and the line is refused
        // for its next defect (here, no timestamp), not as invalid_json.
        #expect(parseLine(envelope(ts: nil, request: "{\"transactionId\": \"\\ud800\"}")).refusal == .missingTimestamp)
    }

    @Test("missing_timestamp and invalid_timestamp")
    func timestamps() {
        #expect(parseLine(envelope(ts: nil)).refusal == .missingTimestamp)
        #expect(parseLine(envelope(ts: "null")).refusal == .missingTimestamp)
        for bad in ["\"bad\"", "\"2026-02-30T08:00:00Z\"", "1.5", "\"1794297660123\"", "false", "{}"] {
            #expect(parseLine(envelope(ts: bad)).refusal == .invalidTimestamp, "timestamp \(bad)")
        }
    }

    @Test("missing_result: no response.result.resultStatus/resultCode strings, or a response string without a JSON object")
    func missingResult() {
        for response in [
            nil, "null", "42", "[]", "{}", "{\"result\": null}", "{\"result\": \"S\"}",
            "{\"result\": {\"resultStatus\": \"S\"}}",
            "{\"result\": {\"resultCode\": \"SUCCESS\"}}",
            "{\"result\": {\"resultStatus\": 1, \"resultCode\": \"SUCCESS\"}}",
            "{\"result\": {\"resultStatus\": \"S\", \"resultCode\": null}}",
            "\"not json\"", "\"\"", "\"[1, 2]\"", "\"42\"",
            "\"{\\\"result\\\": {\\\"resultStatus\\\": \\\"S\\\", \\\"resultCode\\\": \\\"SUCCESS\\\"}} trailing\"",
            "\"{\\\"result\\\": {\\\"resultStatus\\\": \\\"S\\\", \\\"resultCode\\\": NaN}}\"",
            "\"{\\\"result\\\": {\\\"resultStatus\\\": \\\"S\\\"}}\"",
        ] as [String?] {
            #expect(parseLine(envelope(response: response)).refusal == .missingResult, "response \(response ?? "absent")")
        }
    }

    @Test("a response string holding the JSON body is accepted and read like an object")
    func responseAsString() throws {
        // The raw body as merchants log it: a JSON string with escaped quotes.
        let body = "{\\\"result\\\": {\\\"resultStatus\\\": \\\"S\\\", \\\"resultCode\\\": \\\"SUCCESS\\\"}, "
            + "\\\"extInfo\\\": {\\\"recognitionResult\\\": \\\"N\\\", \\\"docEdition\\\": \\\"2\\\", \\\"countryCode\\\": \\\"CHN\\\", "
            + "\\\"recognitionErrorCode\\\": \\\"NO_REQUIRED_ID\\\"}}"
        let poll = try #require(parseLine(envelope(response: "\"" + body + "\"")).poll)
        #expect(poll.product == .idRecognition)
        #expect(poll.resultCode == "SUCCESS")
        #expect(poll.recognitionResult == "N")
        #expect(poll.recognitionErrorCode == "NO_REQUIRED_ID")
        #expect(poll.docEdition == 2)
        #expect(poll.countryCode == "CHN")
        #expect(poll.warnings.isEmpty)
        // Without an api, the product comes from the shape inside the string.
        let vvBody = "\"{\\\"result\\\": {\\\"resultStatus\\\": \\\"S\\\", \\\"resultCode\\\": \\\"SUCCESS\\\"}, \\\"videoVerifyResult\\\": \\\"Success\\\"}\""
        let vv = try #require(parseLine(envelope(api: nil, response: vvBody)).poll)
        #expect(vv.product == .videoVerify)
        #expect(vv.videoVerifyResult == "Success")
    }

    @Test("unknown_product: another API, a non-string api, or no api and a response of neither shape")
    func unknownProduct() {
        for api in [
            "\"/api/v1/zoloz/realid/checkresult\"", "\"/api/v1/zoloz/idrecognition/initialize\"",
            "\"/api/v1/zoloz/idrecognition/checkresult/extra\"", "\"/api/v1/zoloz/xidrecognition/checkresult\"",
            "\"/api/v1/zoloz/idrecognition/checkresultX\"", "\"\"", "5", "true", "[\"\(Log.idAPI)\"]", "{}",
        ] {
            #expect(parseLine(envelope(api: api)).refusal == .unknownProduct, "api \(api)")
        }
        let neither = [
            "{\"result\": {\"resultStatus\": \"S\", \"resultCode\": \"SUCCESS\"}}",
            "{\"result\": {\"resultStatus\": \"S\", \"resultCode\": \"SUCCESS\"}, \"extInfo\": {\"foo\": 1}}",
            "{\"result\": {\"resultStatus\": \"S\", \"resultCode\": \"SUCCESS\"}, \"extInfo\": \"recognitionResult\"}",
            // null counts as absent: these keys are not "held".
            "{\"result\": {\"resultStatus\": \"S\", \"resultCode\": \"SUCCESS\"}, \"videoVerifyResult\": null, \"extInfo\": {\"quality\": null, \"recognitionResult\": null}}",
        ]
        for response in neither {
            #expect(parseLine(envelope(api: nil, response: response)).refusal == .unknownProduct, "response \(response)")
        }
        // An explicit api: null also falls back to the shape.
        #expect(parseLine(envelope(api: "null", response: neither[0])).refusal == .unknownProduct)
    }

    @Test("the product is inferred from the response shape when api is absent", arguments: [
        ("\"videoVerifyResult\": \"Success\"", Product.videoVerify),
        ("\"extInfo\": {\"quality\": \"50\"}", .videoVerify),
        ("\"extInfo\": {\"qualityPassed\": false}", .videoVerify),
        ("\"extInfo\": {\"willingRetryRecords\": \"{}\"}", .videoVerify),
        ("\"extInfo\": {\"recognitionResult\": \"Y\"}", .idRecognition),
        ("\"extInfo\": {\"docCategory\": \"PASSPORT\"}", .idRecognition),
        // ("extInfo": {"certType": …}, .idRecognition) fails: see KnownIssues.certTypeNeverRead.
        ("\"extInfo\": {\"spoofResult\": {}}", .idRecognition),
        // VideoVerify markers win over ID Recognition ones.
        ("\"videoVerifyResult\": \"Failure\", \"extInfo\": {\"docCategory\": \"PASSPORT\"}", .videoVerify),
    ])
    func shapeInference(_ members: String, _ product: Product) {
        let response = "{\"result\": {\"resultStatus\": \"S\", \"resultCode\": \"SUCCESS\"}, \(members)}"
        #expect(parseLine(envelope(api: nil, response: response)).poll?.product == product)
    }

    @Test("api paths: host, query, fragment, trailing slash and letter case do not matter")
    func apiForms() {
        let id: [String] = [
            "/api/v1/zoloz/idrecognition/checkresult",
            "https://sg-api.zoloz.com/api/v1/zoloz/idrecognition/checkresult",
            "/api/v1/zoloz/idrecognition/checkresult?x=1",
            "https://sg-api.zoloz.com/api/v1/zoloz/idrecognition/checkresult/?x=1#f",
            "/api/v1/zoloz/idrecognition/checkresult#frag",
            "/api/v1/zoloz/idrecognition/checkresult/",
            "/API/V1/ZOLOZ/IDRECOGNITION/CHECKRESULT",
            "/api/v1/zoloz/IdRecognition/CheckResult//",
        ]
        for api in id {
            #expect(LogLineParser.product(forAPI: api) == .idRecognition, "\(api)")
            #expect(parseLine(envelope(api: Log.q(api))).poll?.product == .idRecognition, "\(api)")
        }
        #expect(LogLineParser.product(forAPI: "/api/v1/zoloz/videoverify/checkresult") == .videoVerify)
        #expect(LogLineParser.product(forAPI: "http://h/API/v1/zoloz/VIDEOVERIFY/checkresult/?a=/idrecognition/checkresult") == .videoVerify)
        #expect(LogLineParser.product(forAPI: "/api/v1/zoloz/videoverify/initialize") == nil)
        #expect(LogLineParser.product(forAPI: "/api/v1/zoloz/idrecognition/checkresult/x") == nil)
        // The api decides the product, whatever the response looks like.
        let vvShaped = "{\"result\": {\"resultStatus\": \"S\", \"resultCode\": \"SUCCESS\"}, \"videoVerifyResult\": \"Success\"}"
        #expect(parseLine(envelope(api: Log.q(Log.idAPI), response: vvShaped)).poll?.product == .idRecognition)
    }

    @Test("one parser over many lines: each api path gets its own product, repeated or not")
    func apiPathsOnOneParser() {
        // The parser remembers the last path: same-length paths of different products, a
        // path repeated, escaped forms and over-long paths must each still be judged alone.
        let id = "/api/v1/zoloz/idrecognition/checkresult"
        let paths = [
            id, id, "/api/v1/zoloz/idrecognition/checkresulx", id, "/api/v1/zoloz/idrecognition/checkresulx",
            "/api/v1/zoloz/videoverify/checkresult", "/api/v1/zoloz/videoverify/checkresult", "/api/v1/zoloz/videoverify/checkresulT",
            "/API/V1/ZOLOZ/IDRECOGNITION/CHECKRESULT", id, "/api/v1/zoloz/idrecognition/checkresult?x=1",
            "https://h/" + String(repeating: "a/", count: 80) + "videoverify/checkresult",
            "https://h/" + String(repeating: "a/", count: 80) + "videoverify/checkresulx",
            "https://h/" + String(repeating: "a/", count: 80) + "videoverify/checkresult", "", "", id,
        ]
        let parser = LogLineParser()
        for (n, path) in (paths + paths.reversed()).enumerated() {
            // Every other line writes the path with an escaped slash, which is read through a String.
            let quoted = n % 3 == 2 ? Log.q(path).replacingOccurrences(of: "/", with: "\\/") : Log.q(path)
            let line = Array(envelope(api: quoted).utf8)
            let parsed = line.withUnsafeBufferPointer { parser.parse($0, lineNumber: n + 1) }
            let expected = LogLineParser.product(forAPI: path)
            if let expected {
                #expect(parsed.poll?.product == expected, "line \(n + 1): \(path)")
            } else {
                #expect(parsed.refusal == .unknownProduct, "line \(n + 1): \(path)")
            }
        }
    }

    @Test("a line with several defects is refused for the first one of the table")
    func firstReasonWins() {
        // Invalid JSON beats everything.
        #expect(parseLine("{\"x\": NaN}").refusal == .invalidJSON)
        #expect(parseLine(envelope(ts: "\"bad\"", api: "\"nope\"", request: "{}", response: nil, extra: "\"x\": [1,]")).refusal == .invalidJSON)
        // Then the transaction id, even with a bad timestamp, no result and a bad api.
        #expect(parseLine(envelope(ts: "\"bad\"", api: "\"nope\"", request: "{\"transactionId\": \"\"}", response: nil)).refusal == .missingTransactionId)
        // Then the timestamp (missing before invalid only because absence is checked first).
        #expect(parseLine(envelope(ts: nil, api: "\"nope\"", response: "\"not json\"")).refusal == .missingTimestamp)
        #expect(parseLine(envelope(ts: "\"2026-13-01T00:00:00Z\"", api: "\"nope\"", response: "\"not json\"")).refusal == .invalidTimestamp)
        // Then the result, before the product.
        #expect(parseLine(envelope(api: "\"nope\"", response: "\"not json\"")).refusal == .missingResult)
        #expect(parseLine(envelope(api: "\"nope\"", response: "{\"result\": {\"resultStatus\": \"S\"}}")).refusal == .missingResult)
        // Only then the product.
        #expect(parseLine(envelope(api: "\"nope\"")).refusal == .unknownProduct)
    }

    @Test("blank lines are ASCII white space only")
    func blank() {
        for text in ["", " ", "\t", "  \t  ", "\r", "\u{0B}\u{0C}"] {
            #expect(parseLine(text).isBlank, "\(text.debugDescription)")
        }
        #expect(parseLine("\u{A0}").refusal == .invalidJSON)  // a no-break space is not ASCII white space
        #expect(parseLine(" x ").refusal == .invalidJSON)
    }

    @Test("undocumented fields are ignored, even deeply nested ones, never a reason to refuse")
    func undocumentedFields() throws {
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        let line = envelope(extra: "\"debug\": \(deep), \"traceId\": {\"a\": [1, 2, {\"b\": null}]}")
        let poll = try #require(parseLine(line).poll)
        #expect(poll.warnings.isEmpty)
        let nested = String(repeating: "{\"a\": ", count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        let inExt = "{\"result\": {\"resultStatus\": \"S\", \"resultCode\": \"SUCCESS\"}, \"extInfo\": {\"recognitionResult\": \"Y\", \"internal\": \(nested)}}"
        #expect(parseLine(envelope(response: inExt)).poll?.recognitionResult == "Y")
    }
}
