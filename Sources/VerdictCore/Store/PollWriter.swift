import GRDBSQLite

/// Writes polls, refused lines and warnings into the star schema on one connection.
///
/// The caller holds the ingest lock, so this writer is the only one: it allocates keys
/// itself and keeps transaction states in memory between statements. The final poll of a
/// transaction is maintained incrementally: a new poll replaces the current final one when
/// its class ranks better, or ranks the same and is not earlier (the later-ingested wins
/// ties). Call `flush()` before each commit.
final class PollWriter {
    private let db: OpaquePointer
    private var nextPollKey: Int64
    private var nextTransactionKey: Int64

    private let insertPoll: SQLiteStatement
    private let findTransaction: SQLiteStatement
    private let insertTransaction: SQLiteStatement
    private let updateTransactionFinal: SQLiteStatement
    private let updateTransactionCounts: SQLiteStatement
    private let insertWarning: SQLiteStatement
    private let insertRefused: SQLiteStatement
    private let upsertRollup: SQLiteStatement
    private let dims: DimensionCache

    private struct TransactionID: Hashable {
        var product: Product
        var id: String
    }

    /// What the writer knows of a transaction, and what must be written back.
    /// A class, so the cache entry is updated in place.
    private final class TransactionState {
        var key: Int64
        var inDatabase: Bool
        var firstTs: Int64
        var pollCount: Int
        var finalRank: Int
        var finalTs: Int64
        var dirty = false
        /// Set when this run chose a new final poll: all final columns are rewritten.
        var final: FinalColumns?
        /// What the database holds for the rollup (date and outcome), nil when not yet written.
        var storedFirstTs: Int64?
        var storedOutcome: Outcome?

        init(key: Int64, inDatabase: Bool, firstTs: Int64, pollCount: Int, finalRank: Int, finalTs: Int64) {
            self.key = key
            self.inDatabase = inDatabase
            self.firstTs = firstTs
            self.pollCount = pollCount
            self.finalRank = finalRank
            self.finalTs = finalTs
        }
    }

    private struct FinalColumns {
        var pollKey: Int64
        var resultStatus: String
        var resultCodeKey: Int64
        var outcome: Outcome
        var verdict: String?
        var verdictLabel: String?
        var errorCodeKey: Int64?
        var documentKey: Int64?
        var countryKey: Int64?
        var deeperResult: String?
        var uploadEnabledResult: String?
        var spoofProfileKey: Int64?
        var quality: Double?
        var qualityPassed: Bool?
        var willingProfileKey: Int64?
        var documentHash: String?
    }

    private var transactions: [TransactionID: TransactionState] = [:]
    /// Beyond this many cached transactions the cache is emptied after a flush.
    private let transactionCacheLimit: Int

    /// True when the database held no transaction as this writer started. A transaction
    /// then is in the database only if this writer created it, so for one that is neither
    /// cached nor in `dropped`, the lookup (an index search that finds nothing on a first
    /// load) is skipped.
    private let startedEmpty: Bool
    /// Hashes of the transactions dropped from the cache while `startedEmpty`: a hit means
    /// "maybe stored", and the database is asked. Bounded: past `droppedLimit` every miss
    /// is looked up again.
    private var dropped = Set<Int>()
    private var droppedOverflow = false
    private let droppedLimit = 1_000_000

