import Foundation
import GRDB
import Testing
@testable import VerdictCore

// the README's Reliability section, "Nothing lost": every input line ends in exactly one place, and a user
// can list and export the refused lines, fix them and ingest them again; `verdict` can
// purge refused lines, after which their content is gone from the database file.

private let at = "2026-11-10T08:00:00Z"

/// An ID Recognition line whose request may lack the transaction id, with an undocumented
/// field `note` (ignored when the line is a poll, so only a refused line keeps it).
private func line(_ tid: String?, minute: Int, note: String) -> String {
    let ts = String(format: "\"2026-11-10T08:%02d:00Z\"", minute)
    let response = "{\"result\": \(Log.result("S", "SUCCESS")), \"extInfo\": {\"recognitionResult\": \"Y\"}}"
    let body = Log.envelope(timestamp: ts, api: Log.idAPI, transactionId: tid, response: response)
    return String(body.dropLast()) + ", \"note\": \(Log.q(note))}"
}

@Suite("Reliability: refused lines round trip", .serialized)
struct ReliabilityRefusedLinesRoundTrip {
    @Test("list shows file:line and reason; export writes them as NDJSON; fixed, they are accepted once; purge removes their bytes")
    func roundTrip() throws {
        try withSandbox { box in
            let db = box.file("rt.db")
            // Line 2: no transactionId. Line 4: a trailing comma (invalid JSON). Line 5: no
            // transactionId. Lines 1, 3 and 6 are ordinary polls.
            let trailingComma = String(line("RT-FIX-4", minute: 4, note: "zq-refused-marker-4").dropLast()) + ",}"
            let lines = [
                line("RT-1", minute: 1, note: "plain"),
                line(nil, minute: 2, note: "zq-refused-marker-2"),
                line("RT-3", minute: 3, note: "plain"),
                trailingComma,
                line(nil, minute: 5, note: "zq-refused-marker-5"),
                Log.vv("RT-V", at: at, verdict: "Success"),
            ]
            let input = try box.write("input.ndjson", lines: lines)
            let first = try runVerdictToEnd(["ingest", "--db", db, "--json", input], in: box)
            try #require(first.status == 0, "\(first.stderr)")
            let s1 = try IngestJSON(first.stdout)
            #expect(s1.total.lines == 6 && s1.total.accepted == 3 && s1.total.refusedTotal == 3)
            #expect(s1.total.refused["missing_transaction_id"] == 2 && s1.total.refused["invalid_json"] == 1)
            #expect(s1.transactions == ["ID_RECOGNITION": 2, "VIDEO_VERIFY": 1])

            // list: a count per reason, then one entry per line with file:line and reason.
            let list = try runVerdictToEnd(["rejects", "list", "--db", db], in: box)
            #expect(list.status == 0)
            let listed = list.stdout.split(separator: "\n").map(String.init)
            #expect(listed.first == "refused lines: invalid_json 1, missing_transaction_id 2", "\(list.stdout)")
            #expect(listed.count == 4, "\(list.stdout)")
            for (n, reason) in [(2, "missing_transaction_id"), (4, "invalid_json"), (5, "missing_transaction_id")] {
                #expect(listed.contains { $0.hasPrefix("\(input):\(n): \(reason): ") }, "line \(n) in \(list.stdout)")
            }
            // --reason narrows the list.
            let onlyJSON = try runVerdictToEnd(["rejects", "list", "--db", db, "--reason", "invalid_json"], in: box)
            #expect(onlyJSON.stdout.split(separator: "\n").dropFirst().map(String.init).allSatisfy { $0.hasPrefix("\(input):4: invalid_json") })

            // export: the three lines as they came (no base64 here, so byte for byte), in order.
            let exported = box.file("refused.ndjson")
            let export = try runVerdictToEnd(["rejects", "export", "--db", db, "--out", exported], in: box)
            #expect(export.status == 0, "\(export.stderr)")
            let exportedText = try readText(exported)
            #expect(exportedText == [lines[1], lines[3], lines[4]].map { $0 + "\n" }.joined())

            // The fix: add the missing transactionId, drop the trailing comma.
            var fixed: [String] = []
            for (i, l) in exportedText.split(separator: "\n").map(String.init).enumerated() {
                var f = l.replacingOccurrences(of: "{\"bizId\": \"B1\", \"isReturnImage\"", with: "{\"bizId\": \"B1\", \"transactionId\": \"RT-FIX-\(i)\", \"isReturnImage\"")
                if f.hasSuffix(",}") { f = String(f.dropLast(2)) + "}" }
                fixed.append(f)
            }
            let fixedPath = try box.write("fixed.ndjson", lines: fixed)
            let second = try runVerdictToEnd(["ingest", "--db", db, "--json", fixedPath], in: box)
            #expect(second.status == 0)
            let s2 = try IngestJSON(second.stdout)
            #expect(s2.total.lines == 3 && s2.total.accepted == 3 && s2.total.refusedTotal == 0 && s2.total.addsUp)
            #expect(s2.transactions == ["ID_RECOGNITION": 5, "VIDEO_VERIFY": 1])

            // Ingesting the fixed file again adds nothing; nor does a copy of it with other bytes
            // (a blank line more), which is parsed again and finds three duplicates.
            let again = try IngestJSON(try runVerdictToEnd(["ingest", "--db", db, "--json", fixedPath], in: box).stdout)
            #expect(again.total.accepted == 0 && again.total.duplicates == 3)
            let copy = try box.write("fixed-copy.ndjson", lines: fixed + [""])
            let copied = try IngestJSON(try runVerdictToEnd(["ingest", "--db", db, "--json", copy], in: box).stdout)
            #expect(copied.total.lines == 4 && copied.total.accepted == 0 && copied.total.duplicates == 3 && copied.total.blank == 1)
            #expect(copied.files.first?.alreadyIngested == false)
            // Each fixed line is one poll of its own transaction.
            let polls = try openPlain(db).read { db in
                try Row.fetchAll(db, sql: """
                    SELECT t.transaction_id, count(*) FROM fct_poll p JOIN fct_transaction t USING (transaction_key)
                    WHERE t.transaction_id LIKE 'RT-FIX-%' GROUP BY t.transaction_id ORDER BY 1
                    """).map { "\($0[0] as String)=\($0[1] as Int)" }
            }
            // (The exported line 4 already had its id, RT-FIX-4; lines 2 and 5 got RT-FIX-0 and -2.)
            #expect(polls == ["RT-FIX-0=1", "RT-FIX-2=1", "RT-FIX-4=1"])

            // Before the purge the refused content is in the file (so the check below can see it).
            let markers = ["zq-refused-marker-2", "zq-refused-marker-4", "zq-refused-marker-5"]
            for m in markers {
                #expect(!databaseFiles(db, containing: Array(m.utf8)).isEmpty, "\(m) should be stored before the purge")
            }
            let purge = try runVerdictToEnd(["rejects", "purge", "--db", db, "--yes"], in: box)
            #expect(purge.status == 0, "\(purge.stderr)")
            #expect(purge.stdout.contains("3"), "\(purge.stdout)")
            let after = try runVerdictToEnd(["rejects", "list", "--db", db], in: box)
            #expect(after.stdout.split(separator: "\n").map(String.init) == ["refused lines: none"])
            // The polls stay; the refused content has left every byte of the database files.
            #expect(try openPlain(db).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM fct_poll") } == 6)
            for m in markers {
                #expect(databaseFiles(db, containing: Array(m.utf8)).isEmpty, "\(m) is still in the database files after the purge")
            }
            #expect(try integrityCheck(db) == ["ok"])
        }
    }

