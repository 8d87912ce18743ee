import Foundation
import Testing
@testable import VerdictCore

/// The fast scanner against a general JSON parser.
///
/// Thousands of generated log lines — keys in random order, random white space, `\uXXXX`
/// and other escapes, non-ASCII text, unknown fields nested at every level, the response
/// logged as an object or as a string, retry records as a string or an object — are read
/// by `LogLineParser` and by Foundation's `JSONSerialization`, and every field the metrics
/// use must come out the same. The reference extraction below reads the general parser's
/// tree the way docs/LOG_FORMAT.md describes, independently of the scanner's code.
@Suite("Scanner against a general JSON parser")
struct DifferentialScannerTests {
    @Test("extracted fields agree on generated lines")
    func agree() throws {
        var rng = SplitMix64(seed: 0xD1FF)
        let parser = LogLineParser()
        let iterations = Int(ProcessInfo.processInfo.environment["VERDICT_DIFF_ITERATIONS"] ?? "") ?? 3000
        var compared = 0
        for i in 0..<iterations {
            var gen = LineGenerator(rng: rng)
            let line = gen.line(index: i)
            rng = gen.rng
            let bytes = Array(line.utf8)
            let fast = bytes.withUnsafeBufferPointer { parser.parse($0, lineNumber: i + 1) }
            let tree = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any], "line \(i)")
            let expected = try #require(Reference.extract(tree), "line \(i): \(line)")
            guard let p = fast.poll else {
                Issue.record("line \(i) was not accepted: \(fast)\n\(line)")
                continue
            }
            #expect(p.product == expected.product, "line \(i)")
            #expect(p.transactionId == expected.transactionId, "line \(i)")
            #expect(p.bizId == expected.bizId, "line \(i)")
            #expect(p.timestampMillis == expected.millis, "line \(i)")
            #expect(p.resultStatus == expected.status && p.resultCode == expected.code, "line \(i)")
            #expect(p.recognitionResult == expected.recognitionResult, "line \(i)")
            #expect(p.videoVerifyResult == expected.videoVerifyResult, "line \(i)")
            #expect(p.recognitionErrorCode == expected.errorCode, "line \(i)")
            #expect(p.docCategory == expected.docCategory && p.docEdition == expected.docEdition, "line \(i)")
            #expect(p.countryCode == expected.countryCode, "line \(i)")
            #expect(p.quality == expected.quality && p.qualityPassed == expected.qualityPassed, "line \(i)")
            #expect(p.spoofChecks.map { [$0.check, $0.value] } == expected.spoofChecks, "line \(i)")
            #expect(p.spoofDetails.map { [$0.spoofType, $0.name, $0.result ?? "-"] + $0.components.flatMap { [$0.name, $0.subResult ?? "-"] } } == expected.details, "line \(i)")
            #expect(p.retryRecords?.map { "\($0.status ?? "-")/\($0.attemptNumber.map(String.init) ?? "-")" } == expected.records, "line \(i)")
            #expect(Set(p.ocrFieldNames) == expected.ocrFields && p.ocrFieldNames.count == expected.ocrFields.count, "line \(i)")
            #expect(p.warnings.isEmpty, "line \(i): \(p.warnings)")
            compared += 1
        }
        #expect(compared == iterations)
    }
}

/// What docs/LOG_FORMAT.md says to take from a line, read from a general parser's tree.
private struct Reference {
    var product: Product
    var transactionId: String
    var bizId: String?
    var millis: Int64
    var status: String
    var code: String
    var recognitionResult: String?
    var videoVerifyResult: String?
    var errorCode: String?
    var docCategory: String?
    var docEdition: Int?
    var countryCode: String?
    var quality: Double?
    var qualityPassed: Bool?
    var spoofChecks: [[String]] = []
    var details: [[String]] = []
    var records: [String]?
    /// `map.KEY` for every key of the three OCR maps (the tree keeps no order: a set).
    var ocrFields: Set<String> = []

