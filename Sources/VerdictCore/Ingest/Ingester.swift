internal import GRDB
import GRDBSQLite
public import Logging
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Settings of one ingest run.
public struct IngestOptions: Sendable {
    /// When set, document numbers are stored as HMAC-SHA-256 under this key.
    public var documentKey: DocumentHasher?
    /// Lines per SQL transaction: the unit that an interrupted ingest loses and redoes.
    public var batchLines = 50_000
    /// Called now and then with the current file and its counts (for a terminal progress line).
    public var progress: (@Sendable (FileSummary, _ bytesRead: Int, _ totalBytes: Int?) -> Void)?
    /// Wait for another ingest holding the database (true) or fail at once (false).
    public var waitForLock = true
    /// Transactions kept in memory between batches (the rest are looked up when polled again).
    /// Bounds memory: at most this many plus those new in one batch are held (peak RSS
    /// for 1M lean lines measured 124 MB with 25,000, 142 MB with 50,000).
    var transactionCacheLimit = 25_000
    /// Called with each input's path once its size is taken, before anything of it is read
    /// (tests make a file grow there, as a writer may at that moment).
    var afterSizing: (@Sendable (String) -> Void)?

    public init() {}
}

/// Reads log files into the database (input.md), one SQL transaction per batch of lines.
///
/// Every line ends as a stored poll, a duplicate, a refused line (kept with its reason) or
/// a blank; the counts say so. Inputs that cannot be read are reported and skipped, and
/// the others are still ingested.
public final class Ingester {
    private let database: VerdictDatabase
    private let options: IngestOptions
    private let logger: Logger

    public init(database: VerdictDatabase, options: IngestOptions = IngestOptions(), logger: Logger) {
        self.database = database
        self.options = options
        self.logger = logger
    }

