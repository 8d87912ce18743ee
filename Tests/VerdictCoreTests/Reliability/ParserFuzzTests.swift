import Foundation
import Testing
@testable import VerdictCore

// A property test of `LogLineParser` against an independent JSON parser: Foundation's
// `JSONSerialization` (options [], so `.fragmentsAllowed` is off).
//
// Valid log lines (from `SampleGenerator` and the `Log` builders) are mutated thousands
// of times with a seeded generator: bit flips, truncation at every length, inserted
// brackets, quotes, backslashes, commas, whitespace, duplicated members, random bytes,
// deletions, surrogate escapes and odd numbers. Each result is parsed in process. The
// parser must never crash, and (docs/LOG_FORMAT.md (Refused lines)):
//   - bytes that JSONSerialization reads as an object (and that are valid UTF-8) must
//     not be refused as `invalid_json`;
//   - bytes it refuses, or reads as an array (not an object), must be `invalid_json`
//     (or blank, for a line of whitespace only: docs/LOG_FORMAT.md (Files and lines)),
// except for the differences documented below, which are counted and printed, not
// failed. `scripts/fuzz.sh` runs the same test longer (VERDICT_FUZZ_ITERATIONS).
//
// JSONSerialization as shipped with Swift 6.3 on Linux (swift-corelibs-foundation),
// checked by `documentedDifferences` below, differs from RFC 8259 and from Verdict here:
//   - bom: it skips a UTF-8 byte order mark; the parser does not (the line reader drops
//     a BOM only before a file's first line), so a BOM-prefixed line is invalid_json.
//   - loneSurrogate: it refuses a \uD800–\uDFFF escape that is not a valid pair; RFC 8259
//     §8.2 allows it, and the parser accepts it (decoded as U+FFFD).
//   - trailingComma: it accepts `[1,]` and `{"a":1,}`, which are not JSON; the parser
//     refuses them.
//   - numberRange: it refuses a number beyond Double's range (`1e400`); the grammar
//     allows it and the parser accepts it (the field is then invalid, a warning).
//   - depth: it refuses nesting deeper than 512; the parser has no depth limit.
//   - encoding: it guesses UTF-16/UTF-32 from NUL bytes in the first four bytes (or a
//     UTF-16 BOM); the parser reads UTF-8 only.
//   - blank: a line of whitespace only (space, tab, CR, LF, and VT or FF, "ASCII
//     whitespace") is not JSON to it; to the parser it is a blank line.

/// What JSONSerialization makes of some bytes.
private enum Oracle: Equatable {
    case object, array, rejected

    init(_ bytes: [UInt8]) {
        do {
            let v = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
            self = v is [String: Any] ? .object : (v is [Any] ? .array : .rejected)
        } catch {
            self = .rejected
        }
    }
}

