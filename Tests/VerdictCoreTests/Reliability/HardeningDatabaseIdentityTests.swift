import Foundation
import GRDB
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// A file given as --db that is not a Verdict database (another application's SQLite file,
// an empty file, a database of a newer Verdict) is refused with exit 3 and left exactly as
// it was, whatever the command; only ingest creates a database, and only where no file
// exists. Commands that only read never migrate a file nor change its journal mode.

/// The commands that open a database, each with what it needs to run.
private func everyCommand(_ db: String, input: String, in box: Sandbox) -> [[String]] {
    [
        ["ingest", "--db", db, input],
        ["report", "--db", db, "--week", "2026-W46", "--out", box.file("report")],
        ["query", "--db", db, "outcomes", "--week", "2026-W46"],
        ["check", "--db", db],
        ["rejects", "list", "--db", db],
        ["rejects", "export", "--db", db, "--out", box.file("rejects.ndjson")],
        ["rejects", "purge", "--db", db, "--yes"],
    ]
}

/// The bytes and metadata a command must leave alone.
private struct Untouched: Equatable {
    var bytes: [UInt8]?
    var mode: Int?
    var companions: [String]

    init(_ path: String) {
        bytes = FileBytes.readAll(path: path)
        mode = permissionBits(path)
        companions = ["-wal", "-shm", "-journal"].filter { FileManager.default.fileExists(atPath: path + $0) }
    }
}

