import Logging
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive advisory lock (flock) beside the database, in `PATH-lock`. Ingest holds it
/// for a whole run, so two ingests never interleave; opening a database holds it while
/// setting the file up. The kernel releases it if the process dies.
///
/// It is deliberately not taken on the database file itself: closing any descriptor of a
/// file drops every POSIX lock the process holds on it, SQLite's included, which would let
/// another process checkpoint or recover under a live connection.
///
/// The lock file is named after the database file itself, symbolic links followed, so
/// every path that leads to one database takes the same lock. A link planted at the lock
/// file's name is refused, never followed.
final class FileLock {
    private var fd: Int32

    /// Takes the lock; when another process holds it, waits for it (`wait`), for at most
    /// `timeout` seconds when one is given, then fails as busy.
    init(path: String, purpose: String, wait: Bool = true, timeout: Double? = nil, logger: Logger?) throws(VerdictError) {
        let lockPath = FileManagerLite.resolvedPath(path) + "-lock"
        fd = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let hint = errno == ELOOP ? "it is a symbolic link: remove it (verdict makes it as a plain file)" : nil
            throw VerdictError(.database, "\(lockPath): cannot create the lock file: \(String(cString: strerror(errno)))", hint: hint)
        }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return }
        guard wait else {
            close(fd)
            throw VerdictError(.busy, "\(path): another verdict process is writing to this database", hint: "wait for it to finish, or drop --no-wait")
        }
        if let timeout {
            logger?.notice("another verdict process is writing to \(path); waiting up to \(Self.seconds(timeout)) for it to finish before I \(purpose)")
            // flock has no timeout: try again every 20 ms until the deadline.
            let deadline = MonotonicClock.now() + timeout
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                guard errno == EWOULDBLOCK || errno == EINTR else {
                    let code = errno
                    close(fd)
                    throw VerdictError(.database, "\(lockPath): cannot lock: \(String(cString: strerror(code)))")
                }
                guard MonotonicClock.now() < deadline else {
                    close(fd)
                    throw VerdictError(.busy, "\(path): another verdict process was still writing to this database after \(Self.seconds(timeout))",
                                       hint: "give it longer with --wait SECONDS, or find what holds it")
                }
                usleep(20_000)
            }
            return
        }
        logger?.notice("another verdict process is writing to \(path); waiting for it to finish before I \(purpose)")
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(fd)
                throw VerdictError(.database, "\(lockPath): cannot lock: \(String(cString: strerror(errno)))")
            }
        }
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }

    func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
