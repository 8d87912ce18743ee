import Foundation
import GRDB
import Testing
@testable import VerdictCore

// The ledger of inputs (`dim_source_file`): the refusal counts a row stores are read back
// as JSON, whatever JSON writer last wrote them, and a value that is not an object of
// counts is a database error rather than a silent zero.

@Suite("Store: the ledger of inputs")
struct SourceLedgerTests {
    /// Four polls, two invalid lines, one line without a timestamp.
    static let lines: [String] = [
        Log.idVerdict("L1", at: "2026-11-10T08:00:00Z", "Y"),
        "{not json",
        Log.idVerdict("L2", at: "2026-11-10T08:01:00Z", "N"),
        Log.envelope(timestamp: nil, api: Log.idAPI, transactionId: "L3", response: "{\"result\": " + Log.result("S", "SUCCESS") + "}"),
        "[1, 2]",
        Log.idVerdict("L4", at: "2026-11-10T08:02:00Z", "Y"),
    ]
    static let refused: [RefusalReason: Int] = [.invalidJSON: 2, .missingTimestamp: 1]

    private func rewrite(_ db: VerdictDatabase, _ sql: String) throws {
        try db.queue.write { try $0.execute(sql: "UPDATE dim_source_file SET refused_by_reason = \(sql)") }
    }

    @Test("refusal counts are stored as before: every reason, in the contract's order")
    func storedForm() throws {
        try withSandbox { box in
            let (db, summary) = try box.ingestLines(Self.lines)
            #expect(summary.total.refused == Self.refused && summary.total.addsUp)
            #expect(try db.rows("SELECT refused_by_reason, refused FROM dim_source_file") == [[
                "{\"invalid_json\": 2, \"missing_transaction_id\": 0, \"missing_timestamp\": 1, \"invalid_timestamp\": 0, \"missing_result\": 0, \"unknown_product\": 0}",
                "3",
            ]])
        }
    }

    @Test("refusal counts rewritten by another JSON writer (SQLite's json(), no spaces, other key order) read back the same")
    func otherJSONWriters() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines(Self.lines)
            let path = box.file("log.ndjson")
            for form in ["json(refused_by_reason)",
                         "'{\"missing_timestamp\":1,\"invalid_json\":2}'",
                         "'{ \"unknown_product\" : 0 ,\n \"invalid_json\" : 2 , \"missing_timestamp\" : 1 }'"] {
                try rewrite(db, form)
                // The same bytes again: that read's counts are reported from the row.
                let again = try box.ingest(db, [path])
                #expect(again.files[0].alreadyIngested, "\(form)")
                #expect(again.total.refused == Self.refused, "\(form): \(again.total.line)")
                #expect(again.total.addsUp, "\(form): \(again.total.line)")
            }

            // The file grows: the row's earlier counts carry on into what it stores.
            try rewrite(db, "json(refused_by_reason)")
            _ = try box.write("log.ndjson", lines: Self.lines + ["{still not json"])
            let grown = try box.ingest(db, [path])
            #expect(grown.files[0].appendedAfterLine == Self.lines.count)
            #expect(grown.total.refused == [.invalidJSON: 1])
            #expect(try db.rows("SELECT lines, refused FROM dim_source_file") == [["7", "4"]])
            let stored = try #require(try db.rows("SELECT refused_by_reason FROM dim_source_file").first?.first ?? nil)
            let counts = try #require(try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Int], "\(stored)")
            #expect(counts.filter { $0.value != 0 } == ["invalid_json": 3, "missing_timestamp": 1] && counts.count == RefusalReason.allCases.count)
        }
    }

    @Test("refusal counts that are not a JSON object of counts are a database error naming the database, not zero")
    func damagedCounts() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines(Self.lines)
            let path = box.file("log.ndjson")
            for form in ["'invalid_json: 2'", "'[2, 1]'", "'{\"invalid_json\": \"two\"}'", "'{\"invalid_json\": -2}'"] {
                try rewrite(db, form)
                do {
                    let s = try box.ingest(db, [path])
                    Issue.record("\(form): read as \(s.total.line)")
                } catch {
                    let error = try #require(error as? VerdictError, "\(form): \(error)")
                    #expect(error.code == .database, "\(form): \(error)")
                    #expect(error.message.hasPrefix(db.path + ": ") && error.message.contains("refused_by_reason"), "\(form): \(error)")
                    #expect(!error.description.contains("\n"), "one line: \(error)")
                }
            }
        }
    }
}
