import Testing
@testable import VerdictCore

/// The data checks of Queries/checks/ hold after every way of ingesting, and catch what
/// they are meant to catch.
@Suite("Data checks")
struct DataCheckTests {
    /// Eight days of generated logs ingested in pieces: the first half of a file, the same
    /// file after it grew (read on from where the first read stopped), once more whole
    /// (already ingested), and a second file overlapping the first, in small batches.
    @Test("rollup, poll counts and final polls agree with the facts after piecewise ingests")
    func checksHoldAfterPiecewiseIngests() throws {
        try withSandbox { box in
            var o = SampleOptions()
            o.days = 8
            o.seed = 42
            o.idPerDay = 60
            o.videoPerDay = 30
            var text: [UInt8] = []
            var g = SampleGenerator(o)
            g.generate { (bytes: [UInt8]) in text += bytes }
            // Split the bytes (a Swift Character would take "\r\n" as one); the text ends
            // with a newline, so the empty piece after it is dropped.
            let lines = text.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
            let half = lines.count / 2
            let grown = try box.write("grown.ndjson", lines: Array(lines[..<half]), finalNewline: true)
            let db = try box.database()
            var options = IngestOptions()
            options.batchLines = 300
            _ = try box.ingest(db, [grown], options: options)
            _ = try box.write("grown.ndjson", lines: lines)
            let second = try box.ingest(db, [grown], options: options)
            #expect(second.files[0].appendedAfterLine == half)
            let overlap = try box.write("overlap.ndjson", lines: Array(lines[(half / 2)...]))
            let third = try box.ingest(db, [grown, overlap], options: options)
            #expect(third.files[0].alreadyIngested && third.files[1].accepted == 0)
            let result = try DataChecks(database: db).run()
            #expect(result.checked.count == 3)
            #expect(result.failures.isEmpty, "\(result.failures)")

            // The same logs ingested in one go give the same facts.
            let whole = try box.write("whole.ndjson", lines: lines)
            let single = try box.database("single.db")
            _ = try box.ingest(single, [whole])
            for sql in ["SELECT count(*) FROM fct_poll", "SELECT count(*) FROM fct_transaction",
                        "SELECT sum(transactions) FROM agg_outcome_15min", "SELECT count(*) FROM fct_transaction WHERE outcome = 'passed'"] {
                #expect(try db.count(sql) == single.count(sql), "\(sql)")
            }
        }
    }

    @Test("a rollup that disagrees with the facts is reported")
    func rollupMismatchIsFound() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines([Log.idVerdict("A", at: "2026-11-11T08:00:00Z", "Y")])
            try db.queue.write { try $0.execute(sql: "UPDATE agg_outcome_15min SET transactions = 2") }
            let result = try DataChecks(database: db).run()
            #expect(result.failures.map(\.check) == ["rollup_matches_facts"])
        }
    }

    @Test("a quarter hour missing from the rollup, or only in it, is reported with NULL on the empty side")
    func rollupOneSidedRowsAreFound() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines([
                Log.idVerdict("A", at: "2026-11-11T08:00:00Z", "Y"),
                Log.idVerdict("B", at: "2026-11-11T09:20:00Z", "N"),
            ])
            let passedBucket = try #require(try db.rows("SELECT bucket_ms FROM agg_outcome_15min WHERE outcome = 'passed'").first?.first ?? nil)
            try db.queue.write { db in
                try db.execute(sql: "DELETE FROM agg_outcome_15min WHERE outcome = 'passed'")
                try db.execute(sql: "INSERT INTO agg_outcome_15min VALUES (0, 1, 'pending', 4)")
            }
            let result = try DataChecks(database: db).run()
            let failure = try #require(result.failures.first { $0.check == "rollup_matches_facts" })
            #expect(result.failures.count == 1)
            #expect(failure.rows == 2)
            // Ordered by (bucket, product, outcome): the inserted bucket 0 comes first.
            #expect(failure.firstRow == ["bucket_ms=0", "product_key=1", "outcome=pending", "facts=", "rollup=4"])
            let rows = try db.rows(try #require(Embedded.checks["rollup_matches_facts"]))
            #expect(rows.count == 2)
            #expect(rows.contains([passedBucket, "1", "passed", "1", nil]))
        }
    }
}
