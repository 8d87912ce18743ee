import Foundation
import Testing
@testable import VerdictCore

/// Every subcommand reports a failure the same way: one line `verdict: error: …` on standard
/// error and the exit status of its kind; the options they share behave the same everywhere.
@Suite("Reliability: one way from an error to its line and exit status")
struct HardeningCommandLayerTests {
    @Test("each subcommand's failure is one error line with the status of its kind")
    func everySubcommand() throws {
        try withSandbox { box in
            let file = try box.write("plain-file", lines: ["x"])
            let missing = box.file("missing.db")
            let log = try box.write("log.ndjson", lines: [Log.idVerdict("A", at: "2026-11-11T08:00:00Z", "Y")])
            let db = box.databasePath
            #expect(try runVerdict(["ingest", "--db", db, log], in: box).status == 0)
            let cases: [(arguments: [String], status: Int32, says: String)] = [
                (["check", "--db", missing], 3, "\(missing): no such database"),
                (["query", "--db", db, "no_such_query", "--week", "2026-W46"], 64, "no query named 'no_such_query'"),
                (["report", "--db", db, "--week", "2026-W46", "--out", file], 1, "\(file): cannot write the report there"),
                (["rejects", "list", "--db", missing], 3, "\(missing): no such database"),
                (["rejects", "export", "--db", db, "--out", box.path], 1, box.path),
                (["rejects", "purge", "--db", missing, "--yes"], 3, "\(missing): no such database"),
                (["ingest", "--db", db, box.file("absent.ndjson")], 1, "1 input(s) could not be read completely"),
                (["ingest", "--db", db, "--max-rejects", "0", try box.write("bad.ndjson", lines: ["{"])], 2, "1 of 1 lines were refused"),
                (["sample", "--days", "1", "--payload-kib", "9-1", "--out", box.file("s.ndjson")], 64, "--payload-kib takes MIN-MAX"),
                (["demo", "--out", file + "/demo"], 1, file),
            ]
            for c in cases {
                let out = try runVerdict(c.arguments, in: box)
                let errors = out.stderr.split(separator: "\n").filter { $0.hasPrefix("verdict: error: ") }
                #expect(out.status == c.status, "\(c.arguments): \(out.stderr)")
                #expect(errors.count == 1 && errors[0].contains(c.says), "\(c.arguments): \(out.stderr)")
                // The error is the last thing said, and nothing else claims to be one.
                #expect(out.stderr.split(separator: "\n").last.map(String.init) == errors.first.map(String.init), "\(c.arguments)")
            }
        }
    }

    @Test("--tz is one option: the same zones accepted and the same words for one refused, in ingest, report and query")
    func sharedZone() throws {
        try withSandbox { box in
            let log = try box.write("log.ndjson", lines: [Log.idVerdict("A", at: "2026-11-11T08:00:00Z", "Y")])
            let db = box.databasePath
            #expect(try runVerdict(["ingest", "--db", db, "--tz", "+08:00", log], in: box).status == 0)
            var lines: Set<String> = []
            for arguments in [["ingest", "--db", db, log], ["report", "--db", db, "--week", "2026-W46", "--out", box.file("r")],
                              ["query", "--db", db, "outcomes", "--week", "2026-W46"]] {
                let out = try runVerdict(arguments + ["--tz", "CST"], in: box)
                #expect(out.status == 64, "\(arguments)")
                lines.insert(out.stderr)
            }
            #expect(lines.count == 1, "\(lines)")
            #expect(lines.first?.hasPrefix("verdict: error: --tz: time zone 'CST' is an abbreviation") == true, "\(lines)")
        }
    }
}
