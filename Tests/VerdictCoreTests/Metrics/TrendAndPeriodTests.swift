import Testing
@testable import VerdictCore

private let emptyRate = ""

/// The 16 rows of trend.csv for 8 periods, zero everywhere except `filled`
/// (period start → per-product cells transactions, completed, passed, pass_rate).
private func trendRows(_ starts: [String], _ filled: [String: (id: [String]?, vv: [String]?)]) -> [[String]] {
    var rows = [Headers.trend]
    let zero = ["0", "0", "0", emptyRate]
    for s in starts {
        rows.append([s, "ID_RECOGNITION"] + (filled[s]?.id ?? zero))
        rows.append([s, "VIDEO_VERIFY"] + (filled[s]?.vv ?? zero))
    }
    return rows
}

@Suite("Metrics: trend and report periods")
struct TrendAndPeriodTests {
    @Test("trend.csv for a week: the week and the 7 before it, oldest first, zeros where empty")
    func weeklyTrend() throws {
        try withSandbox { box in
            let lines = [
                Log.idVerdict("A", at: "2026-11-10T08:00:00Z", "Y"),  // W46
                Log.idVerdict("B", at: "2026-11-15T23:59:59Z", "N"),  // W46 (Sunday night)
                Log.vv("C", at: "2026-11-09T00:00:00Z", verdict: "InProcess"),  // W46 (Monday 00:00), pending
                Log.idVerdict("D", at: "2026-10-26T00:00:00Z", "Y"),  // W44
                Log.idVerdict("E", at: "2026-11-16T00:00:00Z", "Y"),  // W47: after the report week
                Log.idVerdict("F", at: "2026-09-20T23:59:59Z", "Y"),  // W38: before the oldest trend week
                Log.vv("G", at: "2026-09-21T00:00:00Z", verdict: "Success"),  // W39, the oldest trend week
            ]
            let dir = try box.report(of: lines, try Periods.week("2026-W46"))
            // W46 starts Monday 2026-11-09; 7 weeks (49 days) earlier is Monday 2026-09-21.
            let starts = ["2026-09-21", "2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09"]
            #expect(try readCSV(dir, "trend") == trendRows(starts, [
                "2026-09-21": (nil, ["1", "1", "1", "1.000000"]),
                "2026-10-26": (["1", "1", "1", "1.000000"], nil),
                "2026-11-09": (["2", "2", "1", "0.500000"], ["1", "0", "0", emptyRate]),
            ]))
            // The last trend period is the report period: same numbers as outcomes.csv.
            #expect(try readCSV(dir, "outcomes")[1] == ["ID_RECOGNITION", "2", "2", "1", "1", "0", "0", "0.500000"])
        }
    }

    @Test("a month: calendar months, boundaries at midnight UTC")
    func monthlyTrend() throws {
        try withSandbox { box in
            let lines = [
                Log.idVerdict("M1", at: "2026-11-01T00:00:00Z", "Y"),  // November
                Log.idVerdict("M2", at: "2026-11-30T23:59:59Z", "Y"),  // November
                Log.idVerdict("M3", at: "2026-10-31T23:30:00Z", "N"),  // October
                Log.idVerdict("M4", at: "2026-04-01T00:00:00Z", "Y"),  // April, the oldest trend month
                Log.idVerdict("M5", at: "2026-03-31T23:59:59.999Z", "Y"),  // March: outside the trend
                Log.idVerdict("M6", at: "2026-12-01T00:00:00Z", "Y"),  // December: after the report month
            ]
            let dir = try box.report(of: lines, try Periods.month("2026-11"))
            #expect(try readCSV(dir, "outcomes")[1] == ["ID_RECOGNITION", "2", "2", "2", "0", "0", "0", "1.000000"])
            let starts = ["2026-04-01", "2026-05-01", "2026-06-01", "2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01", "2026-11-01"]
            #expect(try readCSV(dir, "trend") == trendRows(starts, [
                "2026-04-01": (["1", "1", "1", "1.000000"], nil),
                "2026-10-01": (["1", "1", "0", "0.000000"], nil),
                "2026-11-01": (["2", "2", "2", "1.000000"], nil),
            ]))
        }
    }

    @Test("--from/--to: whole days, both inclusive; trend spans of the same length (through the executable)")
    func spanTrend() throws {
        try withSandbox { box in
            let path = try box.write("span.ndjson", lines: [
                Log.idVerdict("S1", at: "2026-11-09T00:00:00Z", "Y"),  // first day
                Log.idVerdict("S2", at: "2026-11-11T23:59:59Z", "N"),  // last day
                Log.idVerdict("S3", at: "2026-11-12T00:00:00Z", "Y"),  // the day after: out
                Log.idVerdict("S4", at: "2026-11-08T12:00:00Z", "Y"),  // block 2026-11-06 … 11-08
                Log.idVerdict("S5", at: "2026-10-19T00:00:00Z", "Y"),  // oldest block 2026-10-19 … 10-21
                Log.idVerdict("S6", at: "2026-10-18T23:59:59Z", "Y"),  // before every block
            ])
            let ingest = try runVerdict(["ingest", "--db", box.databasePath, path], in: box)
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let out = try runVerdict(["report", "--db", box.databasePath, "--from", "2026-11-09", "--to", "2026-11-11", "--out", box.file("r")], in: box)
            #expect(out.status == 0, "\(out.stderr)")
            let dir = box.file("r")
            #expect(try readCSV(dir, "outcomes")[1] == ["ID_RECOGNITION", "2", "2", "1", "1", "0", "0", "0.500000"])
            // 3-day blocks ending with the period: 11-09, 11-06, 11-03, 10-31, 10-28, 10-25, 10-22, 10-19.
            let starts = ["2026-10-19", "2026-10-22", "2026-10-25", "2026-10-28", "2026-10-31", "2026-11-03", "2026-11-06", "2026-11-09"]
            #expect(try readCSV(dir, "trend") == trendRows(starts, [
                "2026-10-19": (["1", "1", "1", "1.000000"], nil),
                "2026-11-06": (["1", "1", "1", "1.000000"], nil),
                "2026-11-09": (["2", "2", "1", "0.500000"], nil),
            ]))
        }
    }

    @Test("a week in Asia/Shanghai moves transactions across the week boundary")
    func shanghaiWeek() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines([
                // Sunday 2026-11-08 17:00 UTC is Monday 2026-11-09 01:00 in Shanghai (UTC+8).
                Log.idVerdict("X", at: "2026-11-08T17:00:00Z", "Y"),
                // Sunday 2026-11-15 17:00 UTC is Monday 2026-11-16 01:00 in Shanghai: W47 there.
                Log.idVerdict("Y", at: "2026-11-15T17:00:00Z", "N"),
                Log.id("Z", at: "2026-11-12T00:00:00Z", code: "PROCESSING"),
            ])
            // UTC W46: Y (failed) and Z (pending). X is in UTC W45.
            let utc = try box.report(db, try Periods.week("2026-W46"), into: "utc")
            #expect(try readCSV(utc, "outcomes")[1] == ["ID_RECOGNITION", "2", "1", "0", "1", "1", "0", "0.000000"])
            let utcTrend = try readCSV(utc, "trend")
            #expect(utcTrend[13] == ["2026-11-02", "ID_RECOGNITION", "1", "1", "1", "1.000000"])
            #expect(utcTrend[15] == ["2026-11-09", "ID_RECOGNITION", "2", "1", "0", "0.000000"])
            // Shanghai W46 (2026-11-08T16:00Z to 2026-11-15T16:00Z): X (passed) and Z (pending).
            let period = try Periods.week("2026-W46", tz: "Asia/Shanghai")
            #expect(period.startMillis == 1_794_153_600_000)  // 2026-11-08T16:00Z: day 20 765 × 86 400 000 + 16 h
            #expect(period.endMillis - period.startMillis == 7 * 86_400_000)
            let sh = try box.report(db, period, into: "shanghai")
            #expect(try readCSV(sh, "outcomes")[1] == ["ID_RECOGNITION", "2", "1", "1", "0", "1", "0", "1.000000"])
            let shTrend = try readCSV(sh, "trend")
            #expect(shTrend[13] == ["2026-11-02", "ID_RECOGNITION", "0", "0", "0", ""])
            #expect(shTrend[15] == ["2026-11-09", "ID_RECOGNITION", "2", "1", "1", "1.000000"])
        }
    }

    @Test("a day across the end of daylight saving time in America/New_York lasts 25 hours")
    func dstChange() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines([
                Log.idVerdict("A", at: "2026-11-01T03:59:59Z", "Y"),  // 2026-10-31 23:59:59 EDT: the day before
                Log.idVerdict("B", at: "2026-11-01T04:00:00Z", "Y"),  // 2026-11-01 00:00 EDT: first instant
                Log.idVerdict("C", at: "2026-11-02T04:30:00Z", "N"),  // 2026-11-01 23:30 EST (a fixed −4 h would say 11-02)
                Log.idVerdict("D", at: "2026-11-02T05:00:00Z", "Y"),  // 2026-11-02 00:00 EST: the day after
            ])
            let period = try Periods.span("2026-11-01", "2026-11-01", tz: "America/New_York")
            // 2026-11-01 is day 20 758 (see TimestampTests: day 20 767 is 11-10):
            // start = 20 758 days + 4 h = 1 793 505 600 000; end = 20 759 days + 5 h = 1 793 595 600 000.
            #expect(period.startMillis == 1_793_505_600_000)
            #expect(period.endMillis == 1_793_595_600_000)
            #expect(period.endMillis - period.startMillis == 25 * 3_600_000)
            let dir = try box.report(db, period)
            #expect(try readCSV(dir, "outcomes")[1] == ["ID_RECOGNITION", "2", "2", "1", "1", "0", "0", "0.500000"])
            // One-day blocks: 2026-10-25 … 2026-11-01; A falls on 10-31 in New York.
            let starts = ["2026-10-25", "2026-10-26", "2026-10-27", "2026-10-28", "2026-10-29", "2026-10-30", "2026-10-31", "2026-11-01"]
            #expect(try readCSV(dir, "trend") == trendRows(starts, [
                "2026-10-31": (["1", "1", "1", "1.000000"], nil),
                "2026-11-01": (["2", "2", "1", "0.500000"], nil),
            ]))
            // The spring change is a 23-hour day (2026-03-08).
            let spring = try Periods.span("2026-03-08", "2026-03-08", tz: "America/New_York")
            #expect(spring.endMillis - spring.startMillis == 23 * 3_600_000)
        }
    }

    @Test("periods that do not parse are usage errors with a one-line reason")
    func badPeriods() throws {
        try withSandbox { box in
            _ = try box.database()
            for args in [["--week", "2026-W54"], ["--week", "2026-46"], ["--month", "2026-13"], ["--from", "2026-11-10", "--to", "2026-11-09"],
                         ["--from", "2026-02-30", "--to", "2026-03-01"], ["--week", "2026-W46", "--tz", "Mars/Olympus"], []] {
                let out = try runVerdict(["report", "--db", box.databasePath, "--out", box.file("r")] + args, in: box)
                #expect(out.status != 0, "\(args)")
                let lines = out.stderr.split(separator: "\n")
                #expect(lines.count == 1, "\(args): \(out.stderr)")
            }
            // 2026 starts on a Thursday, so it has 53 ISO weeks: W01 starts Monday 2025-12-29 and
            // W53 starts 52 weeks later, 2026-12-28. 2027 starts on a Friday: no W53.
            #expect(Period.week("2026-W53", zone: .utc)?.first.isoDate == "2026-12-28")
            #expect(Period.week("2027-W53", zone: .utc) == nil)
            #expect(Period.week("2026-W01", zone: .utc)?.first.isoDate == "2025-12-29")
            #expect(Period.week("2026-W46", zone: .utc)?.first.isoDate == "2026-11-09")
        }
    }
}
