import Foundation
import GRDB
import Testing
@testable import VerdictCore

// Many keys in one line. A line may be 256 MiB, so an object in it may hold millions of
// keys: the time to read them must grow linearly with their number, and what is kept of
// them (OCR field names, spoof checks and details, retry records, warnings naming keys)
// must be bounded, with a warning where a bound leaves something out. The bounds: names
// of at most 128 bytes, at most 256 entries of each list, at most 100 warnings listed per
// line (then one that counts the rest).

@Suite("Reliability: many keys in one line", .serialized)
struct ReliabilityHardeningKeys {
    static let at = "2026-11-10T08:00:00Z"

    /// An ID Recognition poll with `ext` as its extInfo.
    static func id(_ tx: String, ext: String) -> String { Log.id(tx, at: at, ext: ext) }

    /// `{"K0000000": value, ...}` with `n` keys.
    static func object(_ n: Int, value: String, prefix: String = "K") -> String {
        var s = "{"
        s.reserveCapacity(n * (prefix.count + 12 + value.count))
        for i in 0..<n {
            if i > 0 { s += "," }
            s += "\"" + prefix + String(format: "%07d", i) + "\":" + value
        }
        return s + "}"
    }

    static func names(_ n: Int, prefix: String) -> [String] { (0..<n).map { prefix + String(format: "K%07d", $0) } }

