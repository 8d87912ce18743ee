import Testing
@testable import VerdictCore

/// What the ingest stores follows the rules of Rules/, and the data checks of
/// Queries/checks/, which restate the same rules in SQL, agree on every edge case.
@Suite("Rules: stored values and data checks agree")
struct RulesAgreeWithChecksTests {
    @Test("every status, code and verdict edge case: stored rank, class, verdict and label follow the rules, and every check holds")
    func grid() throws {
        try withSandbox { box in
            let statuses = ["S", "F", "U", "s"]
            let codes = ["SUCCESS", "SYSTEM_ERROR", "PROCESSING", "LIMIT_EXCEEDED", "success"]
            let verdicts: [String?] = [nil, "", "Y", "N", "y", "success", "SUCCESS", "Failure", "voidTIMEOUT", "InProcess", "inprocess", "other"]
            var lines: [String] = []
            var n = 0
            for product in Product.allCases {
                for status in statuses {
                    for code in codes {
                        for verdict in verdicts {
                            n += 1
                            let tx = "T\(n)"
                            let at = "2026-11-11T08:00:00Z"
                            switch product {
                            case .idRecognition:
                                lines.append(Log.id(tx, at: at, status: status, code: code,
                                                    ext: verdict.map { "{\"recognitionResult\": \(Log.q($0))}" }))
                            case .videoVerify:
                                lines.append(Log.vv(tx, at: at, status: status, code: code, verdict: verdict))
                            }
                        }
                    }
                }
            }
            let (db, _) = try box.ingestLines(lines)
            let stored = try db.rows("""
                SELECT t.transaction_id, t.final_rank, t.outcome, t.verdict, t.verdict_label FROM fct_transaction t
                ORDER BY t.transaction_key
                """)
            #expect(stored.count == lines.count)
            var classes: Set<String> = []
            for (line, row) in zip(lines, stored) {
                let poll = try #require(parseLine(line).poll)
                let outcome = Classification.outcome(poll.product, status: poll.resultStatus, verdict: poll.verdict)
                let verdict = Classification.recordedVerdict(poll.verdict, outcome: outcome)
                let expected: [String?] = [
                    poll.transactionId, String(Classification.finalRank(code: poll.resultCode, status: poll.resultStatus)),
                    outcome.name, verdict, verdict.map { Classification.verdictLabel($0, poll.product) },
                ]
                #expect(row == expected, "\(line)")
                classes.insert(row[2] ?? "")
            }
            #expect(classes == ["passed", "failed", "pending", "api_error"])
            let checks = try DataChecks(database: db).run()
            #expect(checks.failures.isEmpty, "\(checks.failures)")
        }
    }

    @Test("several polls per transaction: the final poll is the one the rule picks, and the checks agree")
    func finalPolls() throws {
        try withSandbox { box in
            // (minute, status, code) sequences in ingest order, one transaction each.
            let sequences: [[(Int, String, String)]] = [
                [(1, "S", "PROCESSING"), (2, "S", "SUCCESS"), (3, "S", "PROCESSING")],  // SUCCESS, though earlier
                [(3, "F", "LIMIT_EXCEEDED"), (1, "F", "SYSTEM_ERROR"), (2, "S", "PROCESSING")],  // rank 2 beats 3 and 4
                [(1, "F", "A"), (2, "U", "B"), (2, "F", "C")],  // same rank: latest, then ingested last
                [(5, "S", "PROCESSING"), (4, "S", "PROCESSING")],  // same rank, the later instant
                [(1, "F", "SYSTEM_ERROR"), (1, "S", "PROCESSING")],  // 3 beats 4
            ]
            var lines: [String] = []
            var expectedCodes: [String] = []
            for (i, seq) in sequences.enumerated() {
                var best: (rank: Int, ts: Int64, code: String) = (Int.max, Int64.min, "")
                for (minute, status, code) in seq {
                    lines.append(Log.id("F\(i)", at: "2026-11-11T08:0\(minute):00Z", status: status, code: code))
                    let rank = Classification.finalRank(code: code, status: status)
                    if Classification.beats(rank: rank, ts: Int64(minute), finalRank: best.rank, finalTs: best.ts) {
                        best = (rank, Int64(minute), code)
                    }
                }
                expectedCodes.append(best.code)
            }
            #expect(expectedCodes == ["SUCCESS", "LIMIT_EXCEEDED", "C", "PROCESSING", "SYSTEM_ERROR"])
            let (db, _) = try box.ingestLines(lines)
            let stored = try db.rows("""
                SELECT rc.result_code FROM fct_transaction t JOIN fct_poll p ON p.poll_key = t.final_poll_key
                JOIN dim_result_code rc ON rc.result_code_key = p.result_code_key ORDER BY t.transaction_key
                """).map { $0[0] ?? "" }
            #expect(stored == expectedCodes)
            let checks = try DataChecks(database: db).run()
            #expect(checks.failures.isEmpty, "\(checks.failures)")
        }
    }
}
