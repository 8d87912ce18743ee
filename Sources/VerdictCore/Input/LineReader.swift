#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Splits a byte stream into lines (`\n` or `\r\n`), holding a line only while it is used.
///
/// Lines are handed out as views into one reusable buffer. A line of up to
/// `maxLineBytes` (its terminator not counted) is handed out whole; a longer one is not
/// buffered whole: its first `keptPrefixBytes` are handed out with `oversized` set and the
/// rest is skipped up to the next newline.
final class LineReader {
    static let maxLineBytes = 256 << 20
    static let keptPrefixBytes = 64 << 10

    /// The limit as people read it: "256 MiB" (or a count of bytes when not whole MiB).
    static func describe(limit: Int) -> String {
        limit % (1 << 20) == 0 ? "\(limit >> 20) MiB" : "\(limit) bytes"
    }

    struct Line {
        var bytes: UnsafeBufferPointer<UInt8>
        /// 1-based line number in the (decompressed) stream.
        var number: Int
        /// The line exceeded `maxLineBytes`; `bytes` holds only its beginning.
        var oversized: Bool
        /// Length of the whole line, terminator excluded.
        var length: Int
    }

    private let source: any ByteSource
    /// The input's name, for errors.
    private let sourceName: String
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var filled = 0
    private var eof = false
    private var lineNumber: Int
    /// The longest line handed out whole, terminator excluded.
    let maxLine: Int
    /// The buffer's largest size: a line of `maxLine` bytes, its CR LF, and the UTF-8 byte
    /// order mark that may come before the first line (not part of it). A buffer this full
    /// without a newline holds a line longer than `maxLine`, whatever follows.
    private var maxBuffer: Int { maxLine + 2 + 3 }
    /// Bytes dropped from the front of the buffer so far (for `consumedBytes`).
    private var slid = 0
    /// A read error held back until the bytes read before it were handed out as a line.
    private var pendingError: VerdictError?

