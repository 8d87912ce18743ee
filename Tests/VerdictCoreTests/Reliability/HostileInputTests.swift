import Foundation
import GRDB
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// the README's Reliability section, "Bad input": truncated last lines, invalid UTF-8, NUL bytes, JSON
// nested thousands deep, numbers out of range, 100 MB strings, an empty file, a
// directory or unreadable file given as input, a gzip file that is cut short: each gets
// a clear message naming the file (and line), never a crash, a hang, or memory growing
// with the size of the input.
//
// Each input is given alone to the real executable, once with the human summary (stderr)
// and once with `--json`, each into a fresh database, and must end by itself within
// 60 s with exit status 0 or 1, never by a signal.

private let at = "2026-11-10T08:00:00Z"

/// What one hostile input gave, in both output modes.
private struct HostileOutcome {
    var human: FinishedRun
    var json: FinishedRun
    var summary: IngestJSON?
    var database: String
}

/// Runs `verdict ingest` on `path` twice (human summary, then `--json`) and checks what
/// every hostile input must satisfy.
private func ingestHostile(_ path: String, in box: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws -> HostileOutcome {
    let tag = UUID().uuidString
    let humanDB = box.file("human-\(tag).db"), jsonDB = box.file("json-\(tag).db")
    let human = try runVerdictToEnd(["ingest", "--db", humanDB, path], in: box, timeout: 60)
    let json = try runVerdictToEnd(["ingest", "--db", jsonDB, "--json", path], in: box, timeout: 60)
    for (mode, run) in [("human", human), ("json", json)] {
        #expect(!run.termination.timedOut, "\(mode): did not end within 60 s", sourceLocation: sourceLocation)
        #expect(run.termination.signal == nil, "\(mode): \(run.termination.description)", sourceLocation: sourceLocation)
        #expect(run.status == 0 || run.status == 1, "\(mode): \(run.termination.description): \(run.stderr)", sourceLocation: sourceLocation)
    }
    // The human output names the file: in its summary line, or in the error.
    #expect(human.stderr.contains(path), "stderr does not name \(path): \(human.stderr)", sourceLocation: sourceLocation)
    // Where a summary is printed, it adds up.
    for line in HumanSummaryLine.all(in: human.stderr) {
        #expect(line.addsUp, "summary does not add up: \(line)", sourceLocation: sourceLocation)
    }
    var summary: IngestJSON?
    if let s = try? IngestJSON(json.stdout) {
        summary = s
        #expect(s.total.addsUp, "total does not add up: \(json.stdout)", sourceLocation: sourceLocation)
        #expect(Set(s.total.refused.keys) == IngestJSON.reasons, sourceLocation: sourceLocation)
        #expect(s.files.count == 1 && s.files.first?.path == path && s.files.first?.addsUp == true,
                "the JSON summary names the file: \(json.stdout.prefix(400))", sourceLocation: sourceLocation)
    } else {
        Issue.record("no JSON summary on stdout: \(json.stdout.prefix(300)) / \(json.stderr)", sourceLocation: sourceLocation)
    }
    return HostileOutcome(human: human, json: json, summary: summary, database: jsonDB)
}

/// `verdict rejects list` of a database: its lines.
private func rejectsList(_ db: String, in box: Sandbox) throws -> String {
    let r = try runVerdictToEnd(["rejects", "list", "--db", db], in: box, timeout: 60)
    #expect(r.status == 0, "rejects list: \(r.stderr)")
    return r.stdout
}

/// Whether some line of `stderr` is an error message naming `path`.
private func namesInError(_ stderr: String, _ path: String) -> Bool {
    stderr.split(separator: "\n").contains { $0.contains(path) && $0.lowercased().contains("error") }
}

/// The refusal counts of a summary with zeros left out.
private func nonZero(_ refused: [String: Int]) -> [String: Int] { refused.filter { $0.value != 0 } }

