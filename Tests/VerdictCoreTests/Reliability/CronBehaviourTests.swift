import Foundation
import Testing
@testable import VerdictCore

// the README's command reference, "Behaviour a scheduled job relies on": exit status 0 on success; non-zero with
// a one-line reason on stderr for a usage error, an unreadable file, a database that
// cannot be opened, or a period that does not parse; `--max-rejects N` (or a ratio) turns
// refused lines into a failure. The statuses are the README's: 2 too many refused lines,
// 3 database, 64 usage.

/// 20 lines: 17 polls of distinct transactions and 3 refused lines (lines 5, 10, 15), so
/// 3 of 20 = 15 % of the lines are refused.
private func cronLines() -> [String] {
    var lines: [String] = []
    for i in 1...20 {
        let at = String(format: "2026-11-10T08:%02d:00Z", i)
        switch i {
        case 5: lines.append(Log.envelope(timestamp: "\"\(at)\"", api: Log.idAPI, transactionId: nil, response: "{}"))
        case 10: lines.append("{\"timestamp\": \"\(at)\", \"request\": ")
        case 15: lines.append(Log.id("CRON-\(i)", at: at, api: "/api/v1/zoloz/facecapture/checkresult"))
        default: lines.append(Log.idVerdict("CRON-\(i)", at: at, "Y"))
        }
    }
    return lines
}

@Suite("Reliability: behaviour a cron job relies on", .serialized)
struct ReliabilityCronBehaviour {
    @Test("--max-rejects: a count, a percentage or a ratio; exit 2 only when more lines than that are refused",
          arguments: [
              // 3 refused of 20 lines (0.15).
              ("2", Int32(2)), ("3", 0), ("0", 2), ("100", 0),
              ("5%", 2), ("15%", 0), ("20%", 0), ("14.9%", 2),
              ("0.5", 0), ("0.1", 2), ("0.15", 0),
          ])
    func maxRejects(limit: String, status: Int32) throws {
        try withSandbox { box in
            let input = try box.write("cron.ndjson", lines: cronLines())
            let run = try runVerdictToEnd(["ingest", "--db", box.databasePath, "--json", "--max-rejects", limit, input], in: box, timeout: 60)
            #expect(run.status == status, "--max-rejects \(limit): \(run.termination.description) \(run.stderr)")
            // The summary is still printed; the counts are what the limit was checked against.
            let s = try IngestJSON(run.stdout)
            #expect(s.total.lines == 20 && s.total.refusedTotal == 3 && s.total.accepted == 17)
            if status == 2 {
                #expect(run.stderrLines.count == 1 && run.stderr.hasPrefix("verdict: error: "), "\(run.stderr)")
            } else {
                #expect(run.stderr.isEmpty, "\(run.stderr)")
            }
        }
    }

    @Test("without --json the summary lines come first and the failure is the last line")
    func maxRejectsHuman() throws {
        try withSandbox { box in
            let input = try box.write("cron.ndjson", lines: cronLines())
            let run = try runVerdictToEnd(["ingest", "--db", box.databasePath, "--max-rejects", "2", input], in: box, timeout: 60)
            #expect(run.status == 2)
            let lines = run.stderrLines
            #expect(lines.last?.hasPrefix("verdict: error: ") == true, "\(run.stderr)")
            #expect(HumanSummaryLine.all(in: run.stderr).map(\.refused) == [3, 3], "\(run.stderr)")
        }
    }

    @Test("an input that cannot be read outranks too many refused lines: exit 1, not 2, and the readable input is still ingested")
    func unreadableInputOutranksRejects() throws {
        try withSandbox { box in
            let input = try box.write("cron.ndjson", lines: cronLines())
            let run = try runVerdictToEnd(["ingest", "--db", box.databasePath, "--json", "--max-rejects", "0", box.file("missing.ndjson"), input],
                                          in: box, timeout: 60)
            #expect(run.status == 1, "\(run.termination.description) \(run.stderr)")
            #expect(run.stderrLines.last?.contains("could not be read") == true, "\(run.stderr)")
            let s = try IngestJSON(run.stdout)
            #expect(s.total.accepted == 17 && s.total.refusedTotal == 3)
        }
    }