    @Test("100,000 OCR keys, 40,000 spoof checks, and a million keys of the wrong type: the ingest takes seconds, and keeps 256 of each")
    func manyKeysAreLinear() throws {
        try withSandbox { box in
            let details = "[" + (0..<20_000).map { #"{"spoofType": "T", "name": "D\#($0)", "result": "Y", "components": [{"name": "c", "subResult": "Y"}]}"# }.joined(separator: ",") + "]"
            let records = #"{"retryRecords": ["# + (0..<20_000).map { #"{"status": "WRONG_ANSWER", "attemptNumber": \#($0)}"# }.joined(separator: ",") + "]}"
            let repeated = "{" + Array(repeating: #""TAMPER_CHECK": "N""#, count: 200_000).joined(separator: ",") + #", "TAMPER_CHECK": "Y"}"#
            let lines = [
                Self.id("OCR-100K", ext: #"{"recognitionResult": "Y", "ocrResult": \#(Self.object(100_000, value: "\"v\""))}"#),
                Self.id("SPOOF-40K", ext: #"{"recognitionResult": "Y", "spoofResult": \#(Self.object(40_000, value: "\"Y\""))}"#),
                Self.id("OCR-FORMAT", ext: #"{"recognitionResult": "Y", "ocrResultFormat": \#(Self.object(20_000, value: "\"v\""))}"#),
                Self.id("SPOOF-1M", ext: #"{"recognitionResult": "Y", "spoofResult": \#(Self.object(1_000_000, value: "1"))}"#),
                Self.id("DETAILS-20K", ext: #"{"recognitionResult": "Y", "extraSpoofResultDetails": \#(details)}"#),
                Log.vv("RECORDS-20K", at: Self.at, verdict: "Success", ext: #"{"willingRetryRecords": \#(records)}"#),
                Self.id("REPEATED-200K", ext: #"{"recognitionResult": "Y", "spoofResult": \#(repeated)}"#),
            ]
            let path = try box.write("keys.ndjson", lines: lines)
            let db = box.file("keys.db")
            // Before the fix the first line alone took 36 s in a release build (a list
            // scanned for every key); read linearly, all of them take a few seconds in a
            // debug build.
            let run = try runVerdictToEnd(["ingest", "--db", db, "--json", path], in: box, timeout: 30)
            #expect(!run.termination.timedOut, "the ingest did not end within 30 s")
            try #require(run.status == 0, "\(run.termination.description) \(run.stderr)")
            print("many keys: \(String(format: "%.2f", run.termination.seconds)) s for \(lines.count) lines of \(lines.map(\.utf8.count).reduce(0, +)) bytes")
            let s = try IngestJSON(run.stdout)
            #expect(s.total.accepted == lines.count)
            // Every warning counts in the summary, listed or not: the million checks that are
            // not strings, and one per bound that left something out (on six of the lines).
            #expect(s.total.warnings == 1_000_000 + 6)

            try openPlain(db).read { db in
                func ocr(_ tx: String) throws -> String? {
                    try String.fetchOne(db, sql: """
                        SELECT s.ocr_fields FROM fct_poll p JOIN fct_transaction t USING (transaction_key)
                        JOIN dim_ocr_field_set s USING (ocr_field_set_key) WHERE t.transaction_id = ?
                        """, arguments: [tx])
                }
                func warnings(_ tx: String) throws -> [[String]] {
                    try Row.fetchAll(db, sql: """
                        SELECT w.field, w.problem FROM ingest_warning w JOIN fct_poll p USING (poll_key)
                        JOIN fct_transaction t USING (transaction_key) WHERE t.transaction_id = ? ORDER BY w.warning_key
                        """, arguments: [tx]).map { [$0[0], $0[1]] }
                }
                func count(_ sql: String, _ tx: String) throws -> Int {
                    try Int.fetchOne(db, sql: sql, arguments: [tx]) ?? -1
                }
                // The first 256 OCR names, in logged order; a warning says the rest were left out.
                #expect(try ocr("OCR-100K") == Self.names(256, prefix: "ocrResult.").joined(separator: ","))
                #expect(try ocr("OCR-FORMAT") == Self.names(256, prefix: "ocrResultFormat.").joined(separator: ","))
                #expect(try warnings("OCR-100K") == [["extInfo.ocrResult", "more than 256 OCR field names; only the first 256 are kept"]])
                let spoofChecks = """
                    SELECT count(*) FROM bridge_spoof_check b JOIN fct_transaction t USING (spoof_profile_key) WHERE t.transaction_id = ?
                    """
                #expect(try count(spoofChecks, "SPOOF-40K") == 256)
                #expect(try warnings("SPOOF-40K") == [["extInfo.spoofResult", "more than 256 checks; only the first 256 are kept"]])
                // A million checks that are not strings: none is kept, 100 warnings are
                // listed and one more counts the others (the 256-check bound is not reached:
                // only the first 256 names take a place, and then the bound says so).
                #expect(try count(spoofChecks, "SPOOF-1M") == 0)
                let w = try warnings("SPOOF-1M")
                #expect(w.count == 101)
                #expect(w.first == ["extInfo.spoofResult.K0000000", "expected a string"])
                #expect(w.last == ["(more)", "\(1_000_000 + 1 - 100) more warnings of this line are not listed"])
                #expect(try count("SELECT p.warning_count FROM fct_poll p JOIN fct_transaction t USING (transaction_key) WHERE t.transaction_id = ?",
                                  "SPOOF-1M") == 1_000_001)
                // 256 details of one component each: 256 detail rows; the components fill
                // their own bound first (one per detail, 256 in all).
                #expect(try count("""
                    SELECT count(*) FROM bridge_spoof_detail b JOIN fct_transaction t USING (spoof_profile_key)
                    WHERE t.transaction_id = ? AND b.component = ''
                    """, "DETAILS-20K") == 256)
                #expect(try warnings("DETAILS-20K").count == 1)
                #expect(try count("""
                    SELECT count(*) FROM bridge_willing_record b JOIN fct_transaction t USING (willing_profile_key) WHERE t.transaction_id = ?
                    """, "RECORDS-20K") == 256)
                #expect(try warnings("RECORDS-20K") == [["extInfo.willingRetryRecords.retryRecords", "more than 256 records; only the first 256 are kept"]])
                // A key repeated 200,000 times: the last one counts, and it is one check.
                #expect(try Row.fetchAll(db, sql: """
                    SELECT b.check_name, b.value FROM bridge_spoof_check b JOIN fct_transaction t USING (spoof_profile_key)
                    WHERE t.transaction_id = 'REPEATED-200K'
                    """).map { [$0[0] as String, $0[1] as String] } == [["TAMPER_CHECK", "Y"]])
                #expect(try warnings("REPEATED-200K").isEmpty)
                // Nothing stored names a key longer than the bound, and no poll lists more
                // than 101 warnings.
                #expect(try Int.fetchOne(db, sql: "SELECT max(length(profile_json)) FROM dim_spoof_profile")! < 40_000)
                #expect(try Int.fetchOne(db, sql: "SELECT max(n) FROM (SELECT count(*) AS n FROM ingest_warning GROUP BY poll_key)")! <= 101)
            }
        }
    }

    @Test("bounds on names: 128 bytes kept, 129 left out with a warning; an escaped key is measured decoded")
    func nameBounds() throws {
        let n128 = String(repeating: "N", count: 128), n129 = String(repeating: "N", count: 129)
        // "\u0041" is A: 128 of them escaped are 768 bytes of key and a 128-byte name.
        let escaped = String(repeating: "\\u0041", count: 128)
        let line = Self.id("NAMES", ext: """
            {"recognitionResult": "Y", "spoofResult": {"\(n128)": "Y", "\(n129)": "Y", "\(escaped)": "N", "\(escaped)B": "N"},
             "ocrResult": {"\(n129)": "x", "ID": "1", "ID": "2", "\(n128)": "y"}, "ocrResultDetail": {"ID": "3"}}
            """.replacingOccurrences(of: "\n", with: ""))
        let poll = try #require(parseLine(line).poll)
        #expect(poll.spoofChecks.map(\.check) == [String(repeating: "A", count: 128), n128])
        #expect(poll.ocrFieldNames == ["ocrResult.ID", "ocrResult." + n128, "ocrResultDetail.ID"])
        #expect(poll.warnings == [
            FieldWarning(field: "extInfo.spoofResult", problem: "check names longer than 128 bytes are not kept (2 here)"),
            FieldWarning(field: "extInfo.ocrResult", problem: "field names longer than 128 bytes are not kept (1 here)"),
        ])
    }

    @Test("repeated keys: the last one counts, a null one removes the check; at most 100 warnings are listed")
    func repeatedKeysAndWarnings() throws {
        let spoof = #"{"B": "N", "A": "N", "B": null, "A": "Y", "C": 1, "C": "N"}"#
        let poll = try #require(parseLine(Self.id("REPEAT", ext: #"{"recognitionResult": "Y", "spoofResult": \#(spoof)}"#)).poll)
        #expect(poll.spoofChecks == [SpoofCheck(check: "A", value: "Y"), SpoofCheck(check: "C", value: "N")])
        #expect(poll.warnings == [FieldWarning(field: "extInfo.spoofResult.C", problem: "expected a string")])

        // 300 checks that are not strings, and a retry record list of 300.
        let records = #"{"retryRecords": ["# + (0..<300).map { #"{"status": "S\#($0)", "attemptNumber": \#($0)}"# }.joined(separator: ",") + "]}"
        let many = try #require(parseLine(Log.vv("MANY", at: Self.at, verdict: "Success", ext: #"{"qualityPassed": "yes", "willingRetryRecords": \#(records)}"#)).poll)
        #expect(many.retryRecords?.count == 256 && many.retryRecords?.last?.attemptNumber == 255)
        #expect(many.warnings.last?.field == "extInfo.willingRetryRecords.retryRecords")
        let wrong = try #require(parseLine(Self.id("WRONG", ext: #"{"recognitionResult": "Y", "spoofResult": \#(Self.object(300, value: "true"))}"#)).poll)
        #expect(wrong.spoofChecks.isEmpty)
        #expect(wrong.warnings.count == 101)
        #expect(wrong.warnings[99] == FieldWarning(field: "extInfo.spoofResult.K0000099", problem: "expected a string"))
        // 200 more wrong checks, and the bound of 256 names reached at the 257th.
        #expect(wrong.warnings[100] == FieldWarning(field: "(more)", problem: "201 more warnings of this line are not listed"))
        #expect(wrong.warningCount == 301)
    }
}