@Suite("Reliability: hostile input", .serialized)
struct ReliabilityHostileInput {
    @Test("200,000 nested brackets on one line: one invalid_json refusal, named by file and line")
    func deepBrackets() throws {
        try withSandbox { box in
            // An array opened 200,000 times and never closed is not JSON (and not an object).
            let path = try box.write("brackets.ndjson", bytes: [UInt8](repeating: UInt8(ascii: "["), count: 200_000) + [0x0A])
            let out = try ingestHostile(path, in: box)
            #expect(out.human.status == 0)
            let s = try #require(out.summary)
            #expect(s.total.lines == 1 && s.total.accepted == 0)
            #expect(nonZero(s.total.refused) == ["invalid_json": 1])
            #expect(try rejectsList(out.database, in: box).contains(path + ":1: invalid_json"))
        }
    }

    @Test("100,000 nested objects: valid JSON in an undocumented field is ignored; unclosed, it is invalid_json")
    func deepObjects() throws {
        try withSandbox { box in
            // RFC 8259 sets no depth limit, and docs/LOG_FORMAT.md (The envelope) says undocumented fields are
            // ignored: line 1 is an ordinary poll. Line 2 is the same with its innermost
            // object never closed, so it is not JSON.
            let depth = 100_000
            let nested = String(repeating: "{\"n\":", count: depth) + "1" + String(repeating: "}", count: depth)
            let ok = Log.id("DEEP-1", at: at, ext: "{\"recognitionResult\": \"Y\", \"debug\": \(nested)}")
            let cut = Log.id("DEEP-2", at: at, ext: "{\"recognitionResult\": \"Y\", \"debug\": \(nested.dropLast(depth / 2))}")
            let path = try box.write("objects.ndjson", lines: [ok, cut])
            let out = try ingestHostile(path, in: box)
            #expect(out.human.status == 0)
            let s = try #require(out.summary)
            #expect(s.total.lines == 2 && s.total.accepted == 1)
            #expect(nonZero(s.total.refused) == ["invalid_json": 1])
            #expect(s.transactions == ["ID_RECOGNITION": 1, "VIDEO_VERIFY": 0])
            #expect(try rejectsList(out.database, in: box).contains(path + ":2: invalid_json"))
        }
    }

    @Test("a 100 MB string in one line: ingested, never stored, and peak memory stays below 400 MB")
    func hundredMegabyteString() throws {
        try withSandbox { box in
            // A VideoVerify poll whose willingVerifyVideo is 100 MiB of base64 (docs/LOG_FORMAT.md (Files and lines):
            // no line limit below 256 MiB; §3: the payload is not stored).
            let size = 100 << 20
            let head = Array(#"{"timestamp": "2026-11-10T08:00:00Z", "api": "/api/v1/zoloz/videoverify/checkresult", "request": {"transactionId": "HUGE-1"}, "response": {"result": {"resultStatus": "S", "resultCode": "SUCCESS"}, "videoVerifyResult": "Success", "extInfo": {"willingVerifyVideo": ""#.utf8)
            let tail = Array("\"}}}\n".utf8)
            var bytes = [UInt8]()
            bytes.reserveCapacity(head.count + size + tail.count)
            bytes += head
            bytes += [UInt8](repeating: UInt8(ascii: "Q"), count: size)
            bytes += tail
            let path = try box.write("huge.ndjson", bytes: bytes)
            bytes = []

            let db = box.file("huge.db")
            let run = try runVerdictToEnd(["ingest", "--db", db, "--json", path], in: box, timeout: 60)
            #expect(!run.termination.timedOut && run.termination.signal == nil, "\(run.termination.description)")
            #expect(run.status == 0, "\(run.stderr)")
            let s = try IngestJSON(run.stdout)
            #expect(s.total.lines == 1 && s.total.accepted == 1 && s.total.addsUp)
            #expect(s.files.first?.path == path)
            #expect(s.transactions == ["ID_RECOGNITION": 0, "VIDEO_VERIFY": 1])
            // The line must be held while it is parsed (100 MiB), but not copied over and over.
            // Measured on a second run, into another database.
            let measured = try peakMemoryKiB(["ingest", "--db", box.file("huge-2.db"), path], in: box)
            #expect(measured.status == 0)
            let peakMB = Double(measured.kib) / 1024
            #expect(peakMB < 400, "peak resident memory \(peakMB) MiB")
            #expect(peakMB > 100, "ru_maxrss looks wrong: \(peakMB) MiB for a 100 MiB line")
            // The payload is not in the database: its files stay far smaller than it.
            let stored = databaseFileBytes(db).map(\.1.count).reduce(0, +)
            #expect(stored < 5 << 20, "database files hold \(stored) bytes")
        }
    }

    @Test("NUL bytes: each line holding one is invalid_json; a valid line after them is still read")
    func nulBytes() throws {
        try withSandbox { box in
            // 1: a NUL between members is not JSON whitespace.
            let line1 = Array("{\"timestamp\": \"\(at)\",".utf8) + [0] + Array(" \"request\": {\"transactionId\": \"N1\"}}".utf8)
            // 2: a raw NUL inside a string is a control character JSON forbids.
            let line2 = try #require(replace(Array("\"N2\"".utf8), with: Array("\"N2".utf8) + [0] + Array("X\"".utf8),
                                             in: Array(Log.idVerdict("N2", at: at, "Y").utf8)))
            // 3: only NULs: not blank (NUL is not whitespace), not JSON.
            let line3: [UInt8] = [0, 0, 0, 0]
            // 4: a valid poll after them.
            let line4 = Array(Log.idVerdict("NUL-OK", at: at, "Y").utf8)
            let fixed: [UInt8] = [line1, line2, line3, line4].flatMap { (l: [UInt8]) -> [UInt8] in l + [0x0A] }
            #expect(fixed.filter { $0 == 0 }.count == 6)

            let path = try box.write("nul.ndjson", bytes: fixed)
            let out = try ingestHostile(path, in: box)
            #expect(out.human.status == 0)
            let s = try #require(out.summary)
            #expect(s.total.lines == 4 && s.total.accepted == 1 && s.total.blank == 0)
            #expect(nonZero(s.total.refused) == ["invalid_json": 3])
            let list = try rejectsList(out.database, in: box)
            for n in 1...3 { #expect(list.contains(path + ":\(n): invalid_json"), "line \(n): \(list)") }
        }
    }

