/// Settings for synthetic logs.
public struct SampleOptions: Sendable {
    public var days = 14
    public var seed: UInt64 = 1
    /// First day of the logs (UTC).
    public var start = CalendarDay(year: 2026, month: 11, day: 2)!
    /// Transactions per day and product, on average.
    public var idPerDay = 300
    public var videoPerDay = 150
    /// Share of lines that are broken in one of the ways docs/LOG_FORMAT.md refuses.
    public var brokenShare = 0.01
    /// Share of lines logged twice (the same poll seen by two services).
    public var duplicateShare = 0.03
    /// Share of final polls that carry base64 payloads, and their size range in bytes.
    public var payloadShare = 0.0
    public var payloadBytes = 200_000...2_000_000
    /// Lines end with CRLF on this share of lines.
    public var crlfShare = 0.02

    public init() {}
}

/// Writes realistic checkresult logs for both products, carrying every quirk of
/// docs/LOG_FORMAT.md: timestamp forms, the product inferred from the response shape, a response
/// logged as a string, numbers as strings, JSON inside strings, lists where scalars are
/// documented, wrong-typed fields, duplicates, blank lines, CRLF and refusable lines.
/// The same options always give the same bytes.
public struct SampleGenerator {
    public let options: SampleOptions
    private var rng: SplitMix64

    public init(_ options: SampleOptions) {
        self.options = options
        rng = SplitMix64(seed: options.seed)
    }

    /// Produces the log, calling `emit` with chunks of bytes (whole lines).
    public mutating func generate<E: Error>(_ emit: ([UInt8]) throws(E) -> Void) throws(E) {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        var payload = Payloads(seed: options.seed)
        for d in 0..<options.days {
            let day = options.start.adding(days: d)
            var lines: [(Int64, String)] = []
            let idCount = jitter(options.idPerDay)
            let vvCount = jitter(options.videoPerDay)
            for i in 0..<idCount { lines += idTransaction(day: day, index: i, payload: &payload) }
            for i in 0..<vvCount { lines += videoTransaction(day: day, index: i, payload: &payload) }
            // Services flush at different times: order by time with a little disorder.
            lines.sort { $0.0 < $1.0 }
            for (_, line) in lines {
                out.append(contentsOf: line.utf8)
                out.append(contentsOf: chance(options.crlfShare) ? [0x0D, 0x0A] : [0x0A])
                if chance(options.duplicateShare) {
                    out.append(contentsOf: line.utf8)
                    out.append(0x0A)
                }
                if chance(0.002) { out.append(contentsOf: Array("   \n".utf8)) }
                if chance(options.brokenShare) {
                    out.append(contentsOf: brokenLine(day: day).utf8)
                    out.append(0x0A)
                }
                if out.count > 1 << 20 {
                    try emit(out)
                    out.removeAll(keepingCapacity: true)
                }
            }
        }
        try emit(out)
    }

    // MARK: Transactions

    private mutating func idTransaction(day: CalendarDay, index: Int, payload: inout Payloads) -> [(Int64, String)] {
        let tid = String(format8: "G000000005FID", day: day, index: index, product: 1)
        let biz = "MB" + String(rng.next() % 1_000_000_000)
        var t = startMillis(day)
        var out: [(Int64, String)] = []
        let processing = Int(rng.next() % 4)
        for _ in 0..<processing {
            out.append((t, envelope(.idRecognition, tid: tid, biz: biz, t: t, response: "{\"result\":{\"resultStatus\":\"S\",\"resultCode\":\"PROCESSING\",\"resultMessage\":\"processing\"}}")))
            t += Int64(500 + rng.next() % 4000)
        }
        let r = rng.unit()
        let response: String
        if r < 0.03 {
            response = result("F", pick(["SYSTEM_ERROR", "INVALID_ARGUMENT", "LIMIT_EXCEEDED", "UNUSABLE"]))
        } else if r < 0.05 {
            response = result("U", "SYSTEM_ERROR")
        } else if r < 0.07 {
            // Still processing when the logs were cut.
            return out.isEmpty ? [(t, envelope(.idRecognition, tid: tid, biz: biz, t: t, response: result("S", "PROCESSING")))] : out
        } else {
            response = idSuccess(payload: &payload)
        }
        out.append((t, envelope(.idRecognition, tid: tid, biz: biz, t: t, response: response)))
        return out
    }

