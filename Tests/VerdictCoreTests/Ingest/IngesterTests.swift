import Foundation
import GRDB
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

/// A messy file whose counts are worked out line by line in `messyCounts`.
private let messyLines: [String] = [
    Log.id("T1", at: "2026-11-10T08:00:00Z", code: "PROCESSING"),  // 1 accepted
    Log.id("T1", at: "2026-11-10T08:00:00Z", code: "PROCESSING"),  // 2 duplicate: the same line
    "",  // 3 blank
    "  \t ",  // 4 blank
    "{\"timestamp\": \"2026-11-10T08:00:00Z\", \"x\": NaN}",  // 5 invalid_json
    Log.envelope(timestamp: "\"2026-11-10T08:00:00Z\"", api: Log.idAPI, transactionId: nil, response: "{}"),  // 6 missing_transaction_id
    Log.envelope(timestamp: nil, api: Log.idAPI, transactionId: "T9", response: "{}"),  // 7 missing_timestamp
    Log.envelope(timestamp: "\"2026-02-30T00:00:00Z\"", api: Log.idAPI, transactionId: "T9", response: "{}"),  // 8 invalid_timestamp
    Log.envelope(timestamp: "\"2026-11-10T08:00:00Z\"", api: Log.idAPI, transactionId: "T9", response: "\"not json\""),  // 9 missing_result
    Log.id("T9", at: "2026-11-10T08:00:00Z", api: "/api/v1/zoloz/realid/checkresult"),  // 10 unknown_product
    // 11 accepted: T1's SUCCESS at 2026-11-10T08:05:00Z written as epoch ms
    // (1 794 297 660 000 is 08:01:00, see TimestampTests; + 4 min = 1 794 297 900 000).
    Log.envelope(timestampKey: "ts", timestamp: "1794297900000", api: Log.idAPI, transactionId: "T1",
                 response: "{\"result\": \(Log.result("S", "SUCCESS")), \"extInfo\": {\"recognitionResult\": \"Y\"}}"),
    // 12 duplicate: the same instant as line 11 written at +05:30 (08:05 UTC = 13:35 local).
    Log.idVerdict("T1", at: "2026-11-10T13:35:00+05:30", "Y"),
    Log.vv("V1", at: "2026-11-10T09:00:00Z", verdict: "Success"),  // 13 accepted
]

