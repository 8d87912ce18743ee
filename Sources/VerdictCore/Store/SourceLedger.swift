import Foundation
internal import GRDB

/// The ledger of inputs read: one `dim_source_file` row per input, with its counts, its
/// fingerprints and how far a read of it reached. Every statement on that table is here;
/// which row an input gets is `Ingester`'s decision.
///
/// A row is `reading` from the moment an ingest takes it (and stays so after a read that was
/// killed or cut short) and `complete`, with the SHA-256 of the bytes read, once the input was
/// read to the end. Its counts and checkpoint are stored with every commit, so they always
/// describe the lines committed.
///
/// The refusals are stored by reason as one JSON object in `refused_by_reason`
/// (`{"invalid_json": 2, "missing_result": 0, ...}`, every reason listed) and read back by a
/// JSON decoder, so a value rewritten by another JSON writer (SQLite's `json()` drops the
/// spaces) reads the same; one that is not an object of counts is an error, not zero.
struct SourceLedger {
    private let db: Database
    /// The database as the user named it, for messages.
    private let name: String

    init(_ db: Database, name: String) {
        self.db = db
        self.name = name
    }

    /// How far a read reached: the lines committed, and the byte offset in the
    /// (decompressed) stream just past the last of them.
    struct Checkpoint: Equatable {
        var line = 0
        var offset = 0
    }

    /// A row, as it is read back.
    struct Entry {
        var fileKey: Int64
        var path: String
        /// The bytes the row describes (nil for standard input).
        var sizeBytes: Int?
        /// SHA-256 of those bytes; set once they were read to the end.
        var contentSHA256: String?
        /// SHA-256 of their first MiB (`FileProbe.headBytes`), set when the row is taken.
        var headSHA256: String?
        /// Lines, accepted, duplicates, blank, refused by reason and warnings.
        var counts: FileSummary
        var checkpoint: Checkpoint
    }

    // MARK: - Finding the row of an input

