/// What a JSON value is, as seen by the scanner.
public enum JSONKind: UInt8, Sendable {
    case object, array, string, number, bool, null
}

/// Where one JSON value lies in a buffer: its kind and its bytes, quotes included for a string.
///
/// A `JSONRef` is only meaningful together with the buffer it was scanned from. Code that
/// reads values goes through the accessors below (`content(in:)`, `contentLength`,
/// `isEscaped`, ...) rather than computing offsets from `start` and `end` itself.
///
/// Offsets are held in 32 bits: a line is at most 256 MiB (longer ones are refused
/// unread), and the scan's structs of located fields, copied once or twice per line,
/// stay under half the size they would have with 64-bit offsets.
struct JSONRef: Sendable, Equatable {
    private var start32: UInt32
    private var end32: UInt32
    var kind: JSONKind
    /// For a string: whether it contains a backslash escape (`isEscaped`). For a bool: its
    /// value (`boolValue`).
    var flag: Bool

    init(kind: JSONKind, start: Int, end: Int, flag: Bool) {
        self.kind = kind
        start32 = UInt32(start)
        end32 = UInt32(end)
        self.flag = flag
    }

    /// Offset of the first byte of the value.
    var start: Int { Int(start32) }
    /// Offset one past the last byte of the value.
    var end: Int { Int(end32) }

    var isNull: Bool { kind == .null }
}

extension JSONRef {
    /// The value's bytes as logged, quotes included for a string.
    @inline(__always) var length: Int { end - start }

    @inline(__always) func bytes(in base: UnsafePointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + start, count: length)
    }

    // MARK: Strings (keys are strings too)

    /// A string's text begins one byte after its opening quote.
    @inline(__always) var contentStart: Int { start + 1 }

    /// The bytes between a string's quotes, escapes not decoded (0 for `""`). Only for a
    /// string: other kinds have no quotes to leave out.
    @inline(__always) var contentLength: Int { end - start - 2 }

    /// The bytes between a string's quotes, as logged (escapes not decoded).
    @inline(__always) func content(in base: UnsafePointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + contentStart, count: contentLength)
    }

    /// A string holding a backslash escape: its text must be decoded (`JSONRead.string`);
    /// otherwise its content bytes are its text.
    @inline(__always) var isEscaped: Bool { flag }

    /// `""`.
    @inline(__always) var isEmptyString: Bool { kind == .string && length == 2 }

    // MARK: Booleans

    /// The value of a `true` or `false`.
    @inline(__always) var boolValue: Bool { flag }
}
