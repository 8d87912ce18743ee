import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Who a report is mailed to, how, and whether again.
public struct MailOptions: Sendable {
    public var recipients: [MailAddress]
    public var from: MailAddress
    /// nil only for a dry run.
    public var transport: MailTransport?
    /// Send even when this report was already delivered to these recipients.
    public var resend = false
    /// Write report.eml and send nothing.
    public var dryRun = false
    /// The largest message sent: past it, CSV attachments are left out (largest first) and
    /// the summary says which.
    public var sizeLimit = 10_000_000

    public init(recipients: [MailAddress], from: MailAddress, transport: MailTransport?) {
        (self.recipients, self.from, self.transport) = (recipients, from, transport)
    }

    /// `verdict@HOSTNAME`, when no --mail-from is given.
    public static func defaultFrom() -> MailAddress {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0 ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        return MailAddress(parsing: "Verdict <verdict@\(host)>") ?? MailAddress(address: "verdict@localhost", name: "Verdict")
    }
}

/// What became of a report's message: the manifest's `delivery` object.
public struct Delivery: Sendable {
    public enum Status: String, Sendable { case sent, failed, skipped }
    public var messageID: String
    public var recipients: [String]
    /// `smtp` or `sendmail` (for a dry run, what would have been used, or `none`).
    public var transport: String
    public var status: Status
    /// Why it was skipped (`already sent`, `dry run`), for the command's note.
    public var reason: String?
    /// CSV files the size limit left out.
    public var leftOut: [String]
    /// The failure, when `status` is `failed`; the command reports it (exit 5).
    public var error: VerdictError?

    /// `{"message_id": …, "recipients": […], "transport": …, "status": …}`, keys in this order.
    public var json: String {
        "{\"message_id\": " + JSONText.quote(messageID) + ", \"recipients\": [" + recipients.map(JSONText.quote).joined(separator: ", ")
            + "], \"transport\": " + JSONText.quote(transport) + ", \"status\": " + JSONText.quote(status.rawValue) + "}"
    }
}

/// Mails a written report, once.
///
/// The message is composed from the report's files as they were written (each CSV file
/// attached byte for byte), written to `DIR/report.eml`, and exactly those bytes are sent.
/// A delivery that succeeded is recorded in `DIR/.verdict-delivery.json` (`DeliveryRecord`):
/// the same job run again (same DIR, period, recipients and report content) sends nothing
/// unless `resend` is set; a report whose content changed is a new report and is sent. A
/// failed delivery records nothing, so running again retries.
public enum ReportMailer {
    /// A written report, as the mailer needs it.
    public struct Report: Sendable {
        public var directory: String
        public var model: ReportModel
        /// Every file written into the directory by this run, with its bytes, in order.
        public var files: [(name: String, bytes: [UInt8])]
        /// An error-severity alert fired.
        public var alertFired = false
        /// One line per alert that fired; nil when no rules were given.
        public var alerts: [String]?
        /// The HTML report (charts referenced as `cid:`) and its images; nil without one.
        public var html: String?
        public var images: [InlineImage] = []

        public init(directory: String, model: ReportModel, files: [(name: String, bytes: [UInt8])]) {
            (self.directory, self.model, self.files) = (directory, model, files)
        }
    }

    public static let messageFile = "report.eml"

    /// Composes, writes and sends the message of `report`. `manifest`, when given, makes
    /// the manifest.json to attach from the delivery as it will read once sent.
    ///
    /// Throws only when report.eml or the delivery record cannot be written; a message that
    /// could not be sent comes back with status `failed` and its error.
    public static func deliver(_ report: Report, options: MailOptions, manifest: (@Sendable (Delivery) -> [UInt8])? = nil,
                               now: Int? = nil) throws(VerdictError) -> Delivery {
        let now = now ?? Int(time(nil))
        let directory = ReportDirectory.normalized(report.directory)
        let recipients = options.recipients.map(\.address)
        let transportName = options.transport?.kind ?? "none"
        let contentHash = DeliveryRecord.contentHash(period: report.model.period, files: report.files)
        if !options.resend, !options.dryRun, let previous = DeliveryRecord.read(in: directory),
           previous.matches(period: report.model.period.label, recipients: recipients, contentHash: contentHash) {
            return Delivery(messageID: previous.messageID, recipients: recipients, transport: transportName, status: .skipped,
                            reason: "already sent on \(previous.sentAt) as <\(previous.messageID)>", leftOut: [])
        }

        let messageID = Self.newMessageID(domain: options.from.domain)
        var delivery = Delivery(messageID: messageID, recipients: recipients, transport: transportName, status: .sent, leftOut: [])
        let (message, leftOut) = compose(report, options: options, messageID: messageID, now: now) { leftOut in
            delivery.leftOut = leftOut
            return manifest?(delivery)
        }
        delivery.leftOut = leftOut
        try writeFile(directory, messageFile, message)
        if options.dryRun {
            delivery.status = .skipped
            delivery.reason = "dry run: \(directory)/\(messageFile) written, nothing sent"
            return delivery
        }
        guard let transport = options.transport else {
            throw VerdictError(.usage, "no way to send mail given", hint: "give --smtp URL or --sendmail [PATH]")
        }
        do {
            try transport.send(message, from: options.from, to: options.recipients)
        } catch {
            delivery.status = .failed
            delivery.error = error
            return delivery
        }
        let record = DeliveryRecord(messageID: messageID, recipients: recipients, transport: transport.kind, period: report.model.period.label,
                                    contentSHA256: contentHash, messageSHA256: Digest.sha256Hex(message), sentAt: rfc3339(now))
        try writeFile(directory, DeliveryRecord.fileName, Array(record.json.utf8))
        return delivery
    }

