import Foundation
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// Helpers of the delivery tests: a real SMTP server on loopback (aiosmtpd, with STARTTLS
// and AUTH when asked), a self-signed certificate, the built `verdict` run with an
// environment of the test's choosing, and a message read back by Python's email package.

/// A Python 3 that can import aiosmtpd (Debian's python3-aiosmtpd installs it for the
/// system's /usr/bin/python3, which may not be the first python3 on PATH).
enum MailTools {
    static let pythonWithAiosmtpd: String? = {
        var candidates = ["/usr/bin/python3"]
        if let p = Executables.python3 { candidates.append(p) }
        for python in candidates where FileManager.default.isExecutableFile(atPath: python) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: python)
            p.arguments = ["-c", "import aiosmtpd"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            do { try p.run() } catch { continue }
            p.waitUntilExit()
            if p.terminationStatus == 0 { return python }
        }
        return nil
    }()

    static let openssl = Executables.find("openssl")
    static let chromium = Executables.find("chromium") ?? Executables.find("chromium-browser")
}

/// An SMTP server (aiosmtpd) on a free loopback port, run as a child process. Each message
/// it accepts is saved as `message-N.eml` (the bytes received, dot-unstuffed) beside
/// `message-N.json` (envelope sender and recipients, whether TLS was on, the login used).
/// Stopped (SIGTERM, then SIGKILL) by `stop()` or when it goes away.
final class SMTPTestServer {
    let port: Int
    let inbox: String
    private let process: Spawned