    /// - Parameter firstLineNumber: the number of the first line the source yields (a
    ///   resumed read starts after a checkpoint).
    init(source: any ByteSource, name: String = "the input", initialCapacity: Int = 8 << 20, maxLineBytes: Int = LineReader.maxLineBytes, firstLineNumber: Int = 1) {
        self.source = source
        self.sourceName = name
        self.maxLine = maxLineBytes
        self.lineNumber = firstLineNumber - 1
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: min(initialCapacity, maxLineBytes + 2 + 3), alignment: 64)
    }

    deinit { buffer.deallocate() }

    /// Bytes of the underlying file consumed so far.
    var rawBytesRead: Int { source.rawBytesRead }

    /// Offset in the (decompressed) stream just past the last line handed out.
    var consumedBytes: Int { slid + start }

    /// Where the last line handed out begins: its offset in the stream, and in the buffer,
    /// and how many of its bytes the buffer holds from there (all of them unless oversized).
    private var lastLineStart = 0
    private var lastLineIndex = 0
    private var lastLineHeld = 0

    /// The line an earlier read ended inside, as the stream holds it now.
    struct Straddle {
        /// The line now: whole, or `oversized`. Valid until the next call to `next()`.
        var line: Line
        /// What the earlier read had of it, as that read handed it out (a final CR and a
        /// leading byte order mark taken off); nil when those bytes are no longer held.
        var earlier: UnsafeBufferPointer<UInt8>?
        /// Whether all the line gained since is JSON whitespace (spaces, tabs, CRs), so
        /// that it reads as it read then.
        var gainedOnlyWhitespace: Bool
    }

    /// Reads on to `offset`, where an earlier read of the same stream ended (resuming after
    /// a checkpoint, or going on with a file that grew), counting the lines before it. When
    /// that read ended inside a line (a line still being written, or cut by a gzip member
    /// that was not finished), returns that line as it reads now; the reader then stands
    /// after it. A gzip stream cannot be entered in the middle, so this decodes it from the
    /// start; a plain file is read from the start too, as its hash needs every byte.
    func resume(at offset: Int) throws(VerdictError) -> Straddle? {
        guard offset > 0 else { return nil }
        while true {
            guard let line = try next() else {
                throw VerdictError(.io, "\(sourceName): the stream ends at byte \(consumedBytes), before byte \(offset) where the last read of it ended",
                                   hint: "the file was replaced or truncated since; move it aside and ingest it under another name")
            }
            let end = consumedBytes
            if end == offset { return nil }
            if end < offset { continue }
            // The earlier read ended inside this line: compare what it had with what is there now.
            let had = offset - lastLineStart
            let lineBase = UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)) + lastLineIndex
            var earlier: UnsafeBufferPointer<UInt8>?
            if had <= lastLineHeld {
                var a = 0, b = had
                if b > a, lineBase[b - 1] == 0x0D { b -= 1 }
                if line.number == 1, b - a >= 3, lineBase[0] == 0xEF, lineBase[1] == 0xBB, lineBase[2] == 0xBF { a = 3 }
                earlier = UnsafeBufferPointer(start: lineBase + a, count: b - a)
            }
            var onlyWhitespace = !line.oversized && !(line.number == 1 && had < 3)
            if onlyWhitespace {
                // The line's bytes from `had` up to the end of its content.
                let contentEnd = line.bytes.baseAddress! + line.bytes.count
                var p = lineBase + had
                while p < contentEnd {
                    let c = p.pointee
                    if !(c == 0x20 || c == 0x09 || c == 0x0D) {
                        onlyWhitespace = false
                        break
                    }
                    p += 1
                }
            }
            return Straddle(line: line, earlier: earlier, gainedOnlyWhitespace: onlyWhitespace)
        }
    }

    /// The next line, or nil at the end of the stream. The view is valid until the next call.
    func next() throws(VerdictError) -> Line? {
        if let e = pendingError, start >= filled {
            pendingError = nil
            throw e
        }
        var searchFrom = start
        while true {
            if searchFrom < filled {
                let base = buffer.baseAddress!
                if let hit = memchr(base + searchFrom, 0x0A, filled - searchFrom) {
                    let nl = base.distance(to: UnsafeMutableRawPointer(hit))
                    return emit(from: start, to: nl, consumedThrough: nl + 1)
                }
                searchFrom = filled
            }
            if eof {
                guard start < filled else {
                    if let e = pendingError { pendingError = nil; throw e }
                    return nil
                }
                return emit(from: start, to: filled, consumedThrough: filled)
            }
            // Make room: slide the partial line to the front, grow if it fills the buffer.
            if start > 0 {
                let pending = filled - start
                if pending > 0 { memmove(buffer.baseAddress!, buffer.baseAddress! + start, pending) }
                slid += start
                searchFrom -= start
                filled = pending
                start = 0
            }
            if filled == buffer.count {
                if buffer.count >= maxBuffer { return try skipOversized() }
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: min(buffer.count * 2, maxBuffer), alignment: 64)
                bigger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<filled]))
                buffer.deallocate()
                buffer = bigger
            }
            do {
                let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if n == 0 { eof = true } else { filled += n }
            } catch {
                // The input broke off (a gzip file cut short): what was read before the
                // break is still a line, counted and judged like any other.
                eof = true
                pendingError = error
            }
        }
    }

    private func emit(from s: Int, to e: Int, consumedThrough next: Int) -> Line {
        lineNumber += 1
        lastLineStart = slid + s
        lastLineIndex = s
        lastLineHeld = e - s
        var end = e
        if end > s, buffer[end - 1] == 0x0D { end -= 1 }
        var begin = s
        // A UTF-8 byte order mark before the first line is not part of the JSON.
        if lineNumber == 1, end - begin >= 3, buffer[begin] == 0xEF, buffer[begin + 1] == 0xBB, buffer[begin + 2] == 0xBF {
            begin += 3
        }
        start = next
        let p = UnsafeRawPointer(buffer.baseAddress! + begin).assumingMemoryBound(to: UInt8.self)
        // The buffer has room for the terminator too, so a line one or two bytes over the
        // limit can arrive whole: it is over the limit all the same.
        let over = end - begin > maxLine
        return Line(bytes: UnsafeBufferPointer(start: p, count: over ? min(LineReader.keptPrefixBytes, maxLine) : end - begin),
                    number: lineNumber, oversized: over, length: end - begin)
    }

    /// The buffer is full with no newline: keep the beginning, skip to the next newline.
    private func skipOversized() throws(VerdictError) -> Line {
        lineNumber += 1
        lastLineStart = slid
        lastLineIndex = 0
        var length = filled
        // The line's last byte so far: a CR just before the newline is its terminator.
        var last = buffer[filled - 1]
        // (Half the buffer at most, so that a small limit still leaves room to read on.)
        let keep = min(LineReader.keptPrefixBytes, filled / 2)
        lastLineHeld = keep
        slid += filled - keep
        // The kept prefix stays at the front; read the rest of the line after it.
        while true {
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[keep...]))
            if n == 0 {
                eof = true
                filled = keep
                start = keep
                if last == 0x0D { length -= 1 }
                break
            }
            if let hit = memchr(buffer.baseAddress! + keep, 0x0A, n) {
                // The bytes after the newline stay in the buffer; the rest of this read is line.
                let nl = (buffer.baseAddress! + keep).distance(to: UnsafeMutableRawPointer(hit))
                if nl > 0 { last = buffer[keep + nl - 1] }
                length += nl - (last == 0x0D ? 1 : 0)
                start = keep + nl + 1
                filled = keep + n
                break
            }
            length += n
            last = buffer[keep + n - 1]
            slid += n
        }
        let p = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self)
        return Line(bytes: UnsafeBufferPointer(start: p, count: keep), number: lineNumber, oversized: true, length: length)
    }
}

