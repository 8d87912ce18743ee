import ArgumentParser
import VerdictCore

extension Verdict.Rejects {
    struct List: VerdictCommand {
        static let configuration = CommandConfiguration(abstract: "Show refused lines: file, line, reason and what was wrong.")
        @OptionGroup var db: DatabaseOption
        @OptionGroup var quiet: QuietOption
        @Option(help: ArgumentHelp("Only this reason: \(RejectReasons.valid).", valueName: "REASON")) var reason: String?
        @Option(help: "Show at most this many.") var limit = 100

        func validate() throws { try RejectReasons.check(reason) }

        func execute() throws(VerdictError) {
            let store = try db.refusedLines()
            let counts = try store.countsByReason()
            let summary = counts.isEmpty ? "none" : counts.map { pair in pair.0 + " " + String(pair.1) }.joined(separator: ", ")
            var text = "refused lines: " + summary + "\n"
            let entries = try store.list(reason: reason, limit: limit)
            for entry in entries {
                text += entry.sourcePath + ":" + String(entry.lineNumber) + ": " + entry.reason + ": " + entry.detail + " (" + String(entry.byteLength) + " bytes)\n"
            }
            try printResults(text)
        }
    }
}
