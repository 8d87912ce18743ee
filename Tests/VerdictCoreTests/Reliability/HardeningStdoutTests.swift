import Foundation
import Testing
@testable import VerdictCore

// Output that did not arrive is a failure: a command whose standard output cannot be
// written (a full disk; here /dev/full, where every write fails with ENOSPC) exits 1 with
// one line on stderr, never 0 with its results cut short.

/// Runs the built `verdict` with standard output on /dev/full; stderr is returned.
func runVerdictIntoFullDevice(_ arguments: [String], in box: Sandbox) throws -> ProcessOutput {
    let exe = try #require(Executables.verdict, "the verdict executable was not found: build it with swift build --build-tests")
    let errPath = box.file(".stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let full = try #require(FileHandle(forWritingAtPath: "/dev/full"), "no /dev/full")
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: exe)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: box.path)
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = full
    process.standardError = err
    try process.run()
    process.waitUntilExit()
    try full.close()
    try err.close()
    return ProcessOutput(status: process.terminationStatus, stdout: "", stderr: try readText(errPath))
}

@Suite("Reliability: a standard output that cannot be written", .enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
struct ReliabilityFullStdoutTests {
    func expectFailure(_ out: ProcessOutput, _ what: String) {
        #expect(out.status == 1, "\(what): exit status \(out.status), stderr: \(out.stderr)")
        let lines = out.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(what): \(out.stderr)")
        #expect(lines.first?.hasPrefix("verdict: error: standard output: cannot write: no space left on the device") == true, "\(what): \(out.stderr)")
    }

    @Test("every command that prints results exits 1 with one line when standard output is full")
    func everyCommand() throws {
        try withSandbox { box in
            let log = try box.write("log.ndjson", lines: [
                Log.idVerdict("A", at: "2026-11-10T08:00:00Z", "Y"),
                Log.vv("V", at: "2026-11-11T08:00:00Z", verdict: "Pass"),
                "{not json",
            ])
            let db = box.databasePath
            expectFailure(try runVerdictIntoFullDevice(["ingest", "--db", db, "--json", log], in: box), "ingest --json")
            // The ingest itself was committed; only its summary was lost.
            let again = try runVerdict(["ingest", "--db", db, "--json", log], in: box)
            #expect(again.status == 0, "\(again.stderr)")
            let summary = try jsonObject(again.stdout)
            #expect(summary["lines"] as? Int == 3 && summary["accepted"] as? Int == 0, "\(again.stdout)")
            for format in ["csv", "md", "json"] {
                expectFailure(try runVerdictIntoFullDevice(["query", "--db", db, "outcomes", "--week", "2026-W46", "--format", format], in: box), "query --format \(format)")
            }
            expectFailure(try runVerdictIntoFullDevice(["rejects", "list", "--db", db], in: box), "rejects list")
            expectFailure(try runVerdictIntoFullDevice(["rejects", "export", "--db", db], in: box), "rejects export")
            expectFailure(try runVerdictIntoFullDevice(["check", "--db", db], in: box), "check")
            expectFailure(try runVerdictIntoFullDevice(["report", "--db", db, "--week", "2026-W46", "--out", box.file("r")], in: box), "report")
            expectFailure(try runVerdictIntoFullDevice(["sample", "--days", "1", "--start", "2026-11-09", "--out", "-"], in: box), "sample --out -")
            expectFailure(try runVerdictIntoFullDevice(["sample", "--days", "1", "--start", "2026-11-09"], in: box), "sample")
            // A purge that asks for confirmation when no terminal is there takes --yes.
            let purgeHelp = try runVerdict(["rejects", "purge", "--help"], in: box).stdout
            let confirm = purgeHelp.contains("--yes") ? ["--yes"] : []
            expectFailure(try runVerdictIntoFullDevice(["rejects", "purge", "--db", db] + confirm, in: box), "rejects purge")
            // The same commands with a writable standard output succeed.
            let query = try runVerdict(["query", "--db", db, "outcomes", "--week", "2026-W46"], in: box)
            #expect(query.status == 0 && CSVReader.parse(query.stdout).first == Headers.outcomes)
        }
    }

    @Test("demo exits 1 with one line when standard output is full")
    func demo() throws {
        try withSandbox { box in
            expectFailure(try runVerdictIntoFullDevice(["demo", "--out", box.file("demo")], in: box), "demo")
        }
    }

    @Test("a database that fails its checks still exits 3 when standard output is full")
    func checkFailureOutranksOutput() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines([Log.idVerdict("A", at: "2026-11-10T08:00:00Z", "Y")])
            try db.queue.write { try $0.execute(sql: "UPDATE fct_transaction SET poll_count = poll_count + 1") }
            let out = try runVerdictIntoFullDevice(["check", "--db", box.databasePath], in: box)
            #expect(out.status == 3, "\(out.stderr)")
            #expect(out.stderr.split(separator: "\n").count == 1 && out.stderr.contains("does not pass its checks"), "\(out.stderr)")
        }
    }

    @Test("--help and --version exit 1 with one line when standard output is full")
    func helpAndVersion() throws {
        try withSandbox { box in
            for args in [["--help"], ["--version"], ["query", "--help"], ["help", "rejects"]] {
                expectFailure(try runVerdictIntoFullDevice(args, in: box), args.joined(separator: " "))
            }
        }
    }

    @Test("a closed pipe on standard output is exit 1 with one line, not death by SIGPIPE")
    func closedPipe() throws {
        try withSandbox { box in
            let log = try box.write("log.ndjson", lines: (0..<2000).map { Log.idVerdict("T\($0)", at: "2026-11-10T08:00:00Z", "N", more: "\"recognitionErrorCode\": \"E\($0)\"") })
            #expect(try runVerdict(["ingest", "--db", box.databasePath, log], in: box).status == 0)
            let exe = try #require(Executables.verdict)
            for args in [["query", "--db", box.databasePath, "id_failure_reasons", "--week", "2026-W46"], ["--help"],
                         ["sample", "--days", "2", "--start", "2026-11-09"]] {
                var fds: [Int32] = [0, 0]
                #expect(pipe(&fds) == 0)
                close(fds[0])  // nobody will read
                let errPath = box.file(".stderr-pipe")
                _ = FileManager.default.createFile(atPath: errPath, contents: nil)
                let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
                let process = Process()
                process.executableURL = URL(fileURLWithPath: exe)
                process.arguments = args
                process.currentDirectoryURL = URL(fileURLWithPath: box.path)
                process.standardOutput = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
                process.standardError = err
                try process.run()
                process.waitUntilExit()
                try err.close()
                let stderr = try readText(errPath)
                #expect(process.terminationReason == .exit && process.terminationStatus == 1, "\(args): \(process.terminationReason) \(process.terminationStatus) \(stderr)")
                #expect(stderr.split(separator: "\n").count == 1 && stderr.contains("pipe was closed"), "\(args): \(stderr)")
            }
        }
    }
}
