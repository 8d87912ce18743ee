/// An error that says what failed, where, and what the user can do about it.
///
/// The parts are kept apart, as fields, and put together in one place (`description`):
/// where (`file`, `line`, `query`), what failed (`message`), why (`cause`, in the plain words
/// of `SystemError`), which SQL statement (`sql`, shortened the same way everywhere) and what
/// to do (`hint`). So `VerdictError(.io, "cannot write", cause: error, file: path)` reads
/// `PATH: cannot write: no space left on the device (free some space, or choose another place)`.
/// Only the command layer turns an error into an exit status, through `code`.
public struct VerdictError: Error, Sendable, CustomStringConvertible {
    /// Broad kinds of failure; each maps to one exit status in the command layer.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let usage = Code(name: "usage")
        public static let io = Code(name: "io")
        public static let database = Code(name: "database")
        public static let query = Code(name: "query")
        public static let busy = Code(name: "busy")
        public static let tooManyRejects = Code(name: "too_many_rejects")
        public static let inputRejected = Code(name: "input")
        /// The report was written but its message was not delivered (a rerun retries).
        public static let delivery = Code(name: "delivery")
        public var description: String { name }
    }

    public var code: Code
    /// What failed, in a few words ("cannot write"). Where it failed goes in `file`, `line`
    /// and `query`; a message may also start with the place itself ("PATH: cannot write"),
    /// as older call sites write it.
    public var message: String
    /// What the user can do, when there is something to say. Without one, the cause's
    /// (`SystemError.hint`) is shown.
    public var hint: String?
    /// The error underneath, as the value it was: an `errno` (`POSIXError`), a Foundation,
    /// GRDB or SQLite error, or another `VerdictError`. It is shown in plain words
    /// (`SystemError.words`), never as a dump of its fields.
    public var cause: (any Error & Sendable)?
    /// The file the error is about: an input, the database, an output, a query file.
    public var file: String?
    /// The line of `file`, counted from 1.
    public var line: Int?
    /// The query the error arose in: its file, or `query NAME` for a built-in one.
    public var query: String?
    /// The SQL statement that failed, when no query file names it (Verdict's own statements).
    /// Shown shortened to one line (`SystemError.excerpt`). When nil, a GRDB `cause` gives its own.
    public var sql: String?

    public init(
        _ code: Code, _ message: String, hint: String? = nil, cause: (any Error & Sendable)? = nil,
        file: String? = nil, line: Int? = nil, query: String? = nil, sql: String? = nil
    ) {
        (self.code, self.message, self.hint, self.cause) = (code, message, hint, cause)
        (self.file, self.line, self.query, self.sql) = (file, line, query, sql)
    }

    /// Where, as the line starts with it: `file:line`, `file`, the query, or both (`file: query`).
    public var location: String? {
        var parts: [String] = []
        if let file { parts.append(line.map { file + ":" + String($0) } ?? file) }
        if let query { parts.append(query) }
        return parts.isEmpty ? nil : parts.joined(separator: ": ")
    }

    /// The statement shown: `sql`, else the one a database error as cause reports.
    public var statement: String? { sql ?? cause.flatMap { SystemError.statement(of: $0) } }

    /// The one line every error is shown as: `where: what failed: why, in SQL "…" (what to do)`.
    public var description: String {
        var s = location.map { $0 + ": " } ?? ""
        s += message
        if let cause {
            let words = SystemError.words(cause)
            if !words.isEmpty, !message.contains(words) { s += ": " + words }
        }
        if let statement { s += ", in SQL \"" + SystemError.excerpt(statement) + "\"" }
        if let hint = hint ?? cause.flatMap({ SystemError.hint($0) }) { s += " (" + hint + ")" }
        return SystemError.singleLine(s)
    }

    // Builders, for adding what a caller knows to an error thrown below it.

    /// The same error, about `file` (and `line`) when it names no file yet.
    public func about(file: String, line: Int? = nil) -> VerdictError {
        var e = self
        if e.file == nil {
            e.file = file
            e.line = e.line ?? line
        }
        return e
    }

    /// The same error, in `query` when it names no query yet.
    public func inQuery(_ query: String) -> VerdictError {
        var e = self
        if e.query == nil { e.query = query }
        return e
    }
}
