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

    /// The whole content of a small file, or an error that says in plain words why it cannot
    /// be read (missing, a directory, not permitted); `what` names it for the user.
    public static func contents(of path: String, what: String) throws(VerdictError) -> [UInt8] {
        errno = 0
        if let bytes = readAll(path: path) { return bytes }
        let code = errno
        throw VerdictError(.io, "cannot read the \(what): " + SystemError.words(errno: code), hint: SystemError.hint(errno: code), file: path)
    }

    /// Writes `bytes` to `path`, replacing it atomically: a new temporary file beside it
    /// (see `createTemporary`), written, flushed to disk and closed, then renamed over `path`.
    ///
    /// A symbolic link at `path` is replaced by the file, never followed; readers see the
    /// old content or the new, never a part. Every failure of a write, fsync, close or the
    /// rename is an error, and the temporary file is removed.
    public static func writeAtomically(path: String, bytes: [UInt8], mode: UInt32 = 0o644) throws(VerdictError) {
        let (fd, tmp) = try createTemporary(beside: path, mode: mode)
        var needsClose = true
        var done = false
        defer {
            if needsClose { close(fd) }
            if !done { unlink(tmp) }
        }
        var failure: VerdictError?
        bytes.withUnsafeBytes { b in
            do throws(VerdictError) { try writeAll(fd, b, naming: path) } catch { failure = error }
        }
        if let failure { throw failure }
        needsClose = false  // `finish` closes it, failing or not
        try finish(fd, naming: path)
        try commit(tmp, to: path)
        done = true
    }

    /// Creates a new file in the directory of `path`, named after it with an unpredictable
    /// suffix (`NAME.tmp-` and 16 random hex digits), opened for writing.
    ///
    /// The file is created exclusively (`O_CREAT | O_EXCL`, which also refuses a symbolic
    /// link, even a dangling one, and `O_NOFOLLOW`), so a name planted in a shared directory
    /// is never written through: another random name is tried instead. `mode` is narrowed
    /// by the umask, as for any new file.
    public static func createTemporary(beside path: String, mode: UInt32 = 0o600) throws(VerdictError) -> (fd: Int32, path: String) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<64 {
            let suffix = String(generator.next() as UInt64, radix: 16)
            let tmp = path + ".tmp-" + String(repeating: "0", count: 16 - suffix.count) + suffix
            let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(mode))
            if fd >= 0 { return (fd, tmp) }
            if errno == EEXIST || errno == EINTR { continue }
            throw VerdictError(.io, "cannot write",
                               hint: "check that its directory exists and that you may write there", cause: SystemError.posix(errno), file: path)
        }
        throw VerdictError(.io, "cannot write: no free temporary name beside it",
                           hint: "remove the stale \(basename(path)).tmp-* files of its directory", file: path)
    }

    /// Writes all of `bytes` to `fd` (retrying short writes and EINTR); `naming` is the
    /// file the user knows, for the message.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, naming path: String) throws(VerdictError) {
        var off = 0
        while off < bytes.count {
            let n = write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw VerdictError(.io, "cannot write", cause: SystemError.posix(errno), file: path)
            }
            off += n
        }
    }

    /// Flushes `fd` to disk and closes it; either failing is an error (the data may be lost).
    /// The descriptor is closed in every case.
    static func finish(_ fd: Int32, naming path: String) throws(VerdictError) {
        var failure: Int32?
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            // EINVAL: a file that cannot be synced (a pipe or device): nothing to flush.
            if errno != EINVAL { failure = errno }
            break
        }
        // close(2) is not retried: on Linux the descriptor is gone even when it fails.
        if close(fd) != 0, failure == nil { failure = errno }
        if let failure { throw VerdictError(.io, "cannot write", cause: SystemError.posix(failure), file: path) }
    }

    /// Renames the finished temporary file over `path` (replacing a link there, not its target).
    static func commit(_ tmp: String, to path: String) throws(VerdictError) {
        guard rename(tmp, path) == 0 else {
            throw VerdictError(.io, "cannot write", cause: SystemError.posix(errno), file: path)
        }
    }

    private static func basename(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }
}
