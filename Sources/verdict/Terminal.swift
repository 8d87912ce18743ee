import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Standard error: one-line messages, a progress line on a terminal, and the logger.
enum Terminal {
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// `--quiet`: only errors (and alert lines) reach standard error; set once, while the
    /// arguments are read, before any work starts.
    nonisolated(unsafe) static var quiet = false

    /// A message that is not an error (a summary, a note): silenced by `--quiet`.
    static func note(_ s: String) {
        guard !quiet else { return }
        printError(s)
    }

    static func printError(_ s: String) {
        writeStderr(s + "\n")
    }

    /// write(2) on descriptor 2: unbuffered, so lines reach the terminal in order.
    static func writeStderr(_ s: String) {
        var s = s
        s.withUTF8 { p in
            var off = 0
            while off < p.count {
                let n = write(2, p.baseAddress! + off, p.count - off)
                if n <= 0 { return }
                off += n
            }
        }
    }

    /// A progress line redrawn in place; only on a terminal.
    static func progress(_ s: String) {
        guard stderrIsTerminal, !quiet else { return }
        writeStderr("\r\u{1B}[K" + s)
    }

    static func endProgress() {
        guard stderrIsTerminal else { return }
        writeStderr("\r\u{1B}[K")
    }

    static func logger() -> Logger {
        var l = Logger(label: "verdict", factory: { _ in StderrLogHandler() })
        l.logLevel = quiet ? .error : .notice
        return l
    }
}

/// Messages as `verdict: <level>: <message>` lines on standard error.
struct StderrLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .notice

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        Terminal.endProgress()
        Terminal.printError("verdict: \(event.level): \(event.message)")
    }
}
