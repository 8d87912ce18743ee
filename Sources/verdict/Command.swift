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

/// A subcommand whose run can end in a finding as well as an error: a fact about the data
/// that a scheduled job acts on (an error-severity alert fired), found after everything was
/// written. Its `execute()` returns the findings; `run()` maps them, and any error, to one
/// exit status by the precedence of `ExitStatus.precedence`.
protocol FindingCommand: ParsableCommand {
    func execute() throws(VerdictError) -> Findings
}

extension FindingCommand {
    func run() throws {
        let findings: Findings
        do {
            findings = try execute()
        } catch {
            throw fail(error)
        }
        if let status = findings.exitStatus { throw ExitCode(status) }
    }
}

/// What a run found that decides its exit status without being an error, each as the status
/// it stands for. An error thrown ends the run first and always outranks them.
struct Findings {
    private(set) var statuses: Set<Int32> = []

    /// Records a finding: `ExitStatus.alertFired`, or another status of `ExitStatus.precedence`.
    mutating func add(_ status: Int32) {
        statuses.insert(status)
    }

    /// The status that wins (nil: exit 0).
    var exitStatus: Int32? { ExitStatus.first(of: statuses) }
}

/// Exit statuses, listed in the README. Only this layer maps an error to one.
enum ExitStatus {
    static let inputError: Int32 = 1
    static let tooManyRejects: Int32 = 2
    static let databaseError: Int32 = 3
    static let alertFired: Int32 = 4
    static let notDelivered: Int32 = 5
    static let emptyPeriod: Int32 = 6
    static let usage: Int32 = 64

    /// When several statuses apply, the first of this list wins: a failure to produce or
    /// deliver outranks a finding.
    static let precedence: [Int32] = [64, 3, 1, 5, 2, 4, 6]

    /// The status of `statuses` that wins, nil when there is none.
    static func first(of statuses: some Collection<Int32>) -> Int32? {
        precedence.first { statuses.contains($0) } ?? statuses.min()
    }

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
