import Testing
@testable import VerdictCore

/// The scan's building blocks: a JSON value's location and its accessors, the table of
/// keys every object is read by, and the fields a scan fills.
@Suite("Key tables and located values")
struct KeyTableTests {
    /// Runs `body` with the buffer of `text` and the value scanned from its start.
    private func scanned<R>(_ text: String, _ body: (UnsafePointer<UInt8>, JSONRef) throws -> R) throws -> R {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buf in
            var c = JSONCursor(base: buf.baseAddress!, end: buf.count)
            let ref = try c.scanValue()
            return try body(buf.baseAddress!, ref)
        }
    }

    private enum Color: Equatable, Sendable { case red, green, blue, teal }
    /// Names of one length side by side ("red"/"tea"), a prefix of another ("gree"), an alias.
    private static let colors: KeyTable<Color> = ["red": .red, "green": .green, "blue": .blue, "tea": .teal, "teal": .teal, "gree": .green]

    private func color(_ key: String) throws -> Color? {
        try scanned(key) { base, ref in KeyTableTests.colors.field(base, ref) }
    }

    @Test("a key is found by its exact bytes, names of one length told apart")
    func exactNames() throws {
        #expect(try color(#""red""#) == .red)
        #expect(try color(#""tea""#) == .teal)
        #expect(try color(#""teal""#) == .teal)
        #expect(try color(#""gree""#) == .green)
        #expect(try color(#""green""#) == .green)
        #expect(try color(#""blue""#) == .blue)
        for other in ["", "r", "re", "reds", "Red", "gre", "greens", "blu", "bluee", "purple", "a very long key beyond every name"] {
            #expect(try color("\"\(other)\"") == nil, "\(other)")
        }
        #expect(KeyTableTests.colors.names == ["red", "green", "blue", "tea", "teal", "gree"])
        #expect(KeyTableTests.colors.maxLength == 5)
    }

    @Test("an escaped key names the field of its decoded text; one too long to be a name is not decoded")
    func escapedKeys() throws {
        #expect(try color(#""r\u0065d""#) == .red)
        #expect(try color(#""\u0067\u0072\u0065\u0065\u006E""#) == .green)
        #expect(try color(#""bl\/ue""#) == nil)
        #expect(try color(#""b\u006Cue\n""#) == nil)
        // Six escapes of six bytes each: longer than any name can be written, not a match.
        #expect(try color(#""\u0072\u0065\u0064\u0072\u0065\u0064""#) == nil)
    }

    @Test("an empty table finds nothing; a table may hold the empty name")
    func edgeTables() throws {
        let none: KeyTable<Int> = [:]
        #expect(try scanned(#""x""#) { base, ref in none.field(base, ref) } == nil)
        #expect(try scanned(#""""#) { base, ref in none.field(base, ref) } == nil)
        let empty: KeyTable<Int> = ["": 1, "x": 2]
        #expect(try scanned(#""""#) { base, ref in empty.field(base, ref) } == 1)
        #expect(try scanned(#""x""#) { base, ref in empty.field(base, ref) } == 2)
        #expect(empty.field(named: "") == 1 && empty.field(named: "y") == nil)
    }

    @Test("a string's accessors: its bytes, its content, escaped or not")
    func stringAccessors() throws {
        try scanned(#""ab\ncd""#) { base, ref in
            #expect(ref.kind == .string)
            #expect(ref.length == 8 && ref.contentLength == 6 && ref.contentStart == 1)
            #expect(ref.isEscaped && !ref.isEmptyString)
            #expect(Array(ref.content(in: base)) == Array(#"ab\ncd"#.utf8))
            #expect(Array(ref.bytes(in: base)) == Array(#""ab\ncd""#.utf8))
        }
        try scanned(#""""#) { _, ref in
            #expect(ref.isEmptyString && ref.contentLength == 0 && !ref.isEscaped)
        }
        try scanned("true") { _, ref in #expect(ref.kind == .bool && ref.boolValue) }
        try scanned("false") { _, ref in #expect(ref.kind == .bool && !ref.boolValue) }
        try scanned("-12") { base, ref in
            #expect(ref.length == 3 && !ref.isEmptyString)
            #expect(JSONRead.integer(base, ref) == -12)
        }
    }

    /// Two plain fields filled through their slots, as the scan fills its structs.
    private struct Pair: LocatedFields {
        static let keys: KeyTable<FieldSlot<Pair>> = ["a": .init(\.a), "b": .init(\.b), "alsoB": .init(\.b)]
        var tag = 7
        var a: JSONRef?
        var b: JSONRef?

        mutating func read(_ c: inout JSONCursor) throws(JSONSyntaxError) {
            try c.readValues(Pair.keys, into: &self)
        }
    }

    /// Scans `text` with `locate` into a `Pair` that already holds values.
    private func located(_ text: String) throws -> (ref: JSONRef, pair: Pair, a: String?, b: String?) {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buf in
            var c = JSONCursor(base: buf.baseAddress!, end: buf.count)
            var pair = Pair()
            pair.a = JSONRef(kind: .null, start: 0, end: 0, flag: false)
            pair.tag = 9
            let ref = try c.locate(&pair)
            #expect(c.atEnd)
            let text = { (r: JSONRef?) in r.map { String(decoding: $0.bytes(in: buf.baseAddress!), as: UTF8.self) } }
            return (ref, pair, text(pair.a), text(pair.b))
        }
    }

    @Test("an object is read into its fields: known keys located, the last of a repeated key counts, others skipped")
    func locateObject() throws {
        let r = try located(#"{"x": {"a": 1}, "b": [1, 2], "a": "one", "alsoB": true, "a": null, "y": "\u0061"}"#)
        #expect(r.ref.kind == .object)
        #expect(r.a == "null" && r.b == "true")
        #expect(r.pair.tag == 7, "the fields start empty")
        // The slot setter writes one field and leaves its neighbours alone.
        var p = Pair()
        p[FieldSlot(\.b)] = JSONRef(kind: .number, start: 3, end: 5, flag: false)
        #expect(p.tag == 7 && p.a == nil && p.b?.length == 2 && p[FieldSlot(\.b)] == p.b)
    }

    @Test("a value that is not an object is located as it is, and its fields are emptied")
    func locateOther() throws {
        let r = try located(#"[{"a": 1}]"#)
        #expect(r.ref.kind == .array && r.a == nil && r.b == nil && r.pair.tag == 7)
        #expect(try located(#""a""#).ref.kind == .string)
    }

    @Test("a syntax error inside a value that is only skipped is still an error")
    func skippedValuesAreValidated() {
        #expect(throws: JSONSyntaxError.self) { try located(#"{"x": [1,], "a": 1}"#) }
        #expect(throws: JSONSyntaxError.self) { try located(#"{"a": 01}"#) }
        #expect(throws: JSONSyntaxError.self) { try located(#"{"a": 1,}"#) }
    }
}