@Suite("Ingest")
struct IngesterTests {
    @Test("the summary adds up on messy input: lines = accepted + duplicates + refused + blank")
    func messyCounts() throws {
        try withSandbox { box in
            let (db, s) = try box.ingestLines(messyLines)
            let t = s.total
            // 13 lines: accepted 1, 11, 13; duplicates 2, 12; blank 3, 4; one refusal of each reason (5–10).
            #expect(t.lines == 13)
            #expect(t.accepted == 3)
            #expect(t.duplicates == 2)
            #expect(t.blank == 2)
            #expect(t.refused == [.invalidJSON: 1, .missingTransactionId: 1, .missingTimestamp: 1, .invalidTimestamp: 1, .missingResult: 1, .unknownProduct: 1])
            #expect(t.lines == t.accepted + t.duplicates + t.refusedTotal + t.blank)
            #expect(t.addsUp)
            #expect(s.files.count == 1 && s.files[0].addsUp && s.files[0].error == nil)
            #expect(s.transactions == [.idRecognition: 1, .videoVerify: 1])
            // Refused lines are kept with their reason and line number.
            #expect(try db.rows("SELECT line_number, reason FROM ingest_refused_line ORDER BY line_number") == [
                ["5", "invalid_json"], ["6", "missing_transaction_id"], ["7", "missing_timestamp"],
                ["8", "invalid_timestamp"], ["9", "missing_result"], ["10", "unknown_product"],
            ])
            // Stored polls: lines 1, 11 and 13.
            #expect(try db.rows("SELECT line_number FROM fct_poll ORDER BY poll_key") == [["1"], ["11"], ["13"]])
            // T1's final poll is its SUCCESS.
            #expect(try db.finals()["T1"] == ["S", "SUCCESS", "passed", "Y"])
        }
    }

    @Test("duplicates are by identity (product, transactionId, instant, resultCode)")
    func duplicateIdentity() throws {
        try withSandbox { box in
            let lines = [
                Log.id("A", at: "2026-11-10T08:00:00Z", status: "F", code: "INVALID_ARGUMENT"),  // stored
                Log.id("A", at: "2026-11-10T08:00:00.000Z", status: "U", code: "INVALID_ARGUMENT"),  // duplicate: status is not part of the identity
                Log.id("A", at: "2026-11-10T08:00:00Z", status: "U", code: "LIMIT_EXCEEDED"),  // stored: another code
                Log.id("A", at: "2026-11-10T08:00:00.001Z", status: "F", code: "INVALID_ARGUMENT"),  // stored: another instant (1 ms later)
                Log.vv("A", at: "2026-11-10T08:00:00Z", status: "F", code: "INVALID_ARGUMENT"),  // stored: another product
                Log.id("a", at: "2026-11-10T08:00:00Z", status: "F", code: "INVALID_ARGUMENT"),  // stored: ids are case-sensitive
                Log.id("A", at: "2026-11-10T09:00:00+01:00", status: "F", code: "INVALID_ARGUMENT"),  // duplicate: 08:00 UTC again
            ]
            let (db, s) = try box.ingestLines(lines)
            #expect(s.total.accepted == 5)
            #expect(s.total.duplicates == 2)
            #expect(s.transactions == [.idRecognition: 2, .videoVerify: 1])
            #expect(try db.count("SELECT count(*) FROM fct_poll") == 5)
        }
    }

    @Test("the final poll is chosen by class, then by time")
    func finalPollClasses() throws {
        try withSandbox { box in
            let lines = [
                // A: a SUCCESS beats a later PROCESSING (class 1 before class 4).
                Log.id("A", at: "2026-11-10T08:00:00Z", code: "PROCESSING"),
                Log.idVerdict("A", at: "2026-11-10T08:01:00Z", "Y"),
                Log.id("A", at: "2026-11-10T08:02:00Z", code: "PROCESSING"),
                // B: of two SUCCESS polls the later wins, whatever the order in the file.
                Log.idVerdict("B", at: "2026-11-10T08:05:00Z", "Y"),
                Log.idVerdict("B", at: "2026-11-10T08:00:00Z", "N"),
                // C: an F code that is not SYSTEM_ERROR beats a later SYSTEM_ERROR (class 2 before 3).
                Log.id("C", at: "2026-11-10T08:00:00Z", status: "F", code: "INVALID_ARGUMENT"),
                Log.id("C", at: "2026-11-10T08:01:00Z", status: "F", code: "SYSTEM_ERROR"),
                // D: SYSTEM_ERROR beats a later PROCESSING (class 3 before 4).
                Log.id("D", at: "2026-11-10T08:00:00Z", status: "U", code: "SYSTEM_ERROR"),
                Log.id("D", at: "2026-11-10T08:01:00Z", code: "PROCESSING"),
                // E: only PROCESSING polls: the latest (which is the first line).
                Log.id("E", at: "2026-11-10T08:09:00Z", status: "S", code: "WAITING"),
                Log.id("E", at: "2026-11-10T08:01:00Z", code: "PROCESSING"),
                // F: two class-2 polls at the same instant: the one ingested last wins.
                Log.id("F", at: "2026-11-10T08:00:00Z", status: "F", code: "INVALID_ARGUMENT"),
                Log.id("F", at: "2026-11-10T08:00:00Z", status: "U", code: "LIMIT_EXCEEDED"),
                // G: a SUCCESS beats a later F poll.
                Log.idVerdict("G", at: "2026-11-10T08:00:00Z", "N"),
                Log.id("G", at: "2026-11-10T09:00:00Z", status: "F", code: "LIMIT_EXCEEDED"),
                // H: SYSTEM_ERROR with status S is still class 3; it beats a later PROCESSING.
                Log.id("H", at: "2026-11-10T08:00:00Z", status: "S", code: "SYSTEM_ERROR"),
                Log.id("H", at: "2026-11-10T08:30:00Z", code: "PROCESSING"),
            ]
            let (db, _) = try box.ingestLines(lines)
            let f = try db.finals()
            #expect(f["A"] == ["S", "SUCCESS", "passed", "Y"])
            #expect(f["B"] == ["S", "SUCCESS", "passed", "Y"])
            #expect(f["C"] == ["F", "INVALID_ARGUMENT", "api_error", nil])
            #expect(f["D"] == ["U", "SYSTEM_ERROR", "api_error", nil])
            #expect(f["E"] == ["S", "WAITING", "pending", nil])
            #expect(f["F"] == ["U", "LIMIT_EXCEEDED", "api_error", nil])
            #expect(f["G"] == ["S", "SUCCESS", "failed", "N"])
            #expect(f["H"] == ["S", "SYSTEM_ERROR", "pending", nil])
            #expect(try db.rows("SELECT transaction_id, poll_count FROM v_transaction ORDER BY transaction_id") == [
                ["A", "3"], ["B", "2"], ["C", "2"], ["D", "2"], ["E", "2"], ["F", "2"], ["G", "2"], ["H", "2"],
            ])
        }
    }

    @Test("equal timestamps across two files: the file ingested last wins", arguments: [false, true])
    func tieAcrossFiles(reversed: Bool) throws {
        try withSandbox { box in
            let first = try box.write("first.ndjson", lines: [
                Log.id("T", at: "2026-11-10T08:00:00Z", status: "F", code: "INVALID_ARGUMENT"),
                Log.id("P", at: "2026-11-10T08:00:00Z", status: "S", code: "PROCESSING"),
            ])
            let second = try box.write("second.ndjson", lines: [
                Log.id("T", at: "2026-11-10T08:00:00Z", status: "U", code: "LIMIT_EXCEEDED"),
                Log.id("P", at: "2026-11-10T08:00:00Z", status: "S", code: "WAITING"),
            ])
            let db = try box.database()
            // In one ingest run, and also in two separate runs.
            _ = try box.ingest(db, reversed ? [second, first] : [first, second])
            let f = try db.finals()
            #expect(f["T"]?[1] == (reversed ? "INVALID_ARGUMENT" : "LIMIT_EXCEEDED"))
            #expect(f["P"]?[1] == (reversed ? "PROCESSING" : "WAITING"))

            let db2 = try box.database("two-runs.db")
            _ = try box.ingest(db2, [reversed ? second : first])
            _ = try box.ingest(db2, [reversed ? first : second])
            #expect(try db2.finals() == f)
        }
    }

    @Test("a transaction's date is its earliest poll, whichever poll is final or ingested first")
    func dateIsEarliestPoll() throws {
        try withSandbox { box in
            let db = try box.database()
            // The SUCCESS on Monday of W47 is ingested first; the PROCESSING poll a few
            // minutes earlier, on Sunday of W46, comes in a later file.
            let late = try box.write("late.ndjson", lines: [Log.idVerdict("T", at: "2026-11-16T00:05:00Z", "Y")])
            let early = try box.write("early.ndjson", lines: [Log.id("T", at: "2026-11-15T23:59:59.999Z", code: "PROCESSING")])
            _ = try box.ingest(db, [late])
            #expect(try db.rows("SELECT date, outcome FROM v_transaction") == [["2026-11-16", "passed"]])
            _ = try box.ingest(db, [early])
            #expect(try db.rows("SELECT date, iso_week_label, outcome, started_at FROM v_transaction") == [
                ["2026-11-15", "2026-W46", "passed", "2026-11-15T23:59:59.999Z"],
            ])
            // So the transaction is counted, as passed, in W46 and not in W47.
            let w46 = try readCSV(try box.report(db, try Periods.week("2026-W46"), into: "w46"), "outcomes")
            #expect(w46[1] == ["ID_RECOGNITION", "1", "1", "1", "0", "0", "0", "1.000000"])
            let w47 = try readCSV(try box.report(db, try Periods.week("2026-W47"), into: "w47"), "outcomes")
            #expect(w47[1] == ["ID_RECOGNITION", "0", "0", "0", "0", "0", "0", ""])
        }
    }

    @Test("gzip with several concatenated members is read to the end")
    func gzipMembers() throws {
        try withSandbox { box in
            let gz = try box.writeGzip("rotated.ndjson.gz", members: [
                [Log.id("G1", at: "2026-11-10T08:00:00Z", code: "PROCESSING"), Log.idVerdict("G1", at: "2026-11-10T08:01:00Z", "Y")],
                [Log.idVerdict("G2", at: "2026-11-10T09:00:00Z", "N")],
                ["", Log.vv("G3", at: "2026-11-10T10:00:00Z", verdict: "Success")],
            ])
            let db = try box.database()
            let s = try box.ingest(db, [gz])
            // 5 lines: 4 polls and one blank, across three members.
            #expect(s.total.lines == 5)
            #expect(s.total.accepted == 4)
            #expect(s.total.blank == 1)
            #expect(s.files[0].error == nil)
            #expect(s.transactions == [.idRecognition: 2, .videoVerify: 1])
        }
    }

    @Test("CRLF line ends, a missing final newline, and blank lines")
    func lineEnds() throws {
        try withSandbox { box in
            let db = try box.database()
            let polls = [
                Log.id("C1", at: "2026-11-10T08:00:00Z", code: "PROCESSING"),
                Log.idVerdict("C1", at: "2026-11-10T08:01:00Z", "Y"),
                Log.idVerdict("C2", at: "2026-11-10T08:02:00Z", "N"),
            ]
            // CRLF, ending with CRLF: 3 lines, no empty fourth line.
            let crlf = try box.write("crlf.ndjson", lines: polls, ending: "\r\n")
            var s = try box.ingest(db, [crlf])
            #expect(s.total.lines == 3 && s.total.accepted == 3 && s.total.blank == 0 && s.total.refusedTotal == 0)

            // No final newline: the last line still counts and is accepted.
            let open = try box.write("open.ndjson", lines: [
                Log.idVerdict("N1", at: "2026-11-10T08:00:00Z", "Y"), Log.idVerdict("N2", at: "2026-11-10T08:00:00Z", "Y"),
            ], finalNewline: false)
            s = try box.ingest(db, [open])
            #expect(s.total.lines == 2 && s.total.accepted == 2)

            // Blank lines of ASCII white space only, with LF and CRLF ends, and a last line
            // that is a lone CR: 6 lines, all blank, none refused.
            let blanks = try box.write("blank.ndjson", bytes: Array("\n \n\t\r\n\u{0B}\u{0C}\n   \r\n\r".utf8))
            s = try box.ingest(db, [blanks])
            #expect(s.total.lines == 6 && s.total.blank == 6 && s.total.refusedTotal == 0 && s.total.accepted == 0)

            // An empty file: no line at all.
            let empty = try box.write("empty.ndjson", bytes: [])
            s = try box.ingest(db, [empty])
            #expect(s.total.lines == 0 && s.files[0].error == nil)

            // A UTF-8 BOM before the first line is skipped.
            let bom = try box.write("bom.ndjson", bytes: [0xEF, 0xBB, 0xBF] + Array((Log.idVerdict("B1", at: "2026-11-10T08:00:00Z", "Y") + "\n").utf8))
            s = try box.ingest(db, [bom])
            #expect(s.total.accepted == 1)
        }
    }

    @Test("a log read while its last line was being written: when it grows, that line is read again whole")
    func lineStillBeingWritten() throws {
        try withSandbox { box in
            let lines = (1...6).map { Log.idVerdict("W\($0)", at: "2026-11-10T08:0\($0):00Z", $0 % 2 == 0 ? "N" : "Y") }
            let db = try box.database()
            func row() throws -> [String?] {
                let rows = try db.rows("SELECT lines, accepted, duplicates, refused, status FROM dim_source_file")
                #expect(rows.count == 1, "one row for the file: \(rows)")
                return rows.first ?? []
            }

            // Read while line 4 was half written: refused, as a truncated line must be.
            let cut = lines[3].prefix(lines[3].count / 2)
            let path = try box.write("app.log", bytes: Array((lines[0..<3].joined(separator: "\n") + "\n" + cut).utf8))
            var s = try box.ingest(db, [path])
            #expect(s.total.lines == 4 && s.total.accepted == 3 && s.total.refused == [.invalidJSON: 1])

            // Line 4 finished, line 5 written: read on from the start of line 4, and the
            // refusal of its first half is taken back.
            _ = try box.write("app.log", lines: Array(lines[0..<5]))
            s = try box.ingest(db, [path])
            #expect(s.files[0].appendedAfterLine == 3)
            #expect(s.total.lines == 2 && s.total.accepted == 2 && s.total.refusedTotal == 0 && s.total.duplicates == 0)
            #expect(try row() == ["5", "5", "0", "0", "complete"])
            #expect(try db.count("SELECT count(*) FROM ingest_refused_line") == 0)
            #expect(try db.count("SELECT count(*) FROM fct_poll") == 5)

            // A last line that is whole but has no newline yet is stored; when the file grows
            // after it, it is not read again (the earlier read ended with a newline, and the
            // continuation starts there).
            _ = try box.write("app.log", lines: lines, finalNewline: false)
            s = try box.ingest(db, [path])
            #expect(s.files[0].appendedAfterLine == 5 && s.total.accepted == 1)
            // Now the earlier read ended inside line 6, which was stored: all it gained since
            // is its newline, so it stands as read, and the file goes on after it on the
            // same row.
            _ = try box.write("app.log", lines: lines + [Log.vv("W7", at: "2026-11-10T09:00:00Z", verdict: "Success")])
            s = try box.ingest(db, [path])
            #expect(s.files[0].appendedAfterLine == 6 && s.total.lines == 1 && s.total.accepted == 1 && s.total.duplicates == 0)
            #expect(try row() == ["7", "7", "0", "0", "complete"])
            #expect(try db.count("SELECT count(*) FROM fct_poll") == 7)
            #expect(try db.count("SELECT count(*) FROM ingest_refused_line") == 0)
            #expect(try DataChecks(database: db).run().failures.isEmpty)
        }
    }

    @Test("a small SQL batch size gives the same database as one batch")
    func batchBoundaries() throws {
        try withSandbox { box in
            let path = try box.write("log.ndjson", lines: messyLines + messyLines.map { $0.replacingOccurrences(of: "\"T1\"", with: "\"T2\"") })
            let one = try box.database("one.db")
            let sOne = try box.ingest(one, [path])
            var options = IngestOptions()
            options.batchLines = 1
            let many = try box.database("many.db")
            let sMany = try box.ingest(many, [path], options: options)
            #expect(sOne.total == sMany.total)
            let query = "SELECT transaction_id, product, poll_count, result_code, outcome, started_at FROM v_transaction ORDER BY product, transaction_id"
            #expect(try one.rows(query) == many.rows(query))
            #expect(try one.tableCounts() == many.tableCounts())
        }
    }

    @Test("a transaction dropped from the writer's memory is found again, on a first load and on a later one")
    func transactionCacheDrops() throws {
        try withSandbox { box in
            // 40 transactions polled three times each, the polls of one transaction far apart,
            // and a second file repeating some polls and finishing others.
            var first: [String] = []
            for round in 0..<3 {
                for t in 0..<40 {
                    let at = String(format: "2026-11-10T08:%02d:%02dZ", round * 10, t)
                    first.append(round < 2 ? Log.id("C\(t)", at: at, status: "U", code: "PROCESSING") : Log.idVerdict("C\(t)", at: at, t % 2 == 0 ? "Y" : "N"))
                }
            }
            let second = first.suffix(50) + (0..<40).map { Log.id("C\($0)", at: "2026-11-10T09:00:00Z", status: "F", code: "SYSTEM_ERROR") }
            let a = try box.write("a.ndjson", lines: first)
            let b = try box.write("b.ndjson", lines: Array(second))

            let reference = try box.database("reference.db")
            let sRef = try box.ingest(reference, [a, b])
            let (oneRun, sOne, twoRuns, _, _) = try ingestWithSmallCache(box, a, b)

            #expect(sRef.total.accepted == 160 && sRef.total.duplicates == 50)
            #expect(sOne.total == sRef.total)
            let query = "SELECT transaction_id, poll_count, result_code, outcome, verdict FROM v_transaction ORDER BY transaction_id"
            let expected = try reference.rows(query)
            #expect(expected.count == 40)
            // Every transaction: 4 polls, its final poll the verdict (a SUCCESS outranks a SYSTEM_ERROR).
            #expect(expected.allSatisfy { $0[1] == "4" && $0[2] == "SUCCESS" && $0[3] == ($0[4] == "Y" ? "passed" : "failed") })
            #expect(try oneRun.rows(query) == expected)
            #expect(try twoRuns.rows(query) == expected)
            #expect(try oneRun.tableCounts() == reference.tableCounts())
            #expect(try twoRuns.count("SELECT count(*) FROM fct_poll") == 160)
        }
    }

    @Test("duplicates are recognised in memory: side by side, past 16 polls of one transaction, after a cache drop, across runs")
    func duplicatesInMemory() throws {
        try withSandbox { box in
            // D0: 40 polls, each line twice in a row (so both copies can wait in one multi-row
            // insert), then its SUCCESS. E0…E59: one poll each, repeated 100 lines later,
            // when a small cache has long forgotten the transaction.
            var a: [String] = []
            for i in 0..<40 {
                let line = Log.id("D0", at: String(format: "2026-11-10T08:00:%02dZ", i), code: "PROCESSING")
                a += [line, line]
            }
            let e = (0..<60).map { Log.id("E\($0)", at: String(format: "2026-11-10T09:%02d:00Z", $0), code: "PROCESSING") }
            a += e + Array(a.prefix(40)) + e + [Log.idVerdict("D0", at: "2026-11-10T08:59:00Z", "Y")]
            // b: a new poll for every E (a verdict), then all of a again.
            let b = (0..<60).map { Log.idVerdict("E\($0)", at: String(format: "2026-11-10T10:%02d:00Z", $0), $0 % 3 == 0 ? "N" : "Y") } + a
            let pa = try box.write("a.ndjson", lines: a)
            let pb = try box.write("b.ndjson", lines: b)

            let reference = try box.database("reference.db")
            let sRef = try box.ingest(reference, [pa, pb])
            // a: 40 + 60 + 1 polls stored; 40 side-by-side copies, 40 + 60 repeats. b: 60 new, the rest repeats.
            #expect(sRef.files.map(\.accepted) == [101, 60])
            #expect(sRef.files.map(\.duplicates) == [140, 241])
            let (oneRun, sOne, twoRuns, sFirst, sSecond) = try ingestWithSmallCache(box, pa, pb)
            #expect(sOne.total == sRef.total)
            #expect(sFirst.total.accepted + sSecond.total.accepted == 161)
            #expect(sFirst.total.duplicates + sSecond.total.duplicates == 381)

            let query = "SELECT transaction_id, poll_count, result_code, outcome FROM v_transaction ORDER BY transaction_id"
            let expected = try reference.rows(query)
            #expect(expected.count == 61)
            #expect(expected.first == ["D0", "41", "SUCCESS", "passed"])
            #expect(expected.dropFirst().allSatisfy { $0[1] == "2" && $0[2] == "SUCCESS" })
            #expect(try oneRun.rows(query) == expected)
            #expect(try twoRuns.rows(query) == expected)
            for db in [reference, oneRun, twoRuns] {
                #expect(try db.count("SELECT count(*) FROM fct_poll") == 161)
                // Keys follow ingest order without gaps: a duplicate takes no key.
                #expect(try db.count("SELECT max(poll_key) FROM fct_poll") == 161)
            }
        }
    }

    @Test("duplicates of any earlier poll are recognised, for transactions of 1 to 20 polls")
    func duplicatesByPollCount() throws {
        try withSandbox { box in
            // Transaction Pn has n distinct polls; then every poll of every transaction is
            // logged again, last first, and then the first, fourth, fifth and last again.
            var lines: [String] = []
            var repeats: [String] = []
            for n in 1...20 {
                let polls = (0..<n).map { Log.id("P\(n)", at: String(format: "2026-11-10T08:%02d:%02dZ", n, $0), code: "PROCESSING") }
                lines += polls
                repeats += polls.reversed() + [0, 3, 4, n - 1].filter { $0 < n }.map { polls[$0] }
            }
            let path = try box.write("p.ndjson", lines: lines + repeats)
            let distinct = (1...20).reduce(0, +)
            for limit in [25_000, 2] {
                var options = IngestOptions()
                options.transactionCacheLimit = limit
                options.batchLines = 16
                let db = try box.database("cache-\(limit).db")
                let s = try box.ingest(db, [path], options: options)
                #expect(s.total.accepted == distinct)
                #expect(s.total.duplicates == repeats.count)
                let counts = try db.rows("SELECT transaction_id, poll_count FROM v_transaction ORDER BY CAST(substr(transaction_id, 2) AS INTEGER)")
                #expect(counts == (1...20).map { ["P\($0)", "\($0)"] as [String?] })
            }
        }
    }

    /// Ingests files `a` and `b` with batches of 7 lines and a cache of 3 transactions: once
    /// in one run into an empty database, and once in two runs, `b` into a database that
    /// already holds `a`. Returns both databases and the summaries of the three runs.
    private func ingestWithSmallCache(
        _ box: Sandbox, _ a: String, _ b: String
    ) throws -> (oneRun: VerdictDatabase, one: IngestSummary, twoRuns: VerdictDatabase, first: IngestSummary, second: IngestSummary) {
        var options = IngestOptions()
        options.batchLines = 7
        options.transactionCacheLimit = 3
        let oneRun = try box.database("one-run.db")
        let one = try box.ingest(oneRun, [a, b], options: options)
        let twoRuns = try box.database("two-runs.db")
        let first = try box.ingest(twoRuns, [a], options: options)
        let second = try box.ingest(twoRuns, [b], options: options)
        return (oneRun, one, twoRuns, first, second)
    }

    /// 5,000 transactions of one poll each (ids `prefix0`…`prefix4999`), a reference database
    /// holding them, and options with batchLines 2,048. Lines reach the writer 2,048 at a time,
    /// so the first SQL transaction ends after line 2,048; polls go in 32 per INSERT, and
    /// line 3,000 sits inside one of the second batch's.
    private func fiveThousandOnePollTransactions(
        _ box: Sandbox, prefix: String
    ) throws -> (path: String, options: IngestOptions, reference: VerdictDatabase) {
        let lines = (0..<5000).map {
            Log.id("\(prefix)\($0)", at: String(format: "2026-11-10T%02d:%02d:%02dZ", $0 / 3600, $0 / 60 % 60, $0 % 60), code: "PROCESSING")
        }
        let path = try box.write("\(prefix).ndjson", lines: lines)
        var options = IngestOptions()
        options.batchLines = 2048
        let reference = try box.database("reference.db")
        _ = try box.ingest(reference, [path], options: options)
        return (path, options, reference)
    }

    @Test("a multi-row insert that fails half way leaves nothing of its batch, and the next run stores everything")
    func failedInsertRollsBackBatch() throws {
        try withSandbox { box in
            let (path, options, reference) = try fiveThousandOnePollTransactions(box, prefix: "F")
            let db = try box.database("failing.db")
            // Fails the statement at line 3,000 and keeps the rows it already wrote
            // (RAISE(FAIL)), as an INSERT OR FAIL does on a constraint.
            try db.queue.write { c in
                try c.execute(sql: """
                    CREATE TRIGGER fail_line_3000 BEFORE INSERT ON fct_poll WHEN NEW.line_number = 3000
                    BEGIN SELECT RAISE(FAIL, 'line 3000 refused by a test trigger'); END
                    """)
            }
            #expect(throws: (any Error).self) { try box.ingest(db, [path], options: options) }
            // The first batch is committed; nothing of the second, though lines 2,049–2,999 were
            // inserted before the failure.
            #expect(try db.count("SELECT count(*) FROM fct_poll") == 2048)
            #expect(try db.count("SELECT max(line_number) FROM fct_poll") == 2048)
            #expect(try db.count("SELECT count(*) FROM fct_transaction") == 2048)
            #expect(try db.count("SELECT sum(transactions) FROM agg_outcome_15min") == 2048)

            try db.queue.write { c in try c.execute(sql: "DROP TRIGGER fail_line_3000") }
            let again = try box.ingest(db, [path], options: options)
            // The read resumes after the committed batch; the summary counts the whole file.
            #expect(again.total.lines == 5000)
            #expect(again.total.accepted == 5000)
            #expect(again.total.duplicates == 0)
            let query = "SELECT transaction_id, poll_count, outcome, started_at FROM v_transaction ORDER BY transaction_id"
            #expect(try db.rows(query) == reference.rows(query))
            #expect(try db.count("SELECT count(*) FROM fct_poll") == 5000)
            #expect(try db.tableCounts() == reference.tableCounts())
        }
    }

    @Test("keys that SQLite would assign differently from the writer fail the batch instead of linking the wrong rows")
    func rowidOutOfStepFailsBatch() throws {
        try withSandbox { box in
            // Two triggers each move one row to a higher key, so the rows after it would get
            // other keys than the writer handed out: one for a poll of the second batch, one
            // for a transaction of the third.
            let (path, options, reference) = try fiveThousandOnePollTransactions(box, prefix: "K")

            for (table, trigger) in [
                ("fct_poll", "AFTER INSERT ON fct_poll WHEN NEW.line_number = 3000 BEGIN UPDATE fct_poll SET poll_key = poll_key + 100 WHERE poll_key = NEW.poll_key; END"),
                ("fct_transaction", "AFTER INSERT ON fct_transaction WHEN NEW.transaction_id = 'K4500' BEGIN UPDATE fct_transaction SET transaction_key = transaction_key + 100 WHERE transaction_key = NEW.transaction_key; END"),
            ] {
                let db = try box.database("\(table).db")
                try db.queue.write { c in try c.execute(sql: "CREATE TRIGGER shift_key " + trigger) }
                let error = #expect(throws: VerdictError.self) { try box.ingest(db, [path], options: options) }
                #expect(error?.message.contains("internal error") == true, "\(table): \(String(describing: error))")
                // The committed batches stay, and nothing of the failed one.
                let committed = table == "fct_poll" ? 2048 : 4096
                #expect(try db.count("SELECT count(*) FROM fct_poll") == committed, "\(table)")
                #expect(try db.count("SELECT count(*) FROM fct_transaction") == committed, "\(table)")
                #expect(try db.count("SELECT count(*) FROM fct_poll p JOIN fct_transaction t USING (transaction_key) WHERE t.final_poll_key = p.poll_key") == committed, "\(table)")

                try db.queue.write { c in try c.execute(sql: "DROP TRIGGER shift_key") }
                _ = try box.ingest(db, [path], options: options)
                let query = "SELECT transaction_id, poll_count, outcome, started_at FROM v_transaction ORDER BY transaction_id"
                #expect(try db.rows(query) == reference.rows(query), "\(table)")
                #expect(try db.tableCounts() == reference.tableCounts(), "\(table)")
            }
        }
    }

    @Test("the stored fingerprint is the SHA-256 of the file's bytes as on disk, plain and gzip, over many blocks")
    func contentFingerprint() throws {
        try withSandbox { box in
            // Several MiB with hard-to-compress text, so both files span many 1 MiB hashing blocks.
            var rng = SystemRandomNumberGenerator()
            let lines = (0..<50_000).map { i in
                Log.id("H\(i)", at: "2026-11-10T08:00:00Z",
                       ext: "{\"noise\": \"\((0..<4).map { _ in String(rng.next(), radix: 16) }.joined())\"}")
            }
            let plain = try box.write("big.ndjson", lines: lines)
            let gz = try box.writeGzip("big.ndjson.gz", members: [Array(lines.prefix(25_000)), Array(lines.suffix(25_000))])
            let db = try box.database()
            let s = try box.ingest(db, [plain, gz])
            #expect(s.files.allSatisfy { $0.error == nil })
            let out = try runPython("""
                import hashlib, sys
                for p in sys.argv[1:]: print(hashlib.sha256(open(p, 'rb').read()).hexdigest())
                """, [plain, gz], in: box)
            #expect(out.status == 0, "stderr: \(out.stderr)")
            let expected = out.stdout.split(separator: "\n").map { Optional(String($0)) }
            let gzBytes = try #require(FileBytes.readAll(path: gz)).count
            #expect(gzBytes > 2 << 20, "the gzip file is only \(gzBytes) bytes")
            #expect(try db.rows("SELECT content_sha256 FROM dim_source_file ORDER BY file_key").map { $0[0] } == expected)
        }
    }

    @Test("standard input: verdict ingest --db X --json -")
    func standardInput() throws {
        try withSandbox { box in
            let input = [
                Log.idVerdict("S1", at: "2026-11-10T08:00:00Z", "Y"),
                Log.idVerdict("S1", at: "2026-11-10T08:00:00Z", "Y"),
                Log.vv("S2", at: "2026-11-10T08:00:00Z", verdict: "Failure"),
            ].joined(separator: "\n") + "\n"
            let out = try runVerdict(["ingest", "--db", box.databasePath, "--json", "-"], stdin: Array(input.utf8), in: box)
            #expect(out.status == 0, "stderr: \(out.stderr)")
            let json = try jsonObject(out.stdout)
            // 3 lines: 2 polls and 1 duplicate.
            #expect(json["lines"] as? Int == 3)
            #expect(json["accepted"] as? Int == 2)
            #expect(json["duplicates"] as? Int == 1)
            #expect((json["transactions"] as? [String: Int]) == ["ID_RECOGNITION": 1, "VIDEO_VERIFY": 1])
            let db = try box.database()
            #expect(try db.count("SELECT count(*) FROM fct_poll") == 2)
            #expect(try db.rows("SELECT path FROM dim_source_file") == [["-"]])
        }
    }

    @Test("ingesting the same files again accepts nothing and changes no table")
    func reingest() throws {
        try withSandbox { box in
            let plain = try box.write("a.ndjson", lines: messyLines)
            let gz = try box.writeGzip("b.ndjson.gz", members: [
                [Log.vv("V7", at: "2026-11-11T08:00:00Z", code: "PROCESSING"),
                 Log.vv("V7", at: "2026-11-11T08:01:00Z", verdict: "Success", ext: "{\"quality\": \"abc\"}")],
                [Log.idVerdict("T7", at: "2026-11-11T08:00:00Z", "N", more: "\"recognitionErrorCode\": \"BLURRY\", \"spoofResult\": {\"TAMPER_CHECK\": \"N\"}")],
            ])
            let db = try box.database()
            let first = try box.ingest(db, [plain, gz])
            // messyLines: 3 accepted, 2 duplicates; the gzip file: 3 accepted, 1 warning (quality).
            #expect(first.total.accepted == 6)
            #expect(first.total.warnings == 1)
            let before = try db.tableCounts()
            #expect(before["fct_poll"] == 6 && before["ingest_refused_line"] == 6 && before["dim_source_file"] == 2)

            let second = try box.ingest(db, [plain, gz])
            #expect(second.total.accepted == 0)
            // Every poll line is now a duplicate: 3 + 2 from the plain file, 3 from the gzip file.
            #expect(second.total.duplicates == 8)
            #expect(second.total.lines == first.total.lines)
            #expect(second.total.addsUp)
            #expect(second.total.warnings == 0)
            #expect(try db.tableCounts() == before)

            // A copy of the same bytes under another name is the same content.
            let copy = try box.write("copy.ndjson", bytes: try #require(FileBytes.readAll(path: plain)))
            let third = try box.ingest(db, [copy])
            #expect(third.total.accepted == 0 && third.total.addsUp)
            #expect(try db.tableCounts() == before)
        }
    }

    @Test("no OCR value of an accepted line is stored anywhere in the database file")
    func noOCRValuesStored() throws {
        try withSandbox { box in
            // Distinctive values that cannot appear in the file by chance.
            let secrets = ["X9Q7Z5512345", "ZHANGSANFENG OCRTEST", "LIWEIQA-TESTNAME", "K7M3P0DETAILVAL", "1987-03-14-BIRTHQA", "NATIONALITY-QAXQ"]
            let ext = """
                {"recognitionResult": "Y", "docCategory": "PASSPORT",
                 "ocrResult": {"ID_NUMBER": "\(secrets[0])", "NAME": "\(secrets[1])", "BIRTH_DATE": "\(secrets[4])"},
                 "ocrResultFormat": {"NUMBER": "\(secrets[0])", "FULL_NAME": "\(secrets[2])", "NATIONALITY": "\(secrets[5])"},
                 "ocrResultDetail": {"MRZ_ID_NUMBER": {"name": "ID_NUMBER", "source": "MRZ", "value": "\(secrets[3])"}}}
                """.replacingOccurrences(of: "\n", with: " ")
            let line = Log.id("PII1", at: "2026-11-10T08:00:00Z", ext: ext)
            // The raw body as a string too: the escaped form must not leak either.
            let asString = Log.envelope(timestamp: "\"2026-11-10T09:00:00Z\"", api: Log.idAPI, transactionId: "PII2",
                                        response: Log.q("{\"result\": \(Log.result("S", "SUCCESS")), \"extInfo\": \(ext)}"))
            var options = IngestOptions()
            options.documentKey = try DocumentHasher(key: Array("0123456789abcdef-test-key".utf8))
            let db = try box.database()
            let s = try box.ingest(db, [try box.write("pii.ndjson", lines: [line, asString])], options: options)
            #expect(s.total.accepted == 2 && s.total.refusedTotal == 0)
            // The field names are kept, and the number only as a 64-hex keyed hash.
            let rows = try db.rows("""
                SELECT s.ocr_fields, p.document_hash FROM fct_poll p LEFT JOIN dim_ocr_field_set s USING (ocr_field_set_key)
                ORDER BY p.poll_key
                """)
            #expect(rows.count == 2)
            // Both polls carry the same names: one row of the dimension, shared.
            #expect(rows[1][0] == rows[0][0])
            #expect(try db.count("SELECT count(*) FROM dim_ocr_field_set") == 1)
            let names = try #require(rows[0][0]).split(separator: ",").map(String.init)
            #expect(Set(names) == ["ocrResult.BIRTH_DATE", "ocrResult.ID_NUMBER", "ocrResult.NAME", "ocrResultDetail.MRZ_ID_NUMBER",
                                   "ocrResultFormat.FULL_NAME", "ocrResultFormat.NATIONALITY", "ocrResultFormat.NUMBER"])
            #expect(names.count == 7)
            let hash = try #require(rows[0][1])
            #expect(hash.count == 64 && hash.allSatisfy { $0.isHexDigit })
            #expect(rows[1][1] == hash)

            func assertClean(_ label: String) throws {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let path = box.databasePath + suffix
                    guard let bytes = FileBytes.readAll(path: path) else { continue }
                    for secret in secrets {
                        #expect(!contains(bytes, Array(secret.utf8)), "\(secret) found in \(path) (\(label))")
                    }
                }
            }
            try assertClean("while open")
            try db.queue.close()
            try assertClean("after closing")
            // Sanity check of the search itself: the field names are in the file.
            let main = try #require(FileBytes.readAll(path: box.databasePath))
            #expect(contains(main, Array("ocrResultFormat.NUMBER".utf8)))
        }
    }

    @Test("the keyed hash of the document number is HMAC-SHA-256 of the normalised number",
          .enabled(if: Executables.python3 != nil, "python3 is not installed"))
    func documentHash() throws {
        try withSandbox { box in
            let key = "0123456789abcdef-test-key"
            var options = IngestOptions()
            options.documentKey = try DocumentHasher(key: Array(key.utf8))
            let db = try box.database()
            // ocrResultFormat.NUMBER is preferred to ocrResult.ID_NUMBER; spaces and dashes go, letters are upper-cased.
            let line = Log.id("H1", at: "2026-11-10T08:00:00Z", ext: "{\"recognitionResult\": \"Y\", \"ocrResult\": {\"ID_NUMBER\": \"other\"}, \"ocrResultFormat\": {\"NUMBER\": \"ab-123 456\"}}")
            _ = try box.ingest(db, [try box.write("h.ndjson", lines: [line])], options: options)
            let stored = try db.rows("SELECT document_hash FROM fct_transaction")[0][0]
            // Independent computation with Python's hmac module.
            let py = try runPython("import hmac, hashlib, sys; print(hmac.new(sys.argv[1].encode(), b'AB123456', hashlib.sha256).hexdigest())", [key], in: box)
            #expect(py.status == 0)
            #expect(stored == py.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test("the database file is created readable by its owner only")
    func fileMode() throws {
        try withSandbox { box in
            let db = try box.database()
            _ = try box.ingest(db, [try box.write("x.ndjson", lines: [Log.idVerdict("M", at: "2026-11-10T08:00:00Z", "Y")])])
            for suffix in ["", "-wal", "-shm"] {
                var st = stat()
                guard stat(box.databasePath + suffix, &st) == 0 else {
                    #expect(suffix != "", "the database file is missing")
                    continue
                }
                #expect(st.st_mode & 0o777 == 0o600, "mode of verdict.db\(suffix) is \(String(st.st_mode & 0o777, radix: 8))")
            }
        }
    }

    @Test("a missing file and a directory are reported with an error; the other files are still ingested")
    func unreadableInputs() throws {
        try withSandbox { box in
            let a = try box.write("a.ndjson", lines: [Log.idVerdict("A", at: "2026-11-10T08:00:00Z", "Y")])
            let b = try box.write("b.ndjson", lines: [Log.idVerdict("B", at: "2026-11-10T08:00:00Z", "N"), Log.vv("C", at: "2026-11-10T08:00:00Z", verdict: "Success")])
            let missing = box.file("does-not-exist.ndjson")
            let dir = box.file("logs")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
            let db = try box.database()
            let s = try box.ingest(db, [a, missing, dir, b])
            #expect(s.files.map(\.path) == [a, missing, dir, b])
            #expect(s.files[0].error == nil && s.files[0].accepted == 1)
            #expect(s.files[1].error?.contains(missing) == true)
            #expect(s.files[2].error?.contains(dir) == true)
            #expect(s.files[3].error == nil && s.files[3].accepted == 2)
            #expect(s.total.accepted == 3 && s.total.lines == 3)
            #expect(s.failedInputs.map(\.path) == [missing, dir])

            // The executable says so on stderr, names them, and exits non-zero.
            let out = try runVerdict(["ingest", "--db", box.file("cli.db"), a, missing, dir, b], in: box)
            #expect(out.status != 0)
            #expect(out.stderr.contains(missing) && out.stderr.contains(dir))
            let cli = try box.database("cli.db")
            #expect(try cli.count("SELECT count(*) FROM fct_poll") == 3)
        }
    }

    @Test("a gzip file cut in half keeps the lines before the cut and reports an error naming the file")
    func cutGzip() throws {
        try withSandbox { box in
            // 3000 distinct polls, so that half of the compressed bytes still decode to many lines.
            let lines = (0..<3000).map { i in Log.idVerdict("CUT\(i)", at: "2026-11-10T08:00:00Z", i % 2 == 0 ? "Y" : "N", more: "\"recognitionErrorCode\": \"E\(i * 7919 % 1000)\"") }
            let whole = try box.writeGzip("whole.ndjson.gz", members: [lines])
            let bytes = try #require(FileBytes.readAll(path: whole))
            let cut = try box.write("cut.ndjson.gz", bytes: Array(bytes.prefix(bytes.count / 2)))
            let other = try box.write("other.ndjson", lines: [Log.idVerdict("OTHER", at: "2026-11-10T08:00:00Z", "Y")])
            let db = try box.database()
            let s = try box.ingest(db, [cut, other])
            let error = try #require(s.files[0].error)
            #expect(error.contains(cut))
            #expect(s.files[0].accepted > 100 && s.files[0].lines < 3000)
            #expect(s.files[0].addsUp)
            #expect(s.files[1].error == nil && s.files[1].accepted == 1)

            let out = try runVerdict(["ingest", "--db", box.file("cli.db"), cut], in: box)
            #expect(out.status != 0)
            #expect(out.stderr.contains(cut))
        }
    }

    @Test("verdict ingest --json prints the keys of the README's command reference, and they add up")
    func jsonSummary() throws {
        try withSandbox { box in
            let path = try box.write("messy.ndjson", lines: messyLines)
            let out = try runVerdict(["ingest", "--db", box.databasePath, "--json", path], in: box)
            #expect(out.status == 0, "an ingest that refused lines still exits 0; stderr: \(out.stderr)")
            let json = try jsonObject(out.stdout)
            for key in ["lines", "accepted", "duplicates", "blank", "refused", "warnings", "transactions"] {
                #expect(json[key] != nil, "missing key \(key)")
            }
            let refused = try #require(json["refused"] as? [String: Int])
            // Every reason of docs/LOG_FORMAT.md (Refused lines), zero included; here exactly one of each (messyCounts).
            #expect(refused == ["invalid_json": 1, "missing_transaction_id": 1, "missing_timestamp": 1, "invalid_timestamp": 1, "missing_result": 1, "unknown_product": 1])
            let lines = try #require(json["lines"] as? Int), accepted = try #require(json["accepted"] as? Int)
            let duplicates = try #require(json["duplicates"] as? Int), blank = try #require(json["blank"] as? Int)
            #expect(lines == 13 && accepted == 3 && duplicates == 2 && blank == 2)
            #expect(lines == accepted + duplicates + blank + refused.values.reduce(0, +))
            #expect(json["warnings"] as? Int == 0)
            #expect((json["transactions"] as? [String: Int]) == ["ID_RECOGNITION": 1, "VIDEO_VERIFY": 1])

            // A clean file: every reason is still listed, with zero.
            let clean = try box.write("clean.ndjson", lines: [Log.vv("Q", at: "2026-11-10T08:00:00Z", verdict: "Success", ext: "{\"qualityPassed\": \"yes\"}")])
            let out2 = try runVerdict(["ingest", "--db", box.databasePath, "--json", clean], in: box)
            let json2 = try jsonObject(out2.stdout)
            #expect((json2["refused"] as? [String: Int]) == ["invalid_json": 0, "missing_transaction_id": 0, "missing_timestamp": 0, "invalid_timestamp": 0, "missing_result": 0, "unknown_product": 0])
            #expect(json2["warnings"] as? Int == 1)
            // transactions counts the database afterwards: V1 and Q.
            #expect((json2["transactions"] as? [String: Int]) == ["ID_RECOGNITION": 1, "VIDEO_VERIFY": 2])
        }
    }

    @Test("warnings: one per invalid field, with file and line; a duplicate line adds none")
    func warningsOnStoredPolls() throws {
        try withSandbox { box in
            let bad = Log.vv("W", at: "2026-11-10T08:00:00Z", verdict: "Success", ext: #"{"quality": "abc", "qualityPassed": "yes", "willingRetryRecords": "{bad"}"#)
            let lines = [
                bad,
                bad,  // duplicate: no new warning
                Log.vv("W2", at: "2026-11-10T08:00:00Z", verdict: "Success", ext: #"{"quality": null, "qualityPassed": null}"#),  // nulls: none
                "{\"x\": NaN}",  // refused: no warning either
            ]
            let (db, s) = try box.ingestLines(lines)
            #expect(s.total.warnings == 3)
            #expect(s.total.duplicates == 1)
            #expect(try db.rows("SELECT line_number, field FROM ingest_warning ORDER BY field") == [
                ["1", "extInfo.quality"], ["1", "extInfo.qualityPassed"], ["1", "extInfo.willingRetryRecords"],
            ])
            #expect(try db.rows("SELECT sf.path FROM ingest_warning w JOIN dim_source_file sf USING (file_key) LIMIT 1") == [[FileManagerLite.resolvedPath(box.file("log.ndjson"))]])
        }
    }
}

private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    let first = needle[0]
    var i = 0
    let last = haystack.count - needle.count
    while i <= last {
        if haystack[i] == first && Array(haystack[i..<(i + needle.count)]) == needle { return true }
        i += 1
    }
    return false
}
