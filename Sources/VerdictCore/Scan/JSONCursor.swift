/// Why a line is not JSON; the offset lets a message point at the byte.
struct JSONSyntaxError: Error, Sendable {
    var offset: Int
    var reason: String
}

/// A validating, allocation-free JSON scanner over raw UTF-8 bytes.
///
/// It walks a buffer once: values the caller wants are located (`JSONRef`), everything
/// else is skipped while still checked for well-formedness (strict RFC 8259: no `NaN`,
/// no trailing commas, no raw control characters, valid UTF-8). Nesting depth is bounded
/// only by memory because containers are skipped with an explicit stack, not recursion.
struct JSONCursor {
    let base: UnsafePointer<UInt8>
    let end: Int
    var pos: Int

    init(base: UnsafePointer<UInt8>, start: Int = 0, end: Int) {
        self.base = base
        self.pos = start
        self.end = end
    }

    @inline(__always) var atEnd: Bool { pos >= end }

    @inline(__always) func peek() -> UInt8? { pos < end ? base[pos] : nil }

    @inline(__always) mutating func skipWhitespace() {
        while pos < end {
            let c = base[pos]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { return }
        }
    }

    func fail(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(offset: pos, reason: reason) }

    @inline(__always) mutating func expect(_ byte: UInt8, _ what: String) throws(JSONSyntaxError) {
        skipWhitespace()
        guard pos < end, base[pos] == byte else { throw fail("expected \(what)") }
        pos += 1
    }

    // MARK: Objects and arrays the caller walks into

    /// Consumes `{` and reports whether the object is empty (then `}` is consumed too).
    mutating func beginObject() throws(JSONSyntaxError) -> Bool {
        try expect(UInt8(ascii: "{"), "'{'")
        skipWhitespace()
        if pos < end, base[pos] == UInt8(ascii: "}") { pos += 1; return true }
        return false
    }

    /// Reads the next member's key and its colon; the value is next.
    mutating func readKey() throws(JSONSyntaxError) -> JSONRef {
        skipWhitespace()
        guard pos < end, base[pos] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
        let key = try scanString()
        try expect(UInt8(ascii: ":"), "':' after a key")
        return key
    }

