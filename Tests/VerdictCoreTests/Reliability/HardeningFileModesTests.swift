import Foundation
import GRDB
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// Files verdict writes, whatever path leads to them: the database and its WAL are 0600 even
// when --db is a symbolic link to a path that does not exist yet; an export of refused lines
// is a new 0600 file even where a file or a link was; the ingest lock follows the real file,
// so two paths to one database take one lock; and temporary files of atomic writes are
// created exclusively under unpredictable names, never through a planted link.

@Suite("Reliability: modes, links and temporary files", .serialized)
struct ReliabilityHardeningFileModes {
    private func input(_ box: Sandbox, _ name: String = "one.ndjson", id: String = "MODE-1") throws -> String {
        try box.write(name, lines: [Log.idVerdict(id, at: "2026-11-10T08:00:00Z", "Y"), "{\"refused\": "])
    }

    @Test("--db through a link to a path that does not exist yet: the database is created where the link points, 0600, and so is its WAL")
    func databaseThroughDanglingLink() throws {
        try withSandbox { box in
            try FileManager.default.createDirectory(atPath: box.file("real"), withIntermediateDirectories: false)
            let target = box.file("real/target.db")
            let link = box.file("link.db")
            #expect(symlink(target, link) == 0)
            let previous = umask(0o022)
            defer { umask(previous) }
            // In process, so the WAL can be seen while the connection is open.
            let db = try VerdictDatabase(path: link)
            _ = try box.ingest(db, [try input(box)])
            try db.queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_autocheckpoint = 0; INSERT INTO dim_country (country_code) VALUES ('ZZZ')") }
            #expect(permissionBits(target) == 0o600, "mode \(String(permissionBits(target) ?? -1, radix: 8))")
            #expect(FileManager.default.fileExists(atPath: target + "-wal"), "the WAL sits beside the real file")
            for companion in [target + "-wal", target + "-shm"] {
                #expect(permissionBits(companion) == 0o600, "\(companion): \(String(permissionBits(companion) ?? -1, radix: 8))")
            }
            // The link is still a link, and the commands reach the same database through it.
            var st = stat()
            #expect(lstat(link, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK)
            let list = try runVerdictToEnd(["rejects", "list", "--db", link], in: box, timeout: 60)
            #expect(list.status == 0 && list.stdout.contains("invalid_json 1"), "\(list.stderr)")
        }
    }

    @Test("the ingest lock follows the real file: an ingest through a link waits for (or with --no-wait refuses) one holding the file")
    func lockFollowsTheFile() throws {
        try withSandbox { box in
            let db = box.databasePath
            let first = try runVerdictToEnd(["ingest", "--db", db, try input(box)], in: box, timeout: 60)
            #expect(first.status == 0, "\(first.stderr)")
            let link = box.file("alias.db")
            #expect(symlink(db, link) == 0)
            // Held as an ingest of `db` holds it, here in the test process.
            let held = try FileLock(path: db, purpose: "ingest", wait: false, logger: nil)
            let second = try runVerdictToEnd(["ingest", "--db", link, "--no-wait", try input(box, "two.ndjson", id: "MODE-2")], in: box, timeout: 60)
            #expect(second.status == 3, "\(second.termination.description) \(second.stderr)")
            #expect(second.stderr.contains("another verdict process is writing"), "\(second.stderr)")
            held.release()
            let third = try runVerdictToEnd(["ingest", "--db", link, "--no-wait", try input(box, "two.ndjson", id: "MODE-2")], in: box, timeout: 60)
            #expect(third.status == 0, "\(third.stderr)")
            #expect(!FileManager.default.fileExists(atPath: link + "-lock"), "a second lock file was made for the link")
        }
    }