    init(connection db: OpaquePointer, transactionCacheLimit: Int = 50_000) throws(VerdictError) {
        self.db = db
        self.transactionCacheLimit = transactionCacheLimit
        (nextPollKey, nextTransactionKey) = try PollWriter.nextKeys(db)
        startedEmpty = nextTransactionKey == 1
        insertPoll = try SQLiteStatement(db, """
            INSERT OR IGNORE INTO fct_poll (poll_key, transaction_key, ts_ms, result_status, result_code_key, final_rank,
              file_key, line_number, biz_id, verdict, error_code_key, document_key, country_key, deeper_result,
              upload_enabled_result, spoof_profile_key, quality, quality_passed, willing_profile_key,
              image_count, image_bytes, video_bytes, ocr_fields, warning_count, document_hash)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)
            """)
        findTransaction = try SQLiteStatement(db, """
            SELECT transaction_key, first_ts_ms, poll_count, final_rank, final_ts_ms, outcome
            FROM fct_transaction WHERE product_key = ?1 AND transaction_id = ?2
            """)
        let finalColumns = """
            final_poll_key, final_rank, final_ts_ms, result_status, result_code_key, outcome, verdict, verdict_label,
            error_code_key, document_key, country_key, deeper_result, upload_enabled_result, spoof_profile_key,
            quality, quality_passed, willing_profile_key, document_hash
            """
        insertTransaction = try SQLiteStatement(db, """
            INSERT INTO fct_transaction (transaction_key, product_key, transaction_id, first_ts_ms, date_key, poll_count,
              \(finalColumns))
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)
            """)
        updateTransactionFinal = try SQLiteStatement(db, """
            UPDATE fct_transaction SET first_ts_ms = ?4, date_key = ?5, poll_count = ?6,
              final_poll_key = ?7, final_rank = ?8, final_ts_ms = ?9, result_status = ?10, result_code_key = ?11,
              outcome = ?12, verdict = ?13, verdict_label = ?14, error_code_key = ?15, document_key = ?16,
              country_key = ?17, deeper_result = ?18, upload_enabled_result = ?19, spoof_profile_key = ?20,
              quality = ?21, quality_passed = ?22, willing_profile_key = ?23, document_hash = ?24
            WHERE transaction_key = ?1
            """)
        updateTransactionCounts = try SQLiteStatement(db, """
            UPDATE fct_transaction SET first_ts_ms = ?2, date_key = ?3, poll_count = ?4 WHERE transaction_key = ?1
            """)
        insertWarning = try SQLiteStatement(db, """
            INSERT INTO ingest_warning (poll_key, file_key, line_number, field, problem, ts_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            """)
        insertRefused = try SQLiteStatement(db, """
            INSERT OR IGNORE INTO ingest_refused_line (file_key, source_path, line_number, reason, detail, ts_ms,
              byte_length, line_sha256, content, refused_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """)
        upsertRollup = try SQLiteStatement(db, """
            INSERT INTO agg_outcome_15min (bucket_ms, product_key, outcome, transactions) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (product_key, bucket_ms, outcome) DO UPDATE SET transactions = transactions + excluded.transactions
            """)
        dims = try DimensionCache(connection: db)
        transactions.reserveCapacity(transactionCacheLimit + 60_000)
    }

