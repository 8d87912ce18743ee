/// A line that was refused, ready to be stored: hashed and shortened on the reading thread.
struct RefusedLine: Sendable {
    var lineNumber: Int
    var reason: RefusalReason
    var detail: String
    var timestampMillis: Int64?
    /// The line with long base64 runs replaced (what is stored).
    var content: [UInt8]
    /// SHA-256 of the line as it came.
    var sha256: String
    var fullLength: Int
}

/// What became of one line, handed from the reading thread to the writing one.
enum ParsedItem: Sendable {
    case blank
    case poll(SealedPoll)
    case refused(RefusedLine)
}

/// Lines parsed in a row, and how far into the file they reach.
struct ParsedBatch: Sendable {
    var items: [ParsedItem] = []
    var rawBytesRead = 0
    /// Offset in the (decompressed) stream just past the batch's last line: where a
    /// resumed read would start.
    var endOffset = 0
}

/// Something the writer hands back to the reading thread to be freed there.
/// `@unchecked Sendable`: the writer keeps no reference to what it hands back.
enum Spent: @unchecked Sendable {
    case batch(ParsedBatch)
    case other(Any)
}

enum ReaderEvent: Sendable {
    case batch(ParsedBatch)
    /// The end of the input; `error` when it could not be read to the end. `rawBytesRead`:
    /// the bytes of the file read (and hashed), the whole of them when there is no error.
    case finished(error: VerdictError?, contentHash: String?, rawBytesRead: Int)
}
