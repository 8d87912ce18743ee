#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Hands out one shared `String` per distinct short byte sequence.
///
/// Log values repeat endlessly (`S`, `SUCCESS`, `TAMPER_CHECK`, `Y`, `PASSPORT`, ...);
/// building a new String for each costs an allocation, and so does freeing it. Lookups
/// hash the raw bytes and compare them in place, so a value seen before costs no
/// allocation at all. The table is bounded: past `capacity` entries new values are
/// simply not remembered.
final class StringInterner {
    private struct Entry {
        var hash: UInt64
        var bytes: [UInt8]
        var string: String
    }

    private var slots: [Entry?]
    private var mask: Int
    private var count = 0
    private let capacity: Int
    static let maxLength = 64

    init(capacity: Int = 8192) {
        self.capacity = capacity
        var size = 1
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: nil, count: size)
        mask = size - 1
    }

    /// The String for `count` bytes at `p` (valid UTF-8).
    func string(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
        guard n <= StringInterner.maxLength else {
            return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        }
        // FNV-1a
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3 }
        var i = Int(truncatingIfNeeded: h) & mask
        while let e = slots[i] {
            if e.hash == h, e.bytes.count == n, e.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, p, n) == 0 }) {
                return e.string
            }
            i = (i + 1) & mask
        }
        let s = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        if count < capacity {
            slots[i] = Entry(hash: h, bytes: Array(UnsafeBufferPointer(start: p, count: n)), string: s)
            count += 1
        }
        return s
    }

    /// `prefix.` followed by the key's text, shared (for names like `ocrResult.ID_NUMBER`).
    func string(prefix: String, _ base: UnsafePointer<UInt8>, _ ref: JSONRef) -> String {
        if ref.isEscaped { return prefix + "." + JSONRead.string(base, ref) }
        let name = base + ref.contentStart
        let n = ref.contentLength
        var prefix = prefix
        return prefix.withUTF8 { pre in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: pre.count + 1 + n) { buf in
                _ = UnsafeMutableBufferPointer(rebasing: buf[0..<pre.count]).initialize(from: pre)
                buf[pre.count] = UInt8(ascii: ".")
                for i in 0..<n { buf[pre.count + 1 + i] = name[i] }
                return string(UnsafePointer(buf.baseAddress!), pre.count + 1 + n)
            }
        }
    }

    /// The decoded text of a JSON string value, shared when short and unescaped.
    func string(_ base: UnsafePointer<UInt8>, _ ref: JSONRef) -> String {
        if ref.isEscaped { return JSONRead.string(base, ref) }
        return string(base + ref.contentStart, ref.contentLength)
    }
}

@available(*, unavailable)
extension StringInterner: Sendable {}

/// Hands out the same `String` for a byte sequence seen recently: a direct-mapped table
/// where a new value simply replaces whatever shared its slot.
///
/// For values that repeat close together but not forever, such as a transaction's id on
/// its few polls: the later polls share the first one's String instead of allocating
/// their own, and the table never grows. Values longer than `maxLength` bytes (a
/// transactionId is at most 64) are not kept, so the table holds at most 4096 × 128 bytes.
final class RecentStrings {
    private var slots: [(hash: UInt64, string: String)?]
    private let mask: Int
    static let maxLength = 128

    init(slots size: Int = 4096) {
        precondition(size > 0 && size & (size - 1) == 0, "a power of two")
        slots = Array(repeating: nil, count: size)
        mask = size - 1
    }

    /// The String for `n` bytes at `p` (valid UTF-8).
    func string(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
        guard n > 0 else { return "" }
        guard n <= RecentStrings.maxLength else {
            return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        }
        let h = RawMemo<Void>.hash(p, n)
        let i = Int(truncatingIfNeeded: h ^ (h >> 32)) & mask
        if let e = slots[i], e.hash == h,
            e.string.utf8.withContiguousStorageIfAvailable({ u in u.count == n && memcmp(u.baseAddress!, p, n) == 0 }) == true
        {
            return e.string
        }
        let s = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        slots[i] = (h, s)
        return s
    }

    /// The decoded text of a JSON string value, shared when unescaped and seen recently.
    func string(_ base: UnsafePointer<UInt8>, _ ref: JSONRef) -> String {
        if ref.isEscaped { return JSONRead.string(base, ref) }
        return string(base + ref.contentStart, ref.contentLength)
    }
}

@available(*, unavailable)
extension RecentStrings: Sendable {}
