/// A proleptic Gregorian day and its ISO-8601 week attributes.
public struct CalendarDay: Sendable, Hashable, Comparable {
    /// Days since 1970-01-01.
    public let days: Int
    public let year: Int
    public let month: Int
    public let day: Int

    public init(days: Int) {
        self.days = days
        (year, month, day) = Timestamp.civilFromDays(days)
    }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysInMonth(year: year, month: month) else { return nil }
        self.init(days: Timestamp.daysFromCivil(year: year, month: month, day: day))
    }

    /// 1 = Monday ... 7 = Sunday.
    public var weekday: Int { ((days + 3) % 7 + 7) % 7 + 1 }

    /// The ISO week-numbering year: the year of this week's Thursday.
    public var isoWeekYear: Int { CalendarDay(days: days - weekday + 4).year }

    public var isoWeek: Int {
        let thursday = CalendarDay(days: days - weekday + 4)
        let jan1 = Timestamp.daysFromCivil(year: thursday.year, month: 1, day: 1)
        return (thursday.days - jan1) / 7 + 1
    }

    public var isoDate: String { Timestamp.isoDate(days: days) }
    public var monthLabel: String { Timestamp.pad(year, 4) + "-" + Timestamp.pad(month, 2) }
    public var isoWeekLabel: String { Timestamp.pad(isoWeekYear, 4) + "-W" + Timestamp.pad(isoWeek, 2) }

    /// The Monday of ISO week `week` of `isoYear`, if that week exists.
    public static func mondayOf(isoYear: Int, week: Int) -> CalendarDay? {
        guard week >= 1 else { return nil }
        let jan4 = CalendarDay(days: Timestamp.daysFromCivil(year: isoYear, month: 1, day: 4))
        let monday = CalendarDay(days: jan4.days - jan4.weekday + 1 + (week - 1) * 7)
        guard monday.isoWeekYear == isoYear else { return nil }
        return monday
    }

    public func adding(days n: Int) -> CalendarDay { CalendarDay(days: days + n) }

    /// The same day-of-month `n` months later (months here always start on day 1).
    public func addingMonths(_ n: Int) -> CalendarDay {
        let total = year * 12 + (month - 1) + n
        let y = total >= 0 ? total / 12 : (total - 11) / 12
        let m = total - y * 12 + 1
        return CalendarDay(year: y, month: m, day: min(day, Timestamp.daysInMonth(year: y, month: m)))!
    }

    public static func < (a: CalendarDay, b: CalendarDay) -> Bool { a.days < b.days }
}
