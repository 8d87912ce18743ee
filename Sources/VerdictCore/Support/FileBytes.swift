#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small whole-file helpers over POSIX calls (Foundation is not needed for these).
public enum FileBytes {
    /// The whole content of a small file, or nil if it cannot be read.
    public static func readAll(path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// Writes `bytes` to `path`, replacing it atomically (write to a temporary file, then rename).
    public static func writeAtomically(path: String, bytes: [UInt8], mode: UInt32 = 0o644) throws(VerdictError) {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else { throw VerdictError(.io, "cannot write \(path): \(String(cString: strerror(errno)))") }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(tmp)
                throw VerdictError(.io, "cannot write \(path): \(reason)")
            }
            off += n
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw VerdictError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
