import ArgumentParser
import Logging
import VerdictCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `verdict`: identity-verification logs in, trustworthy numbers out.
@main
struct Verdict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn ZOLOZ checkresult logs into verification metrics and reports.",
        discussion: """
            Typical use:
              verdict ingest --db verdict.db logs/*.ndjson.gz
              verdict report --db verdict.db --last-week --out reports/
              verdict query  --db verdict.db outcomes --month 2026-11 --format md

            Exit status: 0 success; 1 an input or output could not be read or written; 2 more lines refused than --max-rejects allows; 3 the database cannot be opened, is busy (--no-wait), fails its checks or failed; 64 usage error (bad option, period, zone or query).
            """,
        version: VerdictVersion.string,
        subcommands: [Ingest.self, Report.self, Query.self, Rejects.self, Check.self, Sample.self, Demo.self]
    )

    /// Like ArgumentParser's `main()`, but a usage error is one line on stderr
    /// (`verdict: error: …`), which is what a cron job's mail should show.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? ""
            if !message.isEmpty {
                Terminal.printError("verdict: error: " + message + (code == .validationFailure ? " (see verdict --help)" : ""))
            }
            Foundation.exit(code.rawValue)
        }
    }
}

/// Exit statuses, listed in the README.
enum ExitStatus {
    static let inputError: Int32 = 1
    static let tooManyRejects: Int32 = 2
    static let databaseError: Int32 = 3
    static let usage: Int32 = 64

    static func of(_ e: VerdictError) -> Int32 {
        switch e.code {
        case .usage, .query: usage
        case .tooManyRejects: tooManyRejects
        case .database, .busy: databaseError
        default: inputError
        }
    }
}

/// Runs a command body, turning a `VerdictError` into its one-line message and exit status.
func guarded(_ body: () throws(VerdictError) -> Void) throws {
    do {
        try body()
    } catch {
        throw fail(error)
    }
}

/// Writes a command's results on standard output, through the one writer that checks
/// every write and the final flush: output that did not arrive is exit status 1, never 0.
func printResults(_ text: String) throws(VerdictError) {
    let stdout = try OutputSink(path: nil)
    try stdout.write(text)
    try stdout.close()
}

/// Prints `verdict: error: …` on one line and exits with the error's status.
func fail(_ e: VerdictError) -> ExitCode {
    Terminal.printError("verdict: error: " + e.description.replacingOccurrences(of: "\n", with: " "))
    return ExitCode(ExitStatus.of(e))
}

enum Terminal {
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

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
        guard stderrIsTerminal else { return }
        writeStderr("\r\u{1B}[K" + s)
    }

    static func endProgress() {
        guard stderrIsTerminal else { return }
        writeStderr("\r\u{1B}[K")
    }

    static func logger() -> Logger {
        var l = Logger(label: "verdict", factory: { _ in StderrLogHandler() })
        l.logLevel = .notice
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