    private mutating func idSuccess(payload: inout Payloads) -> String {
        let categories = [("PASSPORT", "00600000001"), ("ID_CARD", "00000001003"), ("DRIVING_LICENSE", "00000001004"), ("RESIDENCE_PERMIT", "08520000002")]
        let (category, cert) = pick(categories)
        let country = pick(["CHN", "MYS", "IDN", "PHL", "SGP", "HKG", "THA"])
        let screenFail = chance(0.06), tamperFail = chance(0.03), materialFail = chance(0.02)
        let deeper = chance(0.9) ? (chance(0.04) ? "N" : "Y") : nil
        let failed = screenFail || tamperFail || materialFail || deeper == "N" || chance(0.05)
        var ext: [String] = []
        ext.append("\"recognitionResult\":\"\(failed ? "N" : "Y")\"")
        ext.append("\"certType\":\"\(cert)\"")
        ext.append("\"docCategory\":\"\(category)\"")
        ext.append(chance(0.2) ? "\"docEdition\":\"\(1 + rng.next() % 3)\"" : "\"docEdition\":\(1 + rng.next() % 3)")
        ext.append(chance(0.3) ? "\"countryCode\":[\"\(country)\"]" : "\"countryCode\":\"\(country)\"")
        let check = { (fail: Bool) in fail ? "N" : "Y" }
        var spoof = "\"TAMPER_CHECK\":\"\(check(tamperFail))\",\"MATERIAL_CHECK\":\"\(check(materialFail))\",\"SCREEN_RECAPTURE_CHECK\":\"\(check(screenFail))\""
        if country == "HKG" { spoof += ",\"SECURITY_FEATURE_CHECK\":\"Y\",\"INFORMATION_CHECK\":\"\(chance(0.1) ? "N" : "Y")\"" }
        ext.append("\"spoofResult\":{\(spoof)}")
        if country == "MYS" || chance(0.2) {
            let holo = chance(0.08) ? "N" : "Y"
            var details = "{\"name\":\"hologramCheck\",\"result\":\"\(holo)\",\"spoofType\":\"SECURITY_FEATURE_CHECK\",\"components\":[{\"name\":\"hologram\",\"subResult\":\"\(holo)\"}]}"
            details += ",{\"name\":\"landmarkCheck\",\"result\":\"Y\",\"spoofType\":\"SECURITY_FEATURE_CHECK\",\"components\":[{\"name\":\"ghostFace\",\"subResult\":\"Y\"},{\"name\":\"mykadLogo\",\"subResult\":\"Y\"}]}"
            if chance(0.3) {
                details += ",{\"result\":\"N\",\"components\":[{\"subResult\":\"N\",\"name\":\"NAME\"},{\"subResult\":\"Y\",\"name\":\"SEX\"}],\"spoofType\":\"INFORMATION_CHECK\",\"name\":\"mrzVisualConsistencyCheck\"}"
            }
            ext.append("\"extraSpoofResultDetails\":[\(details)]")
        }
        if failed {
            let code = screenFail ? "SCREEN_RECAPTURE" : tamperFail ? "TAMPERED" : materialFail ? "MATERIAL_FAKE"
                : pick(["NO_REQUIRED_ID", "BLUR", "EXPIRED", "=HYPERLINK(\"x\")", "", "NO_FACE|PHOTO"])
            if !(code.isEmpty && chance(0.5)) { ext.append("\"recognitionErrorCode\":\(JSONText.quote(code))") }
            ext.append("\"recognitionErrorDescription\":\"document check failed <script>alert(1)</script>\"")
        } else {
            let number = "A" + String(10_000_000 + rng.next() % 90_000_000)
            ext.append("\"ocrResult\":{\"ID_NUMBER\":\"\(number)\",\"NAME\":\"TAN AH KOW\",\"SEX\":\"M\",\"DATE_OF_BIRTH\":\"1990-01-0\(1 + rng.next() % 9)\"}")
            ext.append("\"ocrResultFormat\":{\"NUMBER\":\"\(number)\",\"GENDER\":\"M\"}")
        }
        if let deeper { ext.append("\"deeperResult\":\"\(deeper)\"") }
        ext.append("\"uploadEnabledResult\":\"\(chance(0.1) ? "Y" : "N")\"")
        if chance(options.payloadShare) {
            ext.append("\"imageContent\":[\"\(payload.base64(rngSize(), &rng))\"]")
            ext.append("\"extraImages\":{\"CROPPED_FRONT\":\"\(payload.base64(rngSize() / 4, &rng))\"}")
        } else {
            ext.append(chance(0.5) ? "\"extraImages\":\"\"" : "\"imageContent\":[]")
        }
        if chance(0.01) { ext.append("\"docEdition\":\"second\"") }  // a wrong type: a warning, not a refusal
        return "{\"result\":{\"resultStatus\":\"S\",\"resultCode\":\"SUCCESS\",\"resultMessage\":\"success\"},\"extInfo\":{\(ext.joined(separator: ","))}}"
    }

