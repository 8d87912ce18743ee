import ArgumentParser
import VerdictCore

extension Verdict {
    struct Rejects: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, export or purge the lines ingest refused.",
            subcommands: [List.self, Export.self, Purge.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show refused lines: file, line, reason and what was wrong.")
            @OptionGroup var db: DatabaseOption
            @Option(help: "Only this reason (invalid_json, missing_transaction_id, ...).") var reason: String?
            @Option(help: "Show at most this many.") var limit = 100

            func run() throws {
                try guarded { () throws(VerdictError) in
                    let store = RejectStore(database: try VerdictDatabase(path: db.path, access: .existing))
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

        struct Export: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write refused lines as NDJSON, as they came (long base64 runs shortened), to fix and ingest again.")
            @OptionGroup var db: DatabaseOption
            @Option(help: "Only this reason.") var reason: String?
            @Option(help: ArgumentHelp("Output file (default standard output).", valueName: "FILE")) var out: String?

            func run() throws {
                do {
                    let store = RejectStore(database: try VerdictDatabase(path: db.path, access: .existing))
                    let sink = try OutputSink(path: out, mode: 0o600)  // refused lines may hold personal data
                    let entries = try store.list(reason: reason)
                    for entry in entries {
                        try sink.write(entry.content + [0x0A])
                    }
                    try sink.close()
                } catch {
                    throw fail(error)
                }
            }
        }

        struct Purge: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Delete refused lines from the database (their content is overwritten, not just unlinked).")
            @OptionGroup var db: DatabaseOption
            @Option(help: "Only this reason.") var reason: String?

            func run() throws {
                do {
                    let store = RejectStore(database: try VerdictDatabase(path: db.path))
                    let n = try store.purge(reason: reason)
                    try printResults("purged \(n) refused line(s)\n")
                } catch {
                    throw fail(error)
                }
            }
        }
    }
}
