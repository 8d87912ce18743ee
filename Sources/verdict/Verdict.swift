import ArgumentParser
import Foundation
import VerdictCore

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
        subcommands: [Ingest.self, Report.self, Query.self, Rejects.self, Check.self, Copy.self, Sample.self, Demo.self]
    )

    /// Like ArgumentParser's `main()`, but a usage error is one line on stderr
    /// (`verdict: error: …`), which is what a cron job's mail should show.
    static func main() {
        // A closed pipe on standard output (`verdict query ... | head`) is a failed write,
        // reported like any other (exit 1, one line), not a silent death by SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help and --version: printed through the checked writer as well.
                do {
                    try printResults(fullMessage(for: error) + "\n")
                } catch {
                    Terminal.printError("verdict: error: " + error.description)
                    Foundation.exit(1)
                }
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
