/// A mail address as the options give it: `ops@example.com`, or `Name <ops@example.com>`
/// (the name may be any text; it is written as RFC 2047 encoded words when it is not ASCII).
///
/// Only the plain `local@domain` form of RFC 5321 is taken: no comments, no quoted local
/// parts, no IP literals, no white space or control characters. That is what a cron job
/// mails to, and a line break in an address could never inject a header.
public struct MailAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// `local@domain`.
    public var address: String
    /// The display name, if one was given.
    public var name: String?

    public init(address: String, name: String? = nil) {
        (self.address, self.name) = (address, name)
    }

    /// Parses `text`; nil when it is not an address of the form above.
    public init?(parsing text: String) {
        let t = text.trimmingSpaces
        if t.hasSuffix(">"), let open = t.lastIndex(of: "<") {
            let inner = String(t[t.index(after: open)..<t.index(before: t.endIndex)])
            var name = String(t[..<open]).trimmingSpaces
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
            guard Self.isPlainAddress(inner), !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
            self.init(address: inner, name: name.isEmpty ? nil : name)
        } else {
            guard Self.isPlainAddress(t) else { return nil }
            self.init(address: t)
        }
    }

    /// `local@domain` with a local part of atoms joined by dots and a domain of labels.
    static func isPlainAddress(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64, !parts[1].isEmpty, s.utf8.count <= 254 else { return false }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".utf8)
        let local = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard local.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { atext.contains($0) } }) else { return false }
        let labelBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".utf8)
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else { return false }
            guard label.utf8.allSatisfy({ labelBytes.contains($0) }) else { return false }
        }
        return true
    }

    /// The part after `@`.
    public var domain: String { String(address.split(separator: "@").last ?? "") }

    /// As a `From:` or `To:` header shows it.
    var headerText: String {
        guard let name else { return address }
        let plainBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ".utf8)
        let special = name.utf8.contains { !plainBytes.contains($0) }
        let isASCII = name.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        let shown: String
        if !isASCII {
            shown = MIMEMessage.encodedHeaderText(name, nameLength: 0)
        } else if special {
            shown = "\"" + name.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
        } else {
            shown = name
        }
        return shown + " <" + address + ">"
    }

    public var description: String { headerText }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