    /// The message, with CSV attachments left out (largest first) until it fits the size
    /// limit; `manifest` is asked for the manifest's bytes each time (it names what was left out).
    static func compose(_ report: Report, options: MailOptions, messageID: String, now: Int,
                        manifest: ([String]) -> [UInt8]?) -> (message: [UInt8], leftOut: [String]) {
        let csv = report.files.filter { $0.name.hasSuffix(".csv") }
        var attached = csv.map(\.name)
        var leftOut: [(name: String, bytes: Int)] = []
        let seed = UInt64.random(in: .min ... .max)
        while true {
            let manifestBytes = manifest(leftOut.map(\.name))
            var attachments = csv.filter { attached.contains($0.name) }.map { MailAttachment(name: $0.name, contentType: "text/csv", bytes: $0.bytes) }
            if let manifestBytes { attachments.append(MailAttachment(name: "manifest.json", contentType: "application/json", bytes: manifestBytes)) }
            let notAttached = report.files.map(\.name).filter { !$0.hasSuffix(".csv") }
            let facts = MailSummary.Facts(directory: report.directory, attached: attachments.map(\.name), leftOut: leftOut,
                                          sizeLimit: options.sizeLimit, notAttached: notAttached, alerts: report.alerts)
            let content = MailContent(from: options.from, to: options.recipients, subject: "Verdict report \(report.model.period.label)",
                                      alertFired: report.alertFired, plainText: MailSummary.render(report.model, facts),
                                      html: report.html, images: report.images, attachments: attachments)
            let message = MIMEMessage.compose(content, messageID: messageID, date: now, boundarySeed: seed)
            guard message.count > options.sizeLimit,
                  let largest = csv.filter({ attached.contains($0.name) }).max(by: { $0.bytes.count < $1.bytes.count }) else {
                return (message, leftOut.map(\.name))
            }
            attached.removeAll { $0 == largest.name }
            leftOut.append((largest.name, largest.bytes.count))
        }
    }

    /// `<32 hex digits>.verdict@DOMAIN`, without the angle brackets.
    static func newMessageID(domain: String) -> String {
        let random = (0..<2).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.map { String(repeating: "0", count: 16 - $0.count) + $0 }
        return random.joined() + ".verdict@" + (domain.isEmpty ? "localhost" : domain)
    }

    static func rfc3339(_ seconds: Int) -> String {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)
    }

    /// Writes `DIR/NAME` whole under a temporary name (created exclusively, links never
    /// followed), then renames it into place: a reader sees the old file or the new one.
    static func writeFile(_ directory: String, _ name: String, _ bytes: [UInt8]) throws(VerdictError) {
        let target = directory + "/" + name
        let temporary = directory + "/." + name + ".verdict-" + String(UInt64.random(in: .min ... .max), radix: 16)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno
            throw VerdictError(.io, "cannot write: " + SystemError.words(errno: code), hint: SystemError.hint(errno: code), file: target)
        }
        var off = 0
        var failure: Int32 = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            off += n
        }
        if close(fd) != 0 && failure == 0 && errno != EINTR { failure = errno }
        if failure == 0 && rename(temporary, target) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw VerdictError(.io, "cannot write: " + SystemError.words(errno: failure), hint: SystemError.hint(errno: failure), file: target)
        }
    }
}

/// What was delivered for a report directory, in `DIR/.verdict-delivery.json`: the message
/// id, the recipients, the transport, the period, the hash of the report's content and of
/// the message, and when. Never a password (none is known to the message or the transport's
/// name). "The same job" is the same DIR (the record lives there), the same period, the
/// same set of recipients and the same report content: the SHA-256 over the period and the
/// name and SHA-256 of every file the report wrote (report.eml, manifest.json and this
/// record are not among them, and no report file holds the time it was made).
public struct DeliveryRecord: Codable, Sendable, Equatable {
    public static let fileName = ".verdict-delivery.json"

    public var messageID: String
    public var recipients: [String]
    public var transport: String
    public var period: String
    public var contentSHA256: String
    public var messageSHA256: String
    public var sentAt: String

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id", recipients, transport, period
        case contentSHA256 = "content_sha256", messageSHA256 = "message_sha256", sentAt = "sent_at"
    }

    func matches(period: String, recipients: [String], contentHash: String) -> Bool {
        self.period == period && Set(self.recipients.map { $0.lowercased() }) == Set(recipients.map { $0.lowercased() }) && contentSHA256 == contentHash
    }

    static func contentHash(period: ReportPeriod, files: [(name: String, bytes: [UInt8])]) -> String {
        var text = "period \(period.label) \(period.zone)\n"
        for f in files.sorted(by: { $0.name < $1.name }) where f.name != ReportMailer.messageFile && f.name != "manifest.json" && f.name != fileName {
            text += f.name + " " + Digest.sha256Hex(f.bytes) + "\n"
        }
        return Digest.sha256Hex(Array(text.utf8))
    }

    /// The record in `directory`, or nil when there is none or it does not read (then the
    /// report is sent, which is the safe side of a lost record).
    public static func read(in directory: String) -> DeliveryRecord? {
        guard let bytes = FileBytes.readAll(path: directory + "/" + fileName) else { return nil }
        return try? JSONDecoder().decode(DeliveryRecord.self, from: Data(bytes))
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }
}
