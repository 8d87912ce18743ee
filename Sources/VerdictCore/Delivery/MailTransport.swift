import VerdictCurl
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a message leaves: an SMTP server through libcurl, or the local `sendmail`.
///
/// Both are checked when they are made (`SMTPServer.init`, `SendmailProgram.init`), before
/// any report file is written; `send` then hands over exactly the bytes it is given.
public enum MailTransport: Sendable {
    case smtp(SMTPServer)
    case sendmail(SendmailProgram)

    /// `smtp` or `sendmail`, as the manifest and the delivery record name it.
    public var kind: String {
        switch self {
        case .smtp: "smtp"
        case .sendmail: "sendmail"
        }
    }

    /// Where the message goes, for messages: the URL without its user name, or the program.
    public var destination: String {
        switch self {
        case .smtp(let s): s.displayURL
        case .sendmail(let p): p.path
        }
    }

    /// Sends `message` from `from` to `recipients`; a failure is a `.delivery` error that
    /// names the server (or program) and the reason, on one line.
    public func send(_ message: [UInt8], from: MailAddress, to recipients: [MailAddress]) throws(VerdictError) {
        switch self {
        case .smtp(let s): try s.send(message, from: from, to: recipients)
        case .sendmail(let p): try p.send(message, from: from, to: recipients)
        }
    }
}

/// An SMTP server: `smtp://HOST[:PORT]` (STARTTLS whenever the server offers it, and
/// required before a password is sent) or `smtps://HOST[:PORT]` (TLS from the start).
///
/// The user name comes from the URL or `user`; the password only from the environment
/// (`VERDICT_SMTP_PASSWORD`): a URL that holds one is refused, since it would be in the
/// process list and in shell histories. Certificates are always verified, against the
/// system's store, or against the file `VERDICT_SMTP_CA_FILE` names (a private CA).
public struct SMTPServer: Sendable {
    public let url: String
    public let user: String?
    let password: String?
    let caFile: String?
    /// Seconds allowed to connect, and for the whole exchange.
    public var connectTimeout = 30
    public var timeout = 300

    /// The environment variable the password is read from.
    public static let passwordVariable = "VERDICT_SMTP_PASSWORD"
    /// The environment variable naming a CA certificate file to trust (a private CA, a test).
    public static let caFileVariable = "VERDICT_SMTP_CA_FILE"

    public init(url: String, user: String?, environment: [String: String]) throws(VerdictError) {
        let lower = url.lowercased()
        guard lower.hasPrefix("smtp://") || lower.hasPrefix("smtps://") else {
            throw VerdictError(.usage, "--smtp takes smtp://HOST[:PORT] or smtps://HOST[:PORT], not '\(url)'")
        }
        let rest = url[url.range(of: "://")!.upperBound...]
        let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        var urlUser: String?
        var hostPart = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = String(authority[..<at])
            if userInfo.contains(":") {
                throw VerdictError(.usage, "--smtp: the URL holds a password, which would be visible to every user of this machine",
                                   hint: "give only the user name there or in --smtp-user, and the password in the environment variable \(Self.passwordVariable)")
            }
            urlUser = Self.percentDecoded(userInfo)
            hostPart = String(authority[authority.index(after: at)...])
        }
        if hostPart.isEmpty || hostPart.hasPrefix(":") {
            throw VerdictError(.usage, "--smtp: no server named in '\(url)'", hint: "give smtp://HOST[:PORT] or smtps://HOST[:PORT]")
        }
        if let u = user, let urlUser, u != urlUser {
            throw VerdictError(.usage, "--smtp-user '\(u)' and the user '\(urlUser)' of --smtp disagree", hint: "give the user name once")
        }
        self.user = user ?? urlUser
        self.password = environment[Self.passwordVariable].flatMap { $0.isEmpty ? nil : $0 }
        if self.user == nil, password != nil {
            throw VerdictError(.usage, "\(Self.passwordVariable) is set but no SMTP user is named", hint: "give --smtp-user NAME (or smtp://NAME@HOST)")
        }
        let scheme = lower.hasPrefix("smtps://") ? "smtps://" : "smtp://"
        self.url = scheme + hostPart + "/"
        if let ca = environment[Self.caFileVariable], !ca.isEmpty {
            guard FileBytes.readAll(path: ca) != nil else {
                let code = errno
                throw VerdictError(.io, "cannot read the CA certificate file \(Self.caFileVariable) names: " + SystemError.words(errno: code), file: ca)
            }
            caFile = ca
        } else {
            caFile = nil
        }
    }

    /// `%40` and the like decoded (a user name such as `me%40example.com`).
    static func percentDecoded(_ s: String) -> String {
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%"), bytes.count >= 2, let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The URL as messages show it: no user name.
    public var displayURL: String { String(url.dropLast()) }

    var isImplicitTLS: Bool { url.hasPrefix("smtps://") }

    func send(_ message: [UInt8], from: MailAddress, to recipients: [MailAddress]) throws(VerdictError) {
        CurlGlobal.ready()
        guard let handle = curl_easy_init() else {
            throw VerdictError(.delivery, "mail not delivered to \(displayURL): libcurl could not start")
        }
        defer { curl_easy_cleanup(handle) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let body = UploadBody(message)
        var recipientList: UnsafeMutablePointer<curl_slist>?
        for r in recipients { recipientList = curl_slist_append(recipientList, "<" + r.address + ">") }
        defer { curl_slist_free_all(recipientList) }

        let result: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
            withExtendedLifetime(body) {
                var rc = CURLE_OK
                func set(_ r: CURLcode) { if rc == CURLE_OK { rc = r } }
                set(verdict_curl_setopt_string(handle, CURLOPT_URL, url))
                set(verdict_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress))
                set(verdict_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<" + from.address + ">"))
                set(verdict_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipientList))
                set(verdict_curl_setopt_long(handle, CURLOPT_UPLOAD, 1))
                set(verdict_curl_setopt_read(handle, UploadBody.read))
                set(verdict_curl_setopt_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(body).toOpaque()))
                set(verdict_curl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.count)))
                set(verdict_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeout))
                set(verdict_curl_setopt_long(handle, CURLOPT_TIMEOUT, timeout))
                set(verdict_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
                set(verdict_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
                set(verdict_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
                set(verdict_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"))
                if !isImplicitTLS {
                    // STARTTLS whenever offered; required when a password would cross the wire.
                    set(verdict_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(password != nil ? CURLUSESSL_ALL.rawValue : CURLUSESSL_TRY.rawValue)))
                }
                if let caFile { set(verdict_curl_setopt_string(handle, CURLOPT_CAINFO, caFile)) }
                if let user { set(verdict_curl_setopt_string(handle, CURLOPT_USERNAME, user)) }
                if let password { set(verdict_curl_setopt_string(handle, CURLOPT_PASSWORD, password)) }
                guard rc == CURLE_OK else { return rc }
                return curl_easy_perform(handle)
            }
        }
        guard result == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let words = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
            throw VerdictError(.delivery, "mail not delivered to \(displayURL): " + SystemError.singleLine(words),
                               hint: "the report is written; run the same command again to retry")
        }
    }
}

