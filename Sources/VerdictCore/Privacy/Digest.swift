import VerdictOpenSSL

/// SHA-256 and HMAC-SHA-256 through the system's OpenSSL libcrypto.
public enum Digest {
    /// SHA-256 of `bytes`, as lowercase hex.
    public static func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
        var out = [UInt8](repeating: 0, count: 32)
        _ = SHA256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &out)
        return hex(out)
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { sha256Hex($0) }
    }

    /// HMAC-SHA-256 of `message` under `key`, as lowercase hex.
    public static func hmacSHA256Hex(key: [UInt8], message: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count),
                         m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count, &out, &length)
            }
        }
        return hex(out)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var s = [UInt8]()
        s.reserveCapacity(bytes.count * 2)
        for b in bytes {
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 0xF)])
        }
        return String(decoding: s, as: UTF8.self)
    }
}

/// An incremental SHA-256, for hashing a file while it streams through (OpenSSL EVP).
public final class StreamingSHA256 {
    private let context: OpaquePointer

    public init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    public func finalizeHex() -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        EVP_DigestFinal_ex(context, &out, &length)
        return Digest.hex(out)
    }
}

@available(*, unavailable)
extension StreamingSHA256: Sendable {}
