import Foundation
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// What a cron job needs besides the mail: --quiet (nothing but errors), report --json (one
// summary object), and ingest --wait SECONDS (a bounded wait for another ingest).

@Suite("Delivery: cron ergonomics", .serialized)
struct DeliveryCronErgonomicsTests {
    @Test("--quiet: ingest, report and check print nothing on success; an error is still its one line")
    func quiet() throws {
        try withSandbox { box in
            let sample = try runVerdict(["sample", "--quiet", "--days", "14", "--seed", "3", "--start", "2026-11-02", "--id-per-day", "10",
                                         "--video-per-day", "4", "--out", box.file("s.ndjson")], in: box)
            #expect(sample.status == 0 && sample.stdout.isEmpty && sample.stderr.isEmpty, "\(sample.stderr)")
            let runs = [
                ["ingest", "--quiet", "--db", box.databasePath, box.file("s.ndjson")],
                ["ingest", "--quiet", "--db", box.databasePath, box.file("s.ndjson")],
                ["report", "--quiet", "--db", box.databasePath, "--week", "2026-W46", "--out", box.file("r")],
                ["check", "--quiet", "--db", box.databasePath],
            ]
            for args in runs {
                let loud = try runVerdict(args.filter { $0 != "--quiet" }, in: box)
                #expect(loud.status == 0 && !(loud.stdout + loud.stderr).isEmpty, "\(args[0]) says nothing even without --quiet")
                let quiet = try runVerdict(args, in: box)
                #expect(quiet.status == 0, "\(args): \(quiet.stderr)")
                #expect(quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(args): stdout \(quiet.stdout) stderr \(quiet.stderr)")
            }
            #expect(FileManager.default.fileExists(atPath: box.file("r/outcomes.csv")))
            let failing = try runVerdict(["report", "--quiet", "--db", box.file("none.db"), "--week", "2026-W46", "--out", box.file("r2")], in: box)
            #expect(failing.status == 3 && failing.stdout.isEmpty)
            #expect(failing.stderr.split(separator: "\n").count == 1 && failing.stderr.hasPrefix("verdict: error: "), "\(failing.stderr)")
            // Output asked for by name is still printed: it is the result.
            let json = try runVerdict(["ingest", "--quiet", "--json", "--db", box.databasePath, box.file("s.ndjson")], in: box)
            #expect(json.status == 0 && json.stderr.isEmpty)
            #expect(try IngestJSON(json.stdout).total.duplicates > 0)
        }
    }