    static func extract(_ doc: [String: Any]) -> Reference? {
        guard let request = doc["request"] as? [String: Any], let tid = request["transactionId"] as? String else { return nil }
        var response = doc["response"] as? [String: Any]
        if let text = doc["response"] as? String {
            response = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        }
        guard let response, let result = response["result"] as? [String: Any],
            let status = result["resultStatus"] as? String, let code = result["resultCode"] as? String,
            let api = doc["api"] as? String
        else { return nil }
        let product: Product = api.lowercased().contains("videoverify") ? .videoVerify : .idRecognition
        let millis: Int64
        if let ms = doc["ts"] as? NSNumber {
            millis = ms.int64Value
        } else if let text = doc["timestamp"] as? String {
            millis = Self.rfc3339(text)
        } else {
            return nil
        }
        var r = Reference(product: product, transactionId: tid, bizId: request["bizId"] as? String, millis: millis, status: status, code: code)
        let ext = response["extInfo"] as? [String: Any] ?? [:]
        switch product {
        case .idRecognition:
            r.recognitionResult = ext["recognitionResult"] as? String
            r.errorCode = ext["recognitionErrorCode"] as? String
            r.docCategory = ext["docCategory"] as? String
            if let e = ext["docEdition"] as? String { r.docEdition = Int(e) } else { r.docEdition = (ext["docEdition"] as? NSNumber)?.intValue }
            if let c = ext["countryCode"] as? String { r.countryCode = c } else { r.countryCode = (ext["countryCode"] as? [String])?.first }
            let spoof = ext["spoofResult"] as? [String: String] ?? [:]
            r.spoofChecks = spoof.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { [$0, spoof[$0]!] }
            for d in ext["extraSpoofResultDetails"] as? [[String: Any]] ?? [] {
                var row = [d["spoofType"] as! String, d["name"] as! String, d["result"] as? String ?? "-"]
                for c in d["components"] as? [[String: Any]] ?? [] { row += [c["name"] as! String, c["subResult"] as? String ?? "-"] }
                r.details.append(row)
            }
            for label in ["ocrResult", "ocrResultFormat", "ocrResultDetail"] {
                for k in (ext[label] as? [String: Any] ?? [:]).keys { r.ocrFields.insert(label + "." + k) }
            }
        case .videoVerify:
            r.videoVerifyResult = response["videoVerifyResult"] as? String
            if let q = ext["quality"] as? String { r.quality = Double(q) } else { r.quality = (ext["quality"] as? NSNumber)?.doubleValue }
            r.qualityPassed = ext["qualityPassed"] as? Bool
            var willing = ext["willingRetryRecords"] as? [String: Any]
            if let text = ext["willingRetryRecords"] as? String {
                willing = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
            }
            if let list = willing?["retryRecords"] as? [[String: Any]] {
                r.records = list.map { "\($0["status"] as? String ?? "-")/\(($0["attemptNumber"] as? NSNumber).map { String($0.intValue) } ?? "-")" }
            }
        }
        return r
    }

    /// The generator writes `yyyy-MM-ddTHH:mm:ss.SSS±hh:mm`; read it with Foundation.
    static func rfc3339(_ s: String) -> Int64 {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return Int64((f.date(from: s)!.timeIntervalSince1970 * 1000).rounded())
    }
}

/// Random but valid log lines, written the many ways JSON allows.
private struct LineGenerator {
    var rng: SplitMix64

    mutating func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
    mutating func chance(_ p: Double) -> Bool { rng.unit() < p }