    @Test("1 MiB of seeded random bytes: every line is blank or refused, and the counts add up")
    func randomBytes() throws {
        try withSandbox { box in
            var rng = SeededRandom(seed: 0xBAD_B17E5)
            let bytes = rng.bytes(1 << 20)
            // Expected counts from the bytes themselves (docs/LOG_FORMAT.md (Files and lines)): a line ends at each
            // \n, a trailing \r is part of the terminator, the last line may lack its \n,
            // and a line of ASCII whitespace only is blank.
            #expect(!(bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF), "the seed must not start with a BOM")
            var segments = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
            if segments.last?.isEmpty == true { segments.removeLast() }
            let blank = segments.filter { seg in
                let body = seg.last == 0x0D ? seg.dropLast() : seg[...]
                return body.allSatisfy { $0 == 0x20 || (0x09...0x0D).contains($0) }
            }.count
            let path = try box.write("random.bin", bytes: bytes)
            let out = try ingestHostile(path, in: box)
            #expect(out.human.status == 0)
            let s = try #require(out.summary)
            #expect(s.total.lines == segments.count)
            #expect(s.total.blank == blank)
            #expect(s.total.accepted == 0 && s.total.duplicates == 0)
            #expect(s.total.refusedTotal == segments.count - blank)
            #expect(s.transactions == ["ID_RECOGNITION": 0, "VIDEO_VERIFY": 0])
        }
    }

    @Test("an empty file: exit 0, zero lines, and the summary names it")
    func emptyFile() throws {
        try withSandbox { box in
            let path = try box.write("empty.ndjson", bytes: [])
            let out = try ingestHostile(path, in: box)
            #expect(out.human.status == 0 && out.json.status == 0)
            #expect(out.human.stderr.contains(path + ": 0 lines"), "\(out.human.stderr)")
            let s = try #require(out.summary)
            #expect(s.total.lines == 0 && s.total.accepted == 0 && s.total.refusedTotal == 0 && s.total.blank == 0)
            #expect(s.files.first?.error == nil)
        }
    }

