import Foundation
import GRDB
import Testing
@testable import VerdictCore

// The writer takes only sealed polls: `PollBox.seal` returns a `SealedPoll` carrying the
// values derived from the record (the dictionary hashes, final rank, verdict, outcome, OCR
// field list), and `PollWriter.add` accepts nothing else, so none of them can be missing.

@Suite("Ingest: sealed polls")
struct SealedPollTests {
    static let lines: [String] = [
        Log.idVerdict("S1", at: "2026-11-10T08:00:00Z", "Y",
                      more: "\"spoofResult\": {\"SCREEN_CHECK\": \"Y\"}, \"ocrResult\": {\"NAME\": \"x\", \"ID_NUMBER\": \"y\"}"),
        Log.idVerdict("S1", at: "2026-11-10T08:01:00Z", "N", more: "\"spoofResult\": {\"SCREEN_CHECK\": \"Y\"}"),
        Log.id("S2", at: "2026-11-10T08:02:00Z", status: "F", code: "SYSTEM_ERROR"),
        Log.id("S3", at: "2026-11-10T08:03:00Z", status: "F", code: "INVALID_ARGUMENT"),
        Log.vv("S4", at: "2026-11-10T08:04:00Z", verdict: "success"),
        Log.vv("S5", at: "2026-11-10T08:05:00Z", verdict: "InProcess"),
        Log.vv("S6", at: "2026-11-10T08:06:00Z", code: "PENDING"),
    ]

    /// The lines as parsed boxes, in order.
    static func boxes(_ parser: LogLineParser = LogLineParser()) throws -> [PollBox] {
        try lines.enumerated().map { i, line in
            let parsed = Array(line.utf8).withUnsafeBufferPointer { parser.parse($0, lineNumber: i + 1) }
            guard case .poll(let box) = parsed else { throw TestFailure("line \(i + 1) was not a poll: \(parsed)") }
            return box
        }
    }

    @Test("sealing derives the record's rank, verdict and outcome, equal keys hash alike, and the record stays in its box")
    func sealDerivesFromTheRecord() throws {
        let boxes = try Self.boxes()
        let sealed = boxes.map { $0.seal(ocrFields: $0.record.ocrFieldNames.isEmpty ? nil : $0.record.ocrFieldNames.joined(separator: ",")) }
        for (box, poll) in zip(boxes, sealed) {
            let r = box.record
            let what = "\(r.transactionId) at \(r.timestampMillis)"
            #expect(poll.box === box, "\(what): the sealed poll holds the parser's box, not a copy")
            #expect(poll.finalRank == r.finalRank && poll.verdict == r.verdict && poll.outcome == r.outcome, "\(what)")
            #expect(poll.record.transactionId == r.transactionId && poll.record.resultCode == r.resultCode, "\(what)")
        }
        #expect(sealed.map(\.finalRank) == [1, 1, 3, 2, 1, 1, 4])
        #expect(sealed.map(\.outcome) == [.passed, .failed, .apiError, .apiError, .passed, .pending, .pending])
        #expect(sealed.map(\.verdict) == ["Y", "N", nil, nil, "success", nil, nil])
        #expect(sealed[0].ocrFields == "ocrResult.NAME,ocrResult.ID_NUMBER")
        #expect(sealed[1].ocrFields == nil)
        // The writer's dictionary keys: one transaction, one hash; the same spoof results, one hash.
        #expect(sealed[0].transactionHash == sealed[1].transactionHash)
        #expect(Set(sealed.map(\.transactionHash)).count == 6)
        #expect(sealed[0].spoofHash == sealed[1].spoofHash && sealed[0].spoofHash != sealed[2].spoofHash)
        // A sealed poll is the box's reference alone: a parsed item costs what it did to copy and free.
        #expect(MemoryLayout<SealedPoll>.size == MemoryLayout<PollBox>.size)
    }

    @Test("the writer stores what the seal derived: final rank per poll, outcome and verdict of the final poll")
    func writerStoresSealedValues() throws {
        try withSandbox { sandbox in
            let db = try sandbox.database()
            try db.queue.inDatabase { conn in
                let writer = try PollWriter(connection: try #require(conn.sqliteConnection))
                try conn.execute(sql: "INSERT INTO dim_source_file (path, status, first_ingested_at, last_ingested_at) VALUES ('t', 'reading', 'x', 'x')")
                for box in try Self.boxes() {
                    _ = try writer.add(box.seal(ocrFields: nil), fileKey: conn.lastInsertedRowID)
                }
                try writer.flush()
            }
            #expect(try db.rows("SELECT t.transaction_id, p.final_rank FROM fct_poll p JOIN fct_transaction t USING (transaction_key) ORDER BY p.poll_key") == [
                ["S1", "1"], ["S1", "1"], ["S2", "3"], ["S3", "2"], ["S4", "1"], ["S5", "1"], ["S6", "4"],
            ])
            // S1: two polls of rank 1, the later one (N) is final.
            #expect(try db.rows("SELECT transaction_id, outcome, verdict, verdict_label FROM fct_transaction ORDER BY transaction_id") == [
                ["S1", "failed", "N", "N"], ["S2", "api_error", nil, nil], ["S3", "api_error", nil, nil],
                ["S4", "passed", "success", "Success"], ["S5", "pending", nil, nil], ["S6", "pending", nil, nil],
            ])
        }
    }
}
