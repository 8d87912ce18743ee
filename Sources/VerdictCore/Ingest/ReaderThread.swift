import Foundation

/// Reads, splits and parses one input on a thread of its own, so parsing overlaps with
/// the SQLite writes on the other core.
final class ReaderThread: @unchecked Sendable {
    let events = BoundedQueue<ReaderEvent>(capacity: 8)
    /// What the writer is done with (batches, with their thousands of strings; the
    /// writer's emptied transaction cache), handed back so that freeing it costs this
    /// thread's time, not the writer's.
    let spent = BoundedQueue<Spent>(capacity: 8)
    private let reader: LineReader
    private let parser: LogLineParser
    private let hasher: HashThread?
    private let batchLines: Int
    private let done = DispatchSemaphore(value: 0)
    /// A line the reader already handed out, parsed before the rest (a line read again).
    private var first: LineReader.Line?

    /// - Parameter first: a line `reader` handed out last, to be parsed first (its view is
    ///   valid until the reader's next call, which this thread makes after parsing it).
    init(reader: LineReader, parser: LogLineParser, hasher: HashThread?, batchLines: Int = 2048, first: LineReader.Line? = nil) {
        self.reader = reader
        self.parser = parser
        self.hasher = hasher
        self.batchLines = batchLines
        self.first = first
    }

    func start() {
        let t = Thread { [self] in
            run()
            done.signal()
        }
        t.stackSize = 8 << 20
        t.start()
    }

    /// Waits for the thread to end (after `finished`, or after the queue was closed).
    func join() { done.wait() }

    private func run() {
        var batch = ParsedBatch()
        batch.items.reserveCapacity(batchLines)
        if let line = first {
            batch.items.append(parse(line))
            first = nil
        }
        do throws(VerdictError) {
            while let line = try reader.next() {
                batch.items.append(parse(line))
                if batch.items.count >= batchLines {
                    batch.rawBytesRead = reader.rawBytesRead
                    batch.endOffset = reader.consumedBytes
                    guard events.put(.batch(batch)) else { return }
                    _ = spent.drain()  // freed here
                    batch = ParsedBatch()
                    batch.items.reserveCapacity(batchLines)
                }
            }
            batch.rawBytesRead = reader.rawBytesRead
            batch.endOffset = reader.consumedBytes
            if !batch.items.isEmpty { guard events.put(.batch(batch)) else { return } }
            _ = events.put(.finished(error: nil, contentHash: hasher?.finalizeHex(), rawBytesRead: reader.rawBytesRead))
        } catch {
            batch.rawBytesRead = reader.rawBytesRead
            batch.endOffset = reader.consumedBytes
            if !batch.items.isEmpty { guard events.put(.batch(batch)) else { return } }
            _ = events.put(.finished(error: error, contentHash: nil, rawBytesRead: reader.rawBytesRead))
        }
    }

    private func parse(_ line: LineReader.Line) -> ParsedItem {
        if line.oversized {
            let limit = reader.maxLine
            return .refused(refused(line, .invalidJSON,
                                    "line of \(line.length) bytes is longer than the limit of \(LineReader.describe(limit: limit)) (\(limit) bytes); its first \(line.bytes.count) bytes are kept", nil))
        }
        switch parser.parse(line.bytes, lineNumber: line.number) {
        case .blank: return .blank
        case .poll(let box):
            return .poll(box.seal(ocrFields: ocrFieldList(box.record.ocrFieldNames)))
        case .refused(let reason, let detail, let ts): return .refused(refused(line, reason, detail, ts))
        }
    }

    /// The last few OCR field lists as stored, with the name lists they join. Polls with
    /// the same OCR keys share one name list (the parser remembers them), so a lookup is
    /// mostly an identity check and the join is done once per shape.
    private var ocrFieldLists: [(names: [String], joined: String)] = []

    private func ocrFieldList(_ names: [String]) -> String? {
        if names.isEmpty { return nil }
        for e in ocrFieldLists where e.names == names { return e.joined }
        let joined = names.joined(separator: ",")
        if ocrFieldLists.count == 8 { ocrFieldLists.removeFirst() }
        ocrFieldLists.append((names, joined))
        return joined
    }

    private func refused(_ line: LineReader.Line, _ reason: RefusalReason, _ detail: String, _ ts: Int64?) -> RefusedLine {
        RefusedLine(
            lineNumber: line.number, reason: reason, detail: detail, timestampMillis: ts,
            content: Redaction.replacingLongBase64Runs(line.bytes),
            sha256: Digest.sha256Hex(UnsafeRawBufferPointer(line.bytes)), fullLength: line.length)
    }
}