/// `PRAGMA application_id` and the applied migrations of a file, read with plain GRDB.
private func identity(_ path: String) throws -> (id: Int32, migrations: [String]) {
    var config = Configuration()
    config.readonly = true
    let q = try DatabaseQueue(path: path, configuration: config)
    defer { try? q.close() }
    return try q.read { db in
        (try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
         try db.tableExists("grdb_migrations") ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") : [])
    }
}

/// "VRDT", the application id a Verdict database carries.
private let verdictApplicationID: Int32 = 0x5652_4454

@Suite("Reliability: only Verdict databases are opened, and only ingest creates one", .serialized)
struct ReliabilityHardeningDatabaseIdentity {
    private func input(_ box: Sandbox) throws -> String {
        try box.write("one.ndjson", lines: [Log.idVerdict("ID-1", at: "2026-11-10T08:00:00Z", "Y"), "{\"broken\": "])
    }

    private func expectRefusedUntouched(_ db: String, in box: Sandbox, mentioning words: [String],
                                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = Untouched(db)
        for args in everyCommand(db, input: try input(box), in: box) {
            let run = try runVerdictToEnd(args, in: box, timeout: 60)
            let what = args.prefix(2).joined(separator: " ")
            #expect(run.status == 3, "\(what): \(run.termination.description) \(run.stderr)", sourceLocation: sourceLocation)
            #expect(run.stderrLines.count == 1 && run.stderr.contains(db), "\(what): \(run.stderr)", sourceLocation: sourceLocation)
            for word in words {
                #expect(run.stderr.contains(word), "\(what) should say '\(word)': \(run.stderr)", sourceLocation: sourceLocation)
            }
            #expect(Untouched(db) == before, "\(what) changed \(db)", sourceLocation: sourceLocation)
        }
        #expect(!FileManager.default.fileExists(atPath: box.file("rejects.ndjson")), "an export was written from a refused database")
    }

    @Test("another application's SQLite file (rollback or WAL journal) is refused by every command and left byte for byte")
    func foreignSQLite() throws {
        try withSandbox { box in
            for wal in [false, true] {
                let other = box.file(wal ? "other-wal.db" : "other.db")
                do {
                    let q = try DatabaseQueue(path: other)
                    if wal { _ = try q.writeWithoutTransaction { try String.fetchOne($0, sql: "PRAGMA journal_mode = WAL") } }
                    try q.write { db in
                        try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
                        try db.execute(sql: "INSERT INTO notes (body) VALUES ('keep me')")
                    }
                    try q.close()
                }
                try expectRefusedUntouched(other, in: box, mentioning: ["not a Verdict database"])
                #expect(try identity(other) == (0, []), "the file was marked")
            }
        }
    }

    @Test("another GRDB application's database, and one with a foreign application id, are refused")
    func otherMarks() throws {
        try withSandbox { box in
            let grdbApp = box.file("grdb-app.db")
            do {
                var m = DatabaseMigrator()
                m.registerMigration("createPlayers") { db in try db.execute(sql: "CREATE TABLE player (id INTEGER PRIMARY KEY)") }
                let q = try DatabaseQueue(path: grdbApp)
                try m.migrate(q)
                try q.close()
            }
            try expectRefusedUntouched(grdbApp, in: box, mentioning: ["not a Verdict database"])

            // A copy of a Verdict schema, but marked by another application.
            let marked = box.file("marked.db")
            _ = try VerdictDatabase(path: marked)
            let q = try DatabaseQueue(path: marked)
            try q.writeWithoutTransaction { try $0.execute(sql: "PRAGMA application_id = 1234") }
            try q.close()
            try expectRefusedUntouched(marked, in: box, mentioning: ["not a Verdict database", "0x000004D2"])
        }
    }

    @Test("a file that records Verdict's first migration but holds none of its tables is refused, left byte for byte")
    func migrationsTableAlone() throws {
        try withSandbox { box in
            let fake = box.file("fake.db")
            do {
                let q = try DatabaseQueue(path: fake)
                try q.write { db in
                    try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
                    try db.execute(sql: "INSERT INTO grdb_migrations VALUES (?)", arguments: [Schema.migrationNames[0]])
                    try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
                }
                try q.close()
            }
            try expectRefusedUntouched(fake, in: box, mentioning: ["not a Verdict database"])
        }
    }

    @Test("an empty file is not a database: ingest refuses it (exit 3, with a hint) and leaves it empty with its mode")
    func emptyFile() throws {
        try withSandbox { box in
            let empty = try box.write("empty.db", bytes: [])
            chmod(empty, 0o644)
            try expectRefusedUntouched(empty, in: box, mentioning: ["empty"])
            let run = try runVerdictToEnd(["ingest", "--db", empty, try input(box)], in: box, timeout: 60)
            #expect(run.stderr.contains("remove"), "the hint says what to do: \(run.stderr)")
            #expect(FileManager.default.fileExists(atPath: empty) && FileBytes.readAll(path: empty) == [])
            #expect(permissionBits(empty) == 0o644)
        }
    }

    @Test("a database written by a newer Verdict (a migration unknown here) is refused by every command, left byte for byte")
    func newerSchema() throws {
        try withSandbox { box in
            let db = box.databasePath
            let ingest = try runVerdictToEnd(["ingest", "--db", db, try input(box)], in: box, timeout: 60)
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let q = try DatabaseQueue(path: db)
            try q.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99_from_the_future')") }
            try q.close()
            try expectRefusedUntouched(db, in: box, mentioning: ["newer Verdict", "v99_from_the_future"])
        }
    }

    @Test("an earlier schema: read-only commands refuse it untouched and say to ingest; ingest upgrades it and marks it")
    func earlierSchema() throws {
        try withSandbox { box in
            let db = box.databasePath
            do {
                let q = try DatabaseQueue(path: db)
                try Schema.migrator.migrate(q, upTo: "v1_star_schema")
                try q.close()
            }
            let before = Untouched(db)
            for args in everyCommand(db, input: try input(box), in: box) where args[0] != "ingest" && args.last != "--yes" {
                let run = try runVerdictToEnd(args, in: box, timeout: 60)
                let what = args.prefix(2).joined(separator: " ")
                #expect(run.status == 3, "\(what): \(run.termination.description) \(run.stderr)")
                #expect(run.stderrLines.count == 1 && run.stderr.contains("earlier Verdict") && run.stderr.contains("verdict ingest"), "\(what): \(run.stderr)")
                #expect(Untouched(db) == before, "\(what) changed the file (it must not migrate it)")
            }
            #expect(try identity(db) == (0, ["v1_star_schema"]))
            let ingest = try runVerdictToEnd(["ingest", "--db", db, try input(box)], in: box, timeout: 60)
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let after = try identity(db)
            #expect(after.id == verdictApplicationID)
            #expect(after.migrations == Schema.migrationNames)
            let report = try runVerdictToEnd(everyCommand(db, input: "", in: box)[1], in: box, timeout: 60)
            #expect(report.status == 0, "\(report.stderr)")
        }
    }

    @Test("a database of an earlier Verdict with every migration but no application id: read-only commands read it as it is; ingest marks it")
    func unmarkedCurrentSchema() throws {
        try withSandbox { box in
            let db = box.databasePath
            let first = try runVerdictToEnd(["ingest", "--db", db, try input(box)], in: box, timeout: 60)
            #expect(first.status == 0, "\(first.stderr)")
            let q = try DatabaseQueue(path: db)
            try q.writeWithoutTransaction { try $0.execute(sql: "PRAGMA application_id = 0") }
            try q.close()
            let before = Untouched(db)
            for args in everyCommand(db, input: "", in: box) where args[0] != "ingest" && args.last != "--yes" {
                let run = try runVerdictToEnd(args, in: box, timeout: 60)
                #expect(run.status == 0, "\(args.prefix(2).joined(separator: " ")): \(run.stderr)")
            }
            #expect(Untouched(db).bytes == before.bytes, "a command that only reads wrote to the file")
            #expect(try identity(db).id == 0)
            let ingest = try runVerdictToEnd(["ingest", "--db", db, try input(box)], in: box, timeout: 60)
            #expect(ingest.status == 0, "\(ingest.stderr)")
            #expect(try identity(db).id == verdictApplicationID)
        }
    }

    @Test("commands that only read need the file: they never create one; ingest creates it marked, in WAL mode, 0600")
    func onlyIngestCreates() throws {
        try withSandbox { box in
            let db = box.databasePath
            for args in everyCommand(db, input: try input(box), in: box) where args[0] != "ingest" {
                let run = try runVerdictToEnd(args, in: box, timeout: 60)
                #expect(run.status == 3, "\(args.prefix(2).joined(separator: " ")): \(run.stderr)")
                #expect(run.stderr.contains("no such database"), "\(run.stderr)")
                #expect(!FileManager.default.fileExists(atPath: db))
            }
            let ingest = try runVerdictToEnd(["ingest", "--db", db, try input(box)], in: box, timeout: 60)
            #expect(ingest.status == 0, "\(ingest.stderr)")
            #expect(try identity(db).id == verdictApplicationID)
            #expect(permissionBits(db) == 0o600)
            let q = try DatabaseQueue(path: db)
            #expect(try q.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
            try q.close()
            // Nothing of the creation is left beside it.
            let names = try FileManager.default.contentsOfDirectory(atPath: box.path).filter { $0.contains(".tmp-") }
            #expect(names.isEmpty, "\(names)")
        }
    }
}
