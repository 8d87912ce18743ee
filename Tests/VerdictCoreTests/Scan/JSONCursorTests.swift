import Testing
@testable import VerdictCore

/// Scans `bytes` as one whole JSON document (value, optional white space, end).
/// Returns the value's reference, or the syntax error.
private func scanDocument(_ bytes: [UInt8]) -> Result<JSONRef, JSONSyntaxError> {
    bytes.withUnsafeBufferPointer { buf in
        JSONCursor.withCursor(over: buf) { c -> Result<JSONRef, JSONSyntaxError> in
            do throws(JSONSyntaxError) {
                c.skipWhitespace()
                let v = try c.scanValue()
                c.skipWhitespace()
                if !c.atEnd { throw c.fail("unexpected data after the value") }
                return .success(v)
            } catch {
                return .failure(error)
            }
        }
    }
}

private func isValid(_ text: String) -> Bool { isValid(Array(text.utf8)) }

private func isValid(_ bytes: [UInt8]) -> Bool {
    if case .success = scanDocument(bytes) { return true }
    return false
}

/// A JSON string literal whose content is `prefix`, the raw bytes `raw`, then `suffix`.
private func stringWithRawBytes(_ raw: [UInt8], prefix: String = "id-", suffix: String = "-end") -> [UInt8] {
    [0x22] + Array(prefix.utf8) + raw + Array(suffix.utf8) + [0x22]
}

/// Decodes the JSON string literal `literal` (quotes included) with `JSONRead.string`.
private func decode(_ literal: String) throws -> String {
    let bytes = Array(literal.utf8)
    return try bytes.withUnsafeBufferPointer { buf in
        var c = JSONCursor(base: buf.baseAddress!, end: buf.count)
        let ref = try c.scanValue()
        #expect(ref.kind == .string)
        #expect(c.atEnd)
        return JSONRead.string(buf.baseAddress!, ref)
    }
}

@Suite("JSON scanner")
struct JSONCursorTests {
    @Test("valid RFC 8259 documents are accepted", arguments: [
        "{}", "[]", " {} ", "\t[\r\n]\n", "0", "-0", "1.5", "-2.5e+3", "1E5", "1e-7", "1e400",
        "true", "false", "null", "\"\"", "\"plain\"",
        "{\"a\": [1, -2.5e+3, true, false, null, \"x\", {}, []], \"b\": {\"c\": {\"d\": []}}}",
        "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00\"",
        "\"\\ud800\"",  // a lone surrogate escape is valid JSON syntax
        "{\"k\": 1, \"k\": 2}",
        "\"\u{7F}\"",  // DEL is not a control character for JSON
    ])
    func validDocuments(_ text: String) {
        #expect(isValid(text), "should be valid: \(text)")
    }

    @Test("invalid documents are refused", arguments: [
        // Not JSON numbers or literals.
        "NaN", "Infinity", "-Infinity", "{\"x\": NaN}", "[Infinity]", "+1", ".5", "1.", "1.e5", "1e", "1e+", "-", "--1",
        "01", "-01", "00", "[01]", "{\"a\": 012}", "0x10", "tru", "nul", "True", "undefined",
        // Trailing commas and other structure errors.
        "[1,]", "{\"a\": 1,}", "[,]", "{,}", "[1 2]", "{\"a\" 1}", "{\"a\": 1 \"b\": 2}", "{a: 1}", "{'a': 1}", "['a']",
        "{\"a\": 1}}", "[1]]", "{\"a\": 1} {}", "[1] x", "", "   ",
        // Truncated.
        "{", "[", "{\"a\"", "{\"a\":", "{\"a\": 1", "[1, 2", "\"abc", "\"abc\\", "\"\\u12", "{\"a\": [1, {\"b\": 2}",
        // Bad escapes.
        "\"\\x\"", "\"\\u12G4\"", "\"\\U0041\"", "\"\\'\"", "\"\\\n\"",
        // Raw control characters inside strings.
        "\"a\tb\"", "\"a\nb\"", "\"a\rb\"", "\"\u{00}\"", "\"\u{1F}\"",
    ])
    func invalidDocuments(_ text: String) {
        #expect(!isValid(text), "should be invalid: \(text.debugDescription)")
    }

