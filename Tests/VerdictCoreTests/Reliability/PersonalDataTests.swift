import Foundation
import GRDB
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// the README's Reliability section, "Personal data": OCR values are never stored in clear; an ID number
// only as HMAC-SHA-256 under a key the user supplies; a refused line is stored verbatim
// except that base64 runs longer than 1 KiB become a length note; the database file is
// readable by its owner only.

/// OCR values of the input below: none may reach the database files.
private let ocrValues = [
    "K98765432", "M11223344", "ZEBULON QUAXWORTH", "XANTHIPPE VOLKOVA", "1987-06-05", "1979-12-31",
    "19870605", "P<UTOQUAXWORTH<<ZEBULON", "42 RUE DES ZEBRES", "Q55667788", "PERPETUA MOONSHADOW",
]

/// A completed ID Recognition poll carrying all three OCR maps.
private func ocrPoll(_ tx: String, at: String, number: String, name: String, birth: String, compact: String) -> String {
    Log.idVerdict(tx, at: at, "Y", more: """
        "certType": "00600000001", "docCategory": "PASSPORT", \
        "ocrResult": {"ID_NUMBER": \(Log.q(number)), "NAME": \(Log.q(name)), "DATE_OF_BIRTH": \(Log.q(birth)), "ADDRESS": "42 RUE DES ZEBRES"}, \
        "ocrResultFormat": {"NUMBER": \(Log.q(number)), "BIRTH": \(Log.q(compact))}, \
        "ocrResultDetail": {"MRZ": "P<UTOQUAXWORTH<<ZEBULON<<<<<<<<<<<<<<<<<<<<<"}
        """)
}

/// Two transactions with one document (K98765432), a third with another, and a fourth
/// whose response was logged as a JSON string (docs/LOG_FORMAT.md (The envelope)), with a third document.
private let ocrLines = [
    ocrPoll("DOC-A", at: "2026-11-10T08:00:00Z", number: "K98765432", name: "ZEBULON QUAXWORTH", birth: "1987-06-05", compact: "19870605"),
    ocrPoll("DOC-B", at: "2026-11-11T09:00:00Z", number: "K98765432", name: "ZEBULON QUAXWORTH", birth: "1987-06-05", compact: "19870605"),
    ocrPoll("DOC-C", at: "2026-11-11T10:00:00Z", number: "M11223344", name: "XANTHIPPE VOLKOVA", birth: "1979-12-31", compact: "19791231"),
    Log.envelope(timestamp: "\"2026-11-12T10:00:00Z\"", api: Log.idAPI, transactionId: "DOC-D", response: Log.q("""
        {"result": {"resultStatus": "S", "resultCode": "SUCCESS"}, "extInfo": {"recognitionResult": "Y", \
        "ocrResult": {"ID_NUMBER": "Q55667788", "NAME": "PERPETUA MOONSHADOW"}}}
        """)),
]

/// The key file's bytes (no trailing newline, so there is no question what the key is).
private let piiKey = "reliability-test-pii-key-0123456789"

