import Foundation
import GRDB
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// Helpers of the reliability tests (the README's Reliability section), on top of
// Support/TestSupport.swift: a seeded generator, a subprocess that can be killed,
// timed out and measured (peak memory), the `--json` summary, and raw file bytes.
//
// Every suite of this folder has a type name starting with `Reliability`, so
// `swift test --filter Reliability` runs exactly this folder.

// MARK: - Seeded randomness

/// The product's own SplitMix64 (what `verdict sample` uses), with the helpers the tests
/// need: a seed gives the same numbers whatever the standard library does in a later Swift.
struct SeededRandom {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { generator.next() }

    /// Uniform in 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        return Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }

    mutating func bytes(_ n: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(n)
        while out.count < n {
            var x = next()
            for _ in 0..<min(8, n - out.count) {
                out.append(UInt8(truncatingIfNeeded: x))
                x >>= 8
            }
        }
        return out
    }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

// MARK: - Clock

enum Monotonic {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        usleep(UInt32(min(seconds, 4000) * 1_000_000))
    }
}

// MARK: - A subprocess that can be killed and measured

/// A child process started with posix_spawn and reaped with wait4, so that a test can
/// SIGKILL it at a chosen moment, give up on it after a timeout, and tell an exit from a
/// signal. Output goes to files. (Its `ru_maxrss` would not be its own peak memory: the
/// child shares this process's address space until exec and inherits its high-water mark;
/// see `peakMemoryKiB`.)
final class Spawned: @unchecked Sendable {
    struct Termination: Sendable {
        /// The exit status, when the process exited.
        var exitStatus: Int32?
        /// The signal that ended it, when one did.
        var signal: Int32?
        /// Wall-clock seconds from start to reaping.
        var seconds: Double
        /// The test gave up waiting and killed it.
        var timedOut: Bool

        var description: String {
            if timedOut { return "timed out after \(seconds) s (killed)" }
            if let signal { return "killed by signal \(signal)" }
            return "exit status \(exitStatus ?? -1)"
        }
    }

    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String
    let started: Double
    private let lock = NSLock()
    private var termination: Termination?

    private init(pid: pid_t, stdoutPath: String, stderrPath: String, started: Double) {
        self.pid = pid
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
        self.started = started
    }

    /// Starts `executable` with `arguments`; standard input is /dev/null.
    static func start(_ executable: String, _ arguments: [String], in sandbox: Sandbox) throws -> Spawned {
        let tag = UUID().uuidString
        let outPath = sandbox.file(".spawn-out-\(tag)"), errPath = sandbox.file(".spawn-err-\(tag)")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Descriptors other tests have open (without O_CLOEXEC) must not leak into the
        // child: glibc's closefrom action is not exported to Swift, so look it up.
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let sym = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(sym, to: CloseFrom.self)(&actions, 3)
        }

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let started = Monotonic.now()
        let rc = posix_spawn(&pid, executable, &actions, &attr, argv, environ)
        guard rc == 0 else { throw TestFailure("posix_spawn \(executable): \(String(cString: strerror(rc)))") }
        return Spawned(pid: pid, stdoutPath: outPath, stderrPath: errPath, started: started)
    }

    /// The termination if the process has ended (reaping it), else nil. Never blocks.
    func poll() -> Termination? {
        lock.lock()
        defer { lock.unlock() }
        if let termination { return termination }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        guard r == pid else { return nil }
        let low = status & 0x7F
        let t = Termination(
            exitStatus: low == 0 ? (status >> 8) & 0xFF : nil,
            signal: low != 0 && low != 0x7F ? low : nil,
            seconds: Monotonic.now() - started,
            timedOut: false)
        termination = t
        return t
    }

    var isRunning: Bool { poll() == nil }

    /// Waits for the end; after `timeout` seconds the process is SIGKILLed and reported
    /// as timed out.
    @discardableResult
    func wait(timeout: Double = 120) -> Termination {
        while true {
            if let t = poll() { return t }
            if Monotonic.now() - started > timeout {
                Glibc.kill(pid, SIGKILL)
                while true {
                    if var t = poll() {
                        t.timedOut = true
                        lock.lock()
                        termination = t
                        lock.unlock()
                        return t
                    }
                    usleep(2_000)
                }
            }
            usleep(2_000)
        }
    }

    /// Sends `signal` unless the process has already been reaped (its pid may be reused).
    func kill(_ signal: Int32 = SIGKILL) {
        lock.lock()
        defer { lock.unlock() }
        if termination == nil { Glibc.kill(pid, signal) }
    }

    var stdout: String { (try? readText(stdoutPath)) ?? "" }
    var stderr: String { (try? readText(stderrPath)) ?? "" }

    deinit {
        // Never leave a child behind, even when an expectation failed midway.
        if termination == nil {
            Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }
}

