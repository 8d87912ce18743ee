import Foundation
import Testing
@testable import VerdictCore

// --tz takes only what cannot be misread (tz database names, explicit offsets), and a
// period's bounds are the proleptic Gregorian midnights ingest dates polls by, whatever
// the year.

@Suite("Reliability: time zones and calendars of report periods")
struct ReliabilityZoneTests {
    @Test("--tz refuses abbreviations, POSIX-style strings and legacy names; takes IANA names and ±hh:mm")
    func zoneForms() throws {
        for refused in ["CST", "IST", "EST", "cst", "UTC+5", "UTC-3", "GMT+8", "GMT-05:00", "UTC+05:30", "Etc/GMT+5", "Etc/GMT-8",
                        "EST5EDT", "CST6CDT", "CST-8", "PRC", "Japan", "asia/shanghai", "Shanghai", "Mars/Olympus", "",
                        "posix/Asia/Shanghai", "right/UTC", "+8", "+08", "+08:0", "08:00", "+08:60", "+19:00", "+08:00:00"] {
            #expect(ReportZone(identifier: refused) == nil, "\(refused) was accepted")
        }
        for (name, label, offsetHours) in [("UTC", "UTC", 0.0), ("Z", "UTC", 0), ("Asia/Shanghai", "Asia/Shanghai", 8), ("Asia/Kolkata", "Asia/Kolkata", 5.5),
                                          ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires", -3),
                                          ("+08:00", "+08:00", 8), ("+0800", "+08:00", 8), ("-03:30", "-03:30", -3.5), ("+05:45", "+05:45", 5.75),
                                          ("-00:00", "+00:00", 0), ("+14:00", "+14:00", 14)] {
            let zone = try #require(ReportZone(identifier: name), "\(name) was refused")
            #expect(zone.identifier == label)
            // A day in that zone starts `offset` hours before the same UTC midnight (2026-01-15: no DST anywhere here).
            let day = try #require(CalendarDay(year: 2026, month: 1, day: 15))
            #expect(zone.startOfDay(day) == Int64(day.days) * 86_400_000 - Int64(offsetHours * 3_600_000), "\(name)")
        }
    }

    @Test("a legacy name is refused with the zone it stands for: EST5EDT, CST6CDT, W-SU, PRC")
    func legacyNamesSuggestTheirZone() throws {
        for (legacy, zone) in [("EST5EDT", "America/New_York"), ("CST6CDT", "America/Chicago"), ("PST8PDT", "America/Los_Angeles"),
                               ("W-SU", "Europe/Moscow"), ("PRC", "Asia/Shanghai")] {
            #expect(ReportZone(identifier: legacy) == nil)
            let message = ReportZone.refusal(legacy).description
            #expect(message.contains("legacy name") && message.contains(zone), "\(legacy): \(message)")
        }
    }

    @Test("a fixed offset gives the same period as the IANA zone it equals, and is what :zone and report.md show")
    func fixedOffsetPeriod() throws {
        try withSandbox { box in
            let offset = try Periods.week("2026-W46", tz: "+08:00")
            let shanghai = try Periods.week("2026-W46", tz: "Asia/Shanghai")
            #expect(offset.startMillis == shanghai.startMillis && offset.endMillis == shanghai.endMillis)
            #expect(offset.startMillis == 1_794_153_600_000)  // 2026-11-08T16:00Z
            #expect(MetricsEngine.parameters(for: offset)["zone"] == .text("+08:00"))

            let (_, _) = try box.ingestLines([Log.idVerdict("A", at: "2026-11-15T17:00:00Z", "Y")])  // Monday 01:00 at +08:00: W47
            let q = try box.write("zone.sql", bytes: Array("SELECT :zone AS zone, :start_ms AS start_ms".utf8))
            let out = try runVerdict(["query", "--db", box.databasePath, q, "--week", "2026-W46", "--tz", "+08:00", "--format", "json"], in: box)
            #expect(out.status == 0, "\(out.stderr)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])
            #expect(rows.count == 1 && rows[0]["zone"] as? String == "+08:00" && rows[0]["start_ms"] as? Int == 1_794_153_600_000, "\(out.stdout)")
            let rep = try runVerdict(["report", "--db", box.databasePath, "--week", "2026-W46", "--tz", "+0800", "--out", box.file("r")], in: box)
            #expect(rep.status == 0, "\(rep.stderr)")
            #expect(try readText(box.file("r/report.md")).contains("2026-11-09 to 2026-11-15 (+08:00)"))
            #expect(try readCSV(box.file("r"), "outcomes")[1][1] == "0")
        }
    }

