import ArgumentParser
import VerdictCore

/// The PERIOD of cli.md, shared by `report` and `query`.
struct PeriodOptions: ParsableArguments {
    @Option(help: ArgumentHelp("An ISO week.", valueName: "YYYY-Www")) var week: String?
    @Option(help: ArgumentHelp("A calendar month.", valueName: "YYYY-MM")) var month: String?
    @Option(help: ArgumentHelp("First day of a span (with --to; both inclusive).", valueName: "YYYY-MM-DD")) var from: String?
    @Option(help: ArgumentHelp("Last day of a span (with --from).", valueName: "YYYY-MM-DD")) var to: String?
    @Flag(name: .customLong("last-week"), help: "The latest complete ISO week before today.") var lastWeek = false
    @Flag(name: .customLong("last-month"), help: "The latest complete calendar month before today.") var lastMonth = false
    @Option(help: ArgumentHelp("Time zone the period's days are in (default UTC): an IANA name such as Asia/Shanghai, or an offset such as +08:00. Abbreviations (CST) and POSIX strings (UTC+5) are refused.", valueName: "ZONE")) var tz: String?

    func validate() throws {
        let chosen = [week != nil, month != nil, from != nil || to != nil, lastWeek, lastMonth].filter { $0 }.count
        if chosen != 1 {
            throw ValidationError("give exactly one period: --week YYYY-Www, --month YYYY-MM, --from/--to YYYY-MM-DD, --last-week or --last-month")
        }
        _ = try period()
    }

    func zone() throws -> ReportZone {
        guard let tz else { return .utc }
        do {
            return try ReportZone.parse(tz)
        } catch {
            throw ValidationError("--tz: " + error.description)
        }
    }

    func period() throws -> Period {
        let z = try zone()
        if let week {
            guard let p = Period.week(week, zone: z) else { throw ValidationError("--week takes an ISO week such as 2026-W46, not '\(week)'") }
            return p
        }
        if let month {
            guard let p = Period.month(month, zone: z) else { throw ValidationError("--month takes a month such as 2026-11, not '\(month)'") }
            return p
        }
        if from != nil || to != nil {
            guard let from, let to else { throw ValidationError("--from and --to go together") }
            guard let p = Period.span(from: from, to: to, zone: z) else {
                throw ValidationError("--from/--to take dates YYYY-MM-DD with --from not after --to, not '\(from)' and '\(to)'")
            }
            return p
        }
        let today = Period.today(in: z)
        return lastWeek ? Period.lastWeek(today: today, zone: z) : Period.lastMonth(today: today, zone: z)
    }
}
