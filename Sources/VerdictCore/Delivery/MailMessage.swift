#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file carried by a message: a CSV file of the report, manifest.json.
public struct MailAttachment: Sendable, Equatable {
    public var name: String
    /// `text/csv`, `application/json`, ...
    public var contentType: String
    public var bytes: [UInt8]

    public init(name: String, contentType: String, bytes: [UInt8]) {
        (self.name, self.contentType, self.bytes) = (name, contentType, bytes)
    }
}

/// An image the HTML part shows through `cid:CONTENT-ID`.
public struct InlineImage: Sendable, Equatable {
    /// Without angle brackets: the HTML refers to it as `cid:` + this.
    public var contentID: String
    public var name: String
    public var contentType: String
    public var bytes: [UInt8]

    public init(contentID: String, name: String, contentType: String = "image/png", bytes: [UInt8]) {
        (self.contentID, self.name, self.contentType, self.bytes) = (contentID, name, contentType, bytes)
    }
}

/// What a report's message says, before it is put into MIME: who it is from and for, the
/// subject, the plain-text summary, the HTML report with its images, and the attachments.
public struct MailContent: Sendable {
    public var from: MailAddress
    public var to: [MailAddress]
    /// Without the alert prefix: `Verdict report 2026-W46`.
    public var subject: String
    /// An error-severity alert fired: the subject starts with `[ALERT] `.
    public var alertFired: Bool
    public var plainText: String
    /// The HTML report; nil when the report has none (the message is then text only).
    public var html: String?
    public var images: [InlineImage]
    public var attachments: [MailAttachment]

    public init(from: MailAddress, to: [MailAddress], subject: String, alertFired: Bool = false, plainText: String,
                html: String? = nil, images: [InlineImage] = [], attachments: [MailAttachment] = []) {
        (self.from, self.to, self.subject, self.alertFired) = (from, to, subject, alertFired)
        (self.plainText, self.html, self.images, self.attachments) = (plainText, html, images, attachments)
    }

    /// The subject as sent.
    public var fullSubject: String { (alertFired ? "[ALERT] " : "") + subject }
}

/// Puts a `MailContent` into an RFC 5322 / MIME message:
///
/// ```
/// multipart/mixed
/// ├─ multipart/alternative
/// │  ├─ text/plain; charset=utf-8            (quoted-printable)
/// │  └─ multipart/related                     (when there is HTML)
/// │     ├─ text/html; charset=utf-8          (quoted-printable)
/// │     └─ image/png, Content-ID <…>, inline (base64), one per chart
/// └─ one attachment per file (base64, so its bytes come back exactly)
/// ```
///
/// Every line ends in CRLF and is at most 78 characters (base64 lines 76, quoted-printable
/// lines 76 with their soft breaks); header text that is not ASCII is written as RFC 2047
/// encoded words, a file name that is not ASCII as an RFC 2231 parameter. The boundaries
/// start with `=_`, which neither quoted-printable nor base64 can produce.
public enum MIMEMessage {
    /// The message's bytes. `date` is seconds since the epoch; `boundarySeed` makes the
    /// boundaries (random in use, fixed in tests).
    public static func compose(_ content: MailContent, messageID: String, date: Int, boundarySeed: UInt64 = UInt64.random(in: .min ... .max)) -> [UInt8] {
        var out = MessageBuffer()
        // Always 13 characters, so that the size of a message does not vary with the seed.
        let seedText = String(boundarySeed, radix: 36)
        let tag = String(repeating: "0", count: 13 - seedText.count) + seedText
        let mixed = "=_verdict_mixed_" + tag, alternative = "=_verdict_alt_" + tag, related = "=_verdict_rel_" + tag

        out.header("Date", rfc5322Date(date))
        out.header("From", content.from.headerText)
        out.header("To", content.to.map(\.headerText).joined(separator: ", "))
        out.header("Message-ID", "<" + messageID + ">")
        out.header("Subject", encodedHeaderText(content.fullSubject, nameLength: "Subject".count))
        out.header("MIME-Version", "1.0")
        out.header("Auto-Submitted", "auto-generated")
        out.header("Content-Type", "multipart/mixed; boundary=\"\(mixed)\"")
        out.line("")
        out.line("This is a MIME message: a summary, the HTML report and the report's files.")

        out.line("--" + mixed)
        out.header("Content-Type", "multipart/alternative; boundary=\"\(alternative)\"")
        out.line("")
        out.line("--" + alternative)
        out.textPart(content.plainText, type: "text/plain")
        if let html = content.html {
            out.line("--" + alternative)
            if content.images.isEmpty {
                out.textPart(html, type: "text/html")
            } else {
                out.header("Content-Type", "multipart/related; type=\"text/html\"; boundary=\"\(related)\"")
                out.line("")
                out.line("--" + related)
                out.textPart(html, type: "text/html")
                for image in content.images {
                    out.line("--" + related)
                    out.header("Content-Type", image.contentType + "; " + parameter("name", image.name))
                    out.header("Content-Transfer-Encoding", "base64")
                    out.header("Content-ID", "<" + image.contentID + ">")
                    out.header("Content-Disposition", "inline; " + parameter("filename", image.name))
                    out.line("")
                    out.base64(image.bytes)
                }
                out.line("--" + related + "--")
            }
        }
        out.line("--" + alternative + "--")
        for file in content.attachments {
            out.line("--" + mixed)
            out.header("Content-Type", file.contentType + "; " + parameter("name", file.name))
            out.header("Content-Transfer-Encoding", "base64")
            out.header("Content-Disposition", "attachment; " + parameter("filename", file.name))
            out.line("")
            out.base64(file.bytes)
        }
        out.line("--" + mixed + "--")
        return out.bytes
    }

