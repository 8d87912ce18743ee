#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Remembers what a JSON value's exact bytes parsed to, so repeated sub-documents
/// (the same spoofResult block on thousands of polls) are read once.
///
/// Keys are compared byte for byte after a hash match: a hit is always the same input.
/// Bounded: past `capacity` entries nothing new is remembered, and blocks longer than
/// `maxLength` bytes are never kept (at most 4 MiB per memo).
final class RawMemo<Value> {
    private struct Entry {
        var hash: UInt64
        var bytes: [UInt8]
        var value: Value
    }

    private var slots: [Entry?]
    private let mask: Int
    private var count = 0
    private let capacity: Int
    private let maxLength: Int

    init(capacity: Int = 2048, maxLength: Int = 2048) {
        self.capacity = capacity
        self.maxLength = maxLength
        var size = 1
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: nil, count: size)
        mask = size - 1
    }

    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        // FNV-1a over 8-byte words, then the tail.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100_0000_01b3
            h ^= h >> 29
            i += 8
        }
        while i < n {
            h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3
            i += 1
        }
        return h
    }

    /// The value remembered for the exact bytes of the JSON value at `ref` (a sub-document
    /// as logged), or the one `make` computes (then remembered).
    @inline(__always)
    func value(of ref: JSONRef, in base: UnsafePointer<UInt8>, make: () -> Value) -> Value {
        value(base + ref.start, ref.length, make: make)
    }

    /// The value remembered for these bytes, or the one `make` computes (then remembered).
    func value(_ p: UnsafePointer<UInt8>, _ n: Int, make: () -> Value) -> Value {
        guard n <= maxLength else { return make() }
        let h = RawMemo.hash(p, n)
        var i = Int(truncatingIfNeeded: h) & mask
        while let e = slots[i] {
            if e.hash == h, e.bytes.count == n, e.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, p, n) == 0 }) {
                return e.value
            }
            i = (i + 1) & mask
        }
        let v = make()
        if count < capacity {
            slots[i] = Entry(hash: h, bytes: Array(UnsafeBufferPointer(start: p, count: n)), value: v)
            count += 1
        }
        return v
    }
}

@available(*, unavailable)
extension RawMemo: Sendable {}
