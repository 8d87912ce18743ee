import ArgumentParser
import VerdictCore

extension Verdict {
    struct Copy: VerdictCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a SQLite Verdict database into an empty PostgreSQL database.",
            discussion: "Every row is copied in one transaction (COPY), keys included, so the PostgreSQL database gives the same reports as the file. The file is only read.")

        @Option(help: ArgumentHelp("The SQLite database file to copy.", valueName: "FILE")) var from: String
        @OptionGroup var db: DatabaseOption

        func execute() throws(VerdictError) {
            guard case .postgres(let address) = try db.target() else {
                throw VerdictError(.usage, "--db: copy writes into a PostgreSQL database: give a postgresql:// URI")
            }
            let target = try PostgresDatabase(address)
            let source = try VerdictDatabase(path: from, access: .readOnly)
            let rows = try PostgresCopy.copy(from: source, to: target)
            try printResults("copied \(rows) rows from \(from) into \(address)\n")
        }
    }
}
