import Foundation
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// `verdict report --mail-to`: the message as a real SMTP server (aiosmtpd on loopback) or a
// stand-in sendmail receives it, read back with Python's email package; sent once per job.

@Suite("Delivery: a report mailed once, by SMTP or sendmail", .serialized,
       .enabled(if: MailTools.pythonWithAiosmtpd != nil, "python3-aiosmtpd is not installed"))
struct DeliveryMailTests {
    /// The checks every delivered message must pass: structure, headers, lines, the text
    /// summary, and each CSV file of DIR attached byte for byte.
    func checkMessage(_ eml: String, dir: String, recipients: [String], in box: Sandbox, status: String = "sent",
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let m = try ParsedMessage(path: eml, in: box)
        #expect((m["defects"] as? [String])?.isEmpty == true, "defects: \(m["defects"] ?? "")", sourceLocation: sourceLocation)
        #expect(m.shape.hasPrefix("multipart/mixed(multipart/alternative(text/plain"), "\(m.shape)", sourceLocation: sourceLocation)
        #expect(m["subject"] as? String == "Verdict report 2026-W46", sourceLocation: sourceLocation)
        #expect(m["to"] as? [String] == recipients, sourceLocation: sourceLocation)
        #expect(m["mime_version"] as? String == "1.0", sourceLocation: sourceLocation)
        #expect(m["auto_submitted"] as? String == "auto-generated", sourceLocation: sourceLocation)
        #expect(m["date"] is String, sourceLocation: sourceLocation)
        #expect((m["message_id"] as? String)?.wholeMatch(of: #/<[0-9a-f]{32}\.verdict@[^>]+>/#) != nil, "\(m["message_id"] ?? "")", sourceLocation: sourceLocation)
        #expect((m["max_line"] as? Int ?? 999) <= 78, "longest line \(m["max_line"] ?? "")", sourceLocation: sourceLocation)
        #expect(m["bare_lf"] as? Int == 0 && m["bare_cr"] as? Int == 0 && m["ends_crlf"] as? Bool == true, sourceLocation: sourceLocation)
        let plain = try #require(m["plain"] as? String, sourceLocation: sourceLocation)
        for heading in ["What changed", "Alerts", "Coverage", "Files"] {
            #expect(plain.contains("\n" + heading + "\n"), "no \(heading) in \(plain)", sourceLocation: sourceLocation)
        }
        #expect(plain.contains("ID_RECOGNITION: pass rate "), sourceLocation: sourceLocation)
        // After the summary, the HTML report with its charts as inline PNG images.
        try checkHTMLPart(eml, dir: dir, in: box, sourceLocation: sourceLocation)
        // Every CSV file of DIR, and only those, attached with its exact bytes.
        let csvFiles = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".csv") }.sorted()
        #expect(csvFiles.count >= 17, sourceLocation: sourceLocation)
        let csvAttachments = m.attachments.filter { $0["type"] as? String == "text/csv" }
        #expect(csvAttachments.compactMap { $0["filename"] as? String }.sorted() == csvFiles, sourceLocation: sourceLocation)
        for a in csvAttachments {
            let name = try #require(a["filename"] as? String)
            #expect(a["sha256"] as? String == (try fileSHA256(dir + "/" + name)), "\(name) differs from the file", sourceLocation: sourceLocation)
        }
        // manifest.json attached as it reads once sent: after a delivery, the file itself;
        // after a failed one, the file says "failed" and the attachment "sent".
        let manifests = m.attachments.filter { $0["filename"] as? String == "manifest.json" }
        #expect(manifests.count == 1 && manifests.first?["type"] as? String == "application/json", sourceLocation: sourceLocation)
        let manifest = try jsonObject(try readText(dir + "/manifest.json"))
        let delivery = try #require(manifest["delivery"] as? [String: Any], sourceLocation: sourceLocation)
        #expect(delivery["recipients"] as? [String] == recipients, sourceLocation: sourceLocation)
        #expect("<" + (delivery["message_id"] as? String ?? "") + ">" == m["message_id"] as? String, sourceLocation: sourceLocation)
        #expect(delivery["status"] as? String == status, sourceLocation: sourceLocation)
        if status == "sent" {
            #expect(manifests.first?["sha256"] as? String == (try fileSHA256(dir + "/manifest.json")), sourceLocation: sourceLocation)
        }
    }

    @Test("SMTP: the message as received is report.eml, parses, carries every CSV byte for byte; a rerun sends nothing, --resend sends again")
    func smtpOnceAndResend() throws {
        try withSandbox { box in
            let db = try mailFixtureDatabase(in: box)
            let server = try SMTPTestServer(in: box)
            defer { server.stop() }
            let dir = box.file("report")
            let args = ["report", "--db", db, "--week", "2026-W46", "--out", dir, "--mail-to", "ops@example.com",
                        "--mail-to", "Risk Team <risk@example.org>", "--mail-from", "reports@example.com", "--smtp", server.url]
            let first = try runVerdict(args, environment: [:], in: box)
            #expect(first.status == 0, "\(first.stderr)")
            var received = try server.messages()
            try #require(received.count == 1)
            // Exactly the bytes of report.eml went out.
            #expect(FileManager.default.contents(atPath: received[0].eml) == FileManager.default.contents(atPath: dir + "/report.eml"))
            #expect(received[0].envelope["mail_from"] as? String == "reports@example.com")
            #expect(received[0].envelope["rcpt_tos"] as? [String] == ["ops@example.com", "risk@example.org"])
            try checkMessage(received[0].eml, dir: dir, recipients: ["ops@example.com", "risk@example.org"], in: box)
            let record = try jsonObject(try readText(dir + "/.verdict-delivery.json"))
            #expect(record["recipients"] as? [String] == ["ops@example.com", "risk@example.org"])
            #expect(record["transport"] as? String == "smtp" && record["period"] as? String == "2026-W46")

            // The same job again: nothing sent, said on stderr, exit 0, report.eml unchanged.
            let eml = FileManager.default.contents(atPath: dir + "/report.eml")
            let second = try runVerdict(args, environment: [:], in: box)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains("nothing sent") && second.stderr.contains("--resend"), "\(second.stderr)")
            #expect(try server.messages().count == 1)
            #expect(FileManager.default.contents(atPath: dir + "/report.eml") == eml)

            // --resend: a second message, with a new Message-ID.
            let third = try runVerdict(args + ["--resend"], environment: [:], in: box)
            #expect(third.status == 0, "\(third.stderr)")
            received = try server.messages()
            try #require(received.count == 2)
            let ids = try received.map { try ParsedMessage(path: $0.eml, in: box)["message_id"] as? String }
            #expect(ids[0] != ids[1])
            try checkMessage(received[1].eml, dir: dir, recipients: ["ops@example.com", "risk@example.org"], in: box)

            // Other recipients are another job: sent.
            let fourth = try runVerdict(Array(args.prefix(9)) + ["--mail-from", "reports@example.com", "--smtp", server.url], environment: [:], in: box)
            #expect(fourth.status == 0, "\(fourth.stderr)")
            #expect(try server.messages().count == 3)
        }
    }

    @Test("SMTP with STARTTLS and AUTH: delivered over TLS as the user; the password is in no file, output or argument")
    func startTLSAndAuth() throws {
        try withSandbox { box in
            let db = try mailFixtureDatabase(in: box)
            let tls = try selfSignedCertificate(in: box)
            let marker = "pw-" + UUID().uuidString
            let server = try SMTPTestServer(in: box, tls: tls, auth: ("mailer", marker))
            defer { server.stop() }
            let dir = box.file("report")
            let args = ["report", "--db", db, "--week", "2026-W46", "--out", dir, "--mail-to", "ops@example.com",
                        "--smtp", server.url, "--smtp-user", "mailer", "--json"]
            let run = try runVerdict(args, environment: [SMTPServer.passwordVariable: marker, SMTPServer.caFileVariable: tls.cert], in: box)
            #expect(run.status == 0, "\(run.stderr)")
            let received = try server.messages()
            try #require(received.count == 1)
            #expect(received[0].envelope["tls"] as? Bool == true)
            #expect(received[0].envelope["login"] as? String == "mailer")
            try checkMessage(received[0].eml, dir: dir, recipients: ["ops@example.com"], in: box)
            let summary = try jsonObject(run.stdout)
            let delivery = try #require(summary["delivery"] as? [String: Any])
            #expect(delivery["status"] as? String == "sent" && delivery["transport"] as? String == "smtp")
            // The secret: in no file of DIR (report.eml, the record, …), not on stdout or stderr.
            #expect(!args.contains(marker))
            for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
                let bytes = try #require(FileManager.default.contents(atPath: dir + "/" + name))
                #expect(bytes.range(of: Data(marker.utf8)) == nil, "the password is in \(name)")
            }
            #expect(!run.stdout.contains(marker) && !run.stderr.contains(marker))

            // A wrong password: refused by the server, exit 5, one line, no secret in it.
            let wrong = try runVerdict(args + ["--resend"], environment: [SMTPServer.passwordVariable: "not-" + marker, SMTPServer.caFileVariable: tls.cert], in: box)
            #expect(wrong.status == 5, "\(wrong.stderr)")
            #expect(wrong.stderr.split(separator: "\n").count == 1 && wrong.stderr.contains(server.url), "\(wrong.stderr)")
            #expect(!wrong.stderr.contains(marker))

            // Without the CA the certificate is not trusted: nothing is sent, exit 5.
            let untrusted = try runVerdict(args + ["--resend"], environment: [SMTPServer.passwordVariable: marker], in: box)
            #expect(untrusted.status == 5, "\(untrusted.stderr)")
            #expect(try server.messages().count == 1)
        }
    }

    @Test("an unreachable server: exit 5 with one line naming it, the report and report.eml written; the next run retries")
    func unreachableServer() throws {
        try withSandbox { box in
            let db = try mailFixtureDatabase(in: box)
            // A port nothing listens on: bound, then closed.
            let server = try SMTPTestServer(in: box)
            let url = server.url
            server.stop()
            let dir = box.file("report")
            let args = ["report", "--db", db, "--week", "2026-W46", "--out", dir, "--mail-to", "ops@example.com", "--smtp", url]
            let run = try runVerdict(args, environment: [:], in: box)
            #expect(run.status == 5, "\(run.stderr)")
            let lines = run.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("verdict: error: mail not delivered to \(url)"), "\(run.stderr)")
            #expect(FileManager.default.fileExists(atPath: dir + "/report.md"))
            #expect(FileManager.default.fileExists(atPath: dir + "/outcomes.csv"))
            try checkMessage(dir + "/report.eml", dir: dir, recipients: ["ops@example.com"], in: box, status: "failed")
            #expect(!FileManager.default.fileExists(atPath: dir + "/.verdict-delivery.json"))

            // The server is back (on another port, as a relay's address may change): sent.
            let back = try SMTPTestServer(in: box)
            defer { back.stop() }
            let retry = try runVerdict(Array(args.dropLast()) + [back.url], environment: [:], in: box)
            #expect(retry.status == 0, "\(retry.stderr)")
            #expect(try back.messages().count == 1)
        }
    }

    @Test("--sendmail PATH: the stand-in gets -t -i -f FROM and exactly report.eml on its input; a failing one is exit 5 with its words")
    func sendmailStandIn() throws {
        try withSandbox { box in
            let db = try mailFixtureDatabase(in: box)
            let stand = try box.write("sendmail", bytes: Array("""
                #!/bin/sh
                printf '%s\\n' "$@" > "\(box.path)/sendmail.args"
                cat > "\(box.path)/sendmail.input"
                """.utf8))
            chmod(stand, 0o755)
            let dir = box.file("report")
            let args = ["report", "--db", db, "--week", "2026-W46", "--out", dir, "--mail-to", "ops@example.com", "--mail-from", "me@example.com"]
            let run = try runVerdict(args + ["--sendmail", stand], environment: [:], in: box)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try readText(box.file("sendmail.args")) == "-t\n-i\n-f\nme@example.com\n")
            #expect(FileManager.default.contents(atPath: box.file("sendmail.input")) == FileManager.default.contents(atPath: dir + "/report.eml"))
            try checkMessage(box.file("sendmail.input"), dir: dir, recipients: ["ops@example.com"], in: box)
            #expect(try jsonObject(try readText(dir + "/.verdict-delivery.json"))["transport"] as? String == "sendmail")

            let failing = try box.write("sendmail-fails", bytes: Array("#!/bin/sh\ncat > /dev/null\necho 'sendmail: fatal: no route to the relay' >&2\nexit 75\n".utf8))
            chmod(failing, 0o755)
            let failed = try runVerdict(args + ["--sendmail", failing, "--resend"], environment: [:], in: box)
            #expect(failed.status == 5, "\(failed.stderr)")
            #expect(failed.stderr.split(separator: "\n").count == 1, "\(failed.stderr)")
            #expect(failed.stderr.contains(failing) && failed.stderr.contains("status 75") && failed.stderr.contains("no route to the relay"), "\(failed.stderr)")

            // --sendmail with no PATH, followed by another option, is the system's sendmail.
            let none = try runVerdict(args + ["--sendmail", "--dry-run"], environment: ["PATH": box.path], in: box)
            #expect(none.status == 0, "\(none.stderr)")
        }
    }

    @Test("--dry-run writes report.eml and sends nothing; the size limit leaves the largest CSV files out and says so in the body")
    func dryRunAndSizeLimit() throws {
        try withSandbox { box in
            let db = try mailFixtureDatabase(in: box)
            let server = try SMTPTestServer(in: box)
            defer { server.stop() }
            let dir = box.file("report")
            let args = ["report", "--db", db, "--week", "2026-W46", "--out", dir, "--mail-to", "ops@example.com", "--smtp", server.url]
            let dry = try runVerdict(args + ["--dry-run"], environment: [:], in: box)
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(try server.messages().isEmpty)
            try checkMessage(dir + "/report.eml", dir: dir, recipients: ["ops@example.com"], in: box, status: "skipped")
            #expect(!FileManager.default.fileExists(atPath: dir + "/.verdict-delivery.json"))

            // A limit a little under the full message: the largest CSV file is left out.
            let full = try #require(FileManager.default.contents(atPath: dir + "/report.eml")).count
            let sizes = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".csv") }
                .map { ($0, try #require(FileManager.default.contents(atPath: dir + "/" + $0)).count) }
            let largest = try #require(sizes.max { $0.1 < $1.1 })
            let limited = try runVerdict(args + ["--mail-max-bytes", String(full - 10)], environment: [:], in: box)
            #expect(limited.status == 0, "\(limited.stderr)")
            let received = try server.messages()
            try #require(received.count == 1)
            #expect(received[0].eml.isEmpty == false)
            let sent = try #require(FileManager.default.contents(atPath: received[0].eml))
            #expect(sent.count <= full - 10)
            let m = try ParsedMessage(path: received[0].eml, in: box)
            let names = m.attachments.compactMap { $0["filename"] as? String }
            #expect(!names.contains(largest.0) && names.filter { $0.hasSuffix(".csv") }.count == sizes.count - 1, "\(names)")
            let plain = try #require(m["plain"] as? String)
            #expect(plain.contains("Left out of this message") && plain.contains(largest.0), "\(plain)")
        }
    }

    @Test("mail options are checked before anything is written: a password in the URL, a bad address, a missing sendmail")
    func refusedBeforeWriting() throws {
        try withSandbox { box in
            let db = try mailFixtureDatabase(in: box)
            let dir = box.file("report")
            let base = ["report", "--db", db, "--week", "2026-W46", "--out", dir]
            let cases: [[String]] = [
                ["--mail-to", "ops@example.com", "--smtp", "smtp://me:secret@127.0.0.1:25"],
                ["--mail-to", "not an address", "--smtp", "smtp://127.0.0.1:25"],
                ["--mail-to", "ops@example.com", "--sendmail", box.file("no-such-sendmail")],
                ["--mail-to", "ops@example.com"],
                ["--smtp", "smtp://127.0.0.1:25"],
                ["--mail-to", "ops@example.com", "--smtp", "http://127.0.0.1/"],
            ]
            for extra in cases {
                let run = try runVerdict(base + extra, environment: [:], in: box)
                #expect(run.status == 64, "\(extra): \(run.stderr)")
                #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.hasPrefix("verdict: error: "), "\(extra): \(run.stderr)")
                #expect(!run.stderr.contains("secret"), "\(run.stderr)")
                #expect(!FileManager.default.fileExists(atPath: dir), "\(extra) wrote the report")
            }
        }
    }
}