    @Test("a gzip file cut in half: exit 1, a message naming it, and the lines before the cut are ingested")
    func gzipCutInHalf() throws {
        try withSandbox { box in
            // 2,000 distinct polls (each its own transaction) in one gzip member.
            var lines: [String] = []
            for i in 0..<2000 {
                let pad = String(repeating: String(format: "%08x", UInt32(truncatingIfNeeded: i &* 2_654_435_761)), count: 6)
                lines.append(Log.id(String(format: "GZ-%05d", i), at: at, ext: "{\"recognitionResult\": \"Y\", \"pad\": \"\(pad)\"}"))
            }
            let whole = try box.writeGzip("whole.ndjson.gz", members: [lines])
            let all = try #require(FileBytes.readAll(path: whole))
            let path = try box.write("cut.ndjson.gz", bytes: Array(all.prefix(all.count / 2)))

            // How many complete lines the first half decodes to, according to GNU gzip (its
            // own inflate, not zlib): it writes what it could decode, then complains.
            var expectedLines: Int?
            if let gzip = Executables.find("gzip") {
                let p = try Spawned.start(gzip, ["-dc", path], in: box)
                let t = p.wait(timeout: 60)
                #expect(t.exitStatus == 1, "gzip itself must see the cut")
                let decoded = try #require(FileBytes.readAll(path: p.stdoutPath))
                expectedLines = decoded.filter { $0 == 0x0A }.count
                #expect(expectedLines! > 0 && expectedLines! < 2000)
            }

            let out = try ingestHostile(path, in: box)
            #expect(out.human.status == 1 && out.json.status == 1)
            #expect(namesInError(out.human.stderr, path), "\(out.human.stderr)")
            let s = try #require(out.summary)
            #expect(s.files.first?.error != nil)
            #expect(s.total.refusedTotal == 0 || nonZero(s.total.refused) == ["invalid_json": 1], "at most the cut line is refused")
            if let expectedLines {
                // Every complete line before the cut is a stored poll; a partial last line, if
                // counted at all, is the only other line.
                #expect(s.total.accepted == expectedLines)
                #expect(s.total.lines == expectedLines || s.total.lines == expectedLines + 1)
            } else {
                #expect(s.total.accepted > 0 && s.total.accepted < 2000)
            }
            #expect(s.transactions["ID_RECOGNITION"] == s.total.accepted)
        }
    }

