import ArgumentParser
import Foundation
import VerdictCore

extension Verdict {
    struct Rejects: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, export or purge the lines ingest refused.",
            subcommands: [List.self, Export.self, Purge.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show refused lines: file, line, reason and what was wrong.")
            @OptionGroup var db: DatabaseOption
            @Option(help: ArgumentHelp("Only this reason: \(RejectReasons.valid).", valueName: "REASON")) var reason: String?
            @Option(help: "Show at most this many.") var limit = 100

            func validate() throws { try RejectReasons.check(reason) }

            func run() throws {
                try guarded { () throws(VerdictError) in
                    let store = RejectStore(database: try VerdictDatabase(path: db.path, access: .readOnly))
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
            @Option(help: ArgumentHelp("Only this reason: \(RejectReasons.valid).", valueName: "REASON")) var reason: String?
            @Option(help: ArgumentHelp("Output file, mode 0600 (default standard output).", valueName: "FILE")) var out: String?

            func validate() throws { try RejectReasons.check(reason) }

            func run() throws {
                do {
                    let store = RejectStore(database: try VerdictDatabase(path: db.path, access: .readOnly))
                    // Refused lines may hold personal data: a new file of mode 0600 replaces
                    // whatever the path held (a link there is replaced, not followed).
                    let sink = try OutputSink(path: out, mode: 0o600)
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
                abstract: "Delete refused lines from the database (their content is overwritten, not just unlinked).",
                discussion: """
                    On a terminal it asks first; scripts pass --yes (without it, and with no terminal to ask on, nothing is deleted and the exit status is 64). If a report or another connection still reads the older state of the database, the lines are deleted but the overwrite of their content is pending: the exit status is then 3, and running the purge again completes it.
                    """)
            @OptionGroup var db: DatabaseOption
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

            func run() throws {
                do {
                    let store = RejectStore(database: try VerdictDatabase(path: db.path, access: .existing))
                    if !yes {
                        let counts = try store.countsByReason().filter { reason == nil || $0.0 == reason }
                        let total = counts.reduce(0) { $0 + $1.1 }
                        if total > 0 {
                            let detail = counts.map { $0.0 + " " + String($0.1) }.joined(separator: ", ")
                            Terminal.writeStderr("Delete \(total) refused line(s) (\(detail)) from \(db.path) and overwrite their content? [y/N] ")
                            let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
                            guard answer == "y" || answer == "yes" else {
                                try printResults("nothing purged\n")
                                return
                            }
                        }
                    }
                    let n = try store.purge(reason: reason, readerWait: wait)
                    try printResults("purged \(n) refused line(s); their content is overwritten\n")
                } catch {
                    throw fail(error)
                }
            }
        }
    }
}

/// The reasons `--reason` takes: those a line can be refused for.
enum RejectReasons {
    static let valid = RefusalReason.allCases.map(\.rawValue).joined(separator: ", ")

    static func check(_ reason: String?) throws {
        if let reason, RefusalReason(rawValue: reason) == nil {
            throw ValidationError("unknown reason '\(reason)'; valid reasons: \(valid)")
        }
    }
}
