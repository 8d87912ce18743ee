/// Reading scalar values out of a scanned buffer.
///
/// These functions trust that `ref` was produced by `JSONCursor` over `base`, so the
/// bytes are already known to be well-formed JSON.
enum JSONRead {
    /// Whether the key at `ref` is exactly `literal` (an escaped key is decoded first).
    @inline(__always)
    static func key(_ base: UnsafePointer<UInt8>, _ ref: JSONRef, is literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        if ref.isEscaped {
            // An escape takes at most six bytes per byte it stands for: a longer key cannot
            // match, and is not decoded for nothing.
            guard ref.contentLength <= 6 * n else { return false }
            return string(base, ref) == literal.description
        }
        guard ref.contentLength == n else { return false }
        return memcmp(base + ref.contentStart, literal.utf8Start, n) == 0
    }

    /// The decoded text of a string value.
    static func string(_ base: UnsafePointer<UInt8>, _ ref: JSONRef) -> String {
        if !ref.isEscaped {
            return String(decoding: ref.content(in: base), as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(ref.contentLength)
        unescape(base, ref, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the decoded bytes of the string value at `ref` to `out`.
    @inline(__always)
    static func unescape(_ base: UnsafePointer<UInt8>, _ ref: JSONRef, into out: inout [UInt8]) {
        unescape(base + ref.contentStart, count: ref.contentLength, into: &out)
    }

    /// Appends the unescaped bytes of a validated string body to `out`. Lone surrogates
    /// become U+FFFD so the result is always valid UTF-8.
    static func unescape(_ p: UnsafePointer<UInt8>, count: Int, into out: inout [UInt8]) {
        var i = 0
        while i < count {
            let c = p[i]
            if c != UInt8(ascii: "\\") {
                // Copy the run up to the next backslash in one go.
                var j = i + 1
                while j < count, p[j] != UInt8(ascii: "\\") { j += 1 }
                out.append(contentsOf: UnsafeBufferPointer(start: p + i, count: j - i))
                i = j
                continue
            }
            let e = p[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(p + i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    if i + 6 <= count, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") {
                        let low = hex4(p + i + 2)
                        if (0xDC00...0xDFFF).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                        } else {
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    scalar = 0xFFFD
                }
                appendUTF8(scalar, to: &out)
            default: out.append(e)  // " \ /
            }
        }
    }

    private static func hex4(_ p: UnsafePointer<UInt8>) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 4 | UInt32(JSONCursor.hexValue(p[k]) ?? 0) }
        return v
    }

    private static func appendUTF8(_ s: UInt32, to out: inout [UInt8]) {
        switch s {
        case 0..<0x80: out.append(UInt8(s))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (s >> 6)))
            out.append(UInt8(0x80 | (s & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (s >> 12)))
            out.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (s & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (s >> 18)))
            out.append(UInt8(0x80 | ((s >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (s & 0x3F)))
        }
    }

    /// A JSON number that is an integer (no fraction, no exponent) and fits in Int64.
    static func integer(_ base: UnsafePointer<UInt8>, _ ref: JSONRef) -> Int64? {
        guard ref.kind == .number else { return nil }
        return integerDigits(base + ref.start, count: ref.length, allowSign: true)
    }

    /// Parses `[-]digits` with overflow checking.
    static func integerDigits(_ p: UnsafePointer<UInt8>, count: Int, allowSign: Bool) -> Int64? {
        var i = 0
        var negative = false
        if allowSign, count > 0, p[0] == UInt8(ascii: "-") { negative = true; i = 1 }
        guard i < count else { return nil }
        var v: Int64 = 0
        while i < count {
            let d = p[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(d))
            guard !o1, !o2 else { return nil }
            v = a
            i += 1
        }
        return negative ? -v : v
    }

    /// A finite double from a JSON number.
    static func double(_ base: UnsafePointer<UInt8>, _ ref: JSONRef) -> Double? {
        guard ref.kind == .number else { return nil }
        return parseDouble(String(decoding: ref.bytes(in: base), as: UTF8.self))
    }

    /// A whole number written as ASCII digits only (`"2"`), as docEdition sometimes is.
    static func digitString(_ s: String) -> Int? {
        guard !s.isEmpty, s.utf8.count < 19, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(s)
    }

    /// A finite double from text in exact JSON number syntax (no spaces, no sign `+`);
    /// `NaN`, `inf`, hex floats and the like are refused.
    static func parseDouble(_ text: String) -> Double? {
        let t = text
        guard !t.isEmpty else { return nil }
        let ok = t.utf8.withContiguousStorageIfAvailable { buf -> Bool in
            var c = JSONCursor(base: buf.baseAddress!, end: buf.count)
            do { try c.scanNumber() } catch { return false }
            return c.pos == buf.count
        } ?? false
        guard ok, let v = Double(t), v.isFinite else { return nil }
        return v
    }
}

extension JSONRead {
    /// Calls `body` with each member of a validated object: the location of its key
    /// (compare it with `key(_:_:is:)` without allocating) and its value.
    static func forEachMemberRef(_ base: UnsafePointer<UInt8>, _ obj: JSONRef, _ body: (JSONRef, JSONRef) -> Void) {
        var c = JSONCursor(base: base, start: obj.start, end: obj.end)
        do {
            if try c.beginObject() { return }
            repeat {
                let k = try c.readKey()
                let v = try c.scanValue()
                body(k, v)
            } while !(try c.endOfMember(close: UInt8(ascii: "}")))
        } catch {
            // Unreachable for bytes the first pass validated.
        }
    }

    /// Calls `body` with each element of a validated array.
    static func forEachElement(_ base: UnsafePointer<UInt8>, _ arr: JSONRef, _ body: (JSONRef) -> Void) {
        var c = JSONCursor(base: base, start: arr.start, end: arr.end)
        do {
            if try c.beginArray() { return }
            repeat {
                body(try c.scanValue())
            } while !(try c.endOfMember(close: UInt8(ascii: "]")))
        } catch {
            // Unreachable for bytes the first pass validated.
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