    @Test("rejects export --out replaces an existing 0644 file, or a link, by a new 0600 file; the link's target is untouched")
    func exportMode() throws {
        try withSandbox { box in
            let db = box.databasePath
            let ingest = try runVerdictToEnd(["ingest", "--db", db, try input(box)], in: box, timeout: 60)
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let existing = try box.write("existing.ndjson", bytes: Array("old content that is much longer than the export\n".utf8))
            chmod(existing, 0o644)
            let victim = try box.write("victim.txt", bytes: Array("do not touch\n".utf8))
            chmod(victim, 0o644)
            let link = box.file("link.ndjson")
            #expect(symlink(victim, link) == 0)
            for out in [existing, link, box.file("new.ndjson"), box.file("new.ndjson.gz")] {
                let run = try runVerdictToEnd(["rejects", "export", "--db", db, "--out", out], in: box, timeout: 60)
                #expect(run.status == 0, "\(out): \(run.stderr)")
                var st = stat()
                #expect(lstat(out, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG, "\(out) is not a plain file now")
                #expect(st.st_mode & 0o777 == 0o600, "\(out): mode \(String(st.st_mode & 0o777, radix: 8))")
                if !out.hasSuffix(".gz") {
                    #expect(FileBytes.readAll(path: out) == Array("{\"refused\": \n".utf8), "\(out)")
                }
            }
            #expect(FileBytes.readAll(path: victim) == Array("do not touch\n".utf8))
            #expect(permissionBits(victim) == 0o644)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: box.path).filter { $0.contains(".tmp-") }
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
    }

    @Test("an atomic write never writes through a link planted at its old temporary name, nor at the target name")
    func plantedTemporaryName() throws {
        try withSandbox { box in
            let victim = try box.write("victim.txt", bytes: Array("precious\n".utf8))
            let path = box.file("outcomes.csv")
            // The name the writer used to pick (NAME.tmp-PID): predictable, so it could be planted.
            #expect(symlink(victim, path + ".tmp-\(getpid())") == 0)
            try FileBytes.writeAtomically(path: path, bytes: Array("a,b\n1,2\n".utf8))
            #expect(FileBytes.readAll(path: victim) == Array("precious\n".utf8), "the write went through the planted link")
            #expect(FileBytes.readAll(path: path) == Array("a,b\n1,2\n".utf8))

            // A link at the target name is replaced by the file, not followed.
            let linked = box.file("report.md")
            #expect(symlink(victim, linked) == 0)
            try FileBytes.writeAtomically(path: linked, bytes: Array("# report\n".utf8))
            var st = stat()
            #expect(lstat(linked, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG)
            #expect(FileBytes.readAll(path: victim) == Array("precious\n".utf8))
            #expect(FileBytes.readAll(path: linked) == Array("# report\n".utf8))

            // Nothing is left beside them but the planted link.
            let names = try FileManager.default.contentsOfDirectory(atPath: box.path).filter { $0.contains(".tmp-") }
            #expect(names == ["outcomes.csv.tmp-\(getpid())"], "\(names)")
        }
    }

    @Test("temporary names are unpredictable and exclusive: two in a row differ, and each is a new file of the mode asked for")
    func temporaryNames() throws {
        try withSandbox { box in
            let previous = umask(0o022)
            defer { umask(previous) }
            let path = box.file("x.csv")
            let a = try FileBytes.createTemporary(beside: path, mode: 0o600)
            let b = try FileBytes.createTemporary(beside: path, mode: 0o644)
            defer { close(a.fd); close(b.fd); unlink(a.path); unlink(b.path) }
            #expect(a.path != b.path && a.path.hasPrefix(path + ".tmp-") && b.path.hasPrefix(path + ".tmp-"))
            #expect(a.path.count - (path + ".tmp-").count >= 16, "\(a.path)")
            #expect(permissionBits(a.path) == 0o600 && permissionBits(b.path) == 0o644)
        }
    }

    @Test("a write that cannot complete is an error naming the file, and leaves no temporary file")
    func writeFailure() throws {
        try withSandbox { box in
            let missingDir = box.file("no-such-dir/outcomes.csv")
            #expect(throws: VerdictError.self) { try FileBytes.writeAtomically(path: missingDir, bytes: [0x41]) }
            do {
                try FileBytes.writeAtomically(path: missingDir, bytes: [0x41])
            } catch let e as VerdictError {
                #expect(e.code == .io && e.description.contains(missingDir), "\(e)")
            }
            // A directory in the way: the rename fails after the data was written and synced.
            let dir = box.file("report.md")
            try FileManager.default.createDirectory(atPath: dir + "/inside", withIntermediateDirectories: true)
            #expect(throws: VerdictError.self) { try FileBytes.writeAtomically(path: dir, bytes: [0x41]) }
            let names = try FileManager.default.contentsOfDirectory(atPath: box.path).filter { $0.contains(".tmp-") }
            #expect(names.isEmpty, "\(names)")
        }
    }

    @Test("a database file with a second hard link is refused by every command (exit 3), and nothing is written")
    func hardLinkedDatabaseIsRefused() throws {
        try withSandbox { box in
            let log = try box.write("in.ndjson", lines: [Log.idVerdict("H-1", at: "2026-11-10T08:00:00Z", "Y")])
            let db = box.file("c.db")
            #expect(try runVerdict(["ingest", "--db", db, log], in: box).status == 0)
            #expect(link(db, box.file("hard.db")) == 0)
            let before = FileBytes.readAll(path: db)
            for args in [["ingest", "--db", box.file("hard.db"), log], ["ingest", "--db", db, log],
                         ["report", "--db", db, "--week", "2026-W46", "--out", box.file("r")],
                         ["query", "--db", box.file("hard.db"), "outcomes", "--week", "2026-W46"]] {
                let r = try runVerdict(args, in: box)
                #expect(r.status == 3, "\(args.prefix(2)): \(r.stderr)")
                #expect(r.stderr.contains("hard links") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            }
            #expect(FileBytes.readAll(path: db) == before)
            #expect(!FileManager.default.fileExists(atPath: box.file("hard.db-wal")) && !FileManager.default.fileExists(atPath: box.file("r")))
            // One link removed: the database opens again.
            #expect(unlink(box.file("hard.db")) == 0)
            #expect(try runVerdict(["query", "--db", db, "outcomes", "--week", "2026-W46"], in: box).status == 0)
        }
    }
}
