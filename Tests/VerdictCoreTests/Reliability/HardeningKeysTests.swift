import Foundation
import GRDB
import Testing
@testable import VerdictCore

// Many keys in one line. A line may be 256 MiB, so an object in it may hold millions of
// keys: the time to read them must grow linearly with their number. Spoof checks, details,
// components and retry records are data of the metrics and are all kept. What is kept only
// to describe a poll is bounded: its OCR field names (at most 256, each at most 128 bytes,
// then an entry that says how many were left out) and its listed warnings (at most 100,
// then one that counts the rest; the ingest summary counts every one).

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

    @Test("100,000 OCR keys, 40,000 spoof checks, and a million keys of the wrong type: the ingest takes seconds, keeps every check and 256 OCR names")
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
            // Every invalid field counts: the million checks that are not strings.
            #expect(s.total.warnings == 1_000_000)

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
                // The first 256 OCR names, in logged order, then an entry that says how many
                // were left out; a bound is not an invalid field, so there is no warning.
                #expect(try ocr("OCR-100K") == (Self.names(256, prefix: "ocrResult.") + ["(99744 more field names not kept)"]).joined(separator: ","))
                #expect(try ocr("OCR-FORMAT") == (Self.names(256, prefix: "ocrResultFormat.") + ["(19744 more field names not kept)"]).joined(separator: ","))
                #expect(try warnings("OCR-100K").isEmpty)
                let spoofChecks = """
                    SELECT count(*) FROM bridge_spoof_check b JOIN fct_transaction t USING (spoof_profile_key) WHERE t.transaction_id = ?
                    """
                #expect(try count(spoofChecks, "SPOOF-40K") == 40_000)
                #expect(try warnings("SPOOF-40K").isEmpty)
                // A million checks that are not strings: none is kept, 100 warnings are
                // listed and one more counts the others.
                #expect(try count(spoofChecks, "SPOOF-1M") == 0)
                let w = try warnings("SPOOF-1M")
                #expect(w.count == 101)
                #expect(w.first == ["extInfo.spoofResult.K0000000", "expected a string"])
                #expect(w.last == ["(more)", "\(1_000_000 - 100) more warnings of this line are not listed"])
                #expect(try count("SELECT p.warning_count FROM fct_poll p JOIN fct_transaction t USING (transaction_key) WHERE t.transaction_id = ?",
                                  "SPOOF-1M") == 1_000_000)
                // 20,000 details of one component each: every detail and component has its row.
                #expect(try count("""
                    SELECT count(*) FROM bridge_spoof_detail b JOIN fct_transaction t USING (spoof_profile_key)
                    WHERE t.transaction_id = ? AND b.component = ''
                    """, "DETAILS-20K") == 20_000)
                #expect(try count("""
                    SELECT count(*) FROM bridge_spoof_detail b JOIN fct_transaction t USING (spoof_profile_key)
                    WHERE t.transaction_id = ? AND b.component <> ''
                    """, "DETAILS-20K") == 20_000)
                #expect(try warnings("DETAILS-20K").isEmpty)
                #expect(try count("""
                    SELECT count(*) FROM bridge_willing_record b JOIN fct_transaction t USING (willing_profile_key) WHERE t.transaction_id = ?
                    """, "RECORDS-20K") == 20_000)
                #expect(try count("""
                    SELECT w.attempts FROM dim_willing_profile w JOIN fct_transaction t USING (willing_profile_key) WHERE t.transaction_id = ?
                    """, "RECORDS-20K") == 19_999)
                #expect(try warnings("RECORDS-20K").isEmpty)
                // A key repeated 200,000 times: the last one counts, and it is one check.
                #expect(try Row.fetchAll(db, sql: """
                    SELECT b.check_name, b.value FROM bridge_spoof_check b JOIN fct_transaction t USING (spoof_profile_key)
                    WHERE t.transaction_id = 'REPEATED-200K'
                    """).map { [$0[0] as String, $0[1] as String] } == [["TAMPER_CHECK", "Y"]])
                #expect(try warnings("REPEATED-200K").isEmpty)
                // No poll lists more than 101 warnings.
                #expect(try Int.fetchOne(db, sql: "SELECT max(n) FROM (SELECT count(*) AS n FROM ingest_warning GROUP BY poll_key)")! <= 101)
            }
        }
    }

    @Test("OCR field names: 128 bytes kept, 129 left out and counted in a last entry; an escaped key is measured decoded; spoof check names are kept whole")
    func nameBounds() throws {
        let n128 = String(repeating: "N", count: 128), n129 = String(repeating: "N", count: 129)
        // "\u0041" is A: 128 of them escaped are 768 bytes of key and a 128-byte name.
        let escaped = String(repeating: "\\u0041", count: 128)
        let line = Self.id("NAMES", ext: """
            {"recognitionResult": "Y", "spoofResult": {"\(n128)": "Y", "\(n129)": "Y", "\(escaped)": "N", "\(escaped)B": "N"},
             "ocrResult": {"\(n129)": "x", "ID": "1", "ID": "2", "\(n128)": "y"}, "ocrResultDetail": {"ID": "3"}}
            """.replacingOccurrences(of: "\n", with: ""))
        let poll = try #require(parseLine(line).poll)
        #expect(poll.spoofChecks.map(\.check) == [String(repeating: "A", count: 128), String(repeating: "A", count: 128) + "B", n128, n129])
        #expect(poll.ocrFieldNames == ["ocrResult.ID", "ocrResult." + n128, "ocrResultDetail.ID", "(1 more field names not kept)"])
        #expect(poll.warnings.isEmpty && poll.warningCount == 0)
    }

    @Test("repeated keys: the last one counts, a null one removes the check; at most 100 warnings are listed, all are counted")
    func repeatedKeysAndWarnings() throws {
        let spoof = #"{"B": "N", "A": "N", "B": null, "A": "Y", "C": 1, "C": "N"}"#
        let poll = try #require(parseLine(Self.id("REPEAT", ext: #"{"recognitionResult": "Y", "spoofResult": \#(spoof)}"#)).poll)
        #expect(poll.spoofChecks == [SpoofCheck(check: "A", value: "Y"), SpoofCheck(check: "C", value: "N")])
        #expect(poll.warnings == [FieldWarning(field: "extInfo.spoofResult.C", problem: "expected a string")])

        // 300 checks that are not strings, and a retry record list of 300.
        let records = #"{"retryRecords": ["# + (0..<300).map { #"{"status": "S\#($0)", "attemptNumber": \#($0)}"# }.joined(separator: ",") + "]}"
        let many = try #require(parseLine(Log.vv("MANY", at: Self.at, verdict: "Success", ext: #"{"qualityPassed": "yes", "willingRetryRecords": \#(records)}"#)).poll)
        #expect(many.retryRecords?.count == 300 && many.retryRecords?.last?.attemptNumber == 299)
        #expect(many.warnings == [FieldWarning(field: "extInfo.qualityPassed", problem: "expected true or false")] || many.warnings.map(\.field) == ["extInfo.qualityPassed"])
        #expect(many.warningCount == 1)
        let wrong = try #require(parseLine(Self.id("WRONG", ext: #"{"recognitionResult": "Y", "spoofResult": \#(Self.object(300, value: "true"))}"#)).poll)
        #expect(wrong.spoofChecks.isEmpty)
        #expect(wrong.warnings.count == 101 && wrong.warningCount == 300)
        #expect(wrong.warnings[99] == FieldWarning(field: "extInfo.spoofResult.K0000099", problem: "expected a string"))
        #expect(wrong.warnings[100] == FieldWarning(field: "(more)", problem: "200 more warnings of this line are not listed"))
    }
}