/// The documented differences that apply to some bytes (see the file comment).
private func documentedDifferences(_ b: [UInt8]) -> [String] {
    var out: [String] = []
    if b.starts(with: [0xEF, 0xBB, 0xBF]) { out.append("bom") }
    if b.prefix(4).contains(0) || b.starts(with: [0xFE, 0xFF]) || b.starts(with: [0xFF, 0xFE]) { out.append("encoding") }
    if b.allSatisfy({ $0 == 0x20 || (0x09...0x0D).contains($0) }) { out.append("blank") }
    var inString = false, escaped = false, depth = 0, maxDepth = 0
    var lastSignificant: UInt8 = 0
    var i = 0
    var number: [UInt8] = []
    func endNumber() {
        if !number.isEmpty, let d = Double(String(decoding: number, as: UTF8.self)), !d.isFinite { out.append("numberRange") }
        number = []
    }
    while i < b.count {
        let c = b[i]
        if inString {
            if escaped {
                escaped = false
                if c == UInt8(ascii: "u"), i + 4 < b.count, let v = hex4(b, i + 1) {
                    if (0xD800...0xDBFF).contains(v) {
                        // A high surrogate must be followed by \u and a low one.
                        let low = i + 10 < b.count && b[i + 5] == UInt8(ascii: "\\") && b[i + 6] == UInt8(ascii: "u") ? hex4(b, i + 7) : nil
                        if let low, (0xDC00...0xDFFF).contains(low) { i += 10; continue }
                        out.append("loneSurrogate")
                    } else if (0xDC00...0xDFFF).contains(v) {
                        out.append("loneSurrogate")
                    }
                }
            } else if c == UInt8(ascii: "\\") {
                escaped = true
            } else if c == UInt8(ascii: "\"") {
                inString = false
                lastSignificant = c
            }
        } else {
            if c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || (c | 0x20) == UInt8(ascii: "e") || (0x30...0x39).contains(c) {
                number.append(c)
            } else {
                endNumber()
            }
            switch c {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                maxDepth = max(maxDepth, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if lastSignificant == UInt8(ascii: ",") { out.append("trailingComma") }
                depth -= 1
            default: break
            }
            if !(c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D) { lastSignificant = c }
        }
        i += 1
    }
    endNumber()
    if maxDepth > 500 { out.append("depth") }
    return out
}

private func hex4(_ b: [UInt8], _ at: Int) -> UInt32? {
    guard at + 4 <= b.count else { return nil }
    var v: UInt32 = 0
    for k in at..<(at + 4) {
        guard let d = JSONCursor.hexValue(b[k]) else { return nil }
        v = v << 4 | UInt32(d)
    }
    return v
}

private func isValidUTF8(_ b: [UInt8]) -> Bool {
    Array(String(decoding: b, as: UTF8.self).utf8) == b
}

/// The bytes, printable: ASCII as is, everything else as \xNN.
private func show(_ b: [UInt8], limit: Int = 240) -> String {
    var s = ""
    for c in b.prefix(limit) {
        if c >= 0x20 && c < 0x7F { s.unicodeScalars.append(Unicode.Scalar(c)) } else { s += String(format: "\\x%02X", c) }
    }
    return s + (b.count > limit ? "…(\(b.count) bytes)" : "")
}

/// The spans of every object member (from after `{` or `,` to before `,` or `}`) of a
/// valid JSON text, for the duplicated-key mutation.
private func memberSpans(_ b: [UInt8]) -> [Range<Int>] {
    var spans: [Range<Int>] = []
    var stack: [(isObject: Bool, memberStart: Int)] = []
    var inString = false, escaped = false
    for (i, c) in b.enumerated() {
        if inString {
            if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
            continue
        }
        switch c {
        case UInt8(ascii: "\""): inString = true
        case UInt8(ascii: "{"): stack.append((true, i + 1))
        case UInt8(ascii: "["): stack.append((false, i + 1))
        case UInt8(ascii: ","):
            if let top = stack.last, top.isObject {
                spans.append(top.memberStart..<i)
                stack[stack.count - 1].memberStart = i + 1
            }
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            if let top = stack.popLast(), top.isObject, i > top.memberStart { spans.append(top.memberStart..<i) }
        default: break
        }
    }
    return spans.filter { !$0.isEmpty }
}

/// The valid lines mutations start from.
private func seedLines() throws -> [[UInt8]] {
    var o = SampleOptions()
    o.days = 2
    o.seed = 2026
    o.idPerDay = 14
    o.videoPerDay = 8
    o.brokenShare = 0.05
    o.duplicateShare = 0
    o.payloadShare = 0.3
    o.payloadBytes = 48...400
    o.crlfShare = 0
    var generator = SampleGenerator(o)
    var bytes: [UInt8] = []
    generator.generate { bytes += $0 }
    var lines = bytes.split(separator: 0x0A).map(Array.init).filter { Oracle($0) == .object }
    // The Log builders' shapes and a few quirks of docs/LOG_FORMAT.md (Warnings).
    lines += [
        Log.idVerdict("FZ-1", at: "2026-11-10T08:00:00Z", "N", more: #""spoofResult": {"TAMPER_CHECK": "N", "DEEPER": "Y"}, "recognitionErrorCode": "=HYPERLINK(\"x\")""#),
        Log.vv("FZ-2", at: "2026-11-10T08:00:00+0530", verdict: "success", ext: #"{"quality": "99.41563014552693", "qualityPassed": true, "willingRetryRecords": "{\"retryRecords\":[{\"status\":\"WRONG_ANSWER\",\"userInput\":\"t\\u00e9st\",\"attemptNumber\":1}]}"}"#),
        Log.envelope(timestampKey: "ts", timestamp: "1794297660123", api: nil, transactionId: "FZ-3",
                     response: Log.q(#"{"result": {"resultStatus": "S", "resultCode": "SUCCESS"}, "extInfo": {"recognitionResult": "Y", "countryCode": ["CHN"]}}"#)),
    ].map { Array($0.utf8) }
    return lines
}

private struct Disagreement {
    var bytes: [UInt8]
    var parser: String
    var oracle: Oracle
    var mutation: String
}

private final class FuzzRun {
    let parsers = [LogLineParser(), LogLineParser(documentKey: try! DocumentHasher(key: Array("fuzz-key-0123456789abcdef".utf8)))]
    var checked = 0
    var oracleCounts: [String: Int] = [:]
    var explained: [String: Int] = [:]
    var unexplained: [Disagreement] = []
    var unexplainedCount = 0

    /// Parses `bytes` and compares the answer with JSONSerialization's.
    func check(_ bytes: [UInt8], _ mutation: String) {
        checked += 1
        let parsed = bytes.withUnsafeBufferPointer { parsers[checked & 1].parse($0, lineNumber: 1) }
        let answer: String
        let saysInvalid: Bool, saysBlank: Bool
        switch parsed {
        case .blank: answer = "blank"; saysInvalid = false; saysBlank = true
        case .poll: answer = "poll"; saysInvalid = false; saysBlank = false
        case .refused(let r, let detail, _): answer = r.rawValue + " (" + detail + ")"; saysInvalid = r == .invalidJSON; saysBlank = false
        }
        let oracle = Oracle(bytes)
        oracleCounts["\(oracle)", default: 0] += 1
        let agrees: Bool
        switch oracle {
        case .object: agrees = !saysInvalid && !saysBlank || !isValidUTF8(bytes)
        case .array, .rejected: agrees = saysInvalid
        }
        guard !agrees else { return }
        let reasons = documentedDifferences(bytes)
        if let first = reasons.first {
            explained[first, default: 0] += 1
            return
        }
        unexplainedCount += 1
        if unexplained.count < 12 { unexplained.append(Disagreement(bytes: bytes, parser: answer, oracle: oracle, mutation: mutation)) }
    }
}

/// Mutations, each a small edit; a case may apply several.
private func mutate(_ line: [UInt8], _ rng: inout SeededRandom) -> ([UInt8], String) {
    var b = line
    var names: [String] = []
    for _ in 0..<(1 + rng.below(3)) {
        let at = rng.below(b.count + 1)
        switch rng.below(11) {
        case 0:
            guard !b.isEmpty else { continue }
            let i = rng.below(b.count)
            b[i] ^= 1 << UInt8(rng.below(8))
            names.append("bitflip@\(i)")
        case 1:
            b = Array(b.prefix(at))
            names.append("truncate@\(at)")
        case 2:
            let c = rng.pick(Array("[]{}\"\\,:".utf8))
            b.insert(c, at: at)
            names.append("insert '\(Unicode.Scalar(c))'@\(at)")
        case 3:
            let spans = memberSpans(b)
            guard let s = spans.isEmpty ? nil : rng.pick(spans) else { continue }
            b.insert(contentsOf: [UInt8(ascii: ",")] + b[s], at: s.upperBound)
            names.append("duplicate member \(s)")
        case 4:
            let n = 1 + rng.below(8)
            b.insert(contentsOf: rng.bytes(n), at: at)
            names.append("random \(n) bytes@\(at)")
        case 5:
            guard !b.isEmpty else { continue }
            let i = rng.below(b.count)
            b[i] = rng.byte()
            names.append("overwrite@\(i)")
        case 6:
            guard !b.isEmpty else { continue }
            let i = rng.below(b.count), n = min(b.count - i, 1 + rng.below(16))
            b.removeSubrange(i..<(i + n))
            names.append("delete \(n)@\(i)")
        case 7:
            let w = rng.pick([" ", "\t", "\r", "\n", "\u{0B}", "\u{0C}", "\u{00}", "\u{A0}"])
            b.insert(contentsOf: Array(w.utf8), at: at)
            names.append("whitespace \(show(Array(w.utf8)))@\(at)")
        case 8:
            // Inside a string: escapes, valid and not.
            let quotes = b.indices.filter { b[$0] == UInt8(ascii: "\"") }
            guard !quotes.isEmpty else { continue }
            let q = rng.pick(quotes)
            let e = rng.pick(["\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u00e9", "\\x", "\\u12", "\\\\", "\\/", "é", "\u{1F600}"])
            b.insert(contentsOf: Array(e.utf8), at: q + 1)
            names.append("escape \(e)@\(q + 1)")
        case 9:
            // A number somewhere turned odd.
            let digits = b.indices.filter { (0x30...0x39).contains(b[$0]) }
            guard !digits.isEmpty else { continue }
            let d = rng.pick(digits)
            let n = rng.pick(["1e400", "-0", "01", "1.", ".5", "+1", "1e", "-", "NaN", "Infinity", "12345678901234567890123", "1E-400"])
            b.replaceSubrange(d...d, with: Array(n.utf8))
            names.append("number \(n)@\(d)")
        default:
            // Splice: a slice of the line copied somewhere else.
            guard b.count > 2 else { continue }
            let i = rng.below(b.count), n = min(b.count - i, 1 + rng.below(40))
            b.insert(contentsOf: b[i..<(i + n)], at: rng.below(b.count + 1))
            names.append("splice \(n)@\(i)")
        }
    }
    return (b, names.joined(separator: ", "))
}

@Suite("Reliability: parser fuzz")
struct ReliabilityParserFuzz {
    /// Random mutations per run; `scripts/fuzz.sh` raises it.
    static let iterations = ProcessInfo.processInfo.environment["VERDICT_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 25_000
    static let seed = ProcessInfo.processInfo.environment["VERDICT_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0xF0CC_2026

    @Test("mutated log lines: never a crash, and invalid_json exactly when JSONSerialization refuses (documented differences aside)")
    func mutatedLines() throws {
        let seeds = try seedLines()
        #expect(seeds.count > 50)
        let run = FuzzRun()

        // Every valid seed line is accepted or refused for a reason other than invalid_json.
        for s in seeds { run.check(s, "seed") }

        // Truncation at every length, on lines of different shapes.
        let shapes = ["extraSpoofResultDetails", "willingRetryRecords\":\"", "\"response\":\"{", "imageContent\":[\"", "\"ts\":", "FZ-2"]
        for marker in shapes {
            guard let line = seeds.first(where: { String(decoding: $0, as: UTF8.self).contains(marker) }) else {
                Issue.record("no seed line with \(marker)")
                continue
            }
            for n in 0...line.count { run.check(Array(line.prefix(n)), "truncate@\(n) of \(marker)") }
        }

        var rng = SeededRandom(seed: Self.seed)
        for i in 0..<Self.iterations {
            let (b, name) = mutate(rng.pick(seeds), &rng)
            run.check(b, "#\(i): \(name)")
        }

        print("parser fuzz: \(run.checked) lines checked (seed \(Self.seed)); JSONSerialization: \(run.oracleCounts.sorted { $0.key < $1.key }); documented differences seen: \(run.explained.sorted { $0.key < $1.key })")
        // Both sides of the property were exercised: many mutants are still objects.
        #expect((run.oracleCounts["object"] ?? 0) > run.checked / 10 && (run.oracleCounts["rejected"] ?? 0) > run.checked / 10)
        #expect(run.unexplainedCount == 0, """
            \(run.unexplainedCount) disagreements with JSONSerialization, e.g.:
            \(run.unexplained.map { "[\($0.mutation)] parser: \($0.parser); JSONSerialization: \($0.oracle)\n    \(show($0.bytes))" }.joined(separator: "\n"))
            """)
    }

    @Test("the documented differences are what JSONSerialization and the parser really do")
    func documentedDifferencesHold() throws {
        func envelope(_ extra: String) -> String {
            String(Log.idVerdict("DD", at: "2026-11-10T08:00:00Z", "Y").dropLast()) + ", " + extra + "}"
        }
        let plain = Array(envelope("\"x\": 1").utf8)
        #expect(Oracle(plain) == .object && parseLine(bytes: plain).poll != nil)

        // bom: JSONSerialization skips it, the parser refuses it.
        let bom = [0xEF, 0xBB, 0xBF] + plain
        #expect(Oracle(bom) == .object)
        #expect(parseLine(bytes: bom).refusal == .invalidJSON)
        #expect(documentedDifferences(bom) == ["bom"])

        // loneSurrogate: refused by JSONSerialization, accepted by the parser.
        let lone = Array(envelope(#""x": "\ud800""#).utf8)
        #expect(Oracle(lone) == .rejected)
        #expect(parseLine(bytes: lone).poll != nil)
        #expect(documentedDifferences(lone) == ["loneSurrogate"])
        let pair = Array(envelope(#""x": "\ud83d\ude00""#).utf8)
        #expect(Oracle(pair) == .object && documentedDifferences(pair).isEmpty)

        // trailingComma: accepted by JSONSerialization, refused by the parser.
        for extra in [#""x": [1,]"#, #""x": {"a": 1,}"#] {
            let b = Array(envelope(extra).utf8)
            #expect(Oracle(b) == .object, "\(extra)")
            #expect(parseLine(bytes: b).refusal == .invalidJSON, "\(extra)")
            #expect(documentedDifferences(b) == ["trailingComma"])
        }

        // numberRange: refused by JSONSerialization, accepted by the parser.
        let huge = Array(envelope(#""x": 1e400"#).utf8)
        #expect(Oracle(huge) == .rejected)
        #expect(parseLine(bytes: huge).poll != nil)
        #expect(documentedDifferences(huge) == ["numberRange"])

        // depth: refused by JSONSerialization beyond 512 levels, accepted by the parser.
        let deep = Array(envelope("\"x\": " + String(repeating: "[", count: 600) + String(repeating: "]", count: 600)).utf8)
        #expect(Oracle(deep) == .rejected)
        #expect(parseLine(bytes: deep).poll != nil)
        #expect(documentedDifferences(deep) == ["depth"])

        // encoding: JSONSerialization reads UTF-16; the parser reads UTF-8 only.
        let utf16 = Array("{\"a\": 1}".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(Oracle(utf16) == .object)
        #expect(parseLine(bytes: utf16).refusal == .invalidJSON)
        #expect(documentedDifferences(utf16).contains("encoding"))

        // blank: whitespace only, VT and FF included, is a blank line to the parser.
        for ws in ["", " \t", "\r", "\u{0B}\u{0C}"] {
            let b = Array(ws.utf8)
            #expect(Oracle(b) == .rejected)
            #expect(parseLine(bytes: b).isBlank, "\(show(b))")
        }

        // Duplicate keys are JSON to both (the parser takes the last).
        let dup = Array(envelope(#""x": 1, "x": 2"#).utf8)
        #expect(Oracle(dup) == .object && parseLine(bytes: dup).poll != nil && documentedDifferences(dup).isEmpty)
        // An array is JSON but not an object: invalid_json (docs/LOG_FORMAT.md (Refused lines)).
        #expect(Oracle(Array("[1]".utf8)) == .array && parseLine("[1]").refusal == .invalidJSON)
        // A top-level scalar is refused by JSONSerialization without .fragmentsAllowed.
        #expect(Oracle(Array("\"x\"".utf8)) == .rejected && parseLine("\"x\"").refusal == .invalidJSON)
    }
}
