import Foundation
import Testing
@testable import VerdictCore

// MIMEMessage.compose read back by Python's email package: the text that is hard to carry
// (non-ASCII names and subjects, long lines, lines that start with a dot or "From ",
// trailing spaces, "=") and attachments whose bytes include CR, LF and NUL.

@Suite("Delivery: the MIME message as a real parser reads it")
struct DeliveryMIMEMessageTests {
    @Test("non-ASCII header text as RFC 2047 words, awkward text and binary attachments come back exactly, every line CRLF and at most 78 characters")
    func roundTrip() throws {
        try withSandbox { box in
            var random = SeededRandom(seed: 46)
            let binary = random.bytes(5000) + [0x0D, 0x0A, 0x0A, 0x0D, 0x00, 0x2E, 0x0D, 0x0A, 0x2E]
            let csv = Array("a,b\r\n1,\"x\r\ny\"\r\n.\r\nFrom here\r\n".utf8)
            let text = "Überblick für die Woche — 通过率\n.starts with a dot\nFrom the start\ntrailing space \nequals = sign\n"
                + String(repeating: "long line with words ", count: 20) + "\n" + String(repeating: "x", count: 200) + "\n"
            let subject = "Verdict report 2026-W46 — Prüfung 通过率 " + String(repeating: "ü", count: 60)
            let content = MailContent(
                from: try #require(MailAddress(parsing: "Jörg Müller <joerg@example.com>")),
                to: [try #require(MailAddress(parsing: "ops@example.com")), try #require(MailAddress(parsing: "\"Risk, Team\" <risk@example.org>"))],
                subject: subject, alertFired: true, plainText: text,
                html: "<p>Bericht <img src=\"cid:chart-1@verdict\"></p>",
                images: [InlineImage(contentID: "chart-1@verdict", name: "chart.png", bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + random.bytes(300))],
                attachments: [MailAttachment(name: "outcomes.csv", contentType: "text/csv", bytes: csv),
                              MailAttachment(name: "données.bin", contentType: "application/octet-stream", bytes: binary)])
            let bytes = MIMEMessage.compose(content, messageID: "abc.verdict@example.com", date: 1_763_280_000)
            let path = try box.write("m.eml", bytes: bytes)
            let m = try ParsedMessage(path: path, in: box)
            #expect((m["defects"] as? [String])?.isEmpty == true, "\(m["defects"] ?? "")")
            #expect(m["subject"] as? String == "[ALERT] " + subject)
            #expect(m["from"] as? String == "Jörg Müller <joerg@example.com>")
            #expect(m["to"] as? [String] == ["ops@example.com", "risk@example.org"])
            #expect(m["to_names"] as? [String] == ["", "Risk, Team"])
            #expect(m["date"] as? String == "2025-11-16T08:00:00+00:00")
            #expect(m["message_id"] as? String == "<abc.verdict@example.com>")
            #expect(m["plain"] as? String == text)
            #expect((m["max_line"] as? Int ?? 999) <= 78, "longest line \(m["max_line"] ?? "")")
            #expect(m["bare_lf"] as? Int == 0 && m["bare_cr"] as? Int == 0)
            #expect(m.shape == "multipart/mixed(multipart/alternative(text/plain,multipart/related(text/html,image/png)),text/csv,application/octet-stream)", "\(m.shape)")
            let files = m.attachments
            #expect(files.map { $0["filename"] as? String } == ["outcomes.csv", "données.bin"])
            #expect(files.map { $0["sha256"] as? String } == [Digest.sha256Hex(csv), Digest.sha256Hex(binary)])
            let images = try #require(m["images"] as? [[String: Any]])
            #expect(images.count == 1 && images[0]["cid"] as? String == "<chart-1@verdict>" && images[0]["png"] as? Bool == true)
            // No header line but the encoded words themselves needs more than one line each.
            let head = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
            #expect(head.unicodeScalars.allSatisfy { $0.isASCII }, "a header holds raw non-ASCII text")
        }
    }

    @Test("addresses: plain and named forms are taken; white space, line breaks, missing parts are not")
    func addresses() throws {
        #expect(MailAddress(parsing: "ops@example.com")?.address == "ops@example.com")
        #expect(MailAddress(parsing: " Ops <ops@example.com> ")?.name == "Ops")
        for bad in ["", "ops", "@example.com", "ops@", "ops@example..com", "o ps@example.com", "ops@example.com\r\nBcc: x@y.z",
                    "ops@exa_mple.com", "Ops <ops@example.com", "a@b@c", "ops@-example.com"] {
            #expect(MailAddress(parsing: bad) == nil, "\(bad) was taken")
        }
    }
}
