import ArgumentParser
import VerdictCore

// Options that several subcommands take, each declared once and used with `@OptionGroup`.

/// `--db PATH|URI`, shared by every subcommand that reads or writes a database.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite database file (created on first ingest, mode 0600), or a PostgreSQL database: postgresql://USER@HOST:PORT/DBNAME (password from PGPASSWORD or ~/.pgpass).", valueName: "PATH|URI"))
    var db: String

    var path: String { db }

    func validate() throws {
        do { _ = try target() } catch { throw ValidationError(error.description) }
    }

    /// The SQLite file or the PostgreSQL database named.
    func target() throws(VerdictError) -> DatabaseTarget { try DatabaseTarget.parse(db) }
}

/// `--jobs N`: how many read connections a command may run its queries on at once.
struct LanesOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Queries to run at once, each on a connection of its own (default: one per core, at most 4).", valueName: "N"))
    var jobs: Int?

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }
}

/// `--tz ZONE`: an IANA zone or a fixed offset; abbreviations and POSIX strings are refused.
struct ZoneOption: ParsableArguments {
    @Option(help: ArgumentHelp("Time zone the days of a period are in (default UTC): an IANA name such as Asia/Shanghai, or an offset such as +08:00. Abbreviations (CST) and POSIX strings (UTC+5) are refused.", valueName: "ZONE"))
    var tz: String?

    func validate() throws {
        // Only a zone given is parsed: UTC is not even looked up (Foundation's time zones
        // cost an ingest, which does not need one, 2 MB).
        guard tz != nil else { return }
        do { _ = try zone() } catch { throw ValidationError(error.description) }
    }

    /// The zone named, UTC when none is; a usage error when it does not parse.
    func zone() throws(VerdictError) -> ReportZone {
        guard let tz else { return .utc }
        do {
            return try ReportZone.parse(tz)
        } catch {
            throw VerdictError(.usage, "--tz: " + error.description)
        }
    }
}

/// The PERIOD of a report or query: exactly one of `--week`, `--month`, `--from/--to`,
/// `--last-week`, `--last-month`, with `--tz`.
struct PeriodOptions: ParsableArguments {
    @Option(help: ArgumentHelp("An ISO week.", valueName: "YYYY-Www")) var week: String?
    @Option(help: ArgumentHelp("A calendar month.", valueName: "YYYY-MM")) var month: String?
    @Option(help: ArgumentHelp("First day of a span (with --to; both inclusive).", valueName: "YYYY-MM-DD")) var from: String?
    @Option(help: ArgumentHelp("Last day of a span (with --from).", valueName: "YYYY-MM-DD")) var to: String?
    @Flag(name: .customLong("last-week"), help: "The latest complete ISO week before today.") var lastWeek = false
    @Flag(name: .customLong("last-month"), help: "The latest complete calendar month before today.") var lastMonth = false
    @OptionGroup var zone: ZoneOption

    func validate() throws {
        let chosen = [week != nil, month != nil, from != nil || to != nil, lastWeek, lastMonth].filter { $0 }.count
        if chosen != 1 {
            throw ValidationError("give exactly one period: --week YYYY-Www, --month YYYY-MM, --from/--to YYYY-MM-DD, --last-week or --last-month")
        }
        do { _ = try period() } catch { throw ValidationError(error.description) }
    }

    /// The period named; a usage error when it does not parse (`validate` has checked it).
    func period() throws(VerdictError) -> Period {
        let z = try zone.zone()
        if let week {
            guard let p = Period.week(week, zone: z) else { throw VerdictError(.usage, "--week takes an ISO week such as 2026-W46, not '\(week)'") }
            return p
        }
        if let month {
            guard let p = Period.month(month, zone: z) else { throw VerdictError(.usage, "--month takes a month such as 2026-11, not '\(month)'") }
            return p
        }
        if from != nil || to != nil {
            guard let from, let to else { throw VerdictError(.usage, "--from and --to go together") }
            guard let p = Period.span(from: from, to: to, zone: z) else {
                throw VerdictError(.usage, "--from/--to take dates YYYY-MM-DD with --from not after --to, not '\(from)' and '\(to)'")
            }
            return p
        }
        let today = Period.today(in: z)
        return lastWeek ? Period.lastWeek(today: today, zone: z) : Period.lastMonth(today: today, zone: z)
    }
}

extension DatabaseOption {
    /// The database opened for reading queries: a SQLite file read-only, or a PostgreSQL
    /// database (every read there is a read-only transaction).
    func reader(cacheMegabytes: Int = 32) throws(VerdictError) -> any QueryDatabase {
        switch try target() {
        case .sqlite(let path): try VerdictDatabase(path: path, access: .readOnly, cacheMegabytes: cacheMegabytes)
        case .postgres(let address): try PostgresDatabase(address, access: .readOnly)
        }
    }

    /// The refused lines of the database: read-only, or (`writing`) to purge them.
    func refusedLines(writing: Bool = false) throws(VerdictError) -> any RefusedLines {
        switch try target() {
        case .sqlite(let path): RejectStore(database: try VerdictDatabase(path: path, access: writing ? .existing : .readOnly))
        case .postgres(let address): PostgresRejectStore(database: try PostgresDatabase(address, access: writing ? .existing : .readOnly))
        }
    }
}
