import Foundation

/// SHA-256 of an input computed on a thread of its own while the input is parsed.
///
/// Hashing runs at about 1.3 GB/s here, slower than the scanner skips base64 payloads,
/// so on the parsing thread it would set the pace of payload-heavy ingests. `update`
/// copies the bytes into one of a few recycled buffers and returns; `finalizeHex` waits
/// for the thread to catch up. The digest is the same as `StreamingSHA256`'s over the
/// same bytes in the same order.
final class HashThread: @unchecked Sendable {
    /// A chunk handed to the hashing thread (nil ends the stream).
    private struct Chunk: @unchecked Sendable {
        var buffer: UnsafeMutableRawBufferPointer
        var count: Int
    }

    static let chunkBytes = 1 << 20
    private let work = BoundedQueue<Chunk?>(capacity: 4)
    private let free = BoundedQueue<Chunk>(capacity: 6)
    private var allocated: [UnsafeMutableRawBufferPointer] = []
    private let done = DispatchSemaphore(value: 0)
    private let result = DigestBox()
    private var finished = false

    private final class DigestBox: @unchecked Sendable { var hex = "" }

    init() {
        // The thread holds the queues, not `self`: an abandoned hasher is still freed.
        let (work, free, done, result) = (work, free, done, result)
        let t = Thread {
            let sha = StreamingSHA256()
            while let chunk = work.take() {
                sha.update(UnsafeRawBufferPointer(rebasing: chunk.buffer[0..<chunk.count]))
                _ = free.offer(chunk)
            }
            result.hex = sha.finalizeHex()
            done.signal()
        }
        t.start()
    }

    deinit {
        _ = finalizeHex()  // the thread must be done with the buffers before they go
        for b in allocated { b.deallocate() }
    }

    /// Queues `bytes` for hashing (copied: the caller may reuse its buffer at once).
    func update(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count {
            let n = min(Self.chunkBytes, bytes.count - offset)
            var chunk = nextFree()
            chunk.buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            chunk.count = n
            _ = work.put(chunk)
            offset += n
        }
    }

    /// Waits for every queued byte to be hashed; the lowercase hex digest.
    func finalizeHex() -> String {
        if !finished {
            finished = true
            _ = work.put(nil)
            done.wait()
        }
        return result.hex
    }

    private func nextFree() -> Chunk {
        if let c = free.drainOne() { return c }
        if allocated.count < 6 {
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkBytes, alignment: 64)
            allocated.append(b)
            return Chunk(buffer: b, count: 0)
        }
        return free.take()
    }
}
