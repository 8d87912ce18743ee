/// An error that says what failed, where, and what the user can do about it.
///
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
        public var description: String { name }
    }

    public var code: Code
    /// One line: what failed, and where (file, line, SQL file) when known.
    public var message: String
    /// What the user can do, when there is something to say.
    public var hint: String?
    /// The underlying error, if any, in plain words (never a dump of a Foundation or
    /// SQLite error: see `SystemError`).
    public var cause: String?

    public init(_ code: Code, _ message: String, hint: String? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.hint = hint ?? cause.flatMap { SystemError.hint($0) }
        self.cause = cause.map { SystemError.words($0) }
    }

    public var description: String {
        var s = message
        if let cause, !message.contains(cause) { s += ": " + cause }
        if let hint { s += " (" + hint + ")" }
        return s
    }
}