    static let script = #"""
        import json, os, signal, socket, ssl, sys
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword
        inbox, ready, opts = sys.argv[1], sys.argv[2], sys.argv[3:]
        def opt(name):
            return opts[opts.index(name) + 1] if name in opts else None
        cert, key, user, password = opt('--cert'), opt('--key'), opt('--user'), opt('--password')
        count = 0
        class Handler:
            async def handle_DATA(self, server, session, envelope):
                global count
                count += 1
                base = os.path.join(inbox, 'message-%d' % count)
                with open(base + '.eml.tmp', 'wb') as f:
                    f.write(envelope.original_content)
                login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
                meta = {'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos,
                        'tls': getattr(session, 'ssl', None) is not None, 'login': login}
                with open(base + '.json', 'w') as f:
                    json.dump(meta, f)
                os.rename(base + '.eml.tmp', base + '.eml')
                return '250 OK'
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
        kwargs = {}
        if cert:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(cert, key)
            kwargs.update(tls_context=ctx, require_starttls=True)
        if user:
            kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
        s.close()
        controller = Controller(Handler(), hostname='127.0.0.1', port=port, **kwargs)
        controller.start()
        with open(ready + '.tmp', 'w') as f:
            f.write(str(port))
        os.rename(ready + '.tmp', ready)
        signal.sigwait([signal.SIGTERM, signal.SIGINT])
        controller.stop()
        """#

    /// Starts the server; `tls` is (certificate, key) for STARTTLS, `auth` (user, password).
    init(in box: Sandbox, tls: (cert: String, key: String)? = nil, auth: (user: String, password: String)? = nil) throws {
        let python = try #require(MailTools.pythonWithAiosmtpd, "python3-aiosmtpd is not installed")
        inbox = box.file("inbox-" + UUID().uuidString)
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let scriptPath = try box.write("smtp_server.py", bytes: Array(Self.script.utf8))
        let ready = inbox + "/.port"
        var args = [scriptPath, inbox, ready]
        if let tls { args += ["--cert", tls.cert, "--key", tls.key] }
        if let auth { args += ["--user", auth.user, "--password", auth.password] }
        process = try Spawned.start(python, args, in: box)
        let deadline = Monotonic.now() + 30
        while !FileManager.default.fileExists(atPath: ready) {
            if let t = process.poll() { throw TestFailure("the SMTP server did not start: \(t.description): \(process.stderr)") }
            if Monotonic.now() > deadline { throw TestFailure("the SMTP server did not start within 30 s: \(process.stderr)") }
            usleep(20_000)
        }
        port = try #require(Int(try readText(ready)))
    }

    var url: String { "smtp://127.0.0.1:\(port)" }

    /// The messages received so far, in order: the .eml path and its envelope.
    func messages() throws -> [(eml: String, envelope: [String: Any])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: inbox).filter { $0.hasSuffix(".eml") }
        let numbered = names.compactMap { n -> (Int, String)? in
            Int(n.dropFirst("message-".count).dropLast(".eml".count)).map { ($0, n) }
        }.sorted { $0.0 < $1.0 }
        return try numbered.map { _, n in
            let eml = inbox + "/" + n
            return (eml, try jsonObject(try readText(String(eml.dropLast(4)) + ".json")))
        }
    }

    func stop() {
        process.kill(SIGTERM)
        if process.wait(timeout: 10).timedOut { process.kill(SIGKILL) }
    }

    deinit { stop() }
}

/// A throwaway self-signed certificate for 127.0.0.1 and localhost: (certificate, key).
func selfSignedCertificate(in box: Sandbox) throws -> (cert: String, key: String) {
    let openssl = try #require(MailTools.openssl, "openssl is not installed")
    let cert = box.file("cert.pem"), key = box.file("key.pem")
    let out = try run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], in: box)
    guard out.status == 0 else { throw TestFailure("openssl: \(out.stderr)") }
    return (cert, key)
}

/// Runs the built `verdict` with `environment` added to (or, with nil values, removed
/// from) this process's environment.
func runVerdict(_ arguments: [String], environment: [String: String?], in box: Sandbox) throws -> ProcessOutput {
    let exe = try #require(Executables.verdict, "the verdict executable was not found: build it with swift build --build-tests")
    let tag = UUID().uuidString
    let outPath = box.file(".stdout-\(tag)"), errPath = box.file(".stderr-\(tag)")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: exe)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: box.path)
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: SMTPServer.passwordVariable)
    env.removeValue(forKey: SMTPServer.caFileVariable)
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return ProcessOutput(status: process.terminationStatus, stdout: try readText(outPath), stderr: try readText(errPath))
}

/// A small database with two weeks of sample logs (2026-W46 and the week before) and
/// the path of its report directory to be.
func mailFixtureDatabase(in box: Sandbox) throws -> String {
    let sample = try runVerdict(["sample", "--days", "14", "--seed", "7", "--start", "2026-11-02", "--id-per-day", "20",
                                 "--video-per-day", "8", "--out", box.file("sample.ndjson")], in: box)
    guard sample.status == 0 else { throw TestFailure("sample: \(sample.stderr)") }
    let ingest = try runVerdict(["ingest", "--quiet", "--db", box.databasePath, box.file("sample.ndjson")], in: box)
    guard ingest.status == 0 else { throw TestFailure("ingest: \(ingest.stderr)") }
    return box.databasePath
}

/// A message file read back by Python's email package (policy.default): its headers,
/// structure, parts, attachments (with the SHA-256 of each decoded payload), defects, and
/// the form of its lines (longest, bare CR or LF).
struct ParsedMessage {
    var raw: [String: Any]

    static let script = #"""
        import email, hashlib, json, sys
        from email import policy
        from email.utils import getaddresses, parsedate_to_datetime
        raw = open(sys.argv[1], 'rb').read()
        msg = email.message_from_bytes(raw, policy=policy.default)
        body = raw.replace(b'\r\n', b'')
        def tree(part):
            if part.is_multipart():
                return {'type': part.get_content_type(), 'parts': [tree(p) for p in part.iter_parts()]}
            return {'type': part.get_content_type()}
        out = {
            'max_line': max(len(l) for l in raw.split(b'\r\n')),
            'bare_lf': body.count(b'\n'), 'bare_cr': body.count(b'\r'), 'ends_crlf': raw.endswith(b'\r\n'),
            'subject': str(msg['Subject']), 'from': str(msg['From']),
            'from_address': getaddresses([str(msg['From'])])[0][1],
            'to': [a for _, a in getaddresses([str(msg['To'])])],
            'to_names': [n for n, _ in getaddresses([str(msg['To'])])],
            'date': parsedate_to_datetime(str(msg['Date'])).isoformat() if msg['Date'] else None,
            'message_id': str(msg['Message-ID']), 'mime_version': str(msg['MIME-Version']),
            'auto_submitted': str(msg['Auto-Submitted']),
            'defects': [type(d).__name__ for p in msg.walk() for d in p.defects],
            'tree': tree(msg), 'attachments': [], 'plain': None, 'html': None, 'images': [],
        }
        for part in msg.walk():
            if part.is_multipart():
                continue
            if part.get_content_disposition() == 'attachment':
                data = part.get_payload(decode=True)
                out['attachments'].append({'filename': part.get_filename(), 'type': part.get_content_type(),
                                           'sha256': hashlib.sha256(data).hexdigest(), 'size': len(data)})
            elif part.get_content_type() == 'text/plain':
                out['plain'] = part.get_content().replace('\r\n', '\n')
            elif part.get_content_type() == 'text/html':
                out['html'] = part.get_content().replace('\r\n', '\n')
            elif part.get_content_maintype() == 'image':
                data = part.get_payload(decode=True)
                out['images'].append({'cid': str(part['Content-ID']), 'type': part.get_content_type(), 'size': len(data),
                                      'png': data[:8] == b'\x89PNG\r\n\x1a\n'})
        print(json.dumps(out))
        """#

    init(path: String, in box: Sandbox) throws {
        let out = try runPython(Self.script, [path], in: box)
        guard out.status == 0 else { throw TestFailure("the email package could not read \(path): \(out.stderr)") }
        raw = try jsonObject(out.stdout)
    }

    subscript(key: String) -> Any? { raw[key] }
    var attachments: [[String: Any]] { raw["attachments"] as? [[String: Any]] ?? [] }
    var tree: [String: Any] { raw["tree"] as? [String: Any] ?? [:] }

    /// The content types of the tree, depth first: `multipart/mixed(multipart/alternative(text/plain),text/csv,…)`.
    var shape: String {
        func walk(_ node: [String: Any]) -> String {
            let type = node["type"] as? String ?? "?"
            guard let parts = node["parts"] as? [[String: Any]] else { return type }
            return type + "(" + parts.map(walk).joined(separator: ",") + ")"
        }
        return walk(tree)
    }
}

/// SHA-256 of a file's bytes, hex.
func fileSHA256(_ path: String) throws -> String {
    Digest.sha256Hex(Array(try #require(FileManager.default.contents(atPath: path), "cannot read \(path)")))
}
