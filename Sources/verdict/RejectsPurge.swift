import ArgumentParser
import Foundation
import VerdictCore

extension Verdict.Rejects {
    struct Purge: VerdictCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete refused lines from the database (their content is overwritten, not just unlinked).",
            discussion: """
                On a terminal it asks first; scripts pass --yes (without it, and with no terminal to ask on, nothing is deleted and the exit status is 64). If a report or another connection still reads the older state of the database, the lines are deleted but the overwrite of their content is pending: the exit status is then 3, and running the purge again completes it.
                """)
        @OptionGroup var db: DatabaseOption
        @OptionGroup var quiet: QuietOption
        @Option(help: ArgumentHelp("Only this reason: \(RejectReasons.valid).", valueName: "REASON")) var reason: String?
        @Flag(help: "Delete without asking (for scripts and cron jobs).") var yes = false
        @Option(help: ArgumentHelp("Seconds to wait for readers of the older state before the overwrite.", valueName: "SECONDS")) var wait: Double = 10

        func validate() throws {
            try RejectReasons.check(reason)
            if !wait.isFinite || wait < 0 { throw ValidationError("--wait takes a number of seconds (0 or more)") }
            if !yes && isatty(0) != 1 {
                throw ValidationError("rejects purge deletes refused lines for good: pass --yes to confirm (standard input is not a terminal to ask on)")
            }
        }

        func execute() throws(VerdictError) {
            let store = try db.refusedLines(writing: true)
            if !yes {
                let counts = try store.countsByReason().filter { reason == nil || $0.0 == reason }
                let total = counts.reduce(0) { $0 + $1.1 }
                if total > 0 {
                    let detail = counts.map { $0.0 + " " + String($0.1) }.joined(separator: ", ")
                    Terminal.writeStderr("Delete \(total) refused line(s) (\(detail)) from \(db.path) and overwrite their content? [y/N] ")
                    let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
                    guard answer == "y" || answer == "yes" else {
                        try printMessage("nothing purged\n")
                        return
                    }
                }
            }
            let n = try store.purge(reason: reason, readerWait: wait)
            try printMessage("purged \(n) refused line(s); \(store.purgeNote)\n")
        }
    }
}
