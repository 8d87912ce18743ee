#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import VerdictZlib

/// A stream of bytes: a file, standard input, or the gzip decoding of either.
protocol ByteSource: AnyObject {
    /// Fills up to `buffer.count` bytes; returns 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VerdictError) -> Int
    /// Bytes consumed from the underlying file so far (compressed bytes for gzip).
    var rawBytesRead: Int { get }
}

/// An open file descriptor read with read(2).
final class FileDescriptorSource: ByteSource {
    let fd: Int32
    let name: String
    private let ownsDescriptor: Bool
    private(set) var rawBytesRead = 0
    /// Bytes read at most: the end of the stream comes there (nil: no limit).
    private let limit: Int?
    /// Called with every block read, for hashing the file as it streams.
    var onRawBytes: ((UnsafeRawBufferPointer) -> Void)?

    /// Opens `path` for reading, or standard input for `-`; with `limit`, reads at most
    /// that many bytes (a log still being written is read as far as it was when its size
    /// was taken).
    init(path: String, limit: Int? = nil) throws(VerdictError) {
        self.limit = limit
        if path == "-" {
            fd = 0
            name = "<stdin>"
            ownsDescriptor = false
            return
        }
        name = path
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw VerdictError(.io, "\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw VerdictError(.io, "\(path): is a directory, not a log file", hint: "pass the files inside it, e.g. \(path)/*.ndjson")
        }
        let d = open(path, O_RDONLY | O_CLOEXEC)
        guard d >= 0 else {
            throw VerdictError(.io, "\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        fd = d
        ownsDescriptor = true
        #if os(Linux)
            _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
    }

    deinit { if ownsDescriptor { close(fd) } }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VerdictError) -> Int {
        let want = limit.map { min(buffer.count, $0 - rawBytesRead) } ?? buffer.count
        if want <= 0 { return 0 }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, want)
            if n >= 0 {
                rawBytesRead += n
                if n > 0, let onRawBytes { onRawBytes(UnsafeRawBufferPointer(start: buffer.baseAddress, count: n)) }
                return n
            }
            if errno == EINTR { continue }
            throw VerdictError(.io, "\(name): read failed: \(String(cString: strerror(errno)))")
        }
    }
}

/// Gzip decoding with zlib, across several concatenated members (as log rotation makes).
///
/// What follows a complete member decides how the stream ends, as `gzip -d` decides it:
/// another member (the gzip magic) is read on; zero bytes up to the end of the file
/// (padding, as some copy and backup tools leave) end the stream quietly; anything else is
/// trailing data that is not gzip, an error naming its offset. Whatever the error
/// (trailing data, corrupt data, a member cut short), the bytes decoded before it are
/// handed over first and the error comes on the next call, so no decoded line is lost.
final class GzipSource: ByteSource {
    private let inner: any ByteSource
    private let name: String
    private var stream = z_stream()
    private var input: UnsafeMutableRawBufferPointer
    private var inputEOF = false
    private var finished = false
    /// Input has gone into the current member and its end is not yet seen.
    private var inMember = false
    /// A member ended and what follows it has not been looked at yet.
    private var betweenMembers = false
    /// Offset in the file just past the last complete member.
    private var memberEnd = 0
    /// Thrown on the next call, once the bytes decoded before it are handed over.
    private var pendingError: VerdictError?
    var rawBytesRead: Int { inner.rawBytesRead }

    init(_ inner: any ByteSource, name: String, prefix: [UInt8] = []) throws(VerdictError) {
        self.inner = inner
        self.name = name
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        prefix.withUnsafeBytes { input.copyMemory(from: $0) }
        stream.next_in = prefix.isEmpty ? nil : input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_in = UInt32(prefix.count)
        // 15 + 16: a gzip wrapper is required.
        let rc = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            input.deallocate()
            throw VerdictError(.io, "\(name): cannot start gzip decoding (zlib error \(rc))")
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    /// Offset in the file of the first input byte not yet consumed.
    private var consumedOffset: Int { inner.rawBytesRead - Int(stream.avail_in) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VerdictError) -> Int {
        if let e = pendingError {
            pendingError = nil
            throw e
        }
        if finished { return 0 }
        stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = UInt32(min(buffer.count, Int(UInt32.max)))
        do throws(VerdictError) {
            while stream.avail_out > 0 {
                if betweenMembers {
                    try fillInput(atLeast: 2)
                    if stream.avail_in == 0 {
                        finished = true
                        break
                    }
                    let p = stream.next_in!
                    if stream.avail_in >= 2, p[0] == 0x1F, p[1] == 0x8B {
                        betweenMembers = false
                    } else if p[0] == 0, try onlyZerosFollow() {
                        finished = true
                        break
                    } else {
                        throw VerdictError(.io, "\(name): the data from byte \(memberEnd) on is not gzip (it follows the last complete member); the lines before it were read",
                                           hint: "something was appended to the compressed file or it is damaged; gzip -t shows the same")
                    }
                }
                if stream.avail_in == 0 && !inputEOF {
                    let n = try inner.read(into: input)
                    if n == 0 {
                        inputEOF = true
                    } else {
                        stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                        stream.avail_in = UInt32(n)
                    }
                }
                if stream.avail_in == 0 && inputEOF {
                    // The end of the file: fine before any member (an empty file), not inside one.
                    guard !inMember else {
                        throw VerdictError(.io, "\(name): the gzip data is cut short (\(inner.rawBytesRead) compressed bytes read); the lines before the cut were read",
                                           hint: "the file may still be being written, or was truncated in transfer")
                    }
                    finished = true
                    break
                }
                inMember = true
                let rc = inflate(&stream, Z_NO_FLUSH)
                if rc == Z_STREAM_END {
                    inMember = false
                    betweenMembers = true
                    memberEnd = consumedOffset
                    inflateReset(&stream)
                    continue
                }
                if rc == Z_BUF_ERROR { continue }
                guard rc == Z_OK else {
                    let msg = stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                    throw VerdictError(.io, "\(name): not valid gzip data near byte \(consumedOffset): \(msg); the lines before it were read",
                                       hint: "the file is damaged; gzip -t shows the same")
                }
            }
        } catch {
            // Hand over what was decoded; the next call reports the error.
            finished = true
            if buffer.count - Int(stream.avail_out) > 0 {
                pendingError = error
            } else {
                throw error
            }
        }
        return buffer.count - Int(stream.avail_out)
    }

    /// Reads on until at least `count` input bytes wait, or the file ends.
    private func fillInput(atLeast count: Int) throws(VerdictError) {
        while Int(stream.avail_in) < count && !inputEOF {
            let have = Int(stream.avail_in)
            if have > 0, let p = stream.next_in, UnsafeMutableRawPointer(p) != input.baseAddress! {
                memmove(input.baseAddress!, p, have)
            }
            let n = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: input[have...]))
            if n == 0 { inputEOF = true }
            stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_in = UInt32(have + n)
        }
    }

    /// Consumes zero bytes; true when nothing but zeros is left up to the end of the file.
    private func onlyZerosFollow() throws(VerdictError) -> Bool {
        while true {
            let n = Int(stream.avail_in)
            if n > 0 {
                let p = stream.next_in!
                var i = 0
                while i < n, p[i] == 0 { i += 1 }
                if i < n { return false }
                stream.next_in = p + n
                stream.avail_in = 0
            }
            if inputEOF { return true }
            let got = try inner.read(into: input)
            if got == 0 {
                inputEOF = true
            } else {
                stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = UInt32(got)
            }
        }
    }
}
