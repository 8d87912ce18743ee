import ArgumentParser
import VerdictCore

extension Verdict {
    struct Rejects: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, export or purge the lines ingest refused.",
            subcommands: [List.self, Export.self, Purge.self])
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
