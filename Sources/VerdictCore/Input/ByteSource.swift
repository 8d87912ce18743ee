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
    /// Called with every block read, for hashing the file as it streams.
    var onRawBytes: ((UnsafeRawBufferPointer) -> Void)?

    /// Opens `path` for reading, or standard input for `-`.
    init(path: String) throws(VerdictError) {
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
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
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
final class GzipSource: ByteSource {
    private let inner: any ByteSource
    private let name: String
    private var stream = z_stream()
    private var input: UnsafeMutableRawBufferPointer
    private var inputEOF = false
    private var finished = false
    /// Whether the current member is complete (a cut after it is not an error).
    private var memberComplete = true
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

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VerdictError) -> Int {
        if pendingCut { throw cutShort() }
        if finished { return 0 }
        stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = UInt32(min(buffer.count, Int(UInt32.max)))
        while stream.avail_out > 0 {
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
                let produced = buffer.count - Int(stream.avail_out)
                finished = true
                if !memberComplete {
                    // Hand over what was decoded; the next call reports the cut.
                    if produced > 0 { pendingCut = true; return produced }
                    throw cutShort()
                }
                return produced
            }
            memberComplete = false
            let rc = inflate(&stream, Z_NO_FLUSH)
            if rc == Z_STREAM_END {
                memberComplete = true
                // Another member may follow: start over on the remaining input.
                inflateReset(&stream)
                continue
            }
            if rc == Z_BUF_ERROR { continue }
            guard rc == Z_OK else {
                let msg = stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                throw VerdictError(.io, "\(name): not valid gzip data after \(inner.rawBytesRead) compressed bytes: \(msg)")
            }
        }
        return buffer.count
    }

    private var pendingCut = false

    private func cutShort() -> VerdictError {
        finished = true
        pendingCut = false
        return VerdictError(.io, "\(name): the gzip data is cut short (\(inner.rawBytesRead) compressed bytes read); the lines before the cut were read",
                            hint: "the file may still be being written, or was truncated in transfer")
    }
}
