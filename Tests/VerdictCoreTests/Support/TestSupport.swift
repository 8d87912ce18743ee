import Foundation
import GRDB
import Logging
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// Shared helpers of the test suite: a fresh temporary directory per test, a real SQLite
// database file in it, fixture files (plain, CRLF, gzip with several members), ingests,
// reports, CSV reading, and the `verdict` executable as a subprocess.

// MARK: - A temporary directory per test

/// A fresh directory under the system temporary directory. Use it through `withSandbox`,
/// which removes it when the test body returns (or throws).
final class Sandbox {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/verdict-tests-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestFailure("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// A path inside the sandbox.
    func file(_ name: String) -> String { path + "/" + name }

    /// The database file every test uses unless it needs several.
    var databasePath: String { file("verdict.db") }

    /// Opens (creating and migrating) a real SQLite database file in the sandbox.
    func database(_ name: String = "verdict.db") throws -> VerdictDatabase {
        try VerdictDatabase(path: file(name))
    }

    // MARK: Fixture files

    /// Writes NDJSON lines joined by `ending`; `finalNewline: false` leaves the last line open.
    @discardableResult
    func write(_ name: String, lines: [String], ending: String = "\n", finalNewline: Bool = true) throws -> String {
        var text = lines.joined(separator: ending)
        if finalNewline && !lines.isEmpty { text += ending }
        return try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let p = file(name)
        guard FileManager.default.createFile(atPath: p, contents: Data(bytes)) else {
            throw TestFailure("cannot write \(p)")
        }
        return p
    }

    /// A gzip file made of one member per element of `members` (as log rotation makes
    /// them), each compressed on its own by `OutputSink` and then concatenated.
    @discardableResult
    func writeGzip(_ name: String, members: [[String]]) throws -> String {
        var all: [UInt8] = []
        for (i, lines) in members.enumerated() {
            let part = file(".member-\(i)-\(name)")
            let sink = try OutputSink(path: part)
            try sink.write(Array(lines.map { $0 + "\n" }.joined().utf8))
            try sink.close()
            let bytes = try #require(FileBytes.readAll(path: part))
            // Each member starts with the gzip magic, so there really are several members.
            #expect(bytes.count > 18 && bytes[0] == 0x1F && bytes[1] == 0x8B)
            all += bytes
            unlink(part)
        }
        return try write(name, bytes: all)
    }

    // MARK: Running the pipeline in process

    /// Runs an ingest of `paths` (in that order) into `database`.
    func ingest(_ database: VerdictDatabase, _ paths: [String], options: IngestOptions = IngestOptions()) throws -> IngestSummary {
        try Ingester(database: database, options: options, logger: quietLogger).ingest(paths: paths)
    }

    /// Writes `lines` to a file and ingests it into a fresh database.
    func ingestLines(_ lines: [String], name: String = "log.ndjson") throws -> (VerdictDatabase, IngestSummary) {
        let db = try database()
        let path = try write(name, lines: lines)
        return (db, try ingest(db, [path]))
    }

    /// Ingests `lines` into a fresh database and writes the report of `period`; returns the directory.
    func report(of lines: [String], _ period: Period, into name: String = "report") throws -> String {
        let (db, summary) = try ingestLines(lines)
        #expect(summary.total.addsUp)
        return try report(db, period, into: name)
    }

    /// Writes every report file for `period` into a new directory and returns it.
    func report(_ database: VerdictDatabase, _ period: Period, into name: String = "report") throws -> String {
        let dir = file(name)
        _ = try ReportWriter(engine: MetricsEngine(database: database, catalog: try QueryCatalog())).write(period: period, to: dir)
        return dir
    }
}

/// Runs `body` with a fresh sandbox and removes it afterwards.
func withSandbox<T>(_ body: (Sandbox) throws -> T) throws -> T {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    return try body(sandbox)
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

let quietLogger: Logger = {
    var l = Logger(label: "verdict-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    l.logLevel = .critical
    return l
}()

// MARK: - Log lines

/// Builds checkresult log lines. `ext` and the like take raw JSON text so that a test can
/// write exactly the quirk it is about (wrong types, nulls, strings holding JSON).
enum Log {
    static let idAPI = "/api/v1/zoloz/idrecognition/checkresult"
    static let vvAPI = "/api/v1/zoloz/videoverify/checkresult"

    /// A JSON string literal for `s`.
    static func q(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// A whole envelope. `timestamp` is raw JSON (a quoted string, a number, null), or nil
    /// for no key; `response` is raw JSON.
    static func envelope(
        timestampKey: String = "timestamp", timestamp: String?, api: String?, transactionId: String?,
        bizId: String? = "B1", response: String?
    ) -> String {
        var parts: [String] = []
        if let timestamp { parts.append(q(timestampKey) + ": " + timestamp) }
        if let api { parts.append("\"api\": " + q(api)) }
        var request: [String] = []
        if let bizId { request.append("\"bizId\": " + q(bizId)) }
        if let transactionId { request.append("\"transactionId\": " + q(transactionId)) }
        request.append("\"isReturnImage\": \"N\"")
        parts.append("\"request\": {" + request.joined(separator: ", ") + "}")
        if let response { parts.append("\"response\": " + response) }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    static func result(_ status: String, _ code: String) -> String {
        "{\"resultStatus\": \(q(status)), \"resultCode\": \(q(code)), \"resultMessage\": \"m\"}"
    }

    /// An ID Recognition checkresult poll at the RFC 3339 instant `at`.
    static func id(_ tx: String, at: String, status: String = "S", code: String = "SUCCESS", ext: String? = nil, api: String? = idAPI) -> String {
        var response = "{\"result\": " + result(status, code)
        if let ext { response += ", \"extInfo\": " + ext }
        response += "}"
        return envelope(timestamp: q(at), api: api, transactionId: tx, response: response)
    }

    /// An ID Recognition poll whose extInfo carries `recognitionResult` (and more fields).
    static func idVerdict(_ tx: String, at: String, _ verdict: String, more: String = "") -> String {
        id(tx, at: at, ext: "{\"recognitionResult\": \(q(verdict))" + (more.isEmpty ? "" : ", " + more) + "}")
    }

    /// A VideoVerify checkresult poll.
    static func vv(_ tx: String, at: String, status: String = "S", code: String = "SUCCESS", verdict: String? = nil, ext: String? = nil, api: String? = vvAPI) -> String {
        var response = "{\"result\": " + result(status, code)
        if let verdict { response += ", \"videoVerifyResult\": " + q(verdict) }
        if let ext { response += ", \"extInfo\": " + ext }
        response += "}"
        return envelope(timestamp: q(at), api: api, transactionId: tx, response: response)
    }
}

// MARK: - Parsing one line in process

func parseLine(_ line: String, documentKey: DocumentHasher? = nil) -> ParsedLine {
    parseLine(bytes: Array(line.utf8), documentKey: documentKey)
}

func parseLine(bytes: [UInt8], documentKey: DocumentHasher? = nil) -> ParsedLine {
    let parser = LogLineParser(documentKey: documentKey)
    return bytes.withUnsafeBufferPointer { parser.parse($0, lineNumber: 1) }
}

extension ParsedLine {
    var poll: PollRecord? {
        if case .poll(let box) = self { return box.record }
        return nil
    }

    var refusal: RefusalReason? {
        if case .refused(let r, _, _) = self { return r }
        return nil
    }

    var isBlank: Bool {
        if case .blank = self { return true }
        return false
    }
}

// MARK: - Reading the database

extension VerdictDatabase {
    /// Rows of a query as text (NULL as nil), for compact assertions.
    func rows(_ sql: String, _ arguments: StatementArguments = []) throws -> [[String?]] {
        try queue.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                (0..<row.count).map { i -> String? in
                    let v: DatabaseValue = row[i]
                    switch v.storage {
                    case .null: return nil
                    case .int64(let n): return String(n)
                    case .double(let d): return String(d)
                    case .string(let s): return s
                    case .blob(let b): return String(decoding: b, as: UTF8.self)
                    }
                }
            }
        }
    }

    func count(_ sql: String) throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    /// `SELECT count(*)` of every table in sqlite_master, by name.
    func tableCounts() throws -> [String: Int] {
        try queue.read { db in
            let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            var out: [String: Int] = [:]
            for n in names {
                out[n] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(n)\"")
            }
            return out
        }
    }

    /// (transaction_id, result_status, result_code, outcome) of every transaction of a product.
    func finals(_ product: String = "ID_RECOGNITION") throws -> [String: [String?]] {
        var out: [String: [String?]] = [:]
        for r in try rows("SELECT transaction_id, result_status, result_code, outcome, verdict_label FROM v_transaction WHERE product = ?", [product]) {
            out[r[0]!] = Array(r[1...])
        }
        return out
    }
}

// MARK: - CSV

/// A CSV file of a report directory, read back with libcsv's parser (not the writer).
func readCSV(_ dir: String, _ name: String) throws -> [[String]] {
    let bytes = try #require(FileBytes.readAll(path: dir + "/" + name + ".csv"), "missing \(name).csv")
    return CSVReader.parse(String(decoding: bytes, as: UTF8.self))
}

func readText(_ path: String) throws -> String {
    String(decoding: try #require(FileBytes.readAll(path: path), "cannot read \(path)"), as: UTF8.self)
}

/// The exact header rows of docs/METRICS.md.
enum Headers {
    static let outcomes = ["product", "transactions", "completed", "passed", "failed", "pending", "api_error", "pass_rate"]
    static let verdicts = ["product", "verdict", "transactions", "share"]
    static let resultCodes = ["product", "result_status", "result_code", "transactions", "share"]
    static let idFailureReasons = ["error_code", "failures", "failure_rate", "share_of_failures"]
    static let spoofChecks = ["check", "evaluated", "passed", "pass_rate"]
    static let spoofDetails = ["spoof_type", "check", "component", "evaluated", "passed", "pass_rate"]
    static let qualitySummary = ["scored", "mean", "min", "p05", "p25", "p50", "p75", "p95", "max", "flagged", "quality_passed", "quality_passed_rate"]
    static let qualityHistogram = ["bucket_lo", "bucket_hi", "transactions"]
    static let willingAttempts = ["attempts", "transactions", "succeeded", "share"]
    static let willingStatuses = ["status", "records", "share"]
    static let trend = ["period_start", "product", "transactions", "completed", "passed", "pass_rate"]
}

// MARK: - Periods

enum Periods {
    static func week(_ w: String, tz: String? = nil) throws -> Period {
        try #require(Period.week(w, zone: try zone(tz)))
    }

    static func month(_ m: String, tz: String? = nil) throws -> Period {
        try #require(Period.month(m, zone: try zone(tz)))
    }

    static func span(_ from: String, _ to: String, tz: String? = nil) throws -> Period {
        try #require(Period.span(from: from, to: to, zone: try zone(tz)))
    }

    static func zone(_ tz: String?) throws -> ReportZone {
        guard let tz else { return .utc }
        return try #require(ReportZone(identifier: tz))
    }
}

// MARK: - Subprocesses

struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Executables {
    /// The package root, from this file's path (Tests/VerdictCoreTests/Support/TestSupport.swift).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `verdict` executable built next to this test bundle by `swift build --build-tests`.
    static let verdict: String? = {
        let fm = FileManager.default
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["VERDICT_BIN"] { candidates.append(env) }
        // The resource bundle, the test binary and the executable share one build directory.
        candidates.append(Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("verdict").path)
        if let exe = Bundle.main.executableURL {
            candidates.append(exe.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("verdict").path)
        }
        let arg0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(arg0.deletingLastPathComponent().appendingPathComponent("verdict").path)
        for scratch in [".build-tests", ".build"] {
            candidates.append(packageRoot.appendingPathComponent(scratch + "/debug/verdict").path)
        }
        return candidates.first { fm.isExecutableFile(atPath: $0) }
    }()

    static func find(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = String(dir) + "/" + name
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static let python3 = find("python3")
    static let cmarkGFM = find("cmark-gfm")

    /// Whether `python3 -c "import numpy"` works (numpy is optional).
    static let hasNumpy: Bool = {
        guard let python3 else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python3)
        p.arguments = ["-c", "import numpy"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()
}

/// Runs `executable` with `arguments`, feeding `stdin` (bytes) if given. Output goes
/// through files in `sandbox`, so a large output can never block on a full pipe.
func run(_ executable: String, _ arguments: [String], stdin: [UInt8]? = nil, in sandbox: Sandbox) throws -> ProcessOutput {
    let tag = UUID().uuidString
    let outPath = sandbox.file(".stdout-\(tag)"), errPath = sandbox.file(".stderr-\(tag)")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: sandbox.path)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    process.standardOutput = out
    process.standardError = err
    var inHandle: FileHandle?
    if let stdin {
        let inPath = try sandbox.write(".stdin-\(tag)", bytes: stdin)
        inHandle = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        process.standardInput = inHandle
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    try inHandle?.close()
    return ProcessOutput(status: process.terminationStatus, stdout: try readText(outPath), stderr: try readText(errPath))
}

/// Runs the built `verdict` executable.
func runVerdict(_ arguments: [String], stdin: [UInt8]? = nil, in sandbox: Sandbox) throws -> ProcessOutput {
    let exe = try #require(Executables.verdict, "the verdict executable was not found: build it with swift build --build-tests")
    return try run(exe, arguments, stdin: stdin, in: sandbox)
}

/// Runs a Python 3 snippet with `arguments` (sys.argv[1...]).
func runPython(_ code: String, _ arguments: [String], in sandbox: Sandbox) throws -> ProcessOutput {
    let py = try #require(Executables.python3, "python3 is not installed")
    return try run(py, ["-c", code] + arguments, in: sandbox)
}

/// Parses a JSON object printed by a subprocess.
func jsonObject(_ text: String) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [String: Any], "not a JSON object: \(text.prefix(200))")
}

/// The fixtures shipped with the test target (Tests/VerdictCoreTests/Fixtures).
enum Fixtures {
    static var directory: String {
        get throws {
            let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil), "Fixtures are not in the test bundle")
            return url.path
        }
    }

    /// The same folder in the source tree (for re-recording golden files).
    static let sourceDirectory = Executables.packageRoot.appendingPathComponent("Tests/VerdictCoreTests/Fixtures").path
}