    @Test("a raw control character is refused at every position, including the 8-byte fast path")
    func controlCharactersEverywhere() {
        // 24 ASCII letters, then each one in turn replaced by a control byte: the fast path
        // reads 8 bytes at a time, so this crosses both word boundaries and the tail loop.
        let letters = Array("abcdefghijklmnopqrstuvwx".utf8)
        for control: UInt8 in [0x00, 0x01, 0x09, 0x0A, 0x1F] {
            for i in letters.indices {
                var content = letters
                content[i] = control
                #expect(!isValid([0x22] + content + [0x22]), "control \(control) at \(i)")
            }
        }
        #expect(isValid([0x22] + letters + [0x22]))
    }

    @Test("a quote or backslash found by the fast path ends or escapes the string correctly")
    func fastPathQuoteAndBackslash() {
        // A long string with an escaped quote at offset 17 and a real end after it.
        #expect(isValid("\"abcdefghijklmnopq\\\"rstuvwxyz0123456789\""))
        // The quote at offset 9 closes the string, and what follows is not JSON.
        #expect(!isValid("\"abcdefghi\"jklmnopqrstuvwxyz\""))
    }

    @Test("well-formed multi-byte UTF-8 inside strings is accepted", arguments: [
        [0xC3, 0xA9],  // é U+00E9
        [0xC2, 0x80],  // U+0080, the smallest two-byte sequence
        [0xE2, 0x82, 0xAC],  // € U+20AC
        [0xE0, 0xA0, 0x80],  // U+0800, the smallest three-byte sequence
        [0xED, 0x9F, 0xBF],  // U+D7FF, just below the surrogates
        [0xEE, 0x80, 0x80],  // U+E000, just above them
        [0xF0, 0x9F, 0x98, 0x80],  // 😀 U+1F600
        [0xF0, 0x90, 0x80, 0x80],  // U+10000, the smallest four-byte sequence
        [0xF4, 0x8F, 0xBF, 0xBF],  // U+10FFFF, the largest scalar
    ] as [[UInt8]])
    func validUTF8(_ raw: [UInt8]) {
        #expect(isValid(stringWithRawBytes(raw)))
        // Also long enough that the fast path runs before the multi-byte sequence.
        #expect(isValid(stringWithRawBytes(raw, prefix: "0123456789abcdef0123")))
    }

    @Test("invalid UTF-8 (overlongs, surrogates, out of range, truncated, stray bytes) is refused", arguments: [
        [0xC0, 0xAF],  // overlong '/'
        [0xC1, 0xBF],  // overlong U+007F
        [0xE0, 0x80, 0xAF],  // overlong '/' in three bytes
        [0xE0, 0x9F, 0xBF],  // overlong U+07FF
        [0xF0, 0x80, 0x80, 0xAF],  // overlong '/' in four bytes
        [0xF0, 0x8F, 0xBF, 0xBF],  // overlong U+FFFF
        [0xED, 0xA0, 0x80],  // U+D800, a surrogate encoded raw
        [0xED, 0xBF, 0xBF],  // U+DFFF
        [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80],  // a surrogate pair encoded raw (CESU-8)
        [0xF4, 0x90, 0x80, 0x80],  // U+110000, beyond Unicode
        [0xF5, 0x80, 0x80, 0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80],  // five-byte form
        [0xFF], [0xFE],
        [0x80],  // a lone continuation byte
        [0xBF],
        [0xC3],  // truncated two-byte sequence (followed by ASCII)
        [0xE2, 0x82],  // truncated three-byte sequence
        [0xF0, 0x9F, 0x98],  // truncated four-byte sequence
        [0xC3, 0xC3],  // a lead byte where a continuation byte is due
    ] as [[UInt8]])
    func invalidUTF8(_ raw: [UInt8]) {
        #expect(!isValid(stringWithRawBytes(raw)), "bytes \(raw)")
        #expect(!isValid(stringWithRawBytes(raw, prefix: "0123456789abcdef0123")), "bytes \(raw) after the fast path")
        // And at the very end of the buffer, where the string is also unterminated.
        #expect(!isValid([0x22] + raw))
    }

