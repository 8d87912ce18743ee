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

            Exit status: 0 success; 1 an input or output could not be read or written; 2 more lines refused than --max-rejects allows; 3 the database cannot be opened, is busy (--no-wait, --wait), fails its checks or failed; 4 an alert rule of severity error fired (report --alerts, alerts); 5 the report was written but its mail was not delivered; 6 the period has no data (report --fail-if-empty); 64 usage error (bad option, period, zone, query or rules file). When several apply, the first of 64, 3, 1, 5, 2, 4, 6 wins.
            """,
        version: VerdictVersion.string,
        subcommands: [Ingest.self, Report.self, Alerts.self, Query.self, Rejects.self, Check.self, Copy.self, Sample.self, Demo.self]
    )

    /// Like ArgumentParser's `main()`, but a usage error is one line on stderr
    /// (`verdict: error: …`), which is what a cron job's mail should show.
    static func main() {
        // A closed pipe on standard output (`verdict query ... | head`) is a failed write,
        // reported like any other (exit 1, one line), not a silent death by SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot(MailOptionGroup.withSendmailValue(Array(CommandLine.arguments.dropFirst())))
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
