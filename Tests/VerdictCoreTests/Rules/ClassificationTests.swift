import Testing
@testable import VerdictCore

/// The classification rules of Rules/Classification.swift, edge case by edge case, as
/// docs/METRICS.md ("Transactions, periods and classes", verdicts.csv) defines them.
@Suite("Rules: final poll, verdict, class")
struct ClassificationTests {
    @Test("final rank: SUCCESS 1, other F/U 2, SYSTEM_ERROR 3, the rest 4; codes and statuses compared exactly")
    func finalRank() {
        let cases: [(code: String, status: String, rank: Int)] = [
            ("SUCCESS", "S", 1), ("SUCCESS", "F", 1), ("SUCCESS", "U", 1), ("SUCCESS", "", 1),
            ("SYSTEM_ERROR", "F", 3), ("SYSTEM_ERROR", "U", 3), ("SYSTEM_ERROR", "S", 3),
            ("LIMIT_EXCEEDED", "F", 2), ("INVALID_ARGUMENT", "U", 2), ("PROCESSING", "F", 2),
            ("PROCESSING", "S", 4), ("", "S", 4), ("ANYTHING", "S", 4), ("PROCESSING", "", 4),
            // Exact comparisons: another letter case is another code or status.
            ("success", "S", 4), ("success", "F", 2), ("system_error", "U", 2), ("SYSTEM_ERROR ", "S", 4),
            ("PROCESSING", "f", 4), ("PROCESSING", "u", 4), (" SUCCESS", "S", 4),
        ]
        for c in cases {
            #expect(Classification.finalRank(code: c.code, status: c.status) == c.rank, "\(c)")
        }
    }

    @Test("the final poll: the best rank, then the latest, then the one ingested last")
    func beats() {
        // A better rank wins even when earlier; a worse one loses even when later.
        #expect(Classification.beats(rank: 1, ts: 100, finalRank: 2, finalTs: 900))
        #expect(!Classification.beats(rank: 3, ts: 900, finalRank: 2, finalTs: 100))
        // The same rank: the later wins, the earlier loses, an equal instant wins (it came later).
        #expect(Classification.beats(rank: 2, ts: 200, finalRank: 2, finalTs: 100))
        #expect(!Classification.beats(rank: 2, ts: 99, finalRank: 2, finalTs: 100))
        #expect(Classification.beats(rank: 4, ts: 100, finalRank: 4, finalTs: 100))
        // Before 1970, and against the empty state a new transaction starts from.
        #expect(Classification.beats(rank: 4, ts: -5, finalRank: 4, finalTs: -6))
        #expect(Classification.beats(rank: 4, ts: Int64.min, finalRank: Int.max, finalTs: Int64.min))
    }

    @Test("verdict: only a SUCCESS poll has one; empty is none; VideoVerify's InProcess in any case is none")
    func verdict() {
        func id(_ v: String?, code: String = "SUCCESS", other: String? = "Success") -> String? {
            Classification.verdict(.idRecognition, code: code, recognitionResult: v, videoVerifyResult: other)
        }
        func vv(_ v: String?, code: String = "SUCCESS", other: String? = "Y") -> String? {
            Classification.verdict(.videoVerify, code: code, recognitionResult: other, videoVerifyResult: v)
        }
        #expect(id("Y") == "Y")
        #expect(id("N") == "N")
        #expect(id("y") == "y")
        #expect(id(" ") == " ")  // not empty: a verdict, and not Y
        #expect(id("InProcess") == "InProcess")  // InProcess is VideoVerify's word only
        #expect(id("") == nil)
        #expect(id(nil) == nil)  // the other product's field is never read
        #expect(id("Y", code: "PROCESSING") == nil)
        #expect(id("Y", code: "success") == nil)
        #expect(id("Y", code: "SYSTEM_ERROR") == nil)

        #expect(vv("Success") == "Success")
        #expect(vv("sUcCeSs") == "sUcCeSs")  // kept as logged; the label spells it
        #expect(vv("VoidTimeout") == "VoidTimeout")
        #expect(vv("whatever") == "whatever")
        for pending in ["InProcess", "inprocess", "INPROCESS", "iNpRoCeSs"] {
            #expect(vv(pending) == nil, "\(pending)")
        }
        #expect(vv("InProcess ") == "InProcess ")  // not the word: a verdict
        #expect(vv("In Process") == "In Process")
        #expect(vv("") == nil)
        #expect(vv(nil) == nil)
        #expect(vv("Success", code: "PROCESSING") == nil)
    }