    @Test("the same refused line in two different inputs is kept once for each")
    func sameRefusedLineInTwoFiles() throws {
        try withSandbox { box in
            // Both files start with the same broken line; their second lines differ, so they
            // are different inputs. Each input line is refused: each must be listed.
            let broken = "{\"timestamp\": \"\(at)\", \"request\": {"
            let a = try box.write("day1.ndjson", lines: [broken, Log.idVerdict("D1", at: at, "Y")])
            let b = try box.write("day2.ndjson", lines: [broken, Log.idVerdict("D2", at: at, "Y")])
            let db = box.file("two.db")
            let run = try runVerdictToEnd(["ingest", "--db", db, "--json", a, b], in: box)
            let s = try IngestJSON(run.stdout)
            #expect(s.total.refused["invalid_json"] == 2)
            let list = try runVerdictToEnd(["rejects", "list", "--db", db], in: box).stdout
            #expect(list.contains(a + ":1: invalid_json") && list.contains(b + ":1: invalid_json"), "\(list)")
            let exported = try runVerdictToEnd(["rejects", "export", "--db", db], in: box).stdout
            #expect(exported == broken + "\n" + broken + "\n")
        }
    }

    @Test("overlapping rotated files: data_quality counts a dated refused line once, as one whole file does")
    func overlappingFilesCountRefusedLinesOnce() throws {
        try withSandbox { box in
            // Line 2: dated, refused (no result). Line 3: undated, refused (no timestamp).
            // Line 4: a poll with one wrong-typed field (a warning).
            let noResult = Log.envelope(timestamp: Log.q("2026-11-10T09:00:00Z"), api: Log.idAPI, transactionId: "Q2", response: "{}")
            let noTimestamp = Log.envelope(timestamp: nil, api: Log.idAPI, transactionId: "Q3", response: "{}")
            let lines = [
                Log.idVerdict("Q1", at: "2026-11-10T08:00:00Z", "Y"),
                noResult,
                noTimestamp,
                Log.idVerdict("Q4", at: "2026-11-10T10:00:00Z", "N", more: "\"docEdition\": true"),
                Log.idVerdict("Q5", at: "2026-11-10T11:00:00Z", "Y"),
            ]
            let week = try Periods.week("2026-W46")
            let whole = try box.write("whole.ndjson", lines: lines)
            let single = try box.database("single.db")
            _ = try box.ingest(single, [whole])
            let expected = try readCSV(try box.report(single, week, into: "single"), "data_quality")
            #expect(expected == [["kind", "item", "count"], ["refused", "missing_result", "1"],
                                 ["refused_undated", "missing_timestamp", "1"], ["warning", "extInfo.docEdition", "1"]])

            // Rotation wrote lines 1-4, then lines 2-5: both refused lines and the warned
            // poll are in both files.
            let first = try box.write("app.log.1", lines: Array(lines[0..<4]))
            let second = try box.write("app.log", lines: Array(lines[1...]))
            let db = try box.database("rotated.db")
            let summary = try box.ingest(db, [first, second])
            #expect(summary.files[1].duplicates == 1 && summary.files[1].accepted == 1)
            #expect(summary.total.refusedTotal == 4, "each file's summary counts the lines it read")
            // The undated line cannot be told from the same bytes logged again (see the daily
            // header in ReliabilityRegressions), so each read counts.
            var rotated = expected
            rotated[2][2] = "2"
            #expect(try readCSV(try box.report(db, week, into: "rotated"), "data_quality") == rotated)
        }
    }
}
