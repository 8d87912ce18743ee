#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a program with bytes on its standard input and collects its standard error
/// (standard output is discarded), without a shell. Input is written and error output
/// read in one poll(2) loop, so neither side can block the other on a full pipe.
enum ChildProcess {
    struct Result {
        var status: Int32
        var signal: Int32?
        var stderr: String
    }

    /// Error output kept, at most (the first line is what is shown).
    static let stderrLimit = 64 * 1024

    /// A pipe whose ends are not inherited by other children (the spawned one gets its
    /// copies through dup2, which clears the flag).
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    static func run(_ path: String, _ arguments: [String], input: [UInt8]) throws(VerdictError) -> Result {
        var inPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard makePipe(&inPipe) else { throw VerdictError(.io, "cannot make a pipe: " + SystemError.words(errno: errno)) }
        guard makePipe(&errPipe) else {
            let code = errno
            close(inPipe[0]); close(inPipe[1])
            throw VerdictError(.io, "cannot make a pipe: " + SystemError.words(errno: code))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // The child starts with SIGPIPE at its default (verdict ignores it for itself).
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, argv, environ)
        close(inPipe[0])
        close(errPipe[1])
        guard rc == 0 else {
            close(inPipe[1]); close(errPipe[0])
            throw VerdictError(.io, "cannot start \(path): " + SystemError.words(errno: rc))
        }

        var errBytes: [UInt8] = []
        var written = 0
        var inFD: Int32 = input.isEmpty ? -1 : inPipe[1]
        if inFD < 0 { close(inPipe[1]) }
        var errFD: Int32 = errPipe[0]
        var buffer = [UInt8](repeating: 0, count: 16384)
        while inFD >= 0 || errFD >= 0 {
            var fds = [pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0), pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            if inFD >= 0, fds[0].revents != 0 {
                let n = input.withUnsafeBytes { write(inFD, $0.baseAddress! + written, $0.count - written) }
                if n > 0 { written += n }
                // A reader that has gone (EPIPE) or finished: stop writing, its status tells.
                if n < 0 && errno != EINTR && errno != EAGAIN || written == input.count {
                    close(inFD)
                    inFD = -1
                }
            }
            if errFD >= 0, fds[1].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(errFD, $0.baseAddress!, $0.count) }
                if n > 0 {
                    if errBytes.count < stderrLimit { errBytes += buffer[0..<n] }
                } else if n == 0 || errno != EINTR {
                    close(errFD)
                    errFD = -1
                }
            }
        }
        if inFD >= 0 { close(inFD) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let low = status & 0x7F
        return Result(status: low == 0 ? (status >> 8) & 0xFF : 128 + low,
                      signal: low != 0 && low != 0x7F ? low : nil,
                      stderr: String(decoding: errBytes, as: UTF8.self))
    }
}
