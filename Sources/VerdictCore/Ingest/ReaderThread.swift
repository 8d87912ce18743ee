import Foundation

/// A line that was refused, ready to be stored: hashed and shortened on the reading thread.
struct RefusedLine: Sendable {
    var lineNumber: Int
    var reason: RefusalReason
    var detail: String
    var timestampMillis: Int64?
    /// The line with long base64 runs replaced (what is stored).
    var content: [UInt8]
    /// SHA-256 of the line as it came.
    var sha256: String
    var fullLength: Int
}

/// What became of one line, handed from the reading thread to the writing one.
enum ParsedItem: Sendable {
    case blank
    case poll(PollBox)
    case refused(RefusedLine)
}

/// A poll on its way to the writer. Boxed in a class so that the record is built and read
/// in place: the parser fills `record` inside the box, and the writer borrows it. As a
/// struct of 328 bytes passed by value, it was copied on the way out of the parser and out
/// of an enum payload, one retain and one release per field each time.
///
/// What the writer would otherwise compute on its own thread, which is the busier one, is
/// computed here on the parsing thread: the hashes of the transaction and of the spoof
/// results (dictionary keys on the writer) and the OCR field list as stored.
///
/// `@unchecked Sendable`: the box is changed only on the reading thread, by the parser and
/// then by `seal`, before it is queued; the queue's lock hands it over, and nothing changes
/// it afterwards.
final class PollBox: @unchecked Sendable {
    var record: PollRecord
    private(set) var transactionHash = 0
    private(set) var spoofHash = 0
    private(set) var ocrFields: String?
    /// The record's `finalRank`, `outcome` and `verdict`. The writer reads these here: the
    /// record's own properties would take a copy of the whole record out of the box.
    private(set) var finalRank = 0
    private(set) var outcome = Outcome.pending
    private(set) var verdict: String?

    init(_ record: consuming PollRecord) {
        self.record = record
    }

    /// Called once the record is complete, before the box leaves the reading thread.
    func seal(ocrFields: String?) {
        let product = record.product
        finalRank = PollRecord.finalRank(code: record.resultCode, status: record.resultStatus)
        verdict = PollRecord.verdict(
            product, code: record.resultCode, recognitionResult: record.recognitionResult,
            videoVerifyResult: record.videoVerifyResult)
        outcome = PollRecord.outcome(product, status: record.resultStatus, verdict: verdict)
        var h = Hasher()
        h.combine(record.product)
        h.combine(record.transactionId)
        transactionHash = h.finalize()
        var s = Hasher()
        s.combine(record.spoofChecks)
        s.combine(record.spoofDetails)
        spoofHash = s.finalize()
        self.ocrFields = ocrFields
    }
}

/// Lines parsed in a row, and how far into the file they reach.
struct ParsedBatch: Sendable {
    var items: [ParsedItem] = []
    var rawBytesRead = 0
    /// Offset in the (decompressed) stream just past the batch's last line: where a
    /// resumed read would start.
    var endOffset = 0
}

/// Something the writer hands back to the reading thread to be freed there.
/// `@unchecked Sendable`: the writer keeps no reference to what it hands back.
enum Spent: @unchecked Sendable {
    case batch(ParsedBatch)
    case other(Any)
}

enum ReaderEvent: Sendable {
    case batch(ParsedBatch)
    /// The end of the input; `error` when it could not be read to the end. `rawBytesRead`:
    /// the bytes of the file read (and hashed), the whole of them when there is no error.
    case finished(error: VerdictError?, contentHash: String?, rawBytesRead: Int)
}

/// A blocking queue of bounded size between the two threads of an ingest.
final class BoundedQueue<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [T] = []
    private let capacity: Int
    private var closed = false

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks while full. Returns false when the consumer has gone away.
    func put(_ item: T) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        if closed { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Blocks while empty.
    func take() -> T {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// Adds without waiting; false (and nothing added) when full or closed.
    func offer(_ item: T) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, items.count < capacity else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The first item queued, without waiting; nil when empty.
    func drainOne() -> T? {
        condition.lock()
        defer { condition.unlock() }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// Everything queued now, without waiting.
    func drain() -> [T] {
        condition.lock()
        defer { condition.unlock() }
        let all = items
        items.removeAll()
        return all
    }

    /// Tells the producer to stop.
    func close() {
        condition.lock()
        closed = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}

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
            box.seal(ocrFields: ocrFieldList(box.record.ocrFieldNames))
            return .poll(box)
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