    @Test("report --json: one object naming the directory, the period, every file written, and the delivery")
    func reportJSON() throws {
        try withSandbox { box in
            let db = try mailFixtureDatabase(in: box)
            let dir = box.file("report")
            let run = try runVerdict(["report", "--json", "--db", db, "--week", "2026-W46", "--out", dir], in: box)
            #expect(run.status == 0, "\(run.stderr)")
            let o = try jsonObject(run.stdout)
            #expect(o["directory"] as? String == dir)
            let period = try #require(o["period"] as? [String: Any])
            #expect(period["label"] as? String == "2026-W46" && period["first_day"] as? String == "2026-11-09"
                    && period["last_day"] as? String == "2026-11-15" && period["zone"] as? String == "UTC")
            let files = try #require(o["files"] as? [String])
            #expect(Set(files) == Set(try FileManager.default.contentsOfDirectory(atPath: dir)))
            let outcomes = try #require(try readText(dir + "/outcomes.csv").split(separator: "\n").dropFirst().map { $0.split(separator: ",") })
            let total = outcomes.compactMap { Int($0[1]) }.reduce(0, +)
            #expect(o["transactions"] as? Int == total && total > 0)
            #expect(o["delivery"] is NSNull)
            // The coverage as manifest.json has it, and the alerts (none without rules).
            let coverage = try #require(o["coverage"] as? [String: Any])
            let manifest = try jsonObject(try readText(dir + "/manifest.json"))
            let recorded = try #require(manifest["coverage"] as? [String: Any])
            #expect(coverage["transactions"] as? Int == total && coverage["complete"] as? Bool == recorded["complete"] as? Bool)
            #expect(coverage["first_poll"] as? String == recorded["first_poll"] as? String && coverage["last_poll"] as? String == recorded["last_poll"] as? String)
            let alerts = try #require(o["alerts"] as? [String: Any])
            #expect(alerts["evaluated"] as? Int == 0 && alerts["fired"] as? Int == 0 && (alerts["firings"] as? [Any])?.isEmpty == true)

            let dry = try runVerdict(["report", "--json", "--db", db, "--week", "2026-W46", "--out", dir, "--mail-to", "ops@example.com", "--dry-run"], in: box)
            #expect(dry.status == 0, "\(dry.stderr)")
            let delivery = try #require(try jsonObject(dry.stdout)["delivery"] as? [String: Any])
            #expect(delivery["status"] as? String == "skipped" && delivery["recipients"] as? [String] == ["ops@example.com"])
            let m = try ParsedMessage(path: dir + "/report.eml", in: box)
            #expect(m["message_id"] as? String == "<" + (delivery["message_id"] as? String ?? "") + ">")
        }
    }

    @Test("ingest --wait SECONDS: behind another ingest, gives up after about that long (exit 3, one line); with time enough it goes on once the first ends")
    func boundedLockWait() throws {
        try withSandbox { box in
            let input = try box.write("a.ndjson", lines: (1...5).map { Log.idVerdict("WAIT-\($0)", at: "2026-11-10T08:0\($0):00Z", "Y") })
            let created = try runVerdict(["ingest", "--quiet", "--db", box.databasePath, input], in: box)
            #expect(created.status == 0, "\(created.stderr)")

            // The first ingest reads standard input, held open: it holds the lock until closed.
            let exe = try #require(Executables.verdict)
            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: exe)
            holder.arguments = ["ingest", "--quiet", "--db", box.databasePath, "-"]
            let stdin = Pipe()
            holder.standardInput = stdin
            holder.standardOutput = FileHandle.nullDevice
            holder.standardError = FileHandle.nullDevice
            try holder.run()
            defer { if holder.isRunning { holder.terminate() }; holder.waitUntilExit() }
            try #require(waitUntilLocked(box.databasePath + "-lock", timeout: 30), "the first ingest never took the lock")

            let started = Monotonic.now()
            let gaveUp = try runVerdict(["ingest", "--db", box.databasePath, "--wait", "1.5", input], in: box)
            let waited = Monotonic.now() - started
            #expect(gaveUp.status == 3, "\(gaveUp.stderr)")
            #expect(waited >= 1.5 && waited < 15, "waited \(waited) s")
            let errors = gaveUp.stderr.split(separator: "\n").filter { $0.hasPrefix("verdict: error: ") }
            #expect(errors.count == 1 && errors[0].contains("--wait"), "\(gaveUp.stderr)")

            // A second ingest with time enough: it waits, and goes on when the first ends.
            let patient = try spawnVerdict(["ingest", "--json", "--db", box.databasePath, "--wait", "60", input], in: box)
            usleep(500_000)
            #expect(patient.isRunning, "it did not wait: \(patient.stderr)")
            stdin.fileHandleForWriting.closeFile()
            holder.waitUntilExit()
            let end = patient.wait(timeout: 60)
            #expect(end.exitStatus == 0, "\(end.description) \(patient.stderr)")
            #expect(try IngestJSON(patient.stdout).total.lines == 5)
        }
    }

    /// Whether another process holds `flock` on `lockFile`, waiting up to `timeout` seconds.
    func waitUntilLocked(_ lockFile: String, timeout: Double) -> Bool {
        let deadline = Monotonic.now() + timeout
        while Monotonic.now() < deadline {
            let fd = open(lockFile, O_RDONLY | O_CLOEXEC)
            if fd >= 0 {
                let free = flock(fd, LOCK_EX | LOCK_NB) == 0
                close(fd)
                if !free { return true }
            }
            usleep(20_000)
        }
        return false
    }
}
