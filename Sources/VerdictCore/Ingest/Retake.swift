internal import GRDB

/// What a line that an earlier read ended inside counted as, to be taken back before it is
/// read again whole (a log written while it was read, or a gzip member not yet finished).
struct Retake {
    var line: Int
    /// Its refusal's reason (its row in `ingest_refused_line` is deleted), or nil.
    var refused: RefusalReason?
    var blank = false
    var duplicate = false

    /// Whether the line an earlier read ended inside must be read again, and what it
    /// counted as then; nil when it stands as it was read.
    ///
    /// The line was read as far as it went then. If all it has gained since is whitespace,
    /// it reads as it read then, and a poll, a duplicate or a blank stands. A refused line is
    /// read again (it was most likely cut), and so are a blank and a duplicate that gained
    /// more. A line stored as a poll then stands whatever it gained: its poll cannot be taken
    /// back (it gained only whitespace unless a writer put more after a whole JSON object on
    /// the same line). A line whose earlier bytes are no longer held (over 64 KiB of a line
    /// now longer than the limit) stands unless it was refused.
    static func of(_ s: LineReader.Straddle, fileKey: Int64, parser: LogLineParser, db: Database) throws -> Retake? {
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

    /// Deletes the line's refused row, in the SQL transaction that stores what the line
    /// counts as now.
    func forgetRefusal(fileKey: Int64, db: Database) throws {
        guard refused != nil else { return }
        try db.execute(sql: "DELETE FROM ingest_refused_line WHERE file_key = ? AND line_number = ?", arguments: [fileKey, line])
    }
}