    /// Ingests `paths` in order (`-` is standard input). Throws only for database
    /// failures; unreadable inputs are reported in the summary.
    public func ingest(paths: [String]) throws(VerdictError) -> IngestSummary {
        let lock = try FileLock(path: database.path, purpose: "ingest", wait: options.waitForLock, logger: logger)
        defer { lock.release() }
        let started = MonotonicClock.now()
        var summary = IngestSummary()
        do {
            try database.queue.inDatabase { db in
                guard let connection = db.sqliteConnection else {
                    throw VerdictError(.database, "\(database.path): the connection is closed")
                }
                // Checkpoint less often while bulk loading (every 64 MiB of 16 KiB pages):
                // fewer copies of the same pages. Most pages are copied by then anyway, on
                // another thread (`WALCheckpointer`); this one restarts the WAL.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 4096")
                defer { _ = try? db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
                let writer = try PollWriter(connection: connection, transactionCacheLimit: options.transactionCacheLimit)
                let parser = LogLineParser(documentKey: options.documentKey)
                for path in paths {
                    let file = try ingestOne(path: path, db: db, connection: connection, writer: writer, parser: parser)
                    summary.files.append(file)
                    summary.total.add(file)
                }
                // Keep the planner's statistics current so period queries use their index.
                try db.execute(sql: "PRAGMA optimize")
                // Counted from the rollup, which is small whatever the history.
                for row in try Row.fetchAll(db, sql: "SELECT product_key, sum(transactions) FROM agg_outcome_15min GROUP BY product_key") {
                    if let p = Product(rawValue: row[0]) { summary.transactions[p] = row[1] }
                }
            }
        } catch let e as VerdictError {
            throw e
        } catch let e as DatabaseError {
            throw VerdictError(.database, "\(database.path): \(e.message ?? e.description)", hint: e.sql.map { "while running: \($0)" })
        } catch {
            throw VerdictError(.database, "\(database.path): ingest failed", cause: error)
        }
        summary.seconds = MonotonicClock.now() - started
        return summary
    }

    // MARK: - One input

    private func ingestOne(
        path: String, db: Database, connection: OpaquePointer, writer: PollWriter, parser: LogLineParser
    ) throws -> FileSummary {
        var file = FileSummary(path: path)
        let size = path == "-" ? nil : FileManagerLite.size(path)
        file.bytes = size ?? 0
        options.afterSizing?(path)

        // The same bytes ingested before: reuse that run's counts instead of parsing again.
        var knownHash: String?
        if let size, try Int.fetchOne(db, sql: "SELECT count(*) FROM dim_source_file WHERE status = 'complete' AND size_bytes = ?", arguments: [size])! > 0 {
            do {
                knownHash = try Self.hashFile(path, limit: size)
            } catch {
                file.error = error.description
                return file
            }
            if let row = try Row.fetchOne(db, sql: """
                SELECT lines, accepted, duplicates, blank, refused_by_reason FROM dim_source_file
                WHERE status = 'complete' AND content_sha256 = ?
                """, arguments: [knownHash])
            {
                file.lines = row[0]
                file.duplicates = (row[1] as Int) + (row[2] as Int)
                file.blank = row[3]
                file.refused = Self.decodeReasons(row[4])
                file.alreadyIngested = true
                try db.execute(sql: "UPDATE dim_source_file SET last_ingested_at = ? WHERE content_sha256 = ?", arguments: [Self.nowText(), knownHash])
                return file
            }
        }

        let hasher = knownHash == nil ? HashThread() : nil
        let source: any ByteSource
        do {
            // A log may grow while it is read: the read stops at the size seen above, so the
            // size, the hash and the counts the row records all describe the same bytes, and
            // the next ingest goes on from there.
            source = try InputOpener.open(path, limit: size, onRawBytes: hasher.map { h in { h.update($0) } })
        } catch {
            file.error = error.description
            return file
        }
        let now = Self.nowText()

        // A row for this input, found in one of three ways:
        // - an interrupted earlier read of the same file (same path, and the same first MiB
        //   of what it read) is resumed after its last committed batch, its counts carrying
        //   on, even if the file has grown since;
        // - a file read to the end before that has grown since (a log appended to, the bytes
        //   read before unchanged) is read from where that read ended, on the same row;
        // - otherwise a new row.
        // Either way the lines before are not parsed or counted again. The row's earlier
        // counts carry on in `file` when resuming (the summary covers the whole file), in
        // `base` when going on with a grown file (the summary covers the new lines).
        // Nothing is written until the file has been read on to where that read ended.
        enum Found { case interrupted(Int64), grown(Int64), new }
        let found: Found
        var checkpoint = (line: 0, offset: 0)
        var base = FileSummary(path: path)
        let head = size.flatMap { try? Self.hashFile(path, limit: min($0, Self.headBytes)) }
        if let size, let row = try Row.fetchOne(db, sql: """
            SELECT file_key, checkpoint_line, checkpoint_offset, lines, accepted, duplicates, blank, refused_by_reason, warnings,
                   size_bytes, head_sha256
            FROM dim_source_file
            WHERE status = 'reading' AND path = ? AND size_bytes <= ?
            ORDER BY file_key DESC LIMIT 1
            """, arguments: [path, size]),
            let before = row[10] as String?, (try? Self.hashFile(path, limit: min(row[9] as Int, Self.headBytes))) == before
        {
            found = .interrupted(row[0])
            let line: Int = row[1]
            if line > 0 {
                Self.readCounts(row, from: 3, into: &file)
                file.resumedAfterLine = line
                checkpoint = (line, row[2])
            }
        } else if let size, let row = try Row.fetchOne(db, sql: """
            SELECT file_key, size_bytes, content_sha256, checkpoint_line, checkpoint_offset,
                   lines, accepted, duplicates, blank, refused_by_reason, warnings
            FROM dim_source_file
            WHERE status = 'complete' AND path = ? AND size_bytes < ? AND content_sha256 IS NOT NULL AND checkpoint_line = lines
            ORDER BY file_key DESC LIMIT 1
            """, arguments: [path, size]),
            let before = try? Self.hashFile(path, limit: row[1]), before == (row[2] as String)
        {
            found = .grown(row[0])
            Self.readCounts(row, from: 5, into: &base)
            checkpoint = (row[3], row[4])
            file.appendedAfterLine = checkpoint.line
        } else {
            found = .new
        }

        // Read on to where the earlier read ended. If it ended inside a line (one still
        // being written, or cut with a gzip member), that line is looked at again now.
        let reader = LineReader(source: source, name: path)
        var straddle: LineReader.Straddle?
        do {
            straddle = try reader.resume(at: checkpoint.offset)
        } catch {
            file.error = error.description
            return file
        }
        let fileKey: Int64
        switch found {
        case .interrupted(let key):
            fileKey = key
            try db.execute(sql: "UPDATE dim_source_file SET last_ingested_at = ?, size_bytes = ?, head_sha256 = ? WHERE file_key = ?",
                           arguments: [now, size, head, fileKey])
        case .grown(let key):
            fileKey = key
            try db.execute(sql: """
                UPDATE dim_source_file SET status = 'reading', size_bytes = ?, head_sha256 = ?, content_sha256 = NULL, last_ingested_at = ?
                WHERE file_key = ?
                """, arguments: [size, head, now, fileKey])
        case .new:
            try db.execute(sql: """
                INSERT INTO dim_source_file (path, size_bytes, status, first_ingested_at, last_ingested_at, head_sha256)
                VALUES (?, ?, 'reading', ?, ?, ?)
                """, arguments: [path, size, now, now, head])
            fileKey = db.lastInsertedRowID
        }
        var takeBack: Retake?
        if let s = straddle {
            takeBack = try Self.retake(s, fileKey: fileKey, parser: parser, db: db)
            if takeBack == nil { straddle = nil }
        }
        if let t = takeBack {
            // What that line counted as goes; it is read again below, as it is now.
            if case .interrupted = found { t.undo(&file) } else { t.undo(&base) }
            if let n = file.appendedAfterLine { file.appendedAfterLine = n - 1 }
            if let n = file.resumedAfterLine { file.resumedAfterLine = n - 1 }
        }

        // Parsing runs on a second thread; this one writes.
        let thread = ReaderThread(reader: reader, parser: parser, hasher: hasher, first: straddle?.line)
        thread.start()
        var finished = false
        defer {
            if !finished { thread.events.close() }
            thread.join()
        }

        // Committed pages are copied into the database file on another thread (nil: this
        // connection does it at its own checkpoints, as it does anyway for what is left).
        let checkpointer = WALCheckpointer(path: database.path)
        defer { checkpointer?.stop() }
        // The writer's emptied transaction cache is freed on the reading thread too.
        writer.disposal = { _ = thread.spent.offer(.other($0)) }
        defer { writer.disposal = nil }
        var inBatch = 0
        var readBytes = size
        var lastProgress = MonotonicClock.now()
        var contentHash = knownHash
        try db.execute(sql: "BEGIN IMMEDIATE")
        var open = true
        defer { if open { try? db.execute(sql: "ROLLBACK"); try? writer.reset() } }
        // The refusal of a line read again goes in the same SQL transaction as the first
        // batch that counts it anew.
        if let t = takeBack, t.refused != nil {
            try db.execute(sql: "DELETE FROM ingest_refused_line WHERE file_key = ? AND line_number = ?", arguments: [fileKey, t.line])
        }

        // Past the lines read before (and past a line that stands as it was read then).
        var checkpointOffset = reader.consumedBytes
        /// What the row records: the lines read before an append, plus this read.
        func stored() -> FileSummary {
            var t = base
            t.add(file)
            return t
        }
        func commit() throws {
            try writer.flush()
            let t = stored()
            try db.execute(sql: """
                UPDATE dim_source_file SET lines = ?, accepted = ?, duplicates = ?, blank = ?, refused = ?, warnings = ?,
                  refused_by_reason = ?, checkpoint_line = ?, checkpoint_offset = ?
                WHERE file_key = ?
                """, arguments: [t.lines, t.accepted, t.duplicates, t.blank, t.refusedTotal, t.warnings,
                                 Self.encodeReasons(t.refused), t.lines, checkpointOffset, fileKey])
            try db.execute(sql: "COMMIT")
            checkpointer?.request()
            try db.execute(sql: "BEGIN IMMEDIATE")
            inBatch = 0
        }

        while !finished {
            switch thread.events.take() {
            case .finished(let error, let hash, let bytes):
                finished = true
                if let error { file.error = error.description }
                if contentHash == nil { contentHash = hash }
                // What the row says was read: the bytes the hash covers.
                if size != nil, error == nil { readBytes = bytes }
            case .batch(let batch):
                for item in batch.items {
                    file.lines += 1
                    switch item {
                    case .blank:
                        file.blank += 1
                    case .refused(let line):
                        file.refused[line.reason, default: 0] += 1
                        try writer.addRefused(fileKey: fileKey, sourcePath: path, line, now: now)
                    case .poll(let box):
                        if try writer.add(box, fileKey: fileKey) {
                            file.accepted += 1
                            file.warnings += box.record.warningCount
                        } else {
                            file.duplicates += 1
                        }
                    }
                }
                inBatch += batch.items.count
                checkpointOffset = batch.endOffset
                // Hand the batch back: the reading thread frees it.
                _ = thread.spent.offer(.batch(batch))
                if inBatch >= options.batchLines { try commit() }
                if let progress = options.progress {
                    let t = MonotonicClock.now()
                    if t - lastProgress > 0.5 {
                        lastProgress = t
                        progress(file, batch.rawBytesRead, size)
                    }
                }
            }
        }

        let t = stored()
        let reasons = Self.encodeReasons(t.refused)
        try writer.flush()
        // The hash of bytes already known covers the size seen first: no good if fewer
        // were read (the file was truncated meanwhile).
        if hasher == nil, readBytes != size { contentHash = nil }
        // A hash already owned by another row (the same bytes from stdin) is not recorded twice.
        let hashTaken = try contentHash.map { try Int.fetchOne(db, sql: "SELECT count(*) FROM dim_source_file WHERE content_sha256 = ? AND file_key <> ?", arguments: [$0, fileKey])! > 0 } ?? true
        try db.execute(sql: """
            UPDATE dim_source_file SET lines = ?, accepted = ?, duplicates = ?, blank = ?, refused = ?, warnings = ?,
              refused_by_reason = ?, status = ?, content_sha256 = ?, checkpoint_line = ?, checkpoint_offset = ?, size_bytes = ?
            WHERE file_key = ?
            """, arguments: [t.lines, t.accepted, t.duplicates, t.blank, t.refusedTotal, t.warnings,
                             reasons, file.error == nil ? "complete" : "reading", (file.error == nil && !hashTaken) ? contentHash : nil,
                             t.lines, checkpointOffset, readBytes, fileKey])
        try db.execute(sql: "COMMIT")
        open = false
        if let progress = options.progress { progress(file, size ?? 0, size) }
        return file
    }

    /// Bytes at the start of a file whose hash recognises an interrupted read of it.
    static let headBytes = 1 << 20

    /// What a line that an earlier read ended inside counted as, to be taken back before it
    /// is read again whole.
    struct Retake {
        var line: Int
        /// Its refusal's reason (its row in `ingest_refused_line` is deleted), or nil.
        var refused: RefusalReason?
        var blank = false
        var duplicate = false

        /// Takes the line out of `counts`.
        func undo(_ counts: inout FileSummary) {
            counts.lines -= 1
            if let r = refused {
                let n = counts.refused[r, default: 1] - 1
                counts.refused[r] = n > 0 ? n : nil
            }
            if blank { counts.blank -= 1 }
            if duplicate { counts.duplicates -= 1 }
        }
    }

    /// Whether the line an earlier read ended inside must be read again, and what it
    /// counted as then; nil when it stands as it was read.
    ///
    /// The line was read as far as it went then (a log written while it was read, or a
    /// gzip member not yet finished). If all it has gained since is whitespace, it reads as
    /// it read then, and a poll, a duplicate or a blank stands. A refused line is read again
    /// (it was most likely cut), and so are a blank and a duplicate that gained more. A
    /// line stored as a poll then stands whatever it gained: its poll cannot be taken back
    /// (it gained only whitespace unless a writer put more after a whole JSON object on the
    /// same line). A line whose earlier bytes are no longer held (over 64 KiB of a line now
    /// longer than the limit) stands unless it was refused.
    static func retake(_ s: LineReader.Straddle, fileKey: Int64, parser: LogLineParser, db: Database) throws -> Retake? {
        let n = s.line.number
        if let reason = try String.fetchOne(db, sql: "SELECT reason FROM ingest_refused_line WHERE file_key = ? AND line_number = ?",
                                            arguments: [fileKey, n]).flatMap(RefusalReason.init(rawValue:)) {
            return Retake(line: n, refused: reason)
        }
        guard let earlier = s.earlier else { return nil }
        switch parser.parse(earlier, lineNumber: n) {
        case .blank:
            return s.gainedOnlyWhitespace ? nil : Retake(line: n, blank: true)
        case .refused(let reason, _, _):
            // Its refused row was purged since; the count still holds it.
            return Retake(line: n, refused: reason)
        case .poll(let box):
            if s.gainedOnlyWhitespace { return nil }
            // Stored from this line of this file, or a duplicate of a poll stored before?
            let r = box.record
            let stored = try Row.fetchOne(db, sql: """
                SELECT p.file_key, p.line_number FROM fct_transaction t
                JOIN fct_poll p ON p.transaction_key = t.transaction_key
                JOIN dim_result_code c ON c.result_code_key = p.result_code_key
                WHERE t.product_key = ? AND t.transaction_id = ? AND p.ts_ms = ? AND c.result_code = ?
                """, arguments: [r.product.rawValue, r.transactionId, r.timestampMillis, r.resultCode])
            if let stored, (stored[0] as Int64) == fileKey, (stored[1] as Int) == n { return nil }
            return Retake(line: n, duplicate: true)
        }
    }

    /// The counts a `dim_source_file` row stores, from six columns of `row` starting at
    /// `first`: lines, accepted, duplicates, blank, refused_by_reason, warnings.
    static func readCounts(_ row: Row, from first: Int, into summary: inout FileSummary) {
        summary.lines = row[first]
        summary.accepted = row[first + 1]
        summary.duplicates = row[first + 2]
        summary.blank = row[first + 3]
        summary.refused = decodeReasons(row[first + 4])
        summary.warnings = row[first + 5]
    }

    static func encodeReasons(_ refused: [RefusalReason: Int]) -> String {
        "{" + RefusalReason.allCases.map { "\"\($0.rawValue)\": \(refused[$0] ?? 0)" }.joined(separator: ", ") + "}"
    }

    static func decodeReasons(_ json: String?) -> [RefusalReason: Int] {
        guard let json else { return [:] }
        var out: [RefusalReason: Int] = [:]
        for r in RefusalReason.allCases {
            guard let range = json.range(of: "\"\(r.rawValue)\": ") else { continue }
            let digits = json[range.upperBound...].prefix { $0.isNumber }
            if let n = Int(digits), n > 0 { out[r] = n }
        }
        return out
    }

    /// SHA-256 of a file's bytes as they are on disk (of its first `limit` bytes, if given).
    static func hashFile(_ path: String, limit: Int = Int.max) throws(VerdictError) -> String {
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

    static func nowText() -> String {
        Timestamp.isoInstant(millis: WallClock.nowMillis())
    }
}