    // MARK: - Header text

    /// `Tue, 17 Nov 2026 08:00:00 +0000` (RFC 5322 §3.3), in UTC.
    public static func rfc5322Date(_ seconds: Int) -> String {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0" + String(n) : String(n) }
        return "\(days[Int(tm.tm_wday)]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon)]) \(tm.tm_year + 1900) \(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) +0000"
    }

    /// Header text as it may be written: ASCII as it is (folded at spaces by the writer);
    /// otherwise RFC 2047 encoded words (`=?UTF-8?B?…?=`), each at most 75 characters and
    /// cut only between characters, separated by folding white space. The first word is
    /// kept short enough to share a line with the header's name (`nameLength` characters).
    static func encodedHeaderText(_ text: String, nameLength: Int) -> String {
        let isPlain = text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && !text.contains("=?")
        if isPlain { return text }
        // 75 - len("=?UTF-8?B?") - len("?=") = 63 base64 characters: 45 bytes of text at most;
        // on the first line, 78 - len("Name: ") - 12 characters of base64.
        var words: [String] = []
        var budget = min(45, max(3, (66 - nameLength) / 4 * 3))
        var chunk: [UInt8] = []
        for character in text {
            // Control characters (a CR or LF in a header would start a new one) become spaces.
            let scalarText = character.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) ? String(character) : " "
            let bytes = Array(scalarText.utf8)
            if chunk.count + bytes.count > budget, !chunk.isEmpty {
                words.append("=?UTF-8?B?" + Base64.encode(chunk) + "?=")
                chunk = []
                budget = 45
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Base64.encode(chunk) + "?=") }
        return words.joined(separator: " ")
    }

    /// `name="x.csv"`, or `name*=UTF-8''…` (RFC 2231) when the value is not plain ASCII.
    static func parameter(_ name: String, _ value: String) -> String {
        let plain = value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        if plain && value.utf8.count <= 60 { return name + "=\"" + value + "\"" }
        var s = name + "*=UTF-8''"
        let hex = Array("0123456789ABCDEF".utf8)
        for b in value.utf8 {
            let unreserved = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
            if unreserved { s.unicodeScalars.append(Unicode.Scalar(b)) } else {
                s += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 0xF)]], as: UTF8.self)
            }
        }
        return s
    }
}

/// The bytes of a message being written, with CRLF line ends and folded headers.
private struct MessageBuffer {
    var bytes: [UInt8] = []

    mutating func line(_ s: String) {
        bytes += s.utf8
        bytes += [0x0D, 0x0A]
    }

    /// `Name: value`, folded at spaces so that no line passes 78 characters where the text
    /// allows it (a word longer than that stays whole, as RFC 5322 permits up to 998).
    mutating func header(_ name: String, _ value: String) {
        var current = name + ":"
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if current.utf8.count + 1 + word.utf8.count > 78, current.utf8.count > name.utf8.count + 1 {
                line(current)
                current = " " + word
            } else {
                current += " " + word
            }
        }
        line(current)
    }

    /// A text part: UTF-8, quoted-printable, line ends as CRLF.
    mutating func textPart(_ text: String, type: String) {
        header("Content-Type", type + "; charset=utf-8")
        header("Content-Transfer-Encoding", "quoted-printable")
        line("")
        bytes += QuotedPrintable.encode(text)
        line("")
    }

    mutating func base64(_ data: [UInt8]) {
        let text = Array(Base64.encode(data).utf8)
        var i = 0
        while i < text.count {
            let end = min(i + 76, text.count)
            bytes += text[i..<end]
            bytes += [0x0D, 0x0A]
            i = end
        }
    }
}

/// Base64 (RFC 4648) of bytes, no line breaks.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ data: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((data.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= data.count {
            let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = data.count - i
        if rest == 1 {
            let n = UInt32(data[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Quoted-printable (RFC 2045 §6.7) of UTF-8 text whose line ends become CRLF: lines of at
/// most 76 characters, soft breaks (`=` CRLF) inside longer ones, `=`, bytes outside ASCII
/// and controls as `=XX`, a space or tab at the end of a line encoded, and a line that
/// starts with a dot or with `From ` encoded at its first character (some transports
/// change such lines).
enum QuotedPrintable {
    static func encode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        // Lines split at LF; a CR before an LF belongs to the line end.
        var lines = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
        for i in lines.indices where lines[i].last == 0x0D { lines[i].removeLast() }
        for (n, line) in lines.enumerated() {
            var width = 0
            for (i, b) in line.enumerated() {
                let last = i == line.count - 1
                let literal = (b >= 0x21 && b <= 0x7E && b != UInt8(ascii: "=")) || ((b == 0x20 || b == 0x09) && !last)
                let atStart = i == 0 && (b == UInt8(ascii: ".") || (b == UInt8(ascii: "F") && line.starts(with: Array("From ".utf8))))
                let piece: [UInt8] = literal && !atStart ? [b] : [UInt8(ascii: "="), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
                // Room for the piece and, unless it ends the line, a soft break's "=".
                if width + piece.count > (last ? 76 : 75) {
                    out += [UInt8(ascii: "="), 0x0D, 0x0A]
                    width = 0
                }
                out += piece
                width += piece.count
            }
            if n + 1 < lines.count { out += [0x0D, 0x0A] }
        }
        return out
    }
}