    @Test("class: api_error unless status S, pending without a verdict, passed on Y / success in any case, else failed")
    func outcome() {
        let cases: [(Product, status: String, verdict: String?, Outcome)] = [
            (.idRecognition, "F", "Y", .apiError), (.idRecognition, "U", nil, .apiError),
            (.idRecognition, "s", "Y", .apiError), (.idRecognition, "", "Y", .apiError),
            (.videoVerify, "F", "Success", .apiError),
            (.idRecognition, "S", nil, .pending), (.videoVerify, "S", nil, .pending),
            (.idRecognition, "S", "Y", .passed), (.idRecognition, "S", "y", .failed),
            (.idRecognition, "S", "N", .failed), (.idRecognition, "S", "YES", .failed),
            (.idRecognition, "S", "success", .failed),
            (.videoVerify, "S", "success", .passed), (.videoVerify, "S", "SUCCESS", .passed),
            (.videoVerify, "S", "SuCcEsS", .passed), (.videoVerify, "S", "Failure", .failed),
            (.videoVerify, "S", "VoidTimeout", .failed), (.videoVerify, "S", "successful", .failed),
            (.videoVerify, "S", "Y", .failed),
            // Only ASCII letters fold: a long s (U+017F) is not an s.
            (.videoVerify, "S", "\u{17F}uccess", .failed),
        ]
        for (product, status, verdict, expected) in cases {
            #expect(Classification.outcome(product, status: status, verdict: verdict) == expected, "\(product) \(status) \(String(describing: verdict))")
        }
    }

    @Test("a transaction keeps its verdict only when it completed")
    func recordedVerdict() {
        #expect(Classification.recordedVerdict("Y", outcome: .passed) == "Y")
        #expect(Classification.recordedVerdict("N", outcome: .failed) == "N")
        // A SUCCESS poll with status F carries a verdict, but its transaction is an API error.
        #expect(Classification.recordedVerdict("Y", outcome: .apiError) == nil)
        #expect(Classification.recordedVerdict(nil, outcome: .pending) == nil)
        #expect(Outcome.passed.isCompleted && Outcome.failed.isCompleted)
        #expect(!Outcome.pending.isCompleted && !Outcome.apiError.isCompleted)
    }

    @Test("verdict label: VideoVerify's Success, Failure, VoidTimeout in one spelling; anything else as logged")
    func verdictLabel() {
        let vv: [(String, String)] = [
            ("success", "Success"), ("SUCCESS", "Success"), ("Success", "Success"),
            ("failure", "Failure"), ("FaIlUrE", "Failure"),
            ("voidtimeout", "VoidTimeout"), ("VOIDTIMEOUT", "VoidTimeout"), ("VoidTimeout", "VoidTimeout"),
            ("Void Timeout", "Void Timeout"), ("timeout", "timeout"), ("Y", "Y"), ("\u{17F}uccess", "\u{17F}uccess"),
        ]
        for (logged, label) in vv {
            #expect(Classification.verdictLabel(logged, .videoVerify) == label, "\(logged)")
        }
        for logged in ["success", "failure", "voidtimeout", "y", "N"] {
            #expect(Classification.verdictLabel(logged, .idRecognition) == logged)
        }
    }

    @Test("class names round-trip, as stored in fct_transaction.outcome and the rollup")
    func outcomeNames() {
        for o in [Outcome.passed, .failed, .pending, .apiError] {
            #expect(Outcome(name: o.name) == o)
        }
        #expect([Outcome.passed, .failed, .pending, .apiError].map(\.name) == ["passed", "failed", "pending", "api_error"])
        #expect(Outcome(name: "Passed") == nil)
    }
}
