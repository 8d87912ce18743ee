import Foundation
import GRDB
import GRDBSQLite
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// The cron user owns the database; analysts may read it but not write it. report, query,
// check and rejects list|export work on a database file they may only read, in a directory
// they may not write (no -wal or -shm can be made there), also while a WAL holds commits not
// yet copied into the file; and a file they may not read is refused with one line that
// names it, its owner and mode, and what to do.
//
// The tests run as root, so the commands run as `nobody` through setpriv(1).

private let setpriv = "/usr/bin/setpriv"
private let canSwitchUser = getuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv)

/// Runs `verdict` as nobody:nogroup with no supplementary groups.
private func runAsNobody(_ arguments: [String], in box: Sandbox) throws -> ProcessOutput {
    let exe = try #require(Executables.verdict, "the verdict executable was not found: build it with swift build --build-tests")
    return try run(setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", "--", exe] + arguments, in: box)
}

/// The read-only commands, writing what they write into `out` (a directory nobody may write).
private func readingCommands(_ db: String, out: String) -> [[String]] {
    [
        ["report", "--db", db, "--week", "2026-W46", "--out", out + "/report"],
        ["query", "--db", db, "outcomes", "--week", "2026-W46", "--format", "json"],
        ["check", "--db", db],
        ["rejects", "list", "--db", db],
        ["rejects", "export", "--db", db, "--out", out + "/rejects.ndjson"],
    ]
}

private let lines = [
    Log.idVerdict("RO-1", at: "2026-11-10T08:00:00Z", "Y"),
    Log.idVerdict("RO-2", at: "2026-11-11T08:00:00Z", "N"),
    Log.vv("RO-3", at: "2026-11-12T08:00:00Z", verdict: "Success"),
    "{\"broken\": ",
]

@Suite("Reliability: reading a database one may not write", .serialized, .enabled(if: canSwitchUser, "needs root and setpriv to run as another user"))
struct ReliabilityHardeningReadOnly {
    /// A sandbox others may enter, with a database ingested by root and a directory nobody may write.
    private func setUp(_ box: Sandbox) throws -> (source: String, out: String) {
        chmod(box.path, 0o755)
        let source = box.file("cron.db")
        let ingest = try runVerdictToEnd(["ingest", "--db", source, try box.write("in.ndjson", lines: lines)], in: box, timeout: 60)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let out = box.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        chmod(out, 0o777)
        return (source, out)
    }

    /// A copy of `source` as `dir/name`, mode `mode`, in a directory of mode 0555.
    private func readOnlyCopy(of source: String, into dir: String, mode: mode_t) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        let copy = dir + "/analyst.db"
        try FileManager.default.copyItem(atPath: source, toPath: copy)
        chmod(copy, mode)
        chmod(dir, 0o555)
        return copy
    }

    @Test("a 0444 database in a 0555 directory: report, query, check, rejects list and export work as another user, and change nothing")
    func readOnlyFileAndDirectory() throws {
        try withSandbox { box in
            let (source, out) = try setUp(box)
            let db = try readOnlyCopy(of: source, into: box.file("shared"), mode: 0o444)
            defer { chmod(box.file("shared"), 0o755) }
            let before = FileBytes.readAll(path: db)
            for args in readingCommands(db, out: out) {
                let r = try runAsNobody(args, in: box)
                #expect(r.status == 0, "\(args.prefix(2).joined(separator: " ")): \(r.stderr)")
            }
            // What they wrote is what the database holds.
            let outcomes = try runAsNobody(readingCommands(db, out: out)[1], in: box)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(outcomes.stdout.utf8)) as? [[String: Any]], "\(outcomes.stdout)")
            #expect(rows.reduce(0) { $0 + (($1["transactions"] as? Int) ?? 0) } == 3, "\(outcomes.stdout)")
            let csv = try readCSV(out + "/report", "outcomes")
            #expect(csv.first == Headers.outcomes && csv.count > 1, "\(csv)")
            #expect(FileBytes.readAll(path: out + "/rejects.ndjson") == Array("{\"broken\": \n".utf8))
            #expect(FileBytes.readAll(path: db) == before)
            #expect(try FileManager.default.contentsOfDirectory(atPath: box.file("shared")) == ["analyst.db"])
        }
    }

    @Test("while the owner's connection holds commits in the WAL (files 0644, directory 0555), another user reads them too")
    func liveWAL() throws {
        try withSandbox { box in
            let (source, out) = try setUp(box)
            let dir = box.file("live")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
            let db = dir + "/live.db"
            try FileManager.default.copyItem(atPath: source, toPath: db)
            chmod(db, 0o644)
            // The owner's connection (root) commits a row that stays in the WAL while it is open.
            let owner = try DatabaseQueue(path: db)
            defer { try? owner.close() }
            try owner.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
                try db.execute(sql: "INSERT INTO dim_result_code (result_code) VALUES ('ONLY_IN_THE_WAL')")
            }
            #expect((FileManagerLite.size(db + "-wal") ?? 0) > 0, "the commit should be in the WAL")
            chmod(db + "-wal", 0o644)
            chmod(db + "-shm", 0o644)
            chmod(dir, 0o555)
            defer { chmod(dir, 0o755) }
            let sql = try box.write("codes.sql", lines: ["SELECT result_code FROM dim_result_code ORDER BY result_code"])
            chmod(sql, 0o644)
            let q = try runAsNobody(["query", "--db", db, sql, "--week", "2026-W46"], in: box)
            #expect(q.status == 0, "\(q.stderr)")
            #expect(CSVReader.parse(q.stdout).contains(["ONLY_IN_THE_WAL"]), "\(q.stdout)")
            for args in readingCommands(db, out: out) {
                let r = try runAsNobody(args, in: box)
                #expect(r.status == 0, "\(args.prefix(2).joined(separator: " ")): \(r.stderr)")
            }
        }
    }

    @Test("a database one may not read (0600, another owner): exit 3 and one line naming the file, owner and mode, and what to do")
    func unreadable() throws {
        try withSandbox { box in
            let (source, out) = try setUp(box)
            let db = try readOnlyCopy(of: source, into: box.file("private"), mode: 0o600)
            defer { chmod(box.file("private"), 0o755) }
            for args in readingCommands(db, out: out) {
                let r = try runAsNobody(args, in: box)
                let what = args.prefix(2).joined(separator: " ")
                #expect(r.status == 3, "\(what): \(r.status) \(r.stderr)")
                let text = r.stderr.trimmingCharacters(in: .newlines)
                #expect(!text.contains("\n") && text.hasPrefix("verdict: error: \(db)"), "\(what): \(r.stderr)")
                #expect(text.contains("owner root") && text.contains("0600") && text.contains("ask its owner"), "\(what): \(r.stderr)")
            }
        }
    }

    @Test("an analyst who may not write the database leaves nothing beside it in a folder they may write: the owner's next ingest still works")
    func readerLeavesNoSideFiles() throws {
        try withSandbox { box in
            chmod(box.path, 0o755)
            let shared = box.file("shared")
            try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false)
            chmod(shared, 0o1777)  // a shared folder anyone may write (sticky, like /tmp)
            let owner = ["--reuid=4242", "--regid=4242", "--clear-groups", "--"]
            let exe = try #require(Executables.verdict)
            let db = shared + "/owned.db"
            let log = try box.write("in.ndjson", lines: lines)
            chmod(log, 0o644)
            let first = try run(setpriv, owner + [exe, "ingest", "--db", db, log], in: box)
            try #require(first.status == 0, "\(first.stderr)")
            chmod(db, 0o644)
            let out = box.file("out")
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
            chmod(out, 0o777)
            for args in readingCommands(db, out: out) {
                let r = try runAsNobody(args, in: box)
                #expect(r.status == 0, "\(args.prefix(2).joined(separator: " ")): \(r.stderr)")
            }
            let left = try FileManager.default.contentsOfDirectory(atPath: shared).filter { $0 != "owned.db" && $0 != "owned.db-lock" }
            #expect(left.isEmpty, "files left beside the database: \(left)")
            // The owner ingests again: nothing in the way.
            let more = try box.write("more.ndjson", lines: [Log.idVerdict("RO-9", at: "2026-11-13T08:00:00Z", "Y")])
            chmod(more, 0o644)
            let second = try run(setpriv, owner + [exe, "ingest", "--db", db, more], in: box)
            #expect(second.status == 0, "\(second.stderr)")
        }
    }
}