/// Waits for all of `processes` at once, so each one's end time is when it really ended.
func waitAll(_ processes: [Spawned], timeout: Double = 120) -> [Spawned.Termination] {
    let start = Monotonic.now()
    // Poll every process each round (no short cut), so each is reaped soon after it ends.
    while processes.map({ $0.isRunning }).contains(true) && Monotonic.now() - start < timeout { usleep(2_000) }
    return processes.map { $0.wait(timeout: 0) }
}

/// Starts the built `verdict` executable.
func spawnVerdict(_ arguments: [String], in sandbox: Sandbox) throws -> Spawned {
    let exe = try #require(Executables.verdict, "the verdict executable was not found: build it with swift build --build-tests")
    return try Spawned.start(exe, arguments, in: sandbox)
}

/// Runs `verdict` to its end (SIGKILL after `timeout` seconds).
struct FinishedRun {
    var termination: Spawned.Termination
    var stdout: String
    var stderr: String

    var status: Int32? { termination.exitStatus }
    var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
}

func runVerdictToEnd(_ arguments: [String], in sandbox: Sandbox, timeout: Double = 120) throws -> FinishedRun {
    let p = try spawnVerdict(arguments, in: sandbox)
    let t = p.wait(timeout: timeout)
    return FinishedRun(termination: t, stdout: p.stdout, stderr: p.stderr)
}

/// Runs `verdict` to its end and returns its exit status and peak resident memory in KiB
/// (`ru_maxrss`, what `/usr/bin/time -v` prints as "Maximum resident set size").
///
/// The run is started from a small Python process: a child spawned straight from the test
/// process shares its address space until exec and so inherits the test process's own
/// high-water mark, which depends on whatever tests run beside it.
func peakMemoryKiB(_ arguments: [String], in sandbox: Sandbox) throws -> (status: Int, kib: Int) {
    let exe = try #require(Executables.verdict, "the verdict executable was not found: build it with swift build --build-tests")
    let out = try runPython("""
        import resource, subprocess, sys
        r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        """, [exe] + arguments, in: sandbox)
    let fields = out.stdout.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
    guard fields.count == 2 else { throw TestFailure("no measurement: stdout \(out.stdout), stderr \(out.stderr)") }
    return (fields[0], fields[1])
}

// MARK: - The `--json` summary of the README's command reference

/// `verdict ingest --json`, decoded: the total and each file.
struct IngestJSON {
    struct Counts {
        var path: String?
        var lines: Int
        var accepted: Int
        var duplicates: Int
        var blank: Int
        var refused: [String: Int]
        var warnings: Int
        var alreadyIngested: Bool?
        var error: String?

        var refusedTotal: Int { refused.values.reduce(0, +) }
        /// the README's Reliability section: every line ends in exactly one place.
        var addsUp: Bool { lines == accepted + duplicates + refusedTotal + blank }

        init(_ o: [String: Any]) throws {
            path = o["path"] as? String
            lines = try #require(o["lines"] as? Int, "no lines in \(o)")
            accepted = try #require(o["accepted"] as? Int)
            duplicates = try #require(o["duplicates"] as? Int)
            blank = try #require(o["blank"] as? Int)
            refused = try #require(o["refused"] as? [String: Int])
            warnings = try #require(o["warnings"] as? Int)
            alreadyIngested = o["already_ingested"] as? Bool
            error = o["error"] as? String
        }
    }

    var total: Counts
    var files: [Counts]
    var transactions: [String: Int]

    init(_ text: String) throws {
        let o = try jsonObject(text)
        total = try Counts(o)
        files = try ((o["files"] as? [[String: Any]]) ?? []).map { try Counts($0) }
        transactions = try #require(o["transactions"] as? [String: Int], "no transactions in \(text.prefix(300))")
    }

    /// The six reasons of docs/LOG_FORMAT.md (Refused lines), each present (zero included).
    static let reasons: Set<String> = [
        "invalid_json", "missing_transaction_id", "missing_timestamp", "invalid_timestamp", "missing_result", "unknown_product",
    ]
}

/// One human summary line of `verdict ingest` (stderr), read back:
/// `path: 12 lines, 10 accepted, 1 duplicates, 1 refused (…), 0 blank, 0 warnings`.
struct HumanSummaryLine {
    var path: String
    var lines, accepted, duplicates, refused, blank: Int

