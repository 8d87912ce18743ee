import GRDB
import GRDBSQLite
import Testing
@testable import VerdictCore

/// A log that touches every table: both products, spoof and willing profiles, error codes,
/// documents, countries, warnings, duplicates and refused lines.
private let richLog: [String] = [
    Log.id("R1", at: "2026-11-10T08:00:00Z", code: "PROCESSING"),
    Log.idVerdict("R1", at: "2026-11-10T08:01:00Z", "N", more: """
        "recognitionErrorCode": "NO_REQUIRED_ID", "certType": "00600000001", "docCategory": "PASSPORT", "docEdition": 2,
        "countryCode": ["CHN"], "deeperResult": "N", "spoofResult": {"TAMPER_CHECK": "Y", "MATERIAL_CHECK": "N"},
        "extraSpoofResultDetails": [{"name": "hologramCheck", "result": "Y", "spoofType": "SECURITY_FEATURE_CHECK",
          "components": [{"name": "hologram", "subResult": "Y"}]}],
        "ocrResult": {"ID_NUMBER": "12345"}
        """.replacingOccurrences(of: "\n", with: " ")),
    Log.idVerdict("R1", at: "2026-11-10T08:01:00Z", "N"),  // duplicate
    Log.vv("R2", at: "2026-11-11T08:00:00Z", verdict: "Success", ext: #"""
        {"quality": "99.41563014552693", "qualityPassed": true, "willingRetryRecords": "{\"retryRecords\":[{\"status\":\"WRONG_ANSWER\",\"attemptNumber\":1},{\"status\":\"SUCCESS\",\"attemptNumber\":2}]}"}
        """#),
    Log.vv("R3", at: "2026-11-12T08:00:00Z", status: "F", code: "LIMIT_EXCEEDED", ext: "{\"qualityPassed\": \"yes\"}"),
    "{\"broken\": ",
    "",
]

@Suite("Store")
struct SchemaTests {
    @Test("the filter of dropped transactions never misses one it holds, and rarely claims one it does not")
    func droppedFilter() {
        var filter = PollWriter.DroppedFilter()
        #expect(!filter.mayContain(42), "an empty filter holds nothing")
        var held = SystemRandomNumberGenerator()
        let inserted = (0..<300_000).map { _ in Int(bitPattern: UInt(held.next() as UInt64)) }
        for h in inserted { filter.insert(h) }
        // A miss would let a stored transaction be inserted again.
        #expect(inserted.allSatisfy { filter.mayContain($0) })
        // False hits only cost a lookup; with 3 probes in one of 2^16 blocks of 512 bits and
        // 300k entries, a simulation gives about 4 in 100,000.
        let others = (0..<100_000).map { _ in Int(bitPattern: UInt(held.next() as UInt64)) }
        let falseHits = others.filter { filter.mayContain($0) }.count
        #expect(falseHits < 50, "\(falseHits) false hits in 100,000")
    }

    @Test("the writer lists each fact table's columns in the table's own order")
    func insertColumnOrder() throws {
        try withSandbox { box in
            let db = try box.database()
            for (table, listed) in [("fct_poll", PollWriter.pollColumns), ("fct_transaction", PollWriter.transactionColumns)] {
                let names = listed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                let inTable = try db.queue.read { try $0.columns(in: table).map(\.name) }
                #expect(names == inTable, "\(table)")
            }
        }
    }

    @Test("a new database keeps its page cache limit while a first ingest writes more than the cache holds")
    func pageCacheLimit() throws {
        try withSandbox { box in
            // A new file gets its 16 KiB page size after the cache was sized; the limit must
            // survive that, or SQLite keeps every page it ever wrote.
            let db = try VerdictDatabase(path: box.databasePath, cacheMegabytes: 1)
            let lines = (0..<40_000).map { i in
                Log.idVerdict("P\(i)", at: String(format: "2026-11-10T%02d:%02d:%02dZ", i / 3600 % 24, i / 60 % 60, i % 60), "Y")
            }
            _ = try box.ingest(db, [try box.write("log.ndjson", lines: lines)])
            let (used, pages) = try db.queue.inDatabase { conn -> (Int32, Int) in
                var current: Int32 = 0, highest: Int32 = 0
                sqlite3_db_status(conn.sqliteConnection, SQLITE_DBSTATUS_CACHE_USED, &current, &highest, 0)
                return (current, try Int.fetchOne(conn, sql: "PRAGMA page_count")!)
            }
            #expect(pages * 16384 > 4 << 20, "the database is only \(pages) pages: too small to tell")
            #expect(used < 2 << 20, "the page cache holds \(used) bytes with a 1 MiB limit")
        }
    }

    @Test("a database with only the first migration is upgraded in place when opened")
    func migrationUpgrade() throws {
        try withSandbox { box in
            let path = box.databasePath
            do {
                let queue = try DatabaseQueue(path: path)
                try Schema.migrator.migrate(queue, upTo: "v1_star_schema")
                let (applied, hasHash, hasView) = try queue.read { db in
                    (try Schema.migrator.appliedMigrations(db),
                     try db.columns(in: "fct_transaction").contains { $0.name == "document_hash" },
                     try db.viewExists("v_transaction"))
                }
                #expect(applied == ["v1_star_schema"])
                #expect(!hasHash && !hasView)
                // Some data written by the old version.
                try queue.write { db in
                    try db.execute(sql: "INSERT INTO dim_result_code (result_code) VALUES ('OLD_CODE')")
                    // A transaction stored by the old version, dated 2026-11-11T08:07:30Z:
                    // the rollup added later must count it in the quarter hour from 08:00.
                    try db.execute(sql: """
                        INSERT INTO dim_date VALUES (20261111, '2026-11-11', 2026, '2026-11', 2026, 46, '2026-W46', 3)
                        """)
                    try db.execute(sql: """
                        INSERT INTO fct_transaction (transaction_key, product_key, transaction_id, first_ts_ms, date_key,
                          poll_count, final_poll_key, final_rank, final_ts_ms, result_status, result_code_key, outcome)
                        VALUES (1, 1, 'OLD-1', 1794384450000, 20261111, 1, 1, 1, 1794384450000, 'S', 1, 'passed')
                        """)
                    // Its poll, with the OCR field names still as text in the poll row.
                    try db.execute(sql: """
                        INSERT INTO dim_source_file (file_key, path, status, first_ingested_at, last_ingested_at)
                        VALUES (1, 'old.ndjson', 'complete', '2026-11-11T09:00:00Z', '2026-11-11T09:00:00Z')
                        """)
                    try db.execute(sql: """
                        INSERT INTO fct_poll (poll_key, transaction_key, ts_ms, result_status, result_code_key, final_rank,
                          file_key, line_number, ocr_fields)
                        VALUES (1, 1, 1794384450000, 'S', 1, 1, 1, 1, 'ocrResult.ID_NUMBER,ocrResult.NAME')
                        """)
                }
                try queue.close()
            }
            let db = try VerdictDatabase(path: path)
            #expect(Schema.migrationNames == ["v1_star_schema", "v2_document_reuse", "v3_views", "v4_period_index", "v5_outcome_rollup",
                                              "v6_quality_dates", "v7_ocr_field_sets", "v8_signal_rollup", "v9_product_statistics", "v10_file_rollup"])
            // The poll's OCR field names moved to their dimension, and the text column is gone.
            #expect(try db.rows("""
                SELECT p.poll_key, s.ocr_fields FROM fct_poll p JOIN dim_ocr_field_set s USING (ocr_field_set_key)
                """) == [["1", "ocrResult.ID_NUMBER,ocrResult.NAME"]])
            #expect(try db.queue.read { try $0.columns(in: "fct_poll").contains { $0.name == "ocr_fields" } } == false)
            // 1794384450000 ms = 2026-11-11T08:07:30Z; its quarter hour starts 450 s earlier.
            #expect(try db.rows("SELECT bucket_ms, product_key, outcome, transactions FROM agg_outcome_15min")
                    == [["1794384000000", "1", "passed", "1"]])
            // The signal rollups count it too, under its profile, in its quarter hour and UTC day.
            #expect(try db.rows("""
                SELECT q.bucket_ms, d.day_ms, p.product_key, p.outcome, q.transactions, d.transactions
                FROM agg_signal_15min q JOIN agg_signal_day d USING (signal_profile_key) JOIN dim_signal_profile p USING (signal_profile_key)
                """) == [["1794384000000", "1794355200000", "1", "passed", "1", "1"]])
            #expect(try db.count("SELECT count(*) FROM sqlite_master WHERE name = 'fct_transaction_by_product_date'") == 1)
            #expect(try db.appliedMigrations() == Schema.migrationNames)
            let (hashColumns, views) = try db.queue.read { d in
                (try ["fct_transaction", "fct_poll"].filter { t in try d.columns(in: t).contains { $0.name == "document_hash" } },
                 try ["v_transaction", "v_poll", "v_spoof_check", "v_spoof_detail", "v_willing_record"].filter { try d.viewExists($0) })
            }
            #expect(hashColumns == ["fct_transaction", "fct_poll"])
            #expect(views.count == 5)
            // The old data is still there, and the upgraded file ingests and reports.
            #expect(try db.rows("SELECT result_code FROM dim_result_code") == [["OLD_CODE"]])
            let s = try box.ingest(db, [try box.write("rich.ndjson", lines: richLog)])
            #expect(s.total.accepted == 4)
            #expect(try db.count("SELECT count(*) FROM v_transaction") == 4)
            // The rollup agrees with the facts it summarises.
            #expect(try db.count("""
                SELECT count(*) FROM (
                  SELECT first_ts_ms - ((first_ts_ms % 900000) + 900000) % 900000 AS b, product_key, outcome, count(*) AS n
                  FROM fct_transaction GROUP BY 1, 2, 3
                  EXCEPT SELECT bucket_ms, product_key, outcome, transactions FROM agg_outcome_15min WHERE transactions <> 0)
                """) == 0)
            // Opening again applies nothing twice.
            let again = try VerdictDatabase(path: path)
            #expect(try again.appliedMigrations() == Schema.migrationNames)
        }
    }

    @Test("after an ingest, integrity_check is ok and foreign_key_check finds nothing")
    func integrity() throws {
        try withSandbox { box in
            let (db, s) = try box.ingestLines(richLog)
            // 7 lines: 4 accepted, 1 duplicate, 1 refused ("{\"broken\": "), 1 blank; 1 warning (R3's qualityPassed "yes").
            #expect(s.total.lines == 7 && s.total.accepted == 4 && s.total.duplicates == 1 && s.total.refusedTotal == 1 && s.total.blank == 1)
            #expect(s.total.warnings == 1)
            let counts = try db.tableCounts()
            // Every table the rich log should touch was written to.
            for table in ["fct_poll", "fct_transaction", "dim_spoof_profile", "bridge_spoof_check", "bridge_spoof_detail",
                          "dim_willing_profile", "bridge_willing_record", "dim_error_code", "dim_document", "dim_country",
                          "dim_date", "ingest_refused_line", "ingest_warning", "dim_source_file"] {
                #expect((counts[table] ?? 0) > 0, "\(table) is empty")
            }
            let (integrity, foreignKeys) = try db.queue.read { d in
                (try String.fetchAll(d, sql: "PRAGMA integrity_check"), try Row.fetchAll(d, sql: "PRAGMA foreign_key_check"))
            }
            #expect(integrity == ["ok"])
            #expect(foreignKeys.isEmpty, "foreign key violations: \(foreignKeys)")
            // Every transaction points at one of its own polls as the final one.
            #expect(try db.count("""
                SELECT count(*) FROM fct_transaction t
                WHERE NOT EXISTS (SELECT 1 FROM fct_poll p WHERE p.poll_key = t.final_poll_key AND p.transaction_key = t.transaction_key)
                """) == 0)
            // poll_count matches the stored polls.
            #expect(try db.count("""
                SELECT count(*) FROM fct_transaction t
                WHERE poll_count <> (SELECT count(*) FROM fct_poll p WHERE p.transaction_key = t.transaction_key)
                """) == 0)
        }
    }

    @Test("opening a file that is not a database fails with a message naming it")
    func notADatabase() throws {
        try withSandbox { box in
            let path = try box.write("junk.db", bytes: Array(String(repeating: "not a database ", count: 100).utf8))
            #expect(throws: VerdictError.self) { _ = try VerdictDatabase(path: path) }
            do {
                _ = try VerdictDatabase(path: path)
            } catch let error as VerdictError {
                #expect(error.description.contains(path))
            }
            let out = try runVerdict(["report", "--db", path, "--week", "2026-W46", "--out", box.file("r")], in: box)
            #expect(out.status != 0)
            #expect(out.stderr.contains(path))
            #expect(out.stderr.split(separator: "\n").count == 1, "one-line reason: \(out.stderr)")
        }
    }
}
