/// Turns a document number into a keyed hash (HMAC-SHA-256), so a risk team can see one
/// document used across transactions without the number itself ever being stored.
public struct DocumentHasher: Sendable {
    private let key: [UInt8]

    /// - Parameter key: the user's secret; at least 16 bytes.
    public init(key: [UInt8]) throws(VerdictError) {
        guard key.count >= 16 else {
            throw VerdictError(.usage, "the PII key must be at least 16 bytes long",
                               hint: "create one with: head -c 32 /dev/urandom > pii.key")
        }
        self.key = key
    }

    /// Reads the key from a file (its bytes as they are; a trailing newline is dropped).
    public init(keyFile path: String) throws(VerdictError) {
        var bytes = try FileBytes.contents(of: path, what: "PII key file")
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        try self.init(key: bytes)
    }

    /// The hash of a document number, after removing spaces and dashes and upper-casing,
    /// so `ab-123 456` and `AB123456` count as one document.
    public func hash(documentNumber: String) -> String {
        let normalised = documentNumber.uppercased().unicodeScalars
            .filter { !$0.properties.isWhitespace && $0 != "-" }
        return Digest.hmacSHA256Hex(key: key, message: Array(String(String.UnicodeScalarView(normalised)).utf8))
    }
}