    /// After a member's value: returns true when the container closed with `close`,
    /// false when a comma announced another member.
    mutating func endOfMember(close: UInt8) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        guard pos < end else { throw fail("unterminated container") }
        let c = base[pos]
        pos += 1
        if c == UInt8(ascii: ",") { return false }
        if c == close { return true }
        pos -= 1
        throw fail("expected ',' or a closing bracket")
    }

    /// Consumes `[` and reports whether the array is empty (then `]` is consumed too).
    mutating func beginArray() throws(JSONSyntaxError) -> Bool {
        try expect(UInt8(ascii: "["), "'['")
        skipWhitespace()
        if pos < end, base[pos] == UInt8(ascii: "]") { pos += 1; return true }
        return false
    }

    // MARK: Scalars

    /// Scans one value of any kind, validating it, and says where it is.
    mutating func scanValue() throws(JSONSyntaxError) -> JSONRef {
        skipWhitespace()
        guard pos < end else { throw fail("expected a value") }
        let start = pos
        switch base[pos] {
        case UInt8(ascii: "\""):
            return try scanString()
        case UInt8(ascii: "{"):
            try skipContainer()
            return JSONRef(kind: .object, start: start, end: pos, flag: false)
        case UInt8(ascii: "["):
            try skipContainer()
            return JSONRef(kind: .array, start: start, end: pos, flag: false)
        case UInt8(ascii: "t"):
            try literal("true")
            return JSONRef(kind: .bool, start: start, end: pos, flag: true)
        case UInt8(ascii: "f"):
            try literal("false")
            return JSONRef(kind: .bool, start: start, end: pos, flag: false)
        case UInt8(ascii: "n"):
            try literal("null")
            return JSONRef(kind: .null, start: start, end: pos, flag: false)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try scanNumber()
            return JSONRef(kind: .number, start: start, end: pos, flag: false)
        default:
            throw fail("unexpected character")
        }
    }

    @inline(__always) private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let n = word.utf8CodeUnitCount
        guard end - pos >= n else { throw fail("truncated literal") }
        let w = word.utf8Start
        for i in 0..<n where base[pos + i] != w[i] { throw fail("invalid literal") }
        pos += n
    }

    /// Validates a number by RFC 8259's grammar (so `NaN`, `Infinity`, `+1`, `01`, `1.` fail).
    mutating func scanNumber() throws(JSONSyntaxError) {
        if pos < end, base[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < end else { throw fail("truncated number") }
        if base[pos] == UInt8(ascii: "0") {
            pos += 1
        } else if base[pos] >= UInt8(ascii: "1") && base[pos] <= UInt8(ascii: "9") {
            while pos < end, base[pos] &- UInt8(ascii: "0") < 10 { pos += 1 }
        } else {
            throw fail("invalid number")
        }
        if pos < end, base[pos] == UInt8(ascii: ".") {
            pos += 1
            let digits = pos
            while pos < end, base[pos] &- UInt8(ascii: "0") < 10 { pos += 1 }
            if pos == digits { throw fail("digit expected after '.'") }
        }
        if pos < end, base[pos] | 0x20 == UInt8(ascii: "e") {
            pos += 1
            if pos < end, base[pos] == UInt8(ascii: "+") || base[pos] == UInt8(ascii: "-") { pos += 1 }
            let digits = pos
            while pos < end, base[pos] &- UInt8(ascii: "0") < 10 { pos += 1 }
            if pos == digits { throw fail("digit expected in exponent") }
        }
    }

    /// Scans a string starting at its opening quote. Validates escapes and UTF-8 and
    /// rejects raw control characters; never copies. Long runs of plain ASCII (base64
    /// payloads) are crossed eight bytes at a time.
    mutating func scanString() throws(JSONSyntaxError) -> JSONRef {
        let start = pos
        pos += 1  // opening quote
        var escaped = false
        let raw = UnsafeRawPointer(base)
        while true {
            // Fast path: eight bytes with no quote, backslash, control byte or non-ASCII byte.
            // Eight bytes per step; once a string proves long (base64 payloads), 32 bytes
            // per step with four words tested together.
            scan: while end - pos >= 8 {
                let special = JSONCursor.specialBytes(raw.loadUnaligned(fromByteOffset: pos, as: UInt64.self))
                if special != 0 {
                    // The lowest flagged byte is a true hit (false positives only sit above
                    // one), so jump straight to it.
                    pos += special.trailingZeroBitCount >> 3
                    break scan
                }
                pos += 8
                while end - pos >= 32 {
                    let a = JSONCursor.specialBytes(raw.loadUnaligned(fromByteOffset: pos, as: UInt64.self))
                    let b = JSONCursor.specialBytes(raw.loadUnaligned(fromByteOffset: pos + 8, as: UInt64.self))
                    let c = JSONCursor.specialBytes(raw.loadUnaligned(fromByteOffset: pos + 16, as: UInt64.self))
                    let d = JSONCursor.specialBytes(raw.loadUnaligned(fromByteOffset: pos + 24, as: UInt64.self))
                    if (a | b | c | d) != 0 { break }
                    pos += 32
                }
            }
            guard pos < end else { throw fail("unterminated string") }
            let c = base[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                return JSONRef(kind: .string, start: start, end: pos, flag: escaped)
            } else if c == UInt8(ascii: "\\") {
                escaped = true
                guard pos + 1 < end else { throw fail("unterminated escape") }
                switch base[pos + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                    UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    pos += 2
                case UInt8(ascii: "u"):
                    guard end - pos >= 6 else { throw fail("truncated \\u escape") }
                    for i in 2..<6 where JSONCursor.hexValue(base[pos + i]) == nil {
                        throw fail("invalid \\u escape")
                    }
                    pos += 6
                default:
                    throw fail("invalid escape")
                }
            } else if c < 0x20 {
                throw fail("control character in string")
            } else if c < 0x80 {
                pos += 1
            } else {
                try skipUTF8Sequence()
            }
        }
    }

    /// Non-zero when a word holds a quote, a backslash, a control byte or a non-ASCII byte.
    @inline(__always) static func specialBytes(_ x: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let q = x ^ (ones &* 0x22)
        let b = x ^ (ones &* 0x5C)
        return ((((q &- ones) & ~q) | ((b &- ones) & ~b) | ((x &- (ones &* 0x20)) & ~x)) & highs) | (x & highs)
    }

    /// Validates one multi-byte UTF-8 sequence at `pos` (no overlongs, no surrogates, ≤ U+10FFFF).
    private mutating func skipUTF8Sequence() throws(JSONSyntaxError) {
        let c = base[pos]
        @inline(__always) func cont(_ i: Int) -> Bool { pos + i < end && base[pos + i] & 0xC0 == 0x80 }
        switch c {
        case 0xC2...0xDF:
            guard cont(1) else { throw fail("invalid UTF-8") }
            pos += 2
        case 0xE0...0xEF:
            guard cont(1), cont(2) else { throw fail("invalid UTF-8") }
            let c1 = base[pos + 1]
            if c == 0xE0 && c1 < 0xA0 { throw fail("overlong UTF-8") }
            if c == 0xED && c1 >= 0xA0 { throw fail("UTF-8 surrogate") }
            pos += 3
        case 0xF0...0xF4:
            guard cont(1), cont(2), cont(3) else { throw fail("invalid UTF-8") }
            let c1 = base[pos + 1]
            if c == 0xF0 && c1 < 0x90 { throw fail("overlong UTF-8") }
            if c == 0xF4 && c1 >= 0x90 { throw fail("UTF-8 beyond U+10FFFF") }
            pos += 4
        default:
            throw fail("invalid UTF-8")
        }
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    // MARK: Skipping whole containers without recursion

    /// Skips an object or array starting at `pos`, validating everything inside.
    ///
    /// The open containers are kept in a bit stack (one bit per level: object or array),
    /// in a word for the first 64 levels and in an array beyond, so a line nested
    /// hundreds of thousands deep costs memory in proportion, never stack frames.
    mutating func skipContainer() throws(JSONSyntaxError) {
        var low: UInt64 = 0  // bit i set: level i is an object
        var deep: [Bool] = []
        var depth = 0

        @inline(__always) func push(_ isObject: Bool) {
            if depth < 64 {
                if isObject { low |= (1 << UInt64(depth)) } else { low &= ~(1 << UInt64(depth)) }
            } else {
                deep.append(isObject)
            }
            depth += 1
        }
        @inline(__always) func topIsObject() -> Bool {
            depth <= 64 ? (low >> UInt64(depth - 1)) & 1 == 1 : deep[deep.count - 1]
        }
        @inline(__always) func pop() {
            if depth > 64 { deep.removeLast() }
            depth -= 1
        }

        // Invariant at the top of the loop: a value is expected at `pos`.
        while true {
            skipWhitespace()
            guard pos < end else { throw fail("truncated value") }
            let c = base[pos]
            var closedEmpty = false
            if c == UInt8(ascii: "{") {
                pos += 1
                skipWhitespace()
                if pos < end, base[pos] == UInt8(ascii: "}") {
                    pos += 1
                    closedEmpty = true
                } else {
                    push(true)
                    _ = try readKey()
                    continue
                }
            } else if c == UInt8(ascii: "[") {
                pos += 1
                skipWhitespace()
                if pos < end, base[pos] == UInt8(ascii: "]") {
                    pos += 1
                    closedEmpty = true
                } else {
                    push(false)
                    continue
                }
            } else {
                _ = try scanValue()
            }
            _ = closedEmpty
            // A value just ended: close containers until one continues with a comma.
            while true {
                if depth == 0 { return }
                let isObject = topIsObject()
                if try endOfMember(close: isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    pop()
                    continue
                }
                if isObject { _ = try readKey() }
                break
            }
        }
    }
}

extension JSONCursor {
    /// Runs `body` with a cursor over `bytes`.
    static func withCursor<R>(
        over bytes: UnsafeBufferPointer<UInt8>, _ body: (inout JSONCursor) throws -> R
    ) rethrows -> R {
        guard let base = bytes.baseAddress else {
            let empty: [UInt8] = [0]
            return try empty.withUnsafeBufferPointer { p in
                var cursor = JSONCursor(base: p.baseAddress!, end: 0)
                return try body(&cursor)
            }
        }
        var cursor = JSONCursor(base: base, end: bytes.count)
        return try body(&cursor)
    }
}
