import Foundation
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// scripts/verdict-cron.sh, the README's "Running it from cron", run as cron would run it:
// real logs named by yesterday's date, the built verdict, a real SMTP server.

@Suite("Delivery: the cron script of the README", .serialized,
       .enabled(if: MailTools.pythonWithAiosmtpd != nil, "python3-aiosmtpd is not installed"))
struct DeliveryCronScriptTests {
    func shell(_ command: String, in box: Sandbox) throws -> String {
        let out = try run("/bin/sh", ["-c", command], in: box)
        guard out.status == 0 else { throw TestFailure("\(command): \(out.stderr)") }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func runScript(_ environment: [String: String], in box: Sandbox) throws -> ProcessOutput {
        let script = Executables.packageRoot.appendingPathComponent("scripts/verdict-cron.sh").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: SMTPServer.passwordVariable)
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let outPath = box.file(".cron-out-\(UUID().uuidString)"), errPath = box.file(".cron-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath)), err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try out.close()
        try err.close()
        return ProcessOutput(status: p.terminationStatus, stdout: try readText(outPath), stderr: try readText(errPath))
    }

    @Test("ingests yesterday's logs, mails last week's report once, quietly; pages when the report exits 4")
    func cronJob() throws {
        try withSandbox { box in
            let exe = try #require(Executables.verdict)
            let yesterday = try shell("date -u -d yesterday +%F", in: box)
            let week = try shell("date -u -d '7 days ago' +%G-W%V", in: box)
            let today = try shell("date -u +%u", in: box)
            let logs = box.file("logs")
            try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
            // 14 days up to yesterday, in the file named for yesterday, and one of another day.
            let sample = try runVerdict(["sample", "--days", "14", "--seed", "5", "--id-per-day", "10", "--video-per-day", "4",
                                         "--out", logs + "/checkresult-\(yesterday).ndjson"], in: box)
            #expect(sample.status == 0, "\(sample.stderr)")
            _ = try box.write("logs/checkresult-2001-01-01.ndjson", lines: ["not json"])
            let server = try SMTPTestServer(in: box)
            defer { server.stop() }
            var env = ["VERDICT": exe, "VERDICT_DB": box.databasePath, "LOG_DIR": logs, "REPORT_ROOT": box.file("reports"),
                       "MAIL_TO": "ops@example.com risk@example.org", "SMTP_URL": server.url, "REPORT_DAY": today]

            let first = try runScript(env, in: box)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.isEmpty && first.stderr.isEmpty, "not quiet: \(first.stdout) \(first.stderr)")
            let received = try server.messages()
            try #require(received.count == 1)
            #expect(received[0].envelope["rcpt_tos"] as? [String] == ["ops@example.com", "risk@example.org"])
            let m = try ParsedMessage(path: received[0].eml, in: box)
            #expect(m["subject"] as? String == "Verdict report \(week)")
            #expect(FileManager.default.fileExists(atPath: box.file("reports/\(week)/outcomes.csv")))
            // Only yesterday's file was read (the other one would have been refused).
            let rejects = try runVerdict(["rejects", "list", "--db", box.databasePath], in: box)
            #expect(!rejects.stdout.contains("2001-01-01"), "\(rejects.stdout)")

            // The next run (cron again, a retry): nothing new is sent.
            let second = try runScript(env, in: box)
            #expect(second.status == 0 && second.stderr.isEmpty, "\(second.stderr)")
            #expect(try server.messages().count == 1)

            // A report that exits 4 (an error alert fired) pages, and the job exits 4.
            let wrapper = try box.write("verdict-alerting", bytes: Array("""
                #!/bin/sh
                "\(exe)" "$@" || exit $?
                [ "$1" = report ] && exit 4
                exit 0
                """.utf8))
            chmod(wrapper, 0o755)
            let pager = try box.write("page", bytes: Array("#!/bin/sh\nprintf '%s\\n' \"$1\" >> \"\(box.path)/paged\"\n".utf8))
            chmod(pager, 0o755)
            env["VERDICT"] = wrapper
            env["PAGE_COMMAND"] = pager
            let alerting = try runScript(env, in: box)
            #expect(alerting.status == 4, "\(alerting.stderr)")
            let paged = try readText(box.file("paged"))
            #expect(paged.contains("alert fired") && paged.contains(week), "\(paged)")

            // Not the report day: yesterday's logs only.
            env["VERDICT"] = exe
            env["REPORT_DAY"] = today == "1" ? "2" : "1"
            let otherDay = try runScript(env, in: box)
            #expect(otherDay.status == 0 && otherDay.stderr.isEmpty, "\(otherDay.stderr)")
            #expect(try server.messages().count == 1)

            // A later day after a mail that was not delivered (no record): it is sent then.
            try FileManager.default.removeItem(atPath: box.file("reports/\(week)/.verdict-delivery.json"))
            let retry = try runScript(env, in: box)
            #expect(retry.status == 0 && retry.stderr.isEmpty, "\(retry.stderr)")
            #expect(try server.messages().count == 2)
        }
    }
}
