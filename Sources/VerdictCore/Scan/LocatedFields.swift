/// The values of an object's keys that are read, located in the buffer it was scanned
/// from: a JSON object the scan descends into.
protocol LocatedFields {
    /// None located.
    init()
    /// Reads the object at the cursor (which is at its `{`), validating all of it.
    mutating func read(_ c: inout JSONCursor) throws(JSONSyntaxError)
}

/// A field of a `LocatedFields` struct that holds a `JSONRef?`, named by its key path and
/// resolved once to its place in the struct, so that filling it while scanning costs one
/// store (a key path applied at run time costs a call into the runtime per key).
struct FieldSlot<Fields>: Sendable {
    let offset: Int

    init(_ field: WritableKeyPath<Fields, JSONRef?>) {
        guard let offset = MemoryLayout<Fields>.offset(of: field) else {
            preconditionFailure("a field slot must be a stored property")
        }
        self.offset = offset
    }
}

extension LocatedFields {
    subscript(slot: FieldSlot<Self>) -> JSONRef? {
        @inline(__always) get {
            withUnsafeBytes(of: self) { $0.load(fromByteOffset: slot.offset, as: JSONRef?.self) }
        }
        @inline(__always) set {
            withUnsafeMutableBytes(of: &self) { $0.storeBytes(of: newValue, toByteOffset: slot.offset, as: JSONRef?.self) }
        }
    }
}

extension JSONCursor {
    /// The value at the cursor, located. `fields` starts empty (where a key repeats, the
    /// last one counts) and, when the value is an object, is read from it in the same pass.
    @inline(__always)
    mutating func locate<Fields: LocatedFields>(_ fields: inout Fields) throws(JSONSyntaxError) -> JSONRef {
        skipWhitespace()
        fields = Fields()
        guard peek() == UInt8(ascii: "{") else { return try scanValue() }
        let start = pos
        try fields.read(&self)
        return JSONRef(kind: .object, start: start, end: pos, flag: false)
    }

    /// Reads the object at the cursor into `fields`: the value of each key `keys` knows is
    /// located in the field it names.
    @inline(__always)
    mutating func readValues<Fields: LocatedFields>(
        _ keys: KeyTable<FieldSlot<Fields>>, into fields: inout Fields
    ) throws(JSONSyntaxError) {
        try readObject(keys) { slot, c throws(JSONSyntaxError) in fields[slot] = try c.scanValue() }
    }
}
