import ArgumentParser
import VerdictCore

/// A subcommand of `verdict`. It does its work in `execute()`, which throws only
/// `VerdictError`; the one `run()` below turns such an error into its line on standard error
/// and its exit status, so every subcommand reports failures the same way.
/// (Usage errors found while parsing, `ValidationError`, stay ArgumentParser's: see `Verdict.main`.)
protocol VerdictCommand: ParsableCommand {
    func execute() throws(VerdictError)
}

extension VerdictCommand {
    func run() throws {
        do {
            try execute()
        } catch {
            throw fail(error)
        }
    }
}

/// Exit statuses, listed in the README. Only this layer maps an error to one.
enum ExitStatus {
    static let inputError: Int32 = 1
    static let tooManyRejects: Int32 = 2
    static let databaseError: Int32 = 3
    static let notDelivered: Int32 = 5
    static let usage: Int32 = 64

    static func of(_ e: VerdictError) -> Int32 {
        switch e.code {
        case .usage, .query: usage
        case .tooManyRejects: tooManyRejects
        case .database, .busy: databaseError
        case .delivery: notDelivered
        default: inputError
        }
    }
}

/// Prints `verdict: error: …` on one line and gives the error's exit status.
private func fail(_ e: VerdictError) -> ExitCode {
    Terminal.printError("verdict: error: " + e.description)
    return ExitCode(ExitStatus.of(e))
}

/// A message for a person on standard output ("written to ..."), through the same checked
/// writer; `--quiet` leaves it out.
func printMessage(_ text: String) throws(VerdictError) {
    guard !Terminal.quiet else { return }
    try printResults(text)
}

/// Writes a command's results on standard output, through the one writer that checks
/// every write and the final flush: output that did not arrive is exit status 1, never 0.
func printResults(_ text: String) throws(VerdictError) {
    let stdout = try OutputSink(path: nil)
    try stdout.write(text)
    try stdout.close()
}
