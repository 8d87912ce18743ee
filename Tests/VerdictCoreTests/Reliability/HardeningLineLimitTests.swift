import Foundation
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// No line-length limit below 256 MiB: a line of exactly 256 MiB (its
// terminator not counted) is within the limit and read whole; one byte more is over it,
// and the refusal says which limit. Tested at the real limit, on bytes made on the fly
// (nothing of this size is written to disk).

/// A byte stream of pieces: literal bytes, or one byte repeated (made as it is read).
final class PiecewiseSource: ByteSource {
    enum Piece {
        case bytes([UInt8])
        case fill(UInt8, Int)

        var count: Int {
            switch self {
            case .bytes(let b): b.count
            case .fill(_, let n): n
            }
        }
    }

    private var pieces: [Piece]
    private var index = 0
    private var offset = 0
    private(set) var rawBytesRead = 0

    init(_ pieces: [Piece]) { self.pieces = pieces }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VerdictError) -> Int {
        var written = 0
        while written < buffer.count, index < pieces.count {
            let piece = pieces[index]
            let n = min(piece.count - offset, buffer.count - written)
            switch piece {
            case .bytes(let b):
                b.withUnsafeBytes { buffer.baseAddress!.advanced(by: written).copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
            case .fill(let byte, _):
                memset(buffer.baseAddress! + written, Int32(byte), n)
            }
            written += n
            offset += n
            if offset == piece.count {
                index += 1
                offset = 0
            }
        }
        rawBytesRead += written
        return written
    }
}

@Suite("Reliability: the 256 MiB line limit", .serialized)
struct ReliabilityHardeningLineLimit {
    static let limit = LineReader.maxLineBytes

    /// A VideoVerify poll of exactly `length` bytes: its `willingVerifyVideo` is filled up.
    static func poll(length: Int, id: String) -> [PiecewiseSource.Piece] {
        let head = Array(#"{"timestamp": "2026-11-10T08:00:00Z", "api": "/api/v1/zoloz/videoverify/checkresult", "request": {"transactionId": "\#(id)"}, "response": {"result": {"resultStatus": "S", "resultCode": "SUCCESS"}, "videoVerifyResult": "Success", "extInfo": {"willingVerifyVideo": ""#.utf8)
        let tail = Array("\"}}}".utf8)
        return [.bytes(head), .fill(UInt8(ascii: "Q"), length - head.count - tail.count), .bytes(tail)]
    }

    @Test("LineReader at the real limit: 256 MiB with LF, CRLF or at the end is whole; 256 MiB + 1 is oversized")
    func readerBoundary() throws {
        #expect(Self.limit == 256 << 20)
        let next = Array("{\"next\": 1}".utf8)
        // (line length, terminator, whether the line must come out oversized, a UTF-8 byte
        // order mark before it: not part of the line, so not counted against the limit)
        let cases: [(Int, [UInt8], Bool, Bool)] = [
            (Self.limit, [0x0A], false, false),
            (Self.limit, [0x0D, 0x0A], false, false),
            (Self.limit, [], false, false),
            (Self.limit, [0x0D, 0x0A], false, true),
            (Self.limit + 1, [0x0A], true, false),
            (Self.limit + 1, [0x0D, 0x0A], true, false),
            (Self.limit + 1, [], true, false),
            (Self.limit + 1, [0x0A], true, true),
        ]
        for (length, terminator, over, bom) in cases {
            var pieces: [PiecewiseSource.Piece] = [.bytes((bom ? [0xEF, 0xBB, 0xBF] : []) + [UInt8(ascii: "[")]), .fill(UInt8(ascii: "1"), length - 2), .bytes([UInt8(ascii: "]")])]
            if !terminator.isEmpty { pieces += [.bytes(terminator), .bytes(next + [0x0A])] }
            let reader = LineReader(source: PiecewiseSource(pieces))
            let what = "a line of \(length) bytes ending \(terminator)" + (bom ? " after a BOM" : "")
            let first = try #require(try reader.next(), "\(what)")
            #expect(first.oversized == over, "\(what)")
            #expect(first.length == length, "\(what)")
            #expect(first.number == 1)
            if !over {
                #expect(first.bytes.count == length && first.bytes.first == UInt8(ascii: "[") && first.bytes.last == UInt8(ascii: "]"), "\(what)")
            }
            if !terminator.isEmpty {
                let second = try #require(try reader.next(), "\(what): the next line")
                #expect(Array(second.bytes) == next && second.number == 2 && !second.oversized, "\(what)")
            }
            #expect(try reader.next() == nil, "\(what)")
        }
    }

    @Test("a poll of exactly 256 MiB is stored; one byte longer is refused as over the 256 MiB limit")
    func pollAtTheLimit() throws {
        let within = Self.poll(length: Self.limit, id: "LIMIT-EXACT")
        let over = Self.poll(length: Self.limit + 1, id: "LIMIT-OVER")
        let source = PiecewiseSource(within + [.bytes([0x0D, 0x0A])] + over + [.bytes([0x0A])])
        let thread = ReaderThread(reader: LineReader(source: source), parser: LogLineParser(), hasher: nil)
        thread.start()
        var items: [ParsedItem] = []
        var finishedError: VerdictError?
        loop: while true {
            switch thread.events.take() {
            case .batch(let b): items += b.items
            case .finished(let error, _, _):
                finishedError = error
                break loop
            }
        }
        thread.join()
        #expect(finishedError == nil)
        try #require(items.count == 2)
        guard case .poll(let box) = items[0] else {
            Issue.record("the 256 MiB line was not stored: \(items[0])")
            return
        }
        #expect(box.record.transactionId == "LIMIT-EXACT")
        guard case .refused(let refused) = items[1] else {
            Issue.record("the line of 256 MiB + 1 byte was not refused: \(items[1])")
            return
        }
        #expect(refused.reason == .invalidJSON && refused.lineNumber == 2 && refused.fullLength == Self.limit + 1)
        #expect(refused.detail.contains("line of \(Self.limit + 1) bytes is longer than the limit of 256 MiB"), "\(refused.detail)")
    }
}