@available(*, unavailable)
extension LineReader: Sendable {}

/// Opens an input the way `verdict ingest` takes it: a path, `-` for standard input,
/// gzip recognised by its `.gz` name or its magic bytes.
enum InputOpener {
    /// `limit`: read at most that many bytes of the file (its size when the ingest looked).
    static func open(_ path: String, limit: Int? = nil, onRawBytes: ((UnsafeRawBufferPointer) -> Void)? = nil) throws(VerdictError) -> any ByteSource {
        let file = try FileDescriptorSource(path: path, limit: limit)
        file.onRawBytes = onRawBytes
        if path.hasSuffix(".gz") {
            return try GzipSource(file, name: path)
        }
        // Sniff the first two bytes for the gzip magic (stdin or an unnamed .gz).
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2, alignment: 1)
        defer { scratch.deallocate() }
        var got = 0
        while got < 2 {
            let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[got...]))
            if n == 0 { break }
            got += n
        }
        let head = Array(scratch[0..<got])
        let prefix = head
        if got == 2, head[0] == 0x1F, head[1] == 0x8B {
            return try GzipSource(file, name: file.name, prefix: prefix)
        }
        return PrefixedSource(prefix: prefix, inner: file)
    }
}

/// Replays a few sniffed bytes before the rest of a stream.
final class PrefixedSource: ByteSource {
    private var prefix: [UInt8]
    private let inner: any ByteSource
    var rawBytesRead: Int { inner.rawBytesRead }

    init(prefix: [UInt8], inner: any ByteSource) {
        self.prefix = prefix
        self.inner = inner
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VerdictError) -> Int {
        if !prefix.isEmpty {
            let n = min(prefix.count, buffer.count)
            prefix.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
            prefix.removeFirst(n)
            return n
        }
        return try inner.read(into: buffer)
    }
}