    /// Stores a poll unless a poll with the same identity exists. Returns false for a duplicate.
    func add(_ poll: PollRecord, fileKey: Int64) throws(VerdictError) -> Bool {
        let tid = TransactionID(product: poll.product, id: poll.transactionId)
        let state: TransactionState
        if let cached = transactions[tid] {
            state = cached
        } else if mayBeStored(tid), let found = try lookup(tid) {
            state = found
            transactions[tid] = found
        } else {
            state = TransactionState(
                key: nextTransactionKey, inDatabase: false, firstTs: poll.timestampMillis, pollCount: 0,
                finalRank: Int.max, finalTs: Int64.min)
            nextTransactionKey += 1
            transactions[tid] = state
        }

        let rank = poll.finalRank
        let codeKey = try dims.resultCode(poll.resultCode)
        let errorKey = try poll.recognitionErrorCode.map { (c) throws(VerdictError) in try dims.errorCode(c) }
        let documentKey = try dims.document(certType: poll.certType, docCategory: poll.docCategory, docEdition: poll.docEdition)
        let countryKey = try poll.countryCode.map { (c) throws(VerdictError) in try dims.country(c) }
        let spoofKey = try dims.spoofProfile(poll)
        let willingKey = try dims.willingProfile(poll.retryRecords)

        let s = insertPoll
        let pollKey = nextPollKey
        s.bind(1, pollKey)
        s.bind(2, state.key)
        s.bind(3, poll.timestampMillis)
        s.bind(4, poll.resultStatus)
        s.bind(5, codeKey)
        s.bind(6, rank)
        s.bind(7, fileKey)
        s.bind(8, poll.lineNumber)
        s.bind(9, poll.bizId)
        s.bind(10, poll.product == .idRecognition ? poll.recognitionResult : poll.videoVerifyResult)
        s.bind(11, errorKey)
        s.bind(12, documentKey)
        s.bind(13, countryKey)
        s.bind(14, poll.deeperResult)
        s.bind(15, poll.uploadEnabledResult)
        s.bind(16, spoofKey)
        s.bind(17, poll.quality)
        s.bind(18, poll.qualityPassed)
        s.bind(19, willingKey)
        s.bind(20, poll.imageCount)
        s.bind(21, poll.imageBytes)
        s.bind(22, poll.videoBytes)
        s.bind(23, poll.ocrFieldNames.isEmpty ? nil : poll.ocrFieldNames.joined(separator: ","))
        s.bind(24, poll.warnings.count)
        s.bind(25, poll.documentHash)
        guard try s.run() == 1 else { return false }
        nextPollKey += 1

        for w in poll.warnings {
            insertWarning.bind(1, pollKey)
            insertWarning.bind(2, fileKey)
            insertWarning.bind(3, poll.lineNumber)
            insertWarning.bind(4, w.field)
            insertWarning.bind(5, w.problem)
            insertWarning.bind(6, poll.timestampMillis)
            try insertWarning.run()
        }

        state.pollCount += 1
        state.firstTs = min(state.firstTs, poll.timestampMillis)
        state.dirty = true
        if rank < state.finalRank || (rank == state.finalRank && poll.timestampMillis >= state.finalTs) {
            state.finalRank = rank
            state.finalTs = poll.timestampMillis
            let outcome = poll.outcome
            let verdict = outcome == .passed || outcome == .failed ? poll.verdict : nil
            state.final = FinalColumns(
                pollKey: pollKey, resultStatus: poll.resultStatus, resultCodeKey: codeKey, outcome: outcome,
                verdict: verdict, verdictLabel: verdict.map { PollWriter.verdictLabel($0, poll.product) },
                errorCodeKey: errorKey, documentKey: documentKey, countryKey: countryKey,
                deeperResult: poll.deeperResult, uploadEnabledResult: poll.uploadEnabledResult,
                spoofProfileKey: spoofKey, quality: poll.quality, qualityPassed: poll.qualityPassed,
                willingProfileKey: willingKey, documentHash: poll.documentHash)
        }
        return true
    }

    /// VideoVerify verdicts are reported in one spelling whatever the case logged.
    static func verdictLabel(_ v: String, _ product: Product) -> String {
        guard product == .videoVerify else { return v }
        if v.equalsIgnoringASCIICase("success") { return "Success" }
        if v.equalsIgnoringASCIICase("failure") { return "Failure" }
        if v.equalsIgnoringASCIICase("voidtimeout") { return "VoidTimeout" }
        return v
    }

    private func lookup(_ tid: TransactionID) throws(VerdictError) -> TransactionState? {
        findTransaction.bind(1, tid.product.rawValue)
        findTransaction.bind(2, tid.id)
        var state: TransactionState?
        _ = try findTransaction.queryOne { r in
            state = TransactionState(
                key: r.int64(0), inDatabase: true, firstTs: r.int64(1), pollCount: Int(r.int64(2)),
                finalRank: Int(r.int64(3)), finalTs: r.int64(4))
            state?.storedFirstTs = r.int64(1)
            state?.storedOutcome = r.text(5).flatMap(Outcome.init(name:))
        }
        return state
    }