    @Test("200,000 nested brackets are skipped without recursion")
    func deeplyNestedArrays() {
        let depth = 200_000
        let doc = [UInt8](repeating: UInt8(ascii: "["), count: depth) + [UInt8](repeating: UInt8(ascii: "]"), count: depth)
        let result = scanDocument(doc)
        guard case .success(let ref) = result else {
            Issue.record("nested arrays refused: \(result)")
            return
        }
        #expect(ref.kind == .array)
        #expect(ref.start == 0 && ref.end == doc.count)

        // The same depth left open is a clean error, not a crash.
        #expect(!isValid([UInt8](repeating: UInt8(ascii: "["), count: depth)))
        // One bracket too many closes at the top.
        #expect(!isValid(doc + [UInt8(ascii: "]")]))
    }

    @Test("100,000 nested objects are skipped without recursion")
    func deeplyNestedObjects() {
        let depth = 100_000
        var doc: [UInt8] = []
        doc.reserveCapacity(depth * 7 + 1)
        for _ in 0..<depth { doc += Array("{\"a\":".utf8) }
        doc += Array("1".utf8)
        doc += [UInt8](repeating: UInt8(ascii: "}"), count: depth)
        guard case .success(let ref) = scanDocument(doc) else {
            Issue.record("nested objects refused")
            return
        }
        #expect(ref.kind == .object && ref.end == doc.count)

        // Missing the innermost value: an error deep inside, reported cleanly.
        var broken: [UInt8] = []
        for _ in 0..<depth { broken += Array("{\"a\":".utf8) }
        broken += [UInt8](repeating: UInt8(ascii: "}"), count: depth)
        #expect(!isValid(broken))
    }

    @Test("mismatched brackets beyond the 64 levels kept in a machine word are detected")
    func mismatchedDeepBrackets() {
        // 70 arrays then an object: levels past 64 live in the overflow stack.
        let open = String(repeating: "[", count: 70) + "{\"k\": 1"
        #expect(isValid(open + "}" + String(repeating: "]", count: 70)))
        #expect(!isValid(open + "]" + String(repeating: "]", count: 70)))  // ] closes an object
        #expect(!isValid(open + "}" + String(repeating: "]", count: 69) + "}"))  // } closes an array
        // 100 objects, closed by a bracket at the deepest level.
        let objects = String(repeating: "{\"k\": ", count: 100) + "[1"
        #expect(isValid(objects + "]" + String(repeating: "}", count: 100)))
        #expect(!isValid(objects + "}" + String(repeating: "}", count: 100)))
    }

    @Test("JSONRead.string decodes escapes and \\u pairs")
    func stringDecoding() throws {
        #expect(try decode(#""plain""#) == "plain")
        #expect(try decode(#""a\"b\\c\/d""#) == "a\"b\\c/d")
        #expect(try decode(#""\b\f\n\r\t""#) == "\u{08}\u{0C}\n\r\t")
        #expect(try decode(#""\u0041\u00e9\u00E9\u20AC""#) == "Aéé€")
        #expect(try decode(#""\u0000""#) == "\u{0}")
        // A surrogate pair is one scalar, U+1F600 (0xD83D 0xDE00 -> 0x10000 + (0x3D << 10) + 0x200).
        #expect(try decode(#""\uD83D\uDE00""#) == "😀")
        #expect(try decode(#""\ud83d\ude00x""#) == "😀x")
        // A lone surrogate escape is valid JSON and decodes to U+FFFD.
        #expect(try decode(#""\ud800""#) == "\u{FFFD}")
        #expect(try decode(#""\udc00""#) == "\u{FFFD}")
        #expect(try decode(#""a\ud800b""#) == "a\u{FFFD}b")
        // A high surrogate followed by a non-surrogate escape: U+FFFD, then that escape.
        #expect(try decode(#""\ud800\u0041""#) == "\u{FFFD}A")
        // A pair in the wrong order is two lone surrogates.
        #expect(try decode(#""\ude00\ud83d""#) == "\u{FFFD}\u{FFFD}")
        // Raw multi-byte text and escapes mixed.
        #expect(try decode("\"é\\n€\"") == "é\n€")
    }

    @Test("key matching sees through escapes in keys")
    func escapedKeys() throws {
        let bytes = Array(#"{"\u0074imestamp": 1}"#.utf8)
        bytes.withUnsafeBufferPointer { buf in
            var c = JSONCursor(base: buf.baseAddress!, end: buf.count)
            do {
                #expect(try c.beginObject() == false)
                let key = try c.readKey()
                #expect(JSONRead.key(buf.baseAddress!, key, is: "timestamp"))
                #expect(!JSONRead.key(buf.baseAddress!, key, is: "time"))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }
}