    private mutating func videoTransaction(day: CalendarDay, index: Int, payload: inout Payloads) -> [(Int64, String)] {
        let tid = String(format8: "G006600016CN", day: day, index: index, product: 2)
        let biz = "VV" + String(rng.next() % 1_000_000_000)
        var t = startMillis(day)
        var out: [(Int64, String)] = []
        for _ in 0..<Int(rng.next() % 3) {
            out.append((t, envelope(.videoVerify, tid: tid, biz: biz, t: t, response: "{\"result\":{\"resultStatus\":\"S\",\"resultCode\":\"PROCESSING\",\"resultMessage\":\"processing\"},\"videoVerifyResult\":\"InProcess\"}")))
            t += Int64(1000 + rng.next() % 8000)
        }
        let r = rng.unit()
        var response: String
        if r < 0.03 {
            response = result("F", pick(["SYSTEM_ERROR", "UNUSABLE", "LIMIT_EXCEEDED"]))
        } else {
            let verdict = rng.unit() < 0.8 ? pick(["Success", "success"]) : pick(["Failure", "VoidTimeout", "FAILURE", "InProcess"])
            let quality = verdict == "VoidTimeout" ? nil : 40 + rng.unit() * 60
            var ext: [String] = []
            if let quality {
                ext.append(chance(0.7) ? "\"quality\":\"\(quality)\"" : "\"quality\":\(quality)")
            }
            ext.append(chance(0.01) ? "\"qualityPassed\":\"yes\"" : "\"qualityPassed\":\((quality ?? 0) >= 60)")
            var records: [String] = []
            let attempts = verdict.lowercased() == "success" ? 1 + Int(rng.next() % 3) : Int(rng.next() % 4)
            for a in 0..<attempts {
                let last = a == attempts - 1
                let status = last && verdict.lowercased() == "success" ? "SUCCESS" : pick(["WRONG_ANSWER", "NO_VOICE", "WRONG_ANSWER", "-TIMEOUT"])
                let said = status == "SUCCESS" ? "I confirm" : pick(["test", "", "=1+1", "yes | no"])
                records.append("{\"status\":\"\(status)\",\"userInput\":\(JSONText.quote(said)),\"attemptNumber\":\(a + 1)}")
            }
            if !records.isEmpty {
                let obj = "{\"retryRecords\":[\(records.joined(separator: ","))]}"
                ext.append(chance(0.8) ? "\"willingRetryRecords\":\(JSONText.quote(obj))" : "\"willingRetryRecords\":\(obj)")
            }
            if chance(options.payloadShare) {
                ext.append("\"imageContent\":\"\(payload.base64(rngSize() / 4, &rng))\"")
                ext.append("\"willingVerifyVideo\":\"\(payload.base64(rngSize(), &rng))\"")
            }
            response = "{\"result\":{\"resultStatus\":\"S\",\"resultCode\":\"SUCCESS\",\"resultMessage\":\"Success\"},\"videoVerifyResult\":\"\(verdict)\",\"extInfo\":{\(ext.joined(separator: ","))}}"
        }
        out.append((t, envelope(.videoVerify, tid: tid, biz: biz, t: t, response: response)))
        return out
    }

    private func result(_ status: String, _ code: String) -> String {
        "{\"result\":{\"resultStatus\":\"\(status)\",\"resultCode\":\"\(code)\",\"resultMessage\":\"\(code.lowercased())\"}}"
    }

    /// The merchant's envelope, in one of the forms real services write.
    private mutating func envelope(_ product: Product, tid: String, biz: String, t: Int64, response: String) -> String {
        let path = product == .idRecognition ? "/api/v1/zoloz/idrecognition/checkresult" : "/api/v1/zoloz/videoverify/checkresult"
        let api: String? = switch rng.next() % 10 {
        case 0: "https://sg-production-api.zoloz.com" + path
        case 1: path + "?trace=1"
        // Inferred from the response, which can be done only when it carries a verdict.
        case 2: response.contains("extInfo") || response.contains("videoVerifyResult") ? nil : path
        default: path
        }
        let ts: String = switch rng.next() % 8 {
        case 0: "\"ts\":\(t)"
        case 1: "\"@timestamp\":\"\(Self.rfc3339(t, offsetMinutes: 480, colon: true))\""
        case 2: "\"time\":\"\(Self.rfc3339(t, offsetMinutes: 330, colon: false))\""
        case 3: "\"timestamp\":\"\(Self.rfc3339(t, offsetMinutes: -300, colon: true))\""
        default: "\"timestamp\":\"\(Self.rfc3339(t, offsetMinutes: 0, colon: true))\""
        }
        let body = chance(0.1) ? JSONText.quote(response) : response
        var s = "{" + ts
        if let api { s += ",\"api\":\"\(api)\"" }
        s += ",\"request\":{\"bizId\":\"\(biz)\",\"transactionId\":\"\(tid)\",\"isReturnImage\":\"N\"}"
        s += ",\"response\":" + body
        if chance(0.05) { s += ",\"service\":{\"name\":\"kyc-gateway\",\"tags\":[\"a\",{\"b\":null}]}" }
        return s + "}"
    }