    /// Writes every changed transaction. Call inside the batch's SQL transaction.
    func flush() throws(VerdictError) {
        var rollup: [RollupKey: Int] = [:]
        // In key order: rows and index entries are appended instead of scattered over the
        // B-trees (a dictionary's order is random; measured 3x slower).
        let dirty = transactions.filter { $0.value.dirty }.sorted { $0.value.key < $1.value.key }
        for (tid, st) in dirty {
            let outcome = st.final?.outcome ?? st.storedOutcome
            if let outcome, st.storedFirstTs != st.firstTs || st.storedOutcome != outcome {
                if let oldTs = st.storedFirstTs, let old = st.storedOutcome {
                    rollup[RollupKey(bucket: Self.quarterHour(oldTs), product: tid.product.rawValue, outcome: old), default: 0] -= 1
                }
                rollup[RollupKey(bucket: Self.quarterHour(st.firstTs), product: tid.product.rawValue, outcome: outcome), default: 0] += 1
                st.storedFirstTs = st.firstTs
                st.storedOutcome = outcome
            }
            let dateKey = try dims.date(forMillis: st.firstTs)
            if let f = st.final {
                let s = st.inDatabase ? updateTransactionFinal : insertTransaction
                s.bind(1, st.key)
                s.bind(2, tid.product.rawValue)
                s.bind(3, tid.id)
                s.bind(4, st.firstTs)
                s.bind(5, dateKey)
                s.bind(6, st.pollCount)
                s.bind(7, f.pollKey)
                s.bind(8, st.finalRank)
                s.bind(9, st.finalTs)
                s.bind(10, f.resultStatus)
                s.bind(11, f.resultCodeKey)
                s.bind(12, f.outcome.name)
                s.bind(13, f.verdict)
                s.bind(14, f.verdictLabel)
                s.bind(15, f.errorCodeKey)
                s.bind(16, f.documentKey)
                s.bind(17, f.countryKey)
                s.bind(18, f.deeperResult)
                s.bind(19, f.uploadEnabledResult)
                s.bind(20, f.spoofProfileKey)
                s.bind(21, f.quality)
                s.bind(22, f.qualityPassed)
                s.bind(23, f.willingProfileKey)
                s.bind(24, f.documentHash)
                try s.run()
            } else {
                let s = updateTransactionCounts
                s.bind(1, st.key)
                s.bind(2, st.firstTs)
                s.bind(3, dateKey)
                s.bind(4, st.pollCount)
                try s.run()
            }
            st.dirty = false
            st.final = nil
            st.inDatabase = true
        }
        for (k, delta) in rollup where delta != 0 {
            upsertRollup.bind(1, k.bucket)
            upsertRollup.bind(2, k.product)
            upsertRollup.bind(3, k.outcome.name)
            upsertRollup.bind(4, delta)
            try upsertRollup.run()
        }
        if transactions.count > transactionCacheLimit { dropCache() }
    }

    private func mayBeStored(_ tid: TransactionID) -> Bool {
        !startedEmpty || droppedOverflow || dropped.contains(tid.hashValue)
    }

    /// Empties the transaction cache, remembering (while `startedEmpty`) whom it held.
    private func dropCache() {
        if startedEmpty && !droppedOverflow {
            for tid in transactions.keys { dropped.insert(tid.hashValue) }
            if dropped.count > droppedLimit {
                droppedOverflow = true
                dropped = []
            }
        }
        transactions.removeAll(keepingCapacity: true)
    }

    private struct RollupKey: Hashable {
        var bucket: Int64
        var product: Int
        var outcome: Outcome
    }

    /// Start of the quarter hour holding `ms` (floor, also before 1970).
    static func quarterHour(_ ms: Int64) -> Int64 {
        let q: Int64 = 900_000
        return ms - ((ms % q) + q) % q
    }

    /// Forgets cached state (after a rollback, the database is the truth again).
    func reset() throws(VerdictError) {
        dropCache()
        dims.reset()
        (nextPollKey, nextTransactionKey) = try PollWriter.nextKeys(db)
    }

    /// The keys the next poll and the next transaction get (one past the largest stored).
    private static func nextKeys(_ db: OpaquePointer) throws(VerdictError) -> (poll: Int64, transaction: Int64) {
        func maxKey(_ sql: String) throws(VerdictError) -> Int64 {
            let s = try SQLiteStatement(db, sql)
            var v: Int64 = 0
            _ = try s.queryOne { v = $0.int64(0) }
            return v
        }
        return (try maxKey("SELECT ifnull(max(poll_key), 0) FROM fct_poll") + 1,
                try maxKey("SELECT ifnull(max(transaction_key), 0) FROM fct_transaction") + 1)
    }

    /// Keeps a refused line (once per path, line number and content).
    func addRefused(fileKey: Int64?, sourcePath: String, _ line: RefusedLine, now: String) throws(VerdictError) {
        let s = insertRefused
        s.bind(1, fileKey)
        s.bind(2, sourcePath)
        s.bind(3, line.lineNumber)
        s.bind(4, line.reason.rawValue)
        s.bind(5, line.detail)
        s.bind(6, line.timestampMillis)
        s.bind(7, line.fullLength)
        s.bind(8, line.sha256)
        line.content.withUnsafeBytes { s.bindBlob(9, $0) }
        s.bind(10, now)
        try s.run()
    }
}

@available(*, unavailable)
extension PollWriter: Sendable {}