    @Test("a file that cannot be read says why in plain words: a missing key file, a directory named like a query file")
    func unreadableFilesSayWhy() throws {
        try withSandbox { box in
            let input = try box.write("cron.ndjson", lines: cronLines())
            let key = try runVerdictToEnd(["ingest", "--db", box.databasePath, "--pii-key", box.file("no-key"), input], in: box, timeout: 60)
            #expect(key.status == 1 && key.stderrLines.count == 1 && key.stderr.contains("PII key file: no such file"), "\(key.stderr)")
            #expect(try runVerdictToEnd(["ingest", "--db", box.databasePath, input], in: box, timeout: 60).status == 0)
            try FileManager.default.createDirectory(atPath: box.file("q/odd.sql"), withIntermediateDirectories: true)
            for args in [["query", "--db", box.databasePath, box.file("q/odd.sql"), "--week", "2026-W46"],
                         ["report", "--db", box.databasePath, "--week", "2026-W46", "--out", box.file("r"), "--queries", box.file("q")]] {
                let run = try runVerdictToEnd(args, in: box, timeout: 60)
                #expect(run.status == 1 && run.stderrLines.count == 1 && run.stderr.contains("query file: it is a directory"), "\(args[0]): \(run.stderr)")
            }
        }
    }

    @Test("an unusable --max-rejects is a usage error: exit 64, one line", arguments: ["abc", "150%", "1.5", "-1"])
    func maxRejectsUsage(limit: String) throws {
        try withSandbox { box in
            let input = try box.write("cron.ndjson", lines: cronLines())
            let run = try runVerdictToEnd(["ingest", "--db", box.databasePath, "--max-rejects", limit, input], in: box, timeout: 60)
            #expect(run.status == 64, "\(limit): \(run.termination.description) \(run.stderr)")
            #expect(run.stderrLines.count == 1, "\(run.stderr)")
            // Nothing was ingested: the database was not even created.
            #expect(!FileManager.default.fileExists(atPath: box.databasePath))
        }
    }

    @Test("a period that does not parse: exit 64 with exactly one line on stderr",
          arguments: [["--week", "2026-W99"], ["--week", "2026-46"], ["--month", "2026-13"], ["--from", "2026-11-15", "--to", "2026-11-09"],
                      ["--week", "2026-W46", "--month", "2026-11"]])
    func badPeriod(period: [String]) throws {
        try withSandbox { box in
            _ = try box.database()  // an existing, valid database: only the period is wrong
            let out = box.file("report")
            let report = try runVerdictToEnd(["report", "--db", box.databasePath, "--out", out] + period, in: box, timeout: 60)
            #expect(report.status == 64, "\(period): \(report.termination.description) \(report.stderr)")
            #expect(report.stderrLines.count == 1 && report.stderr.hasSuffix("\n"), "\(report.stderr)")
            #expect(report.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: out), "no report directory for a bad period")
            let query = try runVerdictToEnd(["query", "--db", box.databasePath, "outcomes"] + period, in: box, timeout: 60)
            #expect(query.status == 64 && query.stderrLines.count == 1, "\(query.stderr)")
        }
    }

    @Test("a database path that is a directory: exit 3 with one line, for ingest and report")
    func databaseIsDirectory() throws {
        try withSandbox { box in
            let dir = box.file("db-dir")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
            let input = try box.write("one.ndjson", lines: [Log.idVerdict("DIR-1", at: "2026-11-10T08:00:00Z", "Y")])
            for args in [["ingest", "--db", dir, input], ["report", "--db", dir, "--week", "2026-W46", "--out", box.file("r")]] {
                let run = try runVerdictToEnd(args, in: box, timeout: 60)
                #expect(run.status == 3, "\(args[0]): \(run.termination.description) \(run.stderr)")
                #expect(run.stderrLines.count == 1 && run.stderr.contains(dir), "\(args[0]): \(run.stderr)")
            }
        }
    }

    @Test("a file that is not SQLite: exit 3 with one line, and the file is left as it was")
    func databaseIsNotSQLite() throws {
        try withSandbox { box in
            let text = Array("these are meeting notes, not a database\n".utf8) + [UInt8](repeating: 0x41, count: 8192)
            let notes = try box.write("notes.txt", bytes: text)
            let input = try box.write("one.ndjson", lines: [Log.idVerdict("TXT-1", at: "2026-11-10T08:00:00Z", "Y")])
            for args in [["ingest", "--db", notes, input], ["report", "--db", notes, "--week", "2026-W46", "--out", box.file("r")],
                         ["rejects", "list", "--db", notes]] {
                let run = try runVerdictToEnd(args, in: box, timeout: 60)
                #expect(run.status == 3, "\(args[0]): \(run.termination.description) \(run.stderr)")
                #expect(run.stderrLines.count == 1 && run.stderr.contains(notes), "\(args[0]): \(run.stderr)")
            }
            #expect(FileBytes.readAll(path: notes) == text, "the file was modified")
            #expect(!FileManager.default.fileExists(atPath: notes + "-wal"))
        }
    }
}