/// curl_global_init, once per process, before the first handle.
private enum CurlGlobal {
    private static let initialised: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    static func ready() { _ = initialised }
}

/// The message as libcurl reads it, in pieces, through `read`.
private final class UploadBody {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    static let read: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { buffer, size, count, context in
        guard let buffer, let context else { return 0 }
        let body = Unmanaged<UploadBody>.fromOpaque(context).takeUnretainedValue()
        let n = min(size * count, body.bytes.count - body.offset)
        guard n > 0 else { return 0 }
        body.bytes.withUnsafeBytes { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + body.offset, byteCount: n)
        }
        body.offset += n
        return n
    }
}

/// The local mail system's `sendmail` (Postfix, Exim, msmtp, ... all provide one), run as
/// `sendmail -t -i -f FROM` with the message on its standard input: `-t` takes the
/// recipients from the `To:` header, `-i` keeps a line of one dot from ending the message.
public struct SendmailProgram: Sendable {
    public let path: String

    /// `path`, or the first of `sendmail` on PATH, /usr/sbin/sendmail and /usr/lib/sendmail
    /// when none is given; it must be an executable file.
    public init(path: String?, environment: [String: String]) throws(VerdictError) {
        if let path, !path.isEmpty {
            guard access(path, X_OK) == 0, !FileManagerLite.isDirectory(path) else {
                let code = errno
                throw VerdictError(.usage, "--sendmail \(path): not an executable program" + (FileManagerLite.exists(path) ? "" : ": " + SystemError.words(errno: code)),
                                   hint: "give the path of sendmail, or --smtp URL")
            }
            self.path = path
            return
        }
        let candidates = (environment["PATH"] ?? "").split(separator: ":").map { String($0) + "/sendmail" } + ["/usr/sbin/sendmail", "/usr/lib/sendmail"]
        guard let found = candidates.first(where: { access($0, X_OK) == 0 && !FileManagerLite.isDirectory($0) }) else {
            throw VerdictError(.usage, "--sendmail: no sendmail program found on PATH, in /usr/sbin or /usr/lib",
                               hint: "install a mail transfer agent, give --sendmail PATH, or use --smtp URL")
        }
        self.path = found
    }

    func send(_ message: [UInt8], from: MailAddress, to recipients: [MailAddress]) throws(VerdictError) {
        let result: ChildProcess.Result
        do {
            result = try ChildProcess.run(path, ["-t", "-i", "-f", from.address], input: message)
        } catch {
            throw VerdictError(.delivery, "mail not delivered by \(path): " + error.description, hint: "the report is written; run the same command again to retry")
        }
        if result.status != 0 {
            let said = result.stderr.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map(String.init) ?? ""
            let how = result.signal.map { "was killed by signal \($0)" } ?? "exited with status \(result.status)"
            throw VerdictError(.delivery, "mail not delivered by \(path): it " + how + (said.isEmpty ? "" : ": " + SystemError.singleLine(said)),
                               hint: "the report is written; run the same command again to retry")
        }
    }
}
