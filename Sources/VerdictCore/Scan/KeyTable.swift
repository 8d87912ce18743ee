#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The keys of one kind of JSON object that are read, each with the field it fills.
///
/// Every place that matches a set of keys does it with one of these tables, built once as
/// a `static let` and written as a dictionary literal, so a key is named exactly once:
///
///     static let keys: KeyTable<Field> = ["transactionId": .transactionId, "bizId": .bizId]
///
/// Several names may fill one field (aliases); a name may not be listed twice. The table
/// keeps the names in the order they were written (`names`), for messages and precedence.
///
/// A key is compared as raw bytes with the names of its length only, so an unknown key
/// costs a length test. An escaped key (`"c\u0065rtType"`) is decoded first and names the
/// same field as the plain spelling; one too long to decode to any name is not decoded.
final class KeyTable<Field>: ExpressibleByDictionaryLiteral {
    /// The names as written, in order.
    let names: [String]
    /// Every name's bytes, one after another, in the order of `order`.
    private let bytes: UnsafeMutablePointer<UInt8>
    /// By entry (entries sorted by name length): where its name starts in `bytes`, and its field.
    private let offsets: UnsafeMutablePointer<Int>
    private let fields: UnsafeMutablePointer<Field>
    /// The entries whose names are `n` bytes long are `firstOfLength[n] ..< firstOfLength[n + 1]`.
    private let firstOfLength: UnsafeMutablePointer<Int>
    /// The longest name, in bytes.
    let maxLength: Int
    private let count: Int
    private let byteCount: Int

    convenience init(dictionaryLiteral elements: (String, Field)...) {
        self.init(elements)
    }

    init(_ entries: [(String, Field)]) {
        names = entries.map(\.0)
        precondition(Set(names).count == names.count, "a key is listed twice")
        let order = entries.indices.sorted { (entries[$0].0.utf8.count, $0) < (entries[$1].0.utf8.count, $1) }
        maxLength = entries.map(\.0.utf8.count).max() ?? 0
        count = entries.count
        byteCount = entries.reduce(0) { $0 + $1.0.utf8.count }
        bytes = .allocate(capacity: max(1, byteCount))
        offsets = .allocate(capacity: max(1, count))
        fields = .allocate(capacity: max(1, count))
        firstOfLength = .allocate(capacity: maxLength + 2)
        firstOfLength.initialize(repeating: 0, count: maxLength + 2)
        var offset = 0
        for (i, e) in order.enumerated() {
            let name = Array(entries[e].0.utf8)
            (bytes + offset).initialize(from: name, count: name.count)
            (offsets + i).initialize(to: offset)
            (fields + i).initialize(to: entries[e].1)
            offset += name.count
            firstOfLength[name.count + 1] = i + 1
        }
        // Lengths no name has start where the shorter ones ended.
        for n in stride(from: 1, through: maxLength + 1, by: 1) where firstOfLength[n] < firstOfLength[n - 1] {
            firstOfLength[n] = firstOfLength[n - 1]
        }
    }

    deinit {
        bytes.deallocate()
        offsets.deallocate()
        fields.deinitialize(count: count)
        fields.deallocate()
        firstOfLength.deallocate()
    }

    /// The field the key at `key` (a string scanned from `base`) names, if it is one of the table's.
    @inline(__always)
    func field(_ base: UnsafePointer<UInt8>, _ key: JSONRef) -> Field? {
        if key.isEscaped { return decodedField(base, key) }
        return field(base + key.contentStart, key.contentLength)
    }

    /// The field a name given as text names (an escaped key, once decoded; tests).
    func field(named name: String) -> Field? {
        var name = name
        return name.withUTF8 { text in field(text.baseAddress ?? UnsafePointer(bytes), text.count) }
    }

    @inline(__always)
    private func field(_ p: UnsafePointer<UInt8>, _ n: Int) -> Field? {
        guard n <= maxLength else { return nil }
        var i = firstOfLength[n]
        let end = firstOfLength[n + 1]
        while i < end {
            if memcmp(bytes + offsets[i], p, n) == 0 { return fields[i] }
            i += 1
        }
        return nil
    }

    private func decodedField(_ base: UnsafePointer<UInt8>, _ key: JSONRef) -> Field? {
        // An escape takes at most six bytes for each byte it stands for.
        guard key.contentLength <= 6 * maxLength else { return nil }
        return field(named: JSONRead.string(base, key))
    }
}

/// The table is never changed after it is built.
extension KeyTable: @unchecked Sendable where Field: Sendable {}

extension JSONCursor {
    /// Reads the object at the cursor member by member. For a key `keys` knows, `read` is
    /// called with the cursor at the member's value, which it must consume; every other
    /// value is skipped, validated. A repeated key comes to `read` each time, so the last
    /// one counts.
    @inline(__always)
    mutating func readObject<Field>(
        _ keys: KeyTable<Field>, _ read: (Field, inout JSONCursor) throws(JSONSyntaxError) -> Void
    ) throws(JSONSyntaxError) {
        if try beginObject() { return }
        repeat {
            let key = try readKey()
            if let field = keys.field(base, key) {
                skipWhitespace()
                try read(field, &self)
            } else {
                _ = try scanValue()
            }
        } while !(try endOfMember(close: UInt8(ascii: "}")))
    }
}

extension JSONRead {
    /// Calls `body` with each member of a validated object whose key `keys` knows: the
    /// field it names and the value.
    @inline(__always)
    static func forEachMember<Field>(
        _ base: UnsafePointer<UInt8>, _ obj: JSONRef, _ keys: KeyTable<Field>, _ body: (Field, JSONRef) -> Void
    ) {
        forEachMemberRef(base, obj) { k, v in
            if let field = keys.field(base, k) { body(field, v) }
        }
    }
}
