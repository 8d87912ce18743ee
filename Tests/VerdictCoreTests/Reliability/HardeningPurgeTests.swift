import Foundation
import GRDBSQLite
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// `rejects purge` either overwrites the content of the lines it deletes or says that the
// overwrite is pending and exits non-zero (a reader of an older state keeps the old pages);
// it asks before deleting on a terminal, and takes --yes from scripts; an unknown --reason
// is a usage error that lists the valid ones.

/// Refused lines with markers that must leave the database files when purged.
private let markers = ["PURGE-MARKER-ALPHA-7f3a", "PURGE-MARKER-BETA-91c2"]

private func refusedLines() -> [String] {
    [
        Log.idVerdict("KEEP-1", at: "2026-11-10T08:00:00Z", "Y"),
        "{\"timestamp\": \"2026-11-10T08:01:00Z\", \"note\": \"\(markers[0])\", ",
        Log.envelope(timestamp: "\"2026-11-10T08:02:00Z\"", api: Log.idAPI, transactionId: nil, response: "{\"note\": \"\(markers[1])\"}"),
    ]
}

/// A read transaction held open on `path` by a connection of this process.
private final class HeldReader {
    private var db: OpaquePointer?

    init(_ path: String) throws {
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK,
              sqlite3_exec(db, "BEGIN; SELECT count(*) FROM ingest_refused_line;", nil, nil, nil) == SQLITE_OK
        else { throw TestFailure("cannot hold a reader on \(path)") }
    }

    func release() {
        guard let db else { return }
        sqlite3_exec(db, "COMMIT", nil, nil, nil)
        sqlite3_close_v2(db)
        self.db = nil
    }

    deinit { release() }
}

