import ArgumentParser
import VerdictCore

extension Verdict.Rejects {
    struct Export: VerdictCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write refused lines as NDJSON, as they came (long base64 runs shortened), to fix and ingest again.")
        @OptionGroup var db: DatabaseOption
        @OptionGroup var quiet: QuietOption
        @Option(help: ArgumentHelp("Only this reason: \(RejectReasons.valid).", valueName: "REASON")) var reason: String?
        @Option(help: ArgumentHelp("Output file, mode 0600 (default standard output).", valueName: "FILE")) var out: String?

        func validate() throws { try RejectReasons.check(reason) }

        func execute() throws(VerdictError) {
            let store = try db.refusedLines()
            // Refused lines may hold personal data: a new file of mode 0600 replaces
            // whatever the path held (a link there is replaced, not followed).
            let sink = try OutputSink(path: out, mode: 0o600)
            let entries = try store.list(reason: reason, limit: nil)
            for entry in entries {
                try sink.write(entry.content + [0x0A])
            }
            try sink.close()
        }
    }
}