@Suite("Reliability: personal data", .serialized)
struct ReliabilityPersonalData {
    @Test("with --pii-key, doc_reuse.csv lists the document used twice by its keyed hash, never its number")
    func documentReuseByKeyedHash() throws {
        try withSandbox { box in
            let input = try box.write("ocr.ndjson", lines: ocrLines)
            let key = try box.write("pii.key", bytes: Array(piiKey.utf8))
            let db = box.file("keyed.db")
            let ingest = try runVerdictToEnd(["ingest", "--db", db, "--pii-key", key, input], in: box)
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let dir = box.file("report")
            let report = try runVerdictToEnd(["report", "--db", db, "--week", "2026-W46", "--out", dir], in: box)
            #expect(report.status == 0, "\(report.stderr)")

            let rows = try readCSV(dir, "doc_reuse")
            #expect(rows.first == ["document_hash", "transactions", "passed", "first_seen", "last_seen"])
            // One document in two transactions (DOC-A, DOC-B), both passed; DOC-C's and DOC-D's are alone.
            #expect(rows.count == 2, "\(rows)")
            let row = try #require(rows.dropFirst().first)
            #expect(row[1...] == ["2", "2", "2026-11-10T08:00:00Z", "2026-11-11T09:00:00Z"])
            // The hash is HMAC-SHA-256 of the number under the key: checked with Python's
            // hmac module when it is there, else at least its shape.
            #expect(row[0].count == 64 && row[0].allSatisfy { $0.isHexDigit && !$0.isUppercase }, "\(row[0])")
            if Executables.python3 != nil {
                let py = try runPython("import hmac, hashlib, sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())",
                                       [piiKey, "K98765432"], in: box)
                #expect(row[0] == py.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let csv = try readText(dir + "/doc_reuse.csv")
            #expect(!csv.contains("K98765432") && !csv.contains("M11223344"))
            // Stored: a hash per document (three), and no OCR value anywhere in the files.
            #expect(try openPlain(db).read { try Int.fetchOne($0, sql: "SELECT count(DISTINCT document_hash) FROM fct_transaction") } == 3)
            for v in ocrValues {
                #expect(databaseFiles(db, containing: Array(v.utf8)).isEmpty, "\(v) is in the database files")
            }
        }
    }

    @Test("without a key no hash is stored, and no OCR value is in the database files")
    func noKeyNoHash() throws {
        try withSandbox { box in
            let input = try box.write("ocr.ndjson", lines: ocrLines)
            let db = box.file("plain.db")
            let ingest = try runVerdictToEnd(["ingest", "--db", db, "--json", input], in: box)
            #expect(ingest.status == 0, "\(ingest.stderr)")
            #expect(try IngestJSON(ingest.stdout).total.accepted == 4)
            let hashes = try openPlain(db).read { db in
                try Int.fetchOne(db, sql: "SELECT (SELECT count(*) FROM fct_poll WHERE document_hash IS NOT NULL) + (SELECT count(*) FROM fct_transaction WHERE document_hash IS NOT NULL)")
            }
            #expect(hashes == 0)
            for v in ocrValues {
                #expect(databaseFiles(db, containing: Array(v.utf8)).isEmpty, "\(v) is in the database files")
            }
            // The field names may be stored; that they are shows the OCR maps were read.
            let fields = try openPlain(db).read { try String.fetchAll($0, sql: "SELECT ocr_fields FROM v_poll") }
            #expect(fields.count == 4 && fields.allSatisfy { $0.contains("ID_NUMBER") }, "\(fields)")
            let dir = box.file("report")
            #expect(try runVerdictToEnd(["report", "--db", db, "--week", "2026-W46", "--out", dir], in: box).status == 0)
            #expect(try readCSV(dir, "doc_reuse").count == 1)
        }
    }

    @Test("a refused line keeps its text but loses base64 runs longer than 1 KiB")
    func refusedLineRedaction() throws {
        try withSandbox { box in
            var rng = SeededRandom(seed: 0x1_0CAB)
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
            func run(_ n: Int) -> String { String(decoding: (0..<n).map { _ in rng.pick(alphabet) }, as: UTF8.self) }
            let long = run(2000), limit = run(1024), over = run(1025)
            // No transactionId: refused. The 2,000- and 1,025-byte runs are longer than 1 KiB
            // and go; the 1,024-byte run is not, and stays, as does the text around them.
            let line = Log.envelope(timestamp: "\"2026-11-10T08:00:00Z\"", api: Log.idAPI, transactionId: nil, response: """
                {"result": \(Log.result("S", "SUCCESS")), "extInfo": {"recognitionResult": "Y", "imageContent": ["\(long)"], \
                "extraImages": {"CROPPED_FRONT": "\(limit)", "CROPPED_BACK": "\(over)"}, "note": "keep this text: caf\u{E9} | <b>"}}
                """)
            let input = try box.write("refused.ndjson", lines: [line])
            let db = box.file("refused.db")
            let ingest = try runVerdictToEnd(["ingest", "--db", db, "--json", input], in: box)
            #expect(try IngestJSON(ingest.stdout).total.refused["missing_transaction_id"] == 1)

            let exported = try runVerdictToEnd(["rejects", "export", "--db", db], in: box).stdout
            #expect(exported.hasSuffix("\n"))
            let kept = String(exported.dropLast())
            // The line is p0 long p1 over p2 (p1 holds the 1,024-byte run): the export must be
            // p0 X p1 Y p2, with a note of each removed run's length in X and Y.
            let p0 = try #require(line.components(separatedBy: long).first)
            let rest = String(line.dropFirst(p0.count + long.count))
            let p1 = try #require(rest.components(separatedBy: over).first)
            let p2 = String(rest.dropFirst(p1.count + over.count))
            #expect(p1.contains(limit))
            let esc = NSRegularExpression.escapedPattern(for:)
            let pattern = try NSRegularExpression(pattern: "^" + esc(p0) + "([^\"]*)" + esc(p1) + "([^\"]*)" + esc(p2) + "$")
            let match = pattern.firstMatch(in: kept, range: NSRange(kept.startIndex..., in: kept))
            #expect(match != nil, "export: \(kept.prefix(400))")
            if let match, let x = Range(match.range(at: 1), in: kept), let y = Range(match.range(at: 2), in: kept) {
                #expect(kept[x].contains("2000") && kept[x].count < 100, "note for 2,000 bytes: \(kept[x])")
                #expect(kept[y].contains("1025") && kept[y].count < 100, "note for 1,025 bytes: \(kept[y])")
            }
            #expect(!kept.contains(long.prefix(100)) && !kept.contains(over.prefix(100)))
            // And the removed runs are nowhere in the database files; the kept one is.
            #expect(databaseFiles(db, containing: Array(long.utf8.prefix(200))).isEmpty)
            #expect(databaseFiles(db, containing: Array(over.utf8.prefix(200))).isEmpty)
            #expect(!databaseFiles(db, containing: Array(limit.utf8)).isEmpty)
        }
    }

    @Test("the database file is created readable and writable by its owner only (0600)")
    func databaseMode() throws {
        try withSandbox { box in
            let input = try box.write("one.ndjson", lines: [Log.idVerdict("MODE-1", at: "2026-11-10T08:00:00Z", "Y")])
            let db = box.file("private.db")
            // The test process's umask (usually 022) is inherited: a file created with 0666
            // would be 0644, so the mode must be chosen by verdict itself.
            let ingest = try spawnVerdict(["ingest", "--db", db, input], in: box)
            #expect(ingest.wait(timeout: 60).exitStatus == 0, "\(ingest.stderr)")
            #expect(permissionBits(db) == 0o600, "mode \(String(permissionBits(db) ?? -1, radix: 8))")
            for companion in [db + "-wal", db + "-shm"] where FileManager.default.fileExists(atPath: companion) {
                #expect(permissionBits(companion) == 0o600, "\(companion)")
            }
        }
    }
}