/// Runs `verdict ARGS` with its standard input on a pseudo-terminal, typing `answer` and a
/// newline; returns its exit status, stdout and stderr.
private func runOnTerminal(_ arguments: [String], answer: String, in box: Sandbox) throws -> (status: Int, stdout: String, stderr: String) {
    let exe = try #require(Executables.verdict, "the verdict executable was not found")
    let out = try runPython("""
        import json, os, pty, subprocess, sys
        master, slave = pty.openpty()
        p = subprocess.Popen(sys.argv[2:], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.close(slave)
        os.write(master, (sys.argv[1] + "\\n").encode())
        out, err = p.communicate(timeout=60)
        print(json.dumps({"status": p.returncode, "stdout": out.decode(), "stderr": err.decode()}))
        """, [answer, exe] + arguments, in: box)
    let o = try jsonObject(out.stdout)
    return (try #require(o["status"] as? Int, "\(out.stderr)"), o["stdout"] as? String ?? "", o["stderr"] as? String ?? "")
}

@Suite("Reliability: purging refused lines", .serialized)
struct ReliabilityHardeningPurge {
    private func ingested(_ box: Sandbox) throws -> String {
        let db = box.databasePath
        let run = try runVerdictToEnd(["ingest", "--db", db, try box.write("in.ndjson", lines: refusedLines())], in: box, timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        for m in markers { #expect(!databaseFiles(db, containing: Array(m.utf8)).isEmpty, "\(m) should be stored before the purge") }
        return db
    }

    @Test("with a reader holding an older state, purge says the overwrite is pending and exits 3; run again afterwards, it completes")
    func pendingOverwrite() throws {
        try withSandbox { box in
            let db = try ingested(box)
            let reader = try HeldReader(db)
            let purge = try runVerdictToEnd(["rejects", "purge", "--db", db, "--yes", "--wait", "0.5"], in: box, timeout: 60)
            let stillThere = markers.filter { !databaseFiles(db, containing: Array($0.utf8)).isEmpty }
            // Never "purged" while the content is still in the file.
            if purge.status == 0 {
                #expect(stillThere.isEmpty, "purge exited 0 (\(purge.stdout)) but \(stillThere) are still in the database files")
            } else {
                #expect(purge.status == 3, "\(purge.termination.description) \(purge.stderr)")
                #expect(purge.stderrLines.count == 1 && purge.stderr.contains("pending") && purge.stderr.contains("again"), "\(purge.stderr)")
                #expect(!purge.stdout.contains("purged"), "\(purge.stdout)")
            }
            #expect(!stillThere.isEmpty, "with the reader open the old pages must still be in the file (or the test proves nothing)")
            reader.release()
            let again = try runVerdictToEnd(["rejects", "purge", "--db", db, "--yes", "--wait", "5"], in: box, timeout: 60)
            #expect(again.status == 0, "\(again.stderr)")
            for m in markers {
                #expect(databaseFiles(db, containing: Array(m.utf8)).isEmpty, "\(m) is still in the database files after the purge completed")
            }
            let list = try runVerdictToEnd(["rejects", "list", "--db", db], in: box, timeout: 60)
            #expect(list.stdout.hasPrefix("refused lines: none"), "\(list.stdout)")
        }
    }

    @Test("an unknown --reason is a usage error (64) listing the valid reasons, for list, export and purge; nothing is deleted")
    func unknownReason() throws {
        try withSandbox { box in
            let db = try ingested(box)
            for args in [["rejects", "list", "--db", db, "--reason", "nonsense"],
                         ["rejects", "export", "--db", db, "--reason", "nonsense"],
                         ["rejects", "purge", "--db", db, "--reason", "typo", "--yes"]] {
                let run = try runVerdictToEnd(args, in: box, timeout: 60)
                #expect(run.status == 64, "\(args[1]): \(run.termination.description) \(run.stderr)")
                #expect(run.stderrLines.count == 1, "\(run.stderr)")
                for reason in RefusalReason.allCases { #expect(run.stderr.contains(reason.rawValue), "\(args[1]): \(run.stderr)") }
            }
            for m in markers { #expect(!databaseFiles(db, containing: Array(m.utf8)).isEmpty, "\(m) was purged") }
            let list = try runVerdictToEnd(["rejects", "list", "--db", db, "--reason", "missing_transaction_id"], in: box, timeout: 60)
            #expect(list.status == 0 && list.stdout.contains("missing_transaction_id"), "\(list.stderr)")
        }
    }

    @Test("purge without --yes and no terminal to ask on is a usage error (64) that names --yes, and deletes nothing")
    func noTerminalNoYes() throws {
        try withSandbox { box in
            let db = try ingested(box)
            let run = try runVerdictToEnd(["rejects", "purge", "--db", db], in: box, timeout: 60)
            #expect(run.status == 64, "\(run.termination.description) \(run.stderr)")
            #expect(run.stderrLines.count == 1 && run.stderr.contains("--yes"), "\(run.stderr)")
            for m in markers { #expect(!databaseFiles(db, containing: Array(m.utf8)).isEmpty, "\(m) was purged") }
        }
    }

    @Test("on a terminal purge asks first: no keeps everything, yes purges", .enabled(if: Executables.python3 != nil))
    func asksOnATerminal() throws {
        try withSandbox { box in
            let db = try ingested(box)
            let no = try runOnTerminal(["rejects", "purge", "--db", db], answer: "n", in: box)
            #expect(no.status == 0, "\(no.stderr)")
            #expect(no.stderr.contains("[y/N]") && no.stderr.contains("2 refused line(s)"), "\(no.stderr)")
            #expect(no.stdout.contains("nothing purged"), "\(no.stdout)")
            for m in markers { #expect(!databaseFiles(db, containing: Array(m.utf8)).isEmpty, "\(m) was purged after a no") }
            let yes = try runOnTerminal(["rejects", "purge", "--db", db], answer: "y", in: box)
            #expect(yes.status == 0, "\(yes.stderr)")
            #expect(yes.stdout.contains("purged 2"), "\(yes.stdout)")
            for m in markers { #expect(databaseFiles(db, containing: Array(m.utf8)).isEmpty, "\(m) is still there after a yes") }
        }
    }
}