    @Test("every command taking --tz refuses CST with one line that names the candidate zones, exit status 64")
    func abbreviationThroughEveryCommand() throws {
        try withSandbox { box in
            let log = try box.write("log.ndjson", lines: [Log.idVerdict("A", at: "2026-11-10T08:00:00Z", "Y")])
            #expect(try runVerdict(["ingest", "--db", box.databasePath, log], in: box).status == 0)
            let commands: [[String]] = [
                ["ingest", "--db", box.databasePath, log],
                ["query", "--db", box.databasePath, "outcomes", "--week", "2026-W46"],
                ["report", "--db", box.databasePath, "--week", "2026-W46", "--out", box.file("r")],
            ]
            for command in commands {
                for (tz, mentions) in [("CST", ["Asia/Shanghai", "America/Chicago"]), ("UTC+5", ["+05:00", "-05:00"]), ("GMT+8", ["+08:00"]),
                                       ("PRC", ["Asia/Shanghai"])] {
                    let out = try runVerdict(command + ["--tz", tz], in: box)
                    #expect(out.status == 64, "\(command[0]) --tz \(tz): \(out.stderr)")
                    let lines = out.stderr.split(separator: "\n")
                    #expect(lines.count == 1 && lines[0].hasPrefix("verdict: error: "), "\(command[0]) --tz \(tz): \(out.stderr)")
                    for m in mentions { #expect(out.stderr.contains(m), "\(command[0]) --tz \(tz): \(out.stderr)") }
                }
            }
            #expect(!FileManager.default.fileExists(atPath: box.file("r")))
        }
    }

    /// Epoch milliseconds of proleptic Gregorian midnights, computed by Python's `datetime`
    /// (proleptic Gregorian by definition), for ISO dates or ISO weeks.
    func pythonMidnights(_ args: [String], in box: Sandbox) throws -> [Int64] {
        let code = """
            import sys, datetime as dt
            epoch = dt.date(1970, 1, 1)
            for a in sys.argv[1:]:
                d = dt.date.fromisocalendar(int(a[:4]), int(a[6:]), 1) if "W" in a else dt.date.fromisoformat(a)
                print((d - epoch).days * 86400000)
            """
        let out = try runPython(code, args, in: box)
        #expect(out.status == 0, "\(out.stderr)")
        return out.stdout.split(separator: "\n").compactMap { Int64($0) }
    }

    @Test("period bounds before 1582 are proleptic Gregorian, as ingest dates polls")
    func prolepticBounds() throws {
        try withSandbox { box in
            let dates = ["1500-01-01", "1500-01-08", "1000-01-01", "0001-01-01", "1582-10-04", "1582-10-15", "1582-10-05", "1970-01-01"]
            let expected = try pythonMidnights(dates + ["1000-W01"], in: box)
            #expect(expected.count == dates.count + 1)
            for (date, ms) in zip(dates, expected) {
                let p = try Periods.span(date, date)
                #expect(p.startMillis == ms, "\(date)")
                #expect(p.endMillis - p.startMillis == 86_400_000, "\(date)")
                // A fixed offset moves the bound by exactly that offset, in any year.
                #expect(try Periods.span(date, date, tz: "+08:00").startMillis == ms - 8 * 3_600_000, "\(date)")
            }
            let week = try Periods.week("1000-W01")
            #expect(week.startMillis == expected.last)
            #expect(week.endMillis - week.startMillis == 7 * 86_400_000)
        }
    }

    @Test("a poll of 1500-01-03 is in the report of --from 1500-01-01 --to 1500-01-07, and one of 1000-W01 in --week 1000-W01")
    func prolepticReport() throws {
        try withSandbox { box in
            // 1000-W01 starts on Monday 0999-12-30 (proleptic Gregorian): a poll on its Tuesday.
            let log = try box.write("old.ndjson", lines: [
                Log.idVerdict("A", at: "1500-01-03T12:00:00Z", "Y"),
                Log.idVerdict("B", at: "1500-01-08T00:00:00Z", "N"),  // the day after the span
                Log.idVerdict("C", at: "0999-12-31T10:00:00Z", "N"),
            ])
            #expect(try runVerdict(["ingest", "--db", box.databasePath, log], in: box).status == 0)
            let span = try runVerdict(["query", "--db", box.databasePath, "outcomes", "--from", "1500-01-01", "--to", "1500-01-07"], in: box)
            #expect(span.status == 0, "\(span.stderr)")
            #expect(CSVReader.parse(span.stdout)[1] == ["ID_RECOGNITION", "1", "1", "1", "0", "0", "0", "1.000000"])
            let week = try runVerdict(["query", "--db", box.databasePath, "outcomes", "--week", "1000-W01"], in: box)
            #expect(week.status == 0, "\(week.stderr)")
            #expect(CSVReader.parse(week.stdout)[1] == ["ID_RECOGNITION", "1", "1", "0", "1", "0", "0", "0.000000"])
        }
    }
}
