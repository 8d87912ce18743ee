internal import GRDB
import GRDBSQLite
public import Logging

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
    /// When waiting, the longest wait in seconds (nil: as long as it takes).
    public var lockTimeout: Double?
    /// Transactions kept in memory between batches (the rest are looked up when polled again).
    /// Bounds memory: at most this many plus those new in one batch are held (peak RSS
    /// for 1M lean lines measured 124 MB with 25,000, 142 MB with 50,000).
    var transactionCacheLimit = 25_000
    /// Called with each input's path once its size is taken, before anything of it is read
    /// (tests make a file grow there, as a writer may at that moment).
    var afterSizing: (@Sendable (String) -> Void)?

    public init() {}
}

/// Reads log files into the database (docs/LOG_FORMAT.md), one SQL transaction per batch of lines.
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
        let lock = try FileLock(path: database.path, purpose: "ingest", wait: options.waitForLock, timeout: options.lockTimeout, logger: logger)
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
                let run = Run(db: db, writer: writer, parser: parser, ledger: SourceLedger(db, name: database.path))
                for path in paths {
                    let file = try ingestOne(path: path, run)
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
            throw VerdictError(.database, "ingest failed", cause: e, file: database.path)
        } catch {
            throw VerdictError(.database, "\(database.path): ingest failed", cause: error)
        }
        summary.seconds = MonotonicClock.now() - started
        return summary
    }

    // MARK: - One input

    /// What the inputs of one run share: the connection, its writer, the parser with its
    /// caches, the ledger of inputs.
    private struct Run {
        let db: Database
        let writer: PollWriter
        let parser: LogLineParser
        let ledger: SourceLedger
    }

    /// Ingests one input, step by step: probe the file, find where an earlier read of it
    /// ended and read on to there, take its ledger row, run the reader and store its
    /// batches, finish the row. An input that cannot be read comes back with its error; a
    /// database failure throws.
    private func ingestOne(path: String, _ run: Run) throws -> FileSummary {
        var file = FileSummary(path: path)

        // 1. Probe: the size now, where the read stops. A log may grow while it is read: the
        //    size, the hash and the counts the row records then all describe the same bytes,
        //    and the next ingest goes on from there.
        let size = path == "-" ? nil : FileManagerLite.size(path)
        file.bytes = size ?? 0
        options.afterSizing?(path)
        let knownHash: String?
        switch try Self.probe(path, size: size, run.ledger, into: &file) {
        case .done: return file
        case .toRead(let hash): knownHash = hash
        }
        let hasher = knownHash == nil ? HashThread() : nil
        let source: any ByteSource
        do {
            source = try InputOpener.open(path, limit: size, onRawBytes: hasher.map { h in { h.update($0) } })
        } catch {
            file.error = error.description
            return file
        }
        let now = Self.nowText()

        // 2. Find where an earlier read of this file ended, and read on to there (not
        //    parsed, not counted again). If it ended inside a line, that line comes back.
        var start = try Self.findEarlierRead(path, size: size, run.ledger, into: &file)
        let reader = LineReader(source: source, name: path)
        var straddle: LineReader.Straddle?
        do {
            straddle = try reader.resume(at: start.checkpoint.offset)
        } catch {
            file.error = error.description
            return file
        }

        // 3. Take the row (nothing was written before), and take back what a line read
        //    again counted as then.
        let fileKey = try Self.takeRow(start, path: path, size: size, now: now, run.ledger)
        let retake = try straddle.flatMap { try Retake.of($0, fileKey: fileKey, parser: run.parser, db: run.db) }
        if let retake { start.takeBack(retake, summary: &file) } else { straddle = nil }

        // 4. Run the reader and store its batches; 5. finish the row.
        let input = Input(path: path, size: size, fileKey: fileKey, now: now, base: start.base, knownHash: knownHash)
        let thread = ReaderThread(reader: reader, parser: run.parser, hasher: hasher, first: straddle?.line)
        try readAndStore(input, thread: thread, startOffset: reader.consumedBytes, retake: retake, run, into: &file)
        return file
    }

    // MARK: 1. Probe

    private enum Probe {
        /// Nothing to read: the same bytes were ingested before (the summary holds that
        /// read's counts), or the file cannot be read (the summary says why).
        case done
        /// To be read; `knownHash`: the whole file's SHA-256, if it was hashed already.
        case toRead(knownHash: String?)
    }

    /// Whether exactly these bytes were ingested before. Only a file of the size of a
    /// complete row is hashed for that; if a complete row has its hash, that row's counts
    /// are reported (its accepted lines as duplicates) and only `last_ingested_at` changes.
    private static func probe(_ path: String, size: Int?, _ ledger: SourceLedger, into file: inout FileSummary) throws -> Probe {
        guard let size, try ledger.hasCompleteRow(size: size) else { return .toRead(knownHash: nil) }
        let hash: String
        do {
            hash = try FileProbe.sha256(path, limit: size)
        } catch {
            file.error = error.description
            return .done
        }
        guard let row = try ledger.completeRow(sha256: hash) else { return .toRead(knownHash: hash) }
        file.lines = row.counts.lines
        file.duplicates = row.counts.accepted + row.counts.duplicates
        file.blank = row.counts.blank
        file.refused = row.counts.refused
        file.alreadyIngested = true
        try ledger.noteReadAgain(sha256: hash, at: nowText())
        return .done
    }

    // MARK: 2. Where an earlier read ended

    /// Where the read of an input starts, as its ledger row says.
    private struct Start {
        enum Row {
            /// A read of this file that was interrupted (killed, or cut short): resumed.
            case interrupted(Int64)
            /// This file read to the end before it grew: read on from there, on that row.
            case grown(Int64)
            case new
        }
        var row: Row
        var checkpoint = SourceLedger.Checkpoint()
        /// The SHA-256 of the file's first MiB, which the row keeps.
        var head: String?
        /// The counts of a grown file's earlier read: the row stores them plus this read's,
        /// the summary this read's alone. (An interrupted read's counts carry on in the
        /// summary itself, which covers the whole file.)
        var base: FileSummary

        /// Takes a line read again out of the counts of the read that first counted it.
        mutating func takeBack(_ retake: Retake, summary file: inout FileSummary) {
            if case .interrupted = row { retake.undo(&file) } else { retake.undo(&base) }
            if let n = file.appendedAfterLine { file.appendedAfterLine = n - 1 }
            if let n = file.resumedAfterLine { file.resumedAfterLine = n - 1 }
        }
    }

    /// Finds the row an earlier read of this file left, in this order: the latest
    /// `reading` row of the same path whose size the file still has and whose first MiB is
    /// unchanged (interrupted, resumed even if the file has grown since); the latest
    /// `complete` row of the same path whose bytes the file still starts with (the file
    /// grew); otherwise none.
    private static func findEarlierRead(_ path: String, size: Int?, _ ledger: SourceLedger, into file: inout FileSummary) throws -> Start {
        var start = Start(row: .new, base: FileSummary(path: path))
        guard let size else { return start }
        start.head = FileProbe.headSHA256(path, size: size)
        // The file is known by its real path, so `./a.log`, `/logs/a.log` and a link to it
        // are one log; rows an earlier Verdict recorded under the path as given count too.
        let paths = [Self.ledgerPath(path, size: size), path]
        if let row = try ledger.latestReadingRow(paths: paths, notLongerThan: size), let recorded = row.sizeBytes, let head = row.headSHA256,
           FileProbe.headSHA256(path, size: recorded) == head
        {
            start.row = .interrupted(row.fileKey)
            if row.checkpoint.line > 0 {
                file.add(row.counts)  // (the summary holds no counts yet)
                file.resumedAfterLine = row.checkpoint.line
                start.checkpoint = row.checkpoint
            }
        } else if let row = try ledger.latestCompleteRow(paths: paths, shorterThan: size), let recorded = row.sizeBytes,
                  (try? FileProbe.sha256(path, limit: recorded)) == row.contentSHA256
        {
            start.row = .grown(row.fileKey)
            start.base.add(row.counts)
            start.checkpoint = row.checkpoint
            file.appendedAfterLine = row.checkpoint.line
        }
        return start
    }

    // MARK: 3. The row

    /// The row this read goes on: the interrupted one, the grown file's one (`reading`
    /// again until the file is read to its new end), or a new one.
    private static func takeRow(_ start: Start, path: String, size: Int?, now: String, _ ledger: SourceLedger) throws -> Int64 {
        switch start.row {
        case .interrupted(let key):
            try ledger.resume(key, size: size, headSHA256: start.head, at: now)
            return key
        case .grown(let key):
            try ledger.reopen(key, size: size, headSHA256: start.head, at: now)
            return key
        case .new:
            return try ledger.insert(path: ledgerPath(path, size: size), size: size, headSHA256: start.head, at: now)
        }
    }

    /// The path a file's ledger row records: its real path (absolute, links followed) for a
    /// file, so that every spelling of one log finds the same row; standard input as `-`.
    static func ledgerPath(_ path: String, size: Int?) -> String {
        size == nil ? path : FileManagerLite.resolvedPath(path)
    }

    // MARK: 4. Reading and storing; 5. finishing

    /// What the last steps know of the input being read.
    private struct Input {
        /// The path as given, and the size when probed (nil for standard input).
        let path: String, size: Int?
        /// Its ledger row, and when this ingest took it up (the row's and the refused lines' time).
        let fileKey: Int64, now: String
        /// See `Start.base`.
        let base: FileSummary
        /// The whole file's SHA-256 when it was hashed before reading.
        let knownHash: String?
    }

    /// Runs the reader thread and stores what it hands over, in SQL transactions of about
    /// `batchLines` lines, each committing the row's running counts and checkpoint; the
    /// last one finishes the row. A database error rolls the open transaction back.
    private func readAndStore(
        _ input: Input, thread: ReaderThread, startOffset: Int, retake: Retake?, _ run: Run, into file: inout FileSummary
    ) throws {
        let (db, writer) = (run.db, run.writer)
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

        try db.execute(sql: "BEGIN IMMEDIATE")
        var open = true
        defer { if open { try? db.execute(sql: "ROLLBACK"); try? writer.reset() } }
        // The refusal of a line read again goes in the same SQL transaction as the first
        // batch that counts it anew.
        try retake?.forgetRefusal(fileKey: input.fileKey, db: db)

        var inBatch = 0
        // Past the lines read before (and past a line that stands as it was read then).
        var checkpointOffset = startOffset
        var readBytes = input.size
        var contentHash = input.knownHash
        var lastProgress = MonotonicClock.now()
        /// What the row records: the lines read before an append, plus this read.
        func stored() -> FileSummary {
            var t = input.base
            t.add(file)
            return t
        }

        while !finished {
            switch thread.events.take() {
            case .finished(let error, let hash, let bytes):
                finished = true
                if let error { file.error = error.description }
                if contentHash == nil { contentHash = hash }
                // What the row says was read: the bytes the hash covers.
                if input.size != nil, error == nil { readBytes = bytes }
            case .batch(let batch):
                try store(batch, input, writer, into: &file)
                inBatch += batch.items.count
                checkpointOffset = batch.endOffset
                // Hand the batch back: the reading thread frees it.
                _ = thread.spent.offer(.batch(batch))
                if inBatch >= options.batchLines {
                    try writer.flush()
                    try run.ledger.storeProgress(input.fileKey, counts: stored(), checkpointOffset: checkpointOffset)
                    try db.execute(sql: "COMMIT")
                    checkpointer?.request()
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    inBatch = 0
                }
                if let progress = options.progress {
                    let t = MonotonicClock.now()
                    if t - lastProgress > 0.5 {
                        lastProgress = t
                        progress(file, batch.rawBytesRead, input.size)
                    }
                }
            }
        }

        try writer.flush()
        // The hash of bytes already known covers the size seen first: no good if fewer
        // were read (the file was truncated meanwhile).
        if input.knownHash != nil, readBytes != input.size { contentHash = nil }
        try run.ledger.finish(input.fileKey, counts: stored(), checkpointOffset: checkpointOffset, sizeBytes: readBytes,
                              complete: file.error == nil, sha256: contentHash)
        try db.execute(sql: "COMMIT")
        open = false
        if let progress = options.progress { progress(file, input.size ?? 0, input.size) }
    }

    /// Stores one batch of the reader's lines and counts them.
    private func store(_ batch: ParsedBatch, _ input: Input, _ writer: PollWriter, into file: inout FileSummary) throws {
        for item in batch.items {
            file.lines += 1
            switch item {
            case .blank:
                file.blank += 1
            case .refused(let line):
                file.refused[line.reason, default: 0] += 1
                try writer.addRefused(fileKey: input.fileKey, sourcePath: input.path, line, now: input.now)
            case .poll(let poll):
                if try writer.add(poll, fileKey: input.fileKey) {
                    file.accepted += 1
                    file.warnings += poll.box.record.warningCount
                } else {
                    file.duplicates += 1
                }
            }
        }
    }

    /// Now, as the database records times.
    static func nowText() -> String {
        Timestamp.isoInstant(millis: WallClock.nowMillis())
    }
}
