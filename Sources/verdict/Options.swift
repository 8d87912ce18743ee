import ArgumentParser
import Foundation
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

/// `--quiet`, on every subcommand: nothing on standard error but errors (and the lines of
/// alerts that fired), and no message on standard output. Output asked for by name
/// (`--json`, a query's rows, a file written to `-`) is still printed: it is the result.
struct QuietOption: ParsableArguments {
    @Flag(name: .long, help: "Print only errors (for cron): no summaries, notes or progress.")
    var quiet = false

    func validate() throws {
        // The one process-wide switch, set as the arguments are read (one command a process).
        if quiet { Terminal.quiet = true }
    }
}

/// Mailing a report: `--mail-to ADDR ...` with `--smtp URL` or `--sendmail [PATH]`.
struct MailOptionGroup: ParsableArguments {
    @Option(name: .customLong("mail-to"), help: ArgumentHelp("Mail the report to this address (repeat for several).", valueName: "ADDR"))
    var mailTo: [String] = []

    @Option(name: .customLong("mail-from"), help: ArgumentHelp("Sender: ADDR or 'Name <ADDR>' (default: Verdict <verdict@HOSTNAME>).", valueName: "ADDR"))
    var mailFrom: String?

    @Option(help: ArgumentHelp("SMTP server: smtp://HOST[:PORT] (STARTTLS when offered; required before a password is sent) or smtps://HOST[:PORT]. The password comes only from the environment variable VERDICT_SMTP_PASSWORD; VERDICT_SMTP_CA_FILE names a CA certificate file to trust instead of the system's store.", valueName: "URL"))
    var smtp: String?

    @Option(name: .customLong("smtp-user"), help: ArgumentHelp("SMTP user name (or put it in the URL: smtp://NAME@HOST).", valueName: "NAME"))
    var smtpUser: String?

    @Option(help: ArgumentHelp("Pipe the message to sendmail -t -i (PATH optional: sendmail on PATH, /usr/sbin/sendmail).", valueName: "PATH"))
    var sendmail: String?

    /// `--sendmail` given without a PATH (see `withSendmailValue`).
    @Flag(name: .customLong("system-sendmail"), help: .hidden)
    var systemSendmail = false

    @Flag(help: "Send again even if this report was already mailed to these recipients.")
    var resend = false

    @Flag(name: .customLong("dry-run"), help: "Write DIR/report.eml but send nothing.")
    var dryRun = false

    @Option(name: .customLong("mail-max-bytes"), help: ArgumentHelp("Largest message sent: past it, the largest CSV files are left out and the summary names them.", valueName: "BYTES"))
    var mailMaxBytes = 10_000_000

    func validate() throws {
        let wantsMail = !mailTo.isEmpty
        let sendmail = systemSendmail ? "" : self.sendmail
        if !wantsMail, smtp != nil || sendmail != nil || mailFrom != nil || smtpUser != nil || resend || dryRun {
            throw ValidationError("--smtp, --sendmail, --mail-from, --smtp-user, --resend and --dry-run go with --mail-to ADDR")
        }
        if smtp != nil && sendmail != nil { throw ValidationError("give --smtp URL or --sendmail, not both") }
        if wantsMail && smtp == nil && sendmail == nil && !dryRun { throw ValidationError("--mail-to needs --smtp URL or --sendmail [PATH] (or --dry-run)") }
        if smtpUser != nil && smtp == nil { throw ValidationError("--smtp-user goes with --smtp URL") }
        if mailMaxBytes < 1 { throw ValidationError("--mail-max-bytes takes a positive number") }
        for a in mailTo where MailAddress(parsing: a) == nil { throw ValidationError("--mail-to: '\(a)' is not a mail address (name@example.com)") }
        if let mailFrom, MailAddress(parsing: mailFrom) == nil { throw ValidationError("--mail-from: '\(mailFrom)' is not a mail address (name@example.com or 'Name <name@example.com>')") }
    }

    /// The options checked and resolved (the SMTP URL, the sendmail program, the password
    /// from the environment), or nil when no mail is asked for.
    func resolved() throws(VerdictError) -> MailOptions? {
        guard !mailTo.isEmpty else { return nil }
        let environment = ProcessInfo.processInfo.environment
        var transport: MailTransport?
        if let smtp {
            transport = .smtp(try SMTPServer(url: smtp, user: smtpUser, environment: environment))
        } else if systemSendmail || sendmail != nil {
            transport = .sendmail(try SendmailProgram(path: systemSendmail ? nil : sendmail, environment: environment))
        }
        var seen = Set<String>()
        let recipients = mailTo.compactMap(MailAddress.init(parsing:)).filter { seen.insert($0.address.lowercased()).inserted }
        var options = MailOptions(recipients: recipients, from: mailFrom.flatMap(MailAddress.init(parsing:)) ?? MailOptions.defaultFrom(), transport: transport)
        options.resend = resend
        options.dryRun = dryRun
        options.sizeLimit = mailMaxBytes
        return options
    }

    /// `--sendmail` given without a PATH (last, or followed by another option) is read as
    /// the hidden flag `--system-sendmail` (the system's sendmail): ArgumentParser has no
    /// option whose value may be left out.
    static func withSendmailValue(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for (i, a) in arguments.enumerated() {
            if a == "--" { out += arguments[i...]; break }
            let next = i + 1 < arguments.count ? arguments[i + 1] : nil
            if a == "--sendmail", next == nil || next!.hasPrefix("-") { out.append("--system-sendmail"); continue }
            out.append(a)
        }
        return out
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