    private mutating func brokenLine(day: CalendarDay) -> String {
        let t = startMillis(day)
        let ok = "\"timestamp\":\"\(Self.rfc3339(t, offsetMinutes: 0, colon: true))\""
        let req = "\"request\":{\"transactionId\":\"BROKEN\(rng.next() % 100000)\"}"
        let res = "\"response\":{\"result\":{\"resultStatus\":\"S\",\"resultCode\":\"SUCCESS\"},\"videoVerifyResult\":\"Success\"}"
        switch rng.next() % 7 {
        case 0: return "{\(ok),\(req),\(res)"  // truncated
        case 1: return "{\(ok),\(req),\(res),\"score\":NaN}"
        case 2: return "{\(ok),\"request\":{\"bizId\":\"x\"},\(res)}"
        case 3: return "{\(req),\(res)}"
        case 4: return "{\"timestamp\":\"16/11/2026 08:30\",\(req),\(res)}"
        case 5: return "{\(ok),\(req),\"response\":\"<html>502 Bad Gateway</html>\"}"
        default: return "{\(ok),\"api\":\"/api/v1/zoloz/facecapture/checkresult\",\(req),\(res)}"
        }
    }

    // MARK: Helpers

    private mutating func startMillis(_ day: CalendarDay) -> Int64 {
        // Busier in the day than at night (UTC+8 merchants): a mix of two spreads.
        let seconds = chance(0.7) ? Int64(rng.next() % 43_200) : Int64(rng.next() % 86_400)
        return Int64(day.days) * 86_400_000 + seconds * 1000 + Int64(rng.next() % 1000)
    }

    private mutating func jitter(_ n: Int) -> Int {
        guard n > 0 else { return 0 }
        return max(0, n + Int(rng.next() % UInt64(max(1, n / 5) * 2 + 1)) - max(1, n / 5))
    }

    private mutating func rngSize() -> Int {
        let r = options.payloadBytes
        return r.lowerBound + Int(rng.next() % UInt64(max(1, r.upperBound - r.lowerBound)))
    }

    private mutating func chance(_ p: Double) -> Bool { rng.unit() < p }

    private mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }

    static func rfc3339(_ ms: Int64, offsetMinutes: Int, colon: Bool) -> String {
        let local = ms + Int64(offsetMinutes) * 60_000
        var s = String(Timestamp.isoInstant(millis: local).dropLast())
        if offsetMinutes == 0 { return s + "Z" }
        let sign = offsetMinutes < 0 ? "-" : "+"
        let a = abs(offsetMinutes)
        s += sign + Timestamp.pad(a / 60, 2) + (colon ? ":" : "") + Timestamp.pad(a % 60, 2)
        return s
    }
}

/// A small, fast, seedable generator (Steele, Lea, Flood: SplitMix64).
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// Base64-looking payloads, cut from one pregenerated block so large samples stay cheap.
struct Payloads {
    private let block: String

    init(seed: UInt64) {
        var rng = SplitMix64(seed: seed ^ 0xABCDEF)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var bytes = [UInt8](repeating: 0, count: 4 << 20)
        for i in bytes.indices { bytes[i] = alphabet[Int(rng.next() & 63)] }
        block = String(decoding: bytes, as: UTF8.self)
    }

    func base64(_ size: Int, _ rng: inout SplitMix64) -> String {
        let n = min(max(4, size / 4 * 4), block.utf8.count)
        let startMax = block.utf8.count - n
        let start = startMax > 0 ? Int(rng.next() % UInt64(startMax)) : 0
        let u = block.utf8
        let a = u.index(u.startIndex, offsetBy: start)
        let b = u.index(a, offsetBy: n)
        return String(block[a..<b])
    }
}

extension String {
    /// A transaction id in ZOLOZ's shape: prefix, date, product and a running number.
    init(format8 prefix: String, day: CalendarDay, index: Int, product: Int) {
        let date = Timestamp.pad(day.year, 4) + Timestamp.pad(day.month, 2) + Timestamp.pad(day.day, 2)
        self = prefix + date + String(product) + Timestamp.pad(index, 9)
    }
}