    /// Text with escapes, `\uXXXX` (surrogate pairs too) and raw non-ASCII.
    mutating func text(_ base: String) -> String {
        var out = "\""
        for ch in base.unicodeScalars {
            switch rng.next() % 6 {
            case 0 where ch.isASCII:
                out += String(format: "\\u%04x", ch.value)
            case 1 where ch.value > 0xFFFF:
                let v = ch.value - 0x10000
                out += String(format: "\\u%04X\\u%04X", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
            default:
                switch ch {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "/": out += chance(0.5) ? "\\/" : "/"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default: out.unicodeScalars.append(ch)
                }
            }
        }
        return out + "\""
    }

    mutating func space() -> String { pick(["", "", " ", "  ", "\t", " \t "]) }

    /// An unknown field's value, nested a few levels.
    mutating func junk(_ depth: Int = 0) -> String {
        switch rng.next() % (depth > 3 ? 4 : 6) {
        case 0: return text(pick(["x", "ü", "日本", "a\"b", "c\\d", "🙂"]))
        case 1: return pick(["1", "-0.5e3", "0", "12345678901234567890", "true", "false", "null"])
        case 2: return "[" + (0..<Int(rng.next() % 3)).map { _ in junk(depth + 1) }.joined(separator: ",") + "]"
        case 3: return "{}"
        default:
            return "{" + (0..<Int(rng.next() % 3)).map { i in text("k\(i)") + ":" + junk(depth + 1) }.joined(separator: ",") + "}"
        }
    }

    /// An object from members, shuffled, with an unknown member sometimes, and random spacing.
    /// (Every member of spoofResult is a check, so `junk: false` there.)
    mutating func object(_ members: [(String, String)], junk allowJunk: Bool = true) -> String {
        var m = members
        if allowJunk, chance(0.3) { m.append(("unknown_\(rng.next() % 100)", junk())) }
        for i in stride(from: m.count - 1, to: 0, by: -1) { m.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        return "{" + space() + m.map { text($0.0) + space() + ":" + space() + $0.1 }.joined(separator: "," + space()) + space() + "}"
    }

    mutating func line(index: Int) -> String {
        let video = chance(0.5)
        let tid = pick(["G000000005FID", "tx-", "Ü/é\"q", "🙂-"]) + String(index)
        let code = pick(["SUCCESS", "PROCESSING", "SYSTEM_ERROR", "LIMIT_EXCEEDED"])
        let status = code == "SUCCESS" || code == "PROCESSING" ? "S" : pick(["F", "U"])
        let ms = Int64(1_700_000_000_000) + Int64(rng.next() % 10_000_000_000)
        var ext: [(String, String)] = []
        var response: [(String, String)] = [("result", object([("resultStatus", text(status)), ("resultCode", text(code)), ("resultMessage", text("m"))]))]
        if video {
            response.append(("videoVerifyResult", text(pick(["Success", "failure", "VoidTimeout", "InProcess"]))))
            let q = Double(rng.next() % 10_000) / 100
            ext.append(("quality", chance(0.5) ? text(String(q)) : String(q)))
            ext.append(("qualityPassed", chance(0.5) ? "true" : "false"))
            if chance(0.7) {
                let records = (0..<Int(1 + rng.next() % 3)).map { n -> String in
                    var r: [(String, String)] = [("status", text(pick(["SUCCESS", "WRONG_ANSWER", "NO_VOICE"]))), ("userInput", text(pick(["I confirm", "", "ja, ich bestätige"])))]
                    if chance(0.8) { r.append(("attemptNumber", String(n + 1))) }
                    return object(r)
                }
                let obj = object([("retryRecords", "[" + records.joined(separator: ",") + "]")])
                ext.append(("willingRetryRecords", chance(0.6) ? text(obj) : obj))
            }
        } else {
            ext.append(("recognitionResult", text(pick(["Y", "N"]))))
            ext.append(("docCategory", text(pick(["PASSPORT", "ID_CARD", "居民身份证"]))))
            ext.append(("docEdition", chance(0.5) ? "2" : text("3")))
            ext.append(("countryCode", chance(0.5) ? text("MYS") : "[" + text("CHN") + "," + text("HKG") + "]"))
            ext.append(("spoofResult", object([("TAMPER_CHECK", text("Y")), ("SCREEN_RECAPTURE_CHECK", text(pick(["Y", "N"]))), ("MATERIAL_CHECK", text("Y"))], junk: false)))
            if chance(0.5) {
                let comps = "[" + object([("name", text("hologram")), ("subResult", text(pick(["Y", "N"])))]) + "]"
                ext.append(("extraSpoofResultDetails", "[" + object([("name", text("hologramCheck")), ("result", text("Y")), ("spoofType", text("SECURITY_FEATURE_CHECK")), ("components", comps)]) + "]"))
            }
            // OCR maps from small key pools, so that the same set of keys recurs (in
            // various orders, escaped or not, with unknown keys now and then).
            let ocrPools = [("ocrResult", ["ID_NUMBER", "NAME", "SEX", "DATE_OF_BIRTH"]), ("ocrResultFormat", ["NUMBER", "GENDER"]),
                            ("ocrResultDetail", ["MRZ_ID_NUMBER", "VISUAL_ID_NUMBER"])]
            for (label, pool) in ocrPools where chance(0.6) {
                var members: [(String, String)] = []
                for k in pool where chance(0.8) {
                    members.append((k, label == "ocrResultDetail" ? object([("name", text(k)), ("value", text("x\(rng.next() % 1000)"))]) : text("v\(rng.next() % 1000)")))
                }
                ext.append((label, object(members)))
            }
            if chance(0.5) { ext.append(("recognitionErrorCode", text(pick(["NO_REQUIRED_ID", "=cmd|x", "BLUR"])))) }
            ext.append(("imageContent", "[" + text(String(repeating: "QUJD", count: Int(rng.next() % 40))) + "]"))
        }
        response.append(("extInfo", object(ext)))
        let body = object(response)
        let api = (video ? "/api/v1/zoloz/videoverify/checkresult" : "/api/v1/zoloz/idrecognition/checkresult")
        let apiText = pick(["", "https://sg-api.zoloz.com"]) + (chance(0.3) ? api.uppercased() : api) + pick(["", "?a=1", "/"])
        let ts: (String, String) = chance(0.5)
            ? ("ts", String(ms))
            : ("timestamp", text(SampleGenerator.rfc3339(ms, offsetMinutes: pick([0, 480, -300, 330]), colon: true)))
        var envelope: [(String, String)] = [ts, ("api", text(apiText)),
                                            ("request", object([("transactionId", text(tid)), ("bizId", text("b\(index)"))])),
                                            ("response", chance(0.3) ? text(body) : body)]
        if chance(0.2) { envelope.append(("service", junk())) }
        return space() + object(envelope) + space()
    }
}
