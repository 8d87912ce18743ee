import ArgumentParser
import VerdictCore

extension Verdict {
    struct Check: VerdictCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the database: SQLite's integrity check and Verdict's data checks (Queries/checks/).",
            discussion: "Exit status 0 when everything holds, 3 otherwise.")

        @OptionGroup var db: DatabaseOption
        @OptionGroup var lanes: LanesOption
        @OptionGroup var quiet: QuietOption

        func execute() throws(VerdictError) {
            let database = try db.reader(cacheMegabytes: 16)
            var checks = DataChecks(database: database)
            if let n = lanes.jobs { checks.lanes = n }
            let result = try checks.run(integrity: true)
            // PostgreSQL has no integrity check of its own to run: only Verdict's data checks.
            var text = result.integrity.map { "integrity_check: " + $0 + "\n" } ?? ""
            for name in result.checked {
                if let f = result.failures.first(where: { $0.check == name }) {
                    text += "\(name): \(f.rows) offending row(s), first: " + f.firstRow.joined(separator: " ") + "\n"
                } else {
                    text += "\(name): ok\n"
                }
            }
            if (result.integrity.map { $0 != "ok" } ?? false) || !result.failures.isEmpty {
                // A database that fails its checks outranks output that could not be written.
                try? printMessage(text)
                throw VerdictError(.database, "the database does not pass its checks", file: db.path)
            }
            try printMessage(text)
        }
    }
}