    var addsUp: Bool { lines == accepted + duplicates + refused + blank }

    /// The summary lines found in `stderr` (other lines are ignored).
    static func all(in stderr: String) -> [HumanSummaryLine] {
        let pattern = #/^(.*): (\d+) lines, (\d+) accepted, (\d+) duplicates, (\d+) refused(?: \([^)]*\))?, (\d+) blank/#
        return stderr.split(separator: "\n").compactMap { line -> HumanSummaryLine? in
            guard let m = line.prefixMatch(of: pattern) else { return nil }
            return HumanSummaryLine(path: String(m.1), lines: Int(m.2)!, accepted: Int(m.3)!, duplicates: Int(m.4)!,
                                    refused: Int(m.5)!, blank: Int(m.6)!)
        }
    }
}

// MARK: - Database files

/// Opens a database file with plain GRDB (no Verdict migration runs): what any SQLite
/// client would do after a crash. WAL recovery happens here if needed.
func openPlain(_ path: String) throws -> DatabaseQueue {
    try DatabaseQueue(path: path)
}

/// `PRAGMA integrity_check` rows of the database at `path`.
func integrityCheck(_ path: String) throws -> [String] {
    let q = try openPlain(path)
    defer { try? q.close() }
    return try q.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
}

/// The raw bytes of a database file and of its -wal and -shm companions (those that exist).
func databaseFileBytes(_ path: String) -> [(String, Data)] {
    [path, path + "-wal", path + "-shm"].compactMap { p in
        FileManager.default.fileExists(atPath: p) ? (p, FileManager.default.contents(atPath: p) ?? Data()) : nil
    }
}

/// The files of `databaseFileBytes` that contain `needle`. A missing database file is
/// an issue of its own, so that "contains nothing" can never pass vacuously.
func databaseFiles(_ path: String, containing needle: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    let files = databaseFileBytes(path)
    if files.first?.0 != path || files[0].1.isEmpty {
        Issue.record("no database file at \(path) to search", sourceLocation: sourceLocation)
    }
    return files.filter { $0.1.range(of: Data(needle)) != nil }.map(\.0)
}

/// st_mode & 0o777 of a file, or nil if it does not exist.
func permissionBits(_ path: String) -> Int? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return Int(st.st_mode & 0o777)
}

// MARK: - Sample corpora

/// One `verdict sample` file: the options fully decide its bytes.
struct SampleSpec: Sendable {
    var name: String
    var seed: UInt64
    var start: String
    var days: Int
    var idPerDay: Int
    var videoPerDay: Int
}

/// Writes the files of `specs` with `verdict sample` (in parallel) and returns their paths.
func makeSampleCorpus(_ specs: [SampleSpec], in box: Sandbox) throws -> [String] {
    let runs = try specs.map { s in
        (box.file(s.name), try spawnVerdict(["sample", "--days", String(s.days), "--seed", String(s.seed), "--start", s.start,
                                             "--id-per-day", String(s.idPerDay), "--video-per-day", String(s.videoPerDay),
                                             "--out", box.file(s.name)], in: box))
    }
    for (path, p) in runs {
        let t = p.wait(timeout: 120)
        guard t.exitStatus == 0 else { throw TestFailure("verdict sample \(path): \(t.description): \(p.stderr)") }
    }
    return runs.map(\.0)
}

/// The CSV files of a report directory, by name, as bytes.
func reportCSVFiles(_ dir: String) throws -> [String: Data] {
    var out: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasSuffix(".csv") {
        out[name] = FileManager.default.contents(atPath: dir + "/" + name)
    }
    return out
}

/// The CSV files docs/METRICS.md requires of every report, with their header rows (spelled
/// out here from the contract, not taken from the product's catalog).
let contractCSVHeaders: [String: [String]] = [
    "outcomes.csv": Headers.outcomes, "verdicts.csv": Headers.verdicts, "result_codes.csv": Headers.resultCodes,
    "id_failure_reasons.csv": Headers.idFailureReasons, "spoof_checks.csv": Headers.spoofChecks,
    "spoof_details.csv": Headers.spoofDetails, "quality_summary.csv": Headers.qualitySummary,
    "quality_histogram.csv": Headers.qualityHistogram, "willing_attempts.csv": Headers.willingAttempts,
    "willing_statuses.csv": Headers.willingStatuses, "trend.csv": Headers.trend,
]