    @Test("invalid UTF-8: each line holding it is invalid_json, named by file and line; valid lines are read")
    func invalidUTF8() throws {
        try withSandbox { box in
            func withID(_ raw: [UInt8]) -> [UInt8] {
                Array(#"{"timestamp": "2026-11-10T08:00:00Z", "api": "/api/v1/zoloz/idrecognition/checkresult", "request": {"transactionId": "U"#.utf8)
                    + raw + Array(#""}, "response": {"result": {"resultStatus": "S", "resultCode": "SUCCESS"}}}"#.utf8)
            }
            let lines: [[UInt8]] = [
                withID(Array("ñ-ok".utf8)),  // 1: valid two-byte UTF-8: accepted
                withID([0xC0, 0xAF]),  // 2: overlong encoding of '/'
                withID([0xED, 0xA0, 0x80]),  // 3: an encoded surrogate
                withID([0x80]),  // 4: a lone continuation byte
                withID([0xE2, 0x82]),  // 5: a sequence cut short
                withID([0xE9]),  // 6: Latin-1 'é'
                withID([0xF4, 0x90, 0x80, 0x80]),  // 7: beyond U+10FFFF
                Array(#"{"timestamp": "2026-11-10T08:00:00Z", "x": 1}"#.utf8) + [0xFF],  // 8: a stray byte outside strings
                withID(Array("€-ok".utf8)),  // 9: valid three-byte UTF-8: accepted
            ]
            let path = try box.write("utf8.ndjson", bytes: lines.flatMap { $0 + [0x0A] })
            let out = try ingestHostile(path, in: box)
            #expect(out.human.status == 0)
            let s = try #require(out.summary)
            #expect(s.total.lines == 9 && s.total.accepted == 2)
            #expect(nonZero(s.total.refused) == ["invalid_json": 7])
            let list = try rejectsList(out.database, in: box)
            for n in 2...8 { #expect(list.contains(path + ":\(n): invalid_json"), "line \(n)") }
        }
    }

    @Test("a truncated last line (no final newline) is refused as invalid_json with its line number")
    func truncatedLastLine() throws {
        try withSandbox { box in
            let a = Log.idVerdict("TR-1", at: at, "Y"), b = Log.idVerdict("TR-2", at: at, "Y")
            let c = String(Log.idVerdict("TR-3", at: at, "Y").prefix(60))
            let path = try box.write("truncated.ndjson", lines: [a, b, c], finalNewline: false)
            let out = try ingestHostile(path, in: box)
            let s = try #require(out.summary)
            #expect(s.total.lines == 3 && s.total.accepted == 2)
            #expect(nonZero(s.total.refused) == ["invalid_json": 1])
            #expect(try rejectsList(out.database, in: box).contains(path + ":3: invalid_json"))
        }
    }

    @Test("numbers out of range: an instant that is no epoch-ms integer is invalid_timestamp; a field is a warning")
    func numbersOutOfRange() throws {
        try withSandbox { box in
            let response = "{\"result\": \(Log.result("S", "SUCCESS")), \"extInfo\": {\"recognitionResult\": \"Y\"}}"
            let lines = [
                // docs/LOG_FORMAT.md (The envelope): epoch milliseconds are an integer; these are valid JSON numbers
                // that are no such integer (an exponent form beyond any double; 10^29).
                Log.envelope(timestampKey: "ts", timestamp: "1e400", api: Log.idAPI, transactionId: "R1", response: response),
                Log.envelope(timestampKey: "ts", timestamp: "123456789012345678901234567890", api: Log.idAPI, transactionId: "R2", response: response),
                // docs/LOG_FORMAT.md (Warnings): a field of the wrong kind is absent plus one warning, and a
                // quality outside [0, 100] is an invalid field (docs/METRICS.md).
                Log.vv("R3", at: at, verdict: "Success", ext: "{\"quality\": 1e400}"),
                Log.idVerdict("R4", at: at, "Y", more: "\"docEdition\": 99999999999999999999999"),
            ]
            let path = try box.write("numbers.ndjson", lines: lines)
            let out = try ingestHostile(path, in: box)
            let s = try #require(out.summary)
            #expect(s.total.lines == 4 && s.total.accepted == 2 && s.total.warnings == 2)
            #expect(nonZero(s.total.refused) == ["invalid_timestamp": 2])
        }
    }

    @Test("a directory given as input: exit 1 and a message naming it")
    func directory() throws {
        try withSandbox { box in
            let dir = box.file("logs")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
            let out = try ingestHostile(dir, in: box)
            #expect(out.human.status == 1 && out.json.status == 1)
            #expect(namesInError(out.human.stderr, dir), "\(out.human.stderr)")
            let s = try #require(out.summary)
            #expect(s.total.lines == 0 && s.files.first?.error != nil)
        }
    }

    @Test("a missing file: exit 1 and a message naming it")
    func missingFile() throws {
        try withSandbox { box in
            let path = box.file("no-such-file.ndjson")
            let out = try ingestHostile(path, in: box)
            #expect(out.human.status == 1 && out.json.status == 1)
            #expect(namesInError(out.human.stderr, path), "\(out.human.stderr)")
            let s = try #require(out.summary)
            #expect(s.total.lines == 0 && s.files.first?.error != nil)
        }
    }

    @Test("a file without read permission: exit 1 and a message naming it",
          .enabled(if: geteuid() != 0, "running as root: root reads a file even without read permission, so this case cannot be observed"))
    func unreadableFile() throws {
        try withSandbox { box in
            let path = try box.write("secret.ndjson", lines: [Log.idVerdict("P-1", at: at, "Y")])
            #expect(chmod(path, 0) == 0)
            defer { chmod(path, 0o600) }
            let out = try ingestHostile(path, in: box)
            #expect(out.human.status == 1 && out.json.status == 1)
            #expect(namesInError(out.human.stderr, path), "\(out.human.stderr)")
            let s = try #require(out.summary)
            #expect(s.total.lines == 0 && s.files.first?.error != nil)
        }
    }
}

/// `haystack` with the first occurrence of `needle` replaced, or nil if absent.
func replace(_ needle: [UInt8], with replacement: [UInt8], in haystack: [UInt8]) -> [UInt8]? {
    guard needle.count <= haystack.count else { return nil }
    for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) {
        return Array(haystack[..<i]) + replacement + Array(haystack[(i + needle.count)...])
    }
    return nil
}
