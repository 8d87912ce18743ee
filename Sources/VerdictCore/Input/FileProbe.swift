/// What an ingest asks of an input file before reading it: the SHA-256 of its bytes as they
/// are on disk, of all of them (to recognise bytes read before) or of its first ones (to
/// recognise a file read before in part).
enum FileProbe {
    /// Bytes at the start of a file whose hash recognises an interrupted read of it.
    static let headBytes = 1 << 20

    /// SHA-256 of a file's bytes as they are on disk (of its first `limit` bytes, if given).
    static func sha256(_ path: String, limit: Int = Int.max) throws(VerdictError) -> String {
        let src = try FileDescriptorSource(path: path)
        let h = StreamingSHA256()
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buf.deallocate() }
        var left = limit
        while left > 0 {
            let n = try src.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[0..<min(buf.count, left)]))
            if n == 0 { break }
            h.update(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
            left -= n
        }
        return h.finalizeHex()
    }

    /// SHA-256 of a file's first MiB (of its first `size` bytes when fewer): what a ledger
    /// row keeps as `head_sha256`. Nil when the file cannot be read.
    static func headSHA256(_ path: String, size: Int) -> String? {
        try? sha256(path, limit: min(size, headBytes))
    }
}
