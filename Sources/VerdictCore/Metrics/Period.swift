import Foundation

/// A time zone for report periods: UTC unless the user names a tz database zone
/// (`Asia/Shanghai`) or a fixed offset (`+08:00`).
public struct ReportZone: Sendable, Equatable {
    /// What reports and the `:zone` parameter show: the zone's name, or `±hh:mm`.
    public let identifier: String
    let timeZone: TimeZone

    public static let utc = ReportZone(identifier: "UTC", timeZone: TimeZone(identifier: "UTC")!)

    init(identifier: String, timeZone: TimeZone) {
        self.identifier = identifier
        self.timeZone = timeZone
    }

    /// A zone `--tz` accepts (see `parse`); nil otherwise.
    public init?(identifier: String) {
        guard let z = try? ReportZone.parse(identifier) else { return nil }
        self = z
    }

    /// The instant (epoch ms) at which `day` starts in this zone. When midnight does not
    /// exist (a daylight-saving jump at 00:00), the day starts when the jump ends; when it
    /// happens twice, at the first one.
    ///
    /// The day is a proleptic Gregorian day number, as ingest dates every poll, so no
    /// calendar reform (Foundation's Gregorian calendar is Julian before 1582) moves it:
    /// midnight is found from the zone's UTC offsets alone.
    public func startOfDay(_ day: CalendarDay) -> Int64 {
        let local = Int64(day.days) * 86_400_000  // midnight on the zone's wall clock, as if it were UTC
        // The offsets in force around that day; at most one change falls in between.
        let offsets = Set([offset(atMillis: local - 86_400_000), offset(atMillis: local), offset(atMillis: local + 86_400_000)])
        let candidates = offsets.map { local - $0 }
        if let first = candidates.filter({ offset(atMillis: $0) == local - $0 }).min() { return first }
        // Midnight was skipped: the day starts at the change, the first instant whose
        // wall-clock time is past midnight. Offsets change on whole seconds.
        var lo = candidates.min()! / 1000, hi = (candidates.max()! + 999) / 1000  // lo is before midnight, hi after
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if mid * 1000 + offset(atMillis: mid * 1000) >= local { hi = mid } else { lo = mid }
        }
        return hi * 1000
    }

    /// The zone's offset from UTC at an instant, in milliseconds.
    func offset(atMillis ms: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000))) * 1000
    }

    /// The calendar day an instant falls on in this zone.
    public func day(ofMillis ms: Int64) -> CalendarDay {
        let local = ms + offset(atMillis: ms)
        return CalendarDay(days: Int((local >= 0 ? local : local - 86_399_999) / 86_400_000))
    }
}

/// A report period: whole days in a zone, as a half-open span of instants.
public struct Period: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case week
        case month
        /// `--from/--to`: a span of this many whole days.
        case span(days: Int)
    }

    public let kind: Kind
    /// First day, inclusive.
    public let first: CalendarDay
    /// Day after the last one.
    public let end: CalendarDay
    public let zone: ReportZone

    public init(kind: Kind, first: CalendarDay, end: CalendarDay, zone: ReportZone) {
        self.kind = kind
        self.first = first
        self.end = end
        self.zone = zone
    }

    /// Start instant (epoch ms), inclusive.
    public var startMillis: Int64 { zone.startOfDay(first) }
    /// End instant (epoch ms), exclusive.
    public var endMillis: Int64 { zone.startOfDay(end) }
    public var lastDay: CalendarDay { end.adding(days: -1) }

    /// How people name it: `2026-W46`, `2026-11`, or `2026-11-09..2026-11-15`.
    public var label: String {
        switch kind {
        case .week: first.isoWeekLabel
        case .month: first.monthLabel
        case .span: first.isoDate + ".." + lastDay.isoDate
        }
    }

    /// The period `n` steps earlier (negative: later), of the same kind and length.
    public func shifted(by n: Int) -> Period {
        switch kind {
        case .week:
            return Period(kind: kind, first: first.adding(days: -7 * n), end: end.adding(days: -7 * n), zone: zone)
        case .month:
            let f = first.addingMonths(-n)
            return Period(kind: kind, first: f, end: f.addingMonths(1), zone: zone)
        case .span(let days):
            return Period(kind: kind, first: first.adding(days: -days * n), end: end.adding(days: -days * n), zone: zone)
        }
    }

    // MARK: Parsing what the command line says

    public static func week(_ text: String, zone: ReportZone) -> Period? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, let y = Int(parts[0]), parts[1].hasPrefix("W"),
            parts[1].count == 3, let w = Int(parts[1].dropFirst()), let monday = CalendarDay.mondayOf(isoYear: y, week: w)
        else { return nil }
        return Period(kind: .week, first: monday, end: monday.adding(days: 7), zone: zone)
    }

    public static func month(_ text: String, zone: ReportZone) -> Period? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]),
            let first = CalendarDay(year: y, month: m, day: 1)
        else { return nil }
        return Period(kind: .month, first: first, end: first.addingMonths(1), zone: zone)
    }

    public static func span(from: String, to: String, zone: ReportZone) -> Period? {
        guard let a = parseDate(from), let b = parseDate(to), a <= b else { return nil }
        return Period(kind: .span(days: b.days - a.days + 1), first: a, end: b.adding(days: 1), zone: zone)
    }

    /// The latest complete ISO week before `today`.
    public static func lastWeek(today: CalendarDay, zone: ReportZone) -> Period {
        let monday = today.adding(days: -(today.weekday - 1))
        let first = monday.adding(days: -7)
        return Period(kind: .week, first: first, end: monday, zone: zone)
    }

    /// The latest complete calendar month before `today`.
    public static func lastMonth(today: CalendarDay, zone: ReportZone) -> Period {
        let thisMonth = CalendarDay(year: today.year, month: today.month, day: 1)!
        let first = thisMonth.addingMonths(-1)
        return Period(kind: .month, first: first, end: thisMonth, zone: zone)
    }

    /// `YYYY-MM-DD`, strictly.
    public static func parseDate(_ s: String) -> CalendarDay? {
        let u = Array(s.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
            let y = Int(s.prefix(4)), let m = Int(s.dropFirst(5).prefix(2)), let d = Int(s.suffix(2)),
            u.enumerated().allSatisfy({ $0.offset == 4 || $0.offset == 7 || ($0.element >= 48 && $0.element <= 57) })
        else { return nil }
        return CalendarDay(year: y, month: m, day: d)
    }

    /// Today's date in `zone` (for `--last-week` and `--last-month`).
    public static func today(in zone: ReportZone) -> CalendarDay {
        zone.day(ofMillis: Int64(Date().timeIntervalSince1970 * 1000))
    }
}