/// A report whose error-severity alert fired is mailed under "[ALERT] " with the firing in
/// its text; one whose only firing is a warning is not.
@Suite("Delivery: an error alert marks the subject", .enabled(if: MailTools.pythonWithAiosmtpd != nil, "python3-aiosmtpd is not installed"))
struct DeliveryAlertSubjectTests {
    @Test("an error rule that fired: subject '[ALERT] Verdict report …', the firing in the text, exit 4; a warn rule: no mark, exit 0")
    func alertSubject() throws {
        try withSandbox { box in
            let db = try mailFixtureDatabase(in: box)
            // The sample's pass rates are far above 1%: 'above' fires for every product.
            for (severity, status, mark) in [("error", Int32(4), true), ("warn", Int32(0), false)] {
                let rules = try box.write("rules-\(severity).yaml", lines: [
                    "rules:", "  - name: pass rate above one percent", "    signal: pass_rate.*", "    when: above", "    value: 0.01",
                    "    min_sample: 1", "    severity: \(severity)",
                ])
                let dir = box.file("report-\(severity)")
                let run = try runVerdict(["report", "--db", db, "--week", "2026-W46", "--out", dir, "--alerts", rules,
                                          "--mail-to", "ops@example.com", "--dry-run"], environment: [:], in: box)
                #expect(run.status == status, "\(run.stderr)")
                let m = try ParsedMessage(path: dir + "/report.eml", in: box)
                let subject = try #require(m["subject"] as? String)
                #expect(subject == (mark ? "[ALERT] " : "") + "Verdict report 2026-W46", "\(subject)")
                let plain = try #require(m["plain"] as? String)
                #expect(plain.contains("pass rate above one percent"), "\(plain)")
            }
        }
    }
}
