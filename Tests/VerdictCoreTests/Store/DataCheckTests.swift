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
            let text = sampleLog(days: 8, seed: 42, idPerDay: 60, videoPerDay: 30)
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
            #expect(result.checked.count == Embedded.checks.count && result.checked.count == 9)
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

    @Test("a signal rollup that disagrees with the facts is reported, by quarter hour or by day")
    func signalRollupMismatchIsFound() throws {
        for table in ["agg_signal_15min", "agg_signal_day"] {
            try withSandbox { box in
                let (db, _) = try box.ingestLines([Log.idVerdict("A", at: "2026-11-11T08:00:00Z", "Y")])
                try db.queue.write { try $0.execute(sql: "UPDATE \(table) SET transactions = 2") }
                let failure = try #require(try DataChecks(database: db).run().failures.first)
                #expect(failure.check == "signal_rollups_match_facts")
                #expect(failure.firstRow.first == "rollup=\(table)")
            }
        }
    }

    @Test("a transaction whose earlier poll comes in a second input moves both inputs to its new week; the rollup stays exact")
    func fileRollupFollowsDates() throws {
        try withSandbox { box in
            let db = try box.database()
            let late = try box.write("late.ndjson", lines: [Log.idVerdict("T", at: "2026-11-10T08:00:00Z", "Y"),
                                                           Log.idVerdict("U", at: "2026-11-11T08:00:00Z", "Y")])
            let early = try box.write("early.ndjson", lines: [Log.id("T", at: "2026-11-03T08:00:00Z", status: "U", code: "PROCESSING")])
            _ = try box.ingest(db, [late])
            _ = try box.ingest(db, [early])
            #expect(try DataChecks(database: db).run().failures.isEmpty)
            func inputs(_ week: String) throws -> [String] {
                let r = try MetricsEngine(database: db, catalog: try QueryCatalog()).run(["inputs"], period: try Periods.week(week))
                return try #require(r.results["inputs"]).rows.map { String($0[0].plainText.split(separator: "/").last ?? "") }
            }
            // T is dated 2026-11-03 now (W45): both inputs hold a poll of it. W46 keeps U's input only.
            #expect(try inputs("2026-W45") == ["late.ndjson", "early.ndjson"])
            #expect(try inputs("2026-W46") == ["late.ndjson"])
            #expect(try inputs("2026-W47").isEmpty)
        }
    }

    @Test("a final poll that is beaten, missing or another transaction's is reported with the one the rule picks")
    func wrongFinalPollsAreFound() throws {
        try withSandbox { box in
            // A: PROCESSING then SUCCESS (the rule picks the SUCCESS poll). B: two polls of one
            // class (the later wins). C: one poll. D: one poll, and it will lose it.
            let (db, _) = try box.ingestLines([
                Log.id("A", at: "2026-11-11T08:00:00Z", code: "PROCESSING"),
                Log.idVerdict("A", at: "2026-11-11T08:00:05Z", "Y"),
                Log.id("B", at: "2026-11-11T08:10:00Z", status: "F", code: "SYSTEM_ERROR"),
                Log.id("B", at: "2026-11-11T08:10:09Z", status: "F", code: "SYSTEM_ERROR"),
                Log.idVerdict("C", at: "2026-11-11T08:20:00Z", "N"),
                Log.idVerdict("D", at: "2026-11-11T08:30:00Z", "N"),
            ])
            #expect(try DataChecks(database: db).run().failures.isEmpty)
            func key(_ sql: String) throws -> String { try #require(try db.rows(sql).first?.first ?? nil) }
            let tx = { (id: String) in try key("SELECT transaction_key FROM fct_transaction WHERE transaction_id = '\(id)'") }
            let (a, b, c, d) = (try tx("A"), try tx("B"), try tx("C"), try tx("D"))
            let aBest = try key("SELECT final_poll_key FROM fct_transaction WHERE transaction_key = \(a)")
            let bBest = try key("SELECT final_poll_key FROM fct_transaction WHERE transaction_key = \(b)")
            let cBest = try key("SELECT final_poll_key FROM fct_transaction WHERE transaction_key = \(c)")
            let aWorse = try key("SELECT poll_key FROM fct_poll WHERE transaction_key = \(a) AND poll_key <> \(aBest)")
            let bEarlier = try key("SELECT poll_key FROM fct_poll WHERE transaction_key = \(b) AND poll_key <> \(bBest)")
            try db.queue.write { db in
                try db.execute(sql: "UPDATE fct_transaction SET final_poll_key = \(aWorse) WHERE transaction_key = \(a)")   // beaten by class
                try db.execute(sql: "UPDATE fct_transaction SET final_poll_key = \(bEarlier) WHERE transaction_key = \(b)") // beaten by time
                try db.execute(sql: "UPDATE fct_transaction SET final_poll_key = 999999 WHERE transaction_key = \(c)")      // no such poll
                try db.execute(sql: "DELETE FROM fct_poll WHERE transaction_key = \(d)")                                     // no poll at all
            }
            let rows = try db.rows(try #require(Embedded.checks["final_poll_is_best"]))
            #expect(rows == [[a, aWorse, aBest], [b, bEarlier, bBest], [c, "999999", cBest]])
            // C's final poll pointing at A's best poll belongs to another transaction.
            try db.queue.write { try $0.execute(sql: "UPDATE fct_transaction SET final_poll_key = \(aBest) WHERE transaction_key = \(c)") }
            #expect(try db.rows(try #require(Embedded.checks["final_poll_is_best"])).last == [c, aBest, cBest])
            // D, with no poll left, is poll_count_matches_polls's to report.
            let failures = try DataChecks(database: db).run().failures
            // A and B now also carry the class of a poll that is not their final one; and the
            // input that held D's polls holds none now, which its rollup still counts.
            #expect(failures.map(\.check) == ["file_rollup_matches_facts", "final_poll_is_best", "poll_count_matches_polls",
                                               "transaction_class_follows_rule"])
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

    /// The bytes `verdict sample` writes for these options.
    private func sampleLog(days: Int, seed: UInt64, idPerDay: Int, videoPerDay: Int) -> [UInt8] {
        var o = SampleOptions()
        o.days = days
        o.seed = seed
        o.idPerDay = idPerDay
        o.videoPerDay = videoPerDay
        var text: [UInt8] = []
        var g = SampleGenerator(o)
        g.generate { (bytes: [UInt8]) in text += bytes }
        return text
    }

    /// A database of generated logs with every kind of derived value: ID Recognition and
    /// VideoVerify verdicts in several spellings, spoof checks and details, retry records.
    private func generated(_ box: Sandbox) throws -> VerdictDatabase {
        let path = try box.write("generated.ndjson", bytes: sampleLog(days: 4, seed: 7, idPerDay: 80, videoPerDay: 60))
        let db = try box.database()
        _ = try box.ingest(db, [path])
        #expect(try DataChecks(database: db).run().failures.isEmpty)
        return db
    }

    /// Changes one stored value, then expects exactly `checks` to report it.
    private func expectCaught(_ checks: [String], after sql: String, in db: VerdictDatabase) throws {
        try db.queue.write { try $0.execute(sql: sql) }
        let failures = try DataChecks(database: db).run().failures
        #expect(failures.map(\.check) == checks, "\(sql)")
    }

    @Test("a derived column that does not follow its rule is reported by the check that owns it",
          arguments: [
            (["poll_rank_follows_rule"],
             "UPDATE fct_poll SET final_rank = final_rank + 10 WHERE poll_key = (SELECT min(poll_key) FROM fct_poll WHERE poll_key NOT IN (SELECT final_poll_key FROM fct_transaction))"),
            // The outcome is also counted in the rollup, which then disagrees too.
            (["rollup_matches_facts", "signal_rollups_match_facts", "transaction_class_follows_rule"],
             "UPDATE fct_transaction SET outcome = 'passed' WHERE transaction_key = (SELECT min(transaction_key) FROM fct_transaction WHERE outcome = 'failed')"),
            // The verdict label is part of the signal profile too.
            (["signal_rollups_match_facts", "transaction_class_follows_rule"],
             "UPDATE fct_transaction SET verdict_label = lower(verdict_label) WHERE transaction_key = (SELECT min(transaction_key) FROM fct_transaction WHERE product_key = 2 AND verdict_label = 'VoidTimeout')"),
            // The verdict label is part of the signal profile too.
            (["signal_rollups_match_facts", "transaction_class_follows_rule"],
             "UPDATE fct_transaction SET verdict = NULL, verdict_label = NULL WHERE transaction_key = (SELECT min(transaction_key) FROM fct_transaction WHERE product_key = 1 AND outcome = 'passed')"),
            (["transaction_class_follows_rule"],
             "UPDATE fct_transaction SET final_ts_ms = final_ts_ms + 1 WHERE transaction_key = (SELECT max(transaction_key) FROM fct_transaction)"),
            (["spoof_bridge_follows_profile"],
             "UPDATE bridge_spoof_check SET passed = 1 - passed WHERE (spoof_profile_key, check_name) = (SELECT spoof_profile_key, check_name FROM bridge_spoof_check LIMIT 1)"),
            (["spoof_bridge_follows_profile"],
             "DELETE FROM bridge_spoof_detail WHERE (spoof_profile_key, spoof_type, check_name, component) = (SELECT spoof_profile_key, spoof_type, check_name, component FROM bridge_spoof_detail WHERE component <> '' LIMIT 1)"),
            (["spoof_bridge_follows_profile"],
             "INSERT INTO bridge_spoof_check SELECT spoof_profile_key, 'INVENTED_CHECK', 'Y', 1, 1 FROM dim_spoof_profile LIMIT 1"),
            (["willing_profile_follows_records"],
             "UPDATE dim_willing_profile SET succeeded = 1 - succeeded WHERE willing_profile_key = (SELECT min(willing_profile_key) FROM dim_willing_profile)"),
            (["willing_profile_follows_records"],
             "UPDATE dim_willing_profile SET attempts = attempts + 1 WHERE willing_profile_key = (SELECT max(willing_profile_key) FROM dim_willing_profile)"),
          ])
    func derivedColumnsAreChecked(checks: [String], corruption: String) throws {
        try withSandbox { box in
            let db = try generated(box)
            try expectCaught(checks, after: corruption, in: db)
        }
    }

    @Test("the rules' edge cases hold in the stored values: InProcess, case-folded VideoVerify verdicts, empty and repeated spoof values, equal attempt numbers")
    func ruleEdgeCasesAreStoredAsTheChecksExpect() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines([
                Log.vv("V1", at: "2026-11-11T08:00:00Z", verdict: "INPROCESS"),
                Log.vv("V2", at: "2026-11-11T08:00:00Z", verdict: "voidtimeout"),
                Log.vv("V3", at: "2026-11-11T08:00:00Z", verdict: "SUCCESS",
                       ext: #"{"willingRetryRecords": {"retryRecords": [{"status": "SUCCESS", "attemptNumber": 2}, {"status": "WRONG_ANSWER", "attemptNumber": 2}]}}"#),
                Log.idVerdict("I1", at: "2026-11-11T08:00:00Z", "y",
                              more: #""spoofResult": {"TAMPER_CHECK": "", "MATERIAL_CHECK": "Y"}, "extraSpoofResultDetails": [{"spoofType": "S", "name": "N", "result": "Y", "components": [{"name": "C", "subResult": "Y"}]}, {"spoofType": "S", "name": "N", "result": "", "components": [{"name": "C", "subResult": "N"}]}]"#),
            ])
            #expect(try DataChecks(database: db).run().failures.isEmpty)
            #expect(try db.rows("SELECT transaction_id, outcome, verdict_label FROM fct_transaction ORDER BY transaction_id") == [
                ["I1", "failed", "y"], ["V1", "pending", nil], ["V2", "failed", "VoidTimeout"], ["V3", "passed", "Success"],
            ])
            #expect(try db.rows("SELECT attempts, succeeded FROM dim_willing_profile") == [["2", "0"]])
            #expect(try db.rows("SELECT check_name, component, evaluated, passed FROM bridge_spoof_detail ORDER BY component") == [
                ["N", "", "1", "1"], ["N", "C", "1", "0"],
            ])
        }
    }
}