    /// Whether a complete row describes `size` bytes: only then may the input be one that
    /// was read before, and is hashing it whole worth it.
    func hasCompleteRow(size: Int) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM dim_source_file WHERE status = 'complete' AND size_bytes = ?)",
                          arguments: [size]) ?? false
    }

    /// The complete row of the bytes whose SHA-256 is `sha256`.
    func completeRow(sha256: String) throws -> Entry? {
        try entry(where: "status = 'complete' AND content_sha256 = ?", [sha256])
    }

    /// The latest `reading` row recorded under one of `paths` (the file's real path, and the
    /// path as given, which an earlier Verdict recorded) that recorded no more than `size`
    /// bytes: a read of this file that was interrupted, if its first bytes are still the same.
    func latestReadingRow(paths: [String], notLongerThan size: Int) throws -> Entry? {
        try entry(where: "status = 'reading' AND path IN (?, ?) AND size_bytes <= ?", [paths[0], paths.last!, size])
    }

    /// The latest complete row recorded under one of `paths` that recorded fewer than `size`
    /// bytes and ends at its last line: this file before it grew, if those bytes are still
    /// the same.
    func latestCompleteRow(paths: [String], shorterThan size: Int) throws -> Entry? {
        try entry(where: "status = 'complete' AND path IN (?, ?) AND size_bytes < ? AND content_sha256 IS NOT NULL AND checkpoint_line = lines",
                  [paths[0], paths.last!, size])
    }

    private static let entryColumns = """
        file_key, path, size_bytes, content_sha256, head_sha256,
        lines, accepted, duplicates, blank, refused_by_reason, warnings, checkpoint_line, checkpoint_offset
        """

    /// The latest row that meets `condition`.
    private func entry(where condition: String, _ arguments: StatementArguments) throws -> Entry? {
        guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.entryColumns) FROM dim_source_file WHERE \(condition) ORDER BY file_key DESC LIMIT 1",
                                         arguments: arguments)
        else { return nil }
        let fileKey: Int64 = row[0]
        var counts = FileSummary(path: row[1])
        counts.lines = row[5]
        counts.accepted = row[6]
        counts.duplicates = row[7]
        counts.blank = row[8]
        counts.refused = try refusals(row[9], fileKey: fileKey)
        counts.warnings = row[10]
        return Entry(fileKey: fileKey, path: row[1], sizeBytes: row[2], contentSHA256: row[3], headSHA256: row[4],
                     counts: counts, checkpoint: Checkpoint(line: row[11], offset: row[12]))
    }

    // MARK: - Taking a row

    /// Notes that the bytes whose SHA-256 is `sha256` were given to an ingest again.
    func noteReadAgain(sha256: String, at now: String) throws {
        try db.execute(sql: "UPDATE dim_source_file SET last_ingested_at = ? WHERE content_sha256 = ?", arguments: [now, sha256])
    }

    /// Takes an interrupted row up again, for the file as it is now.
    func resume(_ fileKey: Int64, size: Int?, headSHA256: String?, at now: String) throws {
        try db.execute(sql: "UPDATE dim_source_file SET last_ingested_at = ?, size_bytes = ?, head_sha256 = ? WHERE file_key = ?",
                       arguments: [now, size, headSHA256, fileKey])
    }

    /// Opens a complete row again for what its file gained: `reading`, without a hash
    /// until the file is read to its new end.
    func reopen(_ fileKey: Int64, size: Int?, headSHA256: String?, at now: String) throws {
        try db.execute(sql: """
            UPDATE dim_source_file SET status = 'reading', size_bytes = ?, head_sha256 = ?, content_sha256 = NULL, last_ingested_at = ?
            WHERE file_key = ?
            """, arguments: [size, headSHA256, now, fileKey])
    }

    /// A new `reading` row for `path`; its key.
    func insert(path: String, size: Int?, headSHA256: String?, at now: String) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO dim_source_file (path, size_bytes, status, first_ingested_at, last_ingested_at, head_sha256)
            VALUES (?, ?, 'reading', ?, ?, ?)
            """, arguments: [path, size, now, now, headSHA256])
        return db.lastInsertedRowID
    }

    // MARK: - Recording a read

    /// Stores the counts of the lines committed so far and where they end (with each
    /// commit): `checkpoint_line` is the row's line count.
    func storeProgress(_ fileKey: Int64, counts: FileSummary, checkpointOffset: Int) throws {
        try db.execute(sql: """
            UPDATE dim_source_file SET lines = ?, accepted = ?, duplicates = ?, blank = ?, refused = ?, warnings = ?,
              refused_by_reason = ?, checkpoint_line = ?, checkpoint_offset = ?
            WHERE file_key = ?
            """, arguments: [counts.lines, counts.accepted, counts.duplicates, counts.blank, counts.refusedTotal, counts.warnings,
                             Self.refusalsJSON(counts.refused), counts.lines, checkpointOffset, fileKey])
    }

    /// The last word on a read: its counts and checkpoint, the bytes it covered, and the
    /// status: `complete` when the input was read to the end, with `sha256` unless that hash
    /// is already another row's (the same bytes read from standard input before).
    func finish(_ fileKey: Int64, counts: FileSummary, checkpointOffset: Int, sizeBytes: Int?, complete: Bool, sha256: String?) throws {
        var recorded: String?
        if complete, let sha256,
           try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM dim_source_file WHERE content_sha256 = ? AND file_key <> ?)",
                             arguments: [sha256, fileKey]) == false
        {
            recorded = sha256
        }
        try db.execute(sql: """
            UPDATE dim_source_file SET lines = ?, accepted = ?, duplicates = ?, blank = ?, refused = ?, warnings = ?,
              refused_by_reason = ?, status = ?, content_sha256 = ?, checkpoint_line = ?, checkpoint_offset = ?, size_bytes = ?
            WHERE file_key = ?
            """, arguments: [counts.lines, counts.accepted, counts.duplicates, counts.blank, counts.refusedTotal, counts.warnings,
                             Self.refusalsJSON(counts.refused), complete ? "complete" : "reading", recorded,
                             counts.lines, checkpointOffset, sizeBytes, fileKey])
    }

    // MARK: - Refusals by reason

    /// `refused_by_reason` as stored: every reason, in the contract's order, with its count.
    static func refusalsJSON(_ refused: [RefusalReason: Int]) -> String {
        "{" + RefusalReason.allCases.map { "\"\($0.rawValue)\": \(refused[$0] ?? 0)" }.joined(separator: ", ") + "}"
    }

    /// The counts of `refused_by_reason` (NULL: none yet); reasons counted 0 are left out.
    private func refusals(_ json: String?, fileKey: Int64) throws(VerdictError) -> [RefusalReason: Int] {
        guard let json else { return [:] }
        guard let counts = try? JSONDecoder().decode([String: Int].self, from: Data(json.utf8)), counts.values.allSatisfy({ $0 >= 0 }) else {
            throw VerdictError(.database, "\(name): dim_source_file row \(fileKey): refused_by_reason is not a JSON object of counts: \(json.prefix(80))",
                               hint: "the row was changed outside verdict; restore the database from a backup")
        }
        var out: [RefusalReason: Int] = [:]
        for (reason, n) in counts where n > 0 {
            if let r = RefusalReason(rawValue: reason) { out[r] = n }
        }
        return out
    }
}
