import GRDBSQLite

/// Writes polls, refused lines and warnings into the star schema on one connection.
///
/// The caller holds the ingest lock, so this writer is the only one: it allocates keys
/// itself and keeps transaction states in memory between statements. The final poll of a
/// transaction is maintained incrementally: a new poll replaces the current final one when
/// it beats it (Rules/Classification.swift: a better rank, or the same and not earlier, so
/// the later-ingested wins ties). Call `flush()` before each commit.
///
/// Duplicates are recognised in memory: every cached transaction knows the identities
/// (timestamp, result code) of all its stored polls, read from `fct_poll` when the
/// transaction is looked up. So a new poll is known to be new before it is written, and
/// polls are inserted `PollWriter.rowsPerInsert` at a time by one multi-row statement
/// (in a C benchmark on the same rows, a quarter fewer SQLite instructions per row than one
/// statement per row; here the writer's SQLite share fell from 5.1 to 4.3 G instructions on
/// the lean benchmark corpus). The unique index on the poll identity still guards the
/// table: a duplicate that slipped through would fail the insert, not be stored twice.
final class PollWriter {
    private let db: OpaquePointer
    private var nextPollKey: Int64
    private var nextTransactionKey: Int64

    /// Rows per multi-row INSERT (measured: 8 rows gain most of it, 32 a little more).
    static let rowsPerInsert = 32
    private let insertPoll: SQLiteStatement
    private let insertPolls: SQLiteStatement
    private let findTransaction: SQLiteStatement
    private let findPollIdentities: SQLiteStatement
    private let insertTransaction: SQLiteStatement
    private let insertTransactions: SQLiteStatement
    private let updateTransactionFinal: SQLiteStatement
    private let updateTransactionCounts: SQLiteStatement
    private let insertWarning: SQLiteStatement
    private let insertRefused: SQLiteStatement
    private let upsertRollup: SQLiteStatement
    private let upsertSignalQuarter, upsertSignalDay: SQLiteStatement
    private let upsertFileQuarter: SQLiteStatement
    private let dims: DimensionCache

    /// A transaction as a dictionary key. The hash is computed on the parsing thread
    /// (`SealedPoll.transactionHash`); equality compares product and id.
    private struct TransactionID: Hashable {
        var product: Product
        var id: String
        var hash: Int

        static func == (a: TransactionID, b: TransactionID) -> Bool { a.product == b.product && a.id == b.id }
        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }

    /// A poll's identity within its transaction (docs/LOG_FORMAT.md (Polls, duplicates and transactions)): timestamp and result code.
    private struct PollIdentity: Hashable {
        var ts: Int64
        var code: Int64
    }

    /// The identities of a transaction's stored polls: the first four in place, then a
    /// short list, a set past 16. Most transactions have four polls or fewer, so they cost
    /// no allocation here (a list would allocate, then grow, for every transaction).
    private struct PollIdentities {
        private static let none = PollIdentity(ts: 0, code: 0)
        private var a = none, b = none, c = none, d = none
        private var inPlace = 0
        private var list: [PollIdentity] = []
        private var set: Set<PollIdentity>?

        /// Adds `id`; false when it was already there (a duplicate).
        mutating func insert(_ id: PollIdentity) -> Bool {
            if set != nil { return set!.insert(id).inserted }
            if (inPlace > 0 && a == id) || (inPlace > 1 && b == id) || (inPlace > 2 && c == id) || (inPlace > 3 && d == id) {
                return false
            }
            switch inPlace {
            case 0: a = id
            case 1: b = id
            case 2: c = id
            case 3: d = id
            default:
                if list.contains(id) { return false }
                list.append(id)
                if list.count > 12 {
                    set = Set(list + [a, b, c, d])
                    list = []
                }
                return true
            }
            inPlace += 1
            return true
        }
    }

    /// What the writer knows of a transaction, and what must be written back.
    /// A class, so the cache entry is updated in place.
    private final class TransactionState {
        let tid: TransactionID
        var key: Int64
        var inDatabase: Bool
        var firstTs: Int64
        var pollCount: Int
        var finalRank: Int
        var finalTs: Int64
        var polls = PollIdentities()
        /// Set when the state differs from its row: it is in `dirty` once.
        var isDirty = false
        /// Set when this run chose a new final poll: all final columns are rewritten.
        var final: FinalColumns?
        /// What the database holds for the rollup (date and outcome), nil when not yet written.
        var storedFirstTs: Int64?
        var storedOutcome: Outcome?
        /// The signal profile the signal rollups count it under, nil when not yet written.
        var storedProfile: Int64?
        /// The inputs holding its polls (`agg_file_15min`), and what that rollup holds for it:
        /// those files in the quarter hour `storedFileBucket`.
        var files: [Int64] = []
        var storedFiles: [Int64] = []
        var storedFileBucket: Int64?

        init(tid: TransactionID, key: Int64, inDatabase: Bool, firstTs: Int64, pollCount: Int, finalRank: Int, finalTs: Int64) {
            self.tid = tid
            self.key = key
            self.inDatabase = inDatabase
            self.firstTs = firstTs
            self.pollCount = pollCount
            self.finalRank = finalRank
            self.finalTs = finalTs
        }
    }

    /// A poll's keys in the dimensions that both fact rows carry (the poll's own row and,
    /// when it is the final poll, its transaction's).
    private struct DimensionKeys {
        var resultCode: Int64
        var errorCode: Int64?
        var document: Int64?
        var country: Int64?
        var spoofProfile: Int64?
        var willingProfile: Int64?
    }

    private struct FinalColumns {
        var pollKey: Int64
        var resultStatus: String
        var keys: DimensionKeys
        var outcome: Outcome
        var verdict: String?
        var verdictLabel: String?
        var deeperResult: String?
        var uploadEnabledResult: String?
        var quality: Double?
        var qualityPassed: Bool?
        var documentHash: String?
    }

    /// A transaction row to insert, as `flush()` gathers them.
    private struct NewTransaction {
        var state: TransactionState
        var final: FinalColumns
        var dateKey: Int64
    }

    /// A poll known to be new, waiting for its multi-row INSERT.
    private struct PendingPoll {
        var box: PollBox
        var finalRank: Int
        var pollKey: Int64
        var transactionKey: Int64
        var fileKey: Int64
        var keys: DimensionKeys
        var ocrKey: Int64?
    }
    private var pending: [PendingPoll] = []

    private var transactions: [TransactionID: TransactionState] = [:]
    /// The states changed since the last flush.
    private var dirty: [TransactionState] = []
    /// Beyond this many cached transactions the cache is emptied after a flush.
    private let transactionCacheLimit: Int
    /// Where the emptied cache goes to be freed (another thread: freeing tens of thousands
    /// of states is then not the writer's time). Without it the cache is freed here.
    var disposal: ((Any) -> Void)?

    /// True when the database held no transaction as this writer started. A transaction
    /// then is in the database only if this writer created it, so for one that is neither
    /// cached nor in `dropped`, the lookup (an index search that finds nothing on a first
    /// load) is skipped.
    private let startedEmpty: Bool
    /// The transactions dropped from the cache while `startedEmpty`, in a fixed-size Bloom
    /// filter: a hit means "maybe stored", and the database is asked; a miss is certain.
    private var dropped = DroppedFilter()

    /// The columns of the inserts, in the tables' own order: with any other order SQLite
    /// moves every value once more per row (measured: 0.3 G more instructions on the lean
    /// corpus when `ocr_field_set_key`, added last to the table, was listed mid-way).
    /// `SchemaTests` holds the lists to `PRAGMA table_info`.
    static let pollColumns = """
        poll_key, transaction_key, ts_ms, result_status, result_code_key, final_rank,
          file_key, line_number, biz_id, verdict, error_code_key, document_key, country_key, deeper_result,
          upload_enabled_result, spoof_profile_key, quality, quality_passed, willing_profile_key,
          image_count, image_bytes, video_bytes, warning_count, document_hash, ocr_field_set_key
        """
    private static let pollColumnCount: Int32 = 25
    private static let finalColumns = """
        final_poll_key, final_rank, final_ts_ms, result_status, result_code_key, outcome, verdict, verdict_label,
        error_code_key, document_key, country_key, deeper_result, upload_enabled_result, spoof_profile_key,
        quality, quality_passed, willing_profile_key, document_hash
        """
    static let transactionColumns = "transaction_key, product_key, transaction_id, first_ts_ms, date_key, poll_count, " + finalColumns
    private static let transactionColumnCount: Int32 = 24

    /// `INSERT OR FAIL INTO table (columns) VALUES (?, …), (?, …), …`: `rows` rows of `count`
    /// parameters.
    ///
    /// `OR FAIL`, because a multi-row INSERT that may abort makes SQLite keep a statement
    /// journal, so that the one statement could be undone alone: a page that was in the
    /// database when the SQL transaction began is copied aside before the statement first
    /// changes it. Nothing here needs that: any failed statement fails the ingest batch, and
    /// the batch's transaction is rolled back whole (`Ingester`). Measured on the lean
    /// benchmark corpus: 1.1 G fewer instructions (of 14.6 G) into an empty database, 1.8 G
    /// fewer (of 19.5 G) when merging it into a database holding 12 weeks.
    private static func insertSQL(_ table: String, _ columns: String, count: Int32, rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: Int(count)).joined(separator: ", ") + ")"
        return "INSERT OR FAIL INTO \(table) (\(columns)) VALUES " + Array(repeating: row, count: rows).joined(separator: ",\n")
    }

    init(connection db: OpaquePointer, transactionCacheLimit: Int = 25_000) throws(VerdictError) {
        self.db = db
        self.transactionCacheLimit = transactionCacheLimit
        (nextPollKey, nextTransactionKey) = try PollWriter.nextKeys(db)
        startedEmpty = nextTransactionKey == 1
        let n = PollWriter.rowsPerInsert
        insertPoll = try SQLiteStatement(db, Self.insertSQL("fct_poll", Self.pollColumns, count: Self.pollColumnCount, rows: 1))
        insertPolls = try SQLiteStatement(db, Self.insertSQL("fct_poll", Self.pollColumns, count: Self.pollColumnCount, rows: n))
        findTransaction = try SQLiteStatement(db, """
            SELECT transaction_key, first_ts_ms, poll_count, final_rank, final_ts_ms, outcome,
                   error_code_key, verdict_label, spoof_profile_key, deeper_result, upload_enabled_result,
                   quality_passed, willing_profile_key
            FROM fct_transaction WHERE product_key = ?1 AND transaction_id = ?2
            """)
        findPollIdentities = try SQLiteStatement(db, "SELECT ts_ms, result_code_key, file_key FROM fct_poll WHERE transaction_key = ?1")
        insertTransaction = try SQLiteStatement(db, Self.insertSQL("fct_transaction", Self.transactionColumns, count: Self.transactionColumnCount, rows: 1))
        insertTransactions = try SQLiteStatement(db, Self.insertSQL("fct_transaction", Self.transactionColumns, count: Self.transactionColumnCount, rows: n))
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
        upsertSignalQuarter = try SQLiteStatement(db, """
            INSERT INTO agg_signal_15min (bucket_ms, signal_profile_key, transactions) VALUES (?1, ?2, ?3)
            ON CONFLICT (bucket_ms, signal_profile_key) DO UPDATE SET transactions = transactions + excluded.transactions
            """)
        upsertFileQuarter = try SQLiteStatement(db, """
            INSERT INTO agg_file_15min (bucket_ms, file_key, transactions) VALUES (?1, ?2, ?3)
            ON CONFLICT (bucket_ms, file_key) DO UPDATE SET transactions = transactions + excluded.transactions
            """)
        upsertSignalDay = try SQLiteStatement(db, """
            INSERT INTO agg_signal_day (day_ms, signal_profile_key, transactions) VALUES (?1, ?2, ?3)
            ON CONFLICT (day_ms, signal_profile_key) DO UPDATE SET transactions = transactions + excluded.transactions
            """)
        dims = try DimensionCache(connection: db)
        transactions.reserveCapacity(transactionCacheLimit + 50_000)
    }

    /// Stores a poll unless a poll with the same identity exists. Returns false for a duplicate.
    ///
    /// The record's fields are read in its box, one at a time (`box.record.field`, a field of
    /// a class): a local copy of the record, or a call to one of its properties, would copy
    /// all of it (see `PollBox`). What is derived from the record comes sealed with it.
    func add(_ poll: SealedPoll, fileKey: Int64) throws(VerdictError) -> Bool {
        let box = poll.box
        let tid = TransactionID(product: box.record.product, id: box.record.transactionId, hash: poll.transactionHash)
        let state: TransactionState
        if let cached = transactions[tid] {
            state = cached
        } else if mayBeStored(tid), let found = try lookup(tid) {
            state = found
            transactions[tid] = found
        } else {
            state = TransactionState(
                tid: tid, key: nextTransactionKey, inDatabase: false, firstTs: box.record.timestampMillis, pollCount: 0,
                finalRank: Int.max, finalTs: Int64.min)
            nextTransactionKey += 1
            transactions[tid] = state
        }

        let rank = poll.finalRank
        let keys = DimensionKeys(
            resultCode: try dims.resultCode(box.record.resultCode),
            errorCode: try box.record.recognitionErrorCode.map { (c) throws(VerdictError) in try dims.errorCode(c) },
            document: try dims.document(certType: box.record.certType, docCategory: box.record.docCategory, docEdition: box.record.docEdition),
            country: try box.record.countryCode.map { (c) throws(VerdictError) in try dims.country(c) },
            spoofProfile: try dims.spoofProfile(poll),
            willingProfile: try dims.willingProfile(box.record.retryRecords))

        guard state.polls.insert(PollIdentity(ts: box.record.timestampMillis, code: keys.resultCode)) else { return false }
        if !state.files.contains(fileKey) { state.files.append(fileKey) }
        let ocrKey = try poll.ocrFields.map { (f) throws(VerdictError) in try dims.ocrFieldSet(f) }
        let pollKey = nextPollKey
        nextPollKey += 1
        pending.append(PendingPoll(
            box: box, finalRank: rank, pollKey: pollKey, transactionKey: state.key, fileKey: fileKey, keys: keys, ocrKey: ocrKey))
        if pending.count == PollWriter.rowsPerInsert { try insertPending(all: false) }

        for w in box.record.warnings {
            insertWarning.bind(1, pollKey)
            insertWarning.bind(2, fileKey)
            insertWarning.bind(3, box.record.lineNumber)
            insertWarning.bind(4, w.field)
            insertWarning.bind(5, w.problem)
            insertWarning.bind(6, box.record.timestampMillis)
            try insertWarning.run()
        }

        state.pollCount += 1
        state.firstTs = min(state.firstTs, box.record.timestampMillis)
        if !state.isDirty {
            state.isDirty = true
            dirty.append(state)
        }
        if Classification.beats(rank: rank, ts: box.record.timestampMillis, finalRank: state.finalRank, finalTs: state.finalTs) {
            state.finalRank = rank
            state.finalTs = box.record.timestampMillis
            let outcome = poll.outcome
            let verdict = Classification.recordedVerdict(poll.verdict, outcome: outcome)
            state.final = FinalColumns(
                pollKey: pollKey, resultStatus: box.record.resultStatus, keys: keys, outcome: outcome,
                verdict: verdict, verdictLabel: verdict.map { Classification.verdictLabel($0, box.record.product) },
                deeperResult: box.record.deeperResult, uploadEnabledResult: box.record.uploadEnabledResult,
                quality: box.record.quality, qualityPassed: box.record.qualityPassed, documentHash: box.record.documentHash)
        }
        return true
    }

    /// Inserts `rows`, `rowsPerInsert` per statement through `many` while that many are
    /// there; with `all`, the rest one by one through `one`. Inserted rows leave `rows`.
    ///
    /// The key column is bound NULL, so SQLite appends each row under the next rowid
    /// instead of first searching the table for the given one (about 8% of SQLite's work on
    /// the lean benchmark). Rows go in key order and the keys were handed out as max + 1,
    /// so SQLite's choice is `key(row)`; the last row's rowid is checked after every
    /// statement, and a difference fails the batch.
    private func insert<Row>(
        _ rows: inout [Row], all: Bool, one: SQLiteStatement, many: SQLiteStatement,
        key: (Row) -> Int64, bind: (SQLiteStatement, Int, Row) -> Void
    ) throws(VerdictError) {
        let n = PollWriter.rowsPerInsert
        var done = 0
        while rows.count - done >= n {
            for i in 0..<n { bind(many, i, rows[done + i]) }
            try many.run()
            done += n
            try checkRowid(key(rows[done - 1]), many)
        }
        if all {
            for r in rows[done...] {
                bind(one, 0, r)
                try one.run()
                try checkRowid(key(r), one)
            }
            done = rows.count
        }
        rows.removeFirst(done)
    }

    private func checkRowid(_ expected: Int64, _ s: SQLiteStatement) throws(VerdictError) {
        let got = sqlite3_last_insert_rowid(db)
        guard got == expected else {
            throw VerdictError(.database, "internal error: SQLite stored row \(got) where key \(expected) was expected", sql: s.sql)
        }
    }

    private func insertPending(all: Bool) throws(VerdictError) {
        try insert(&pending, all: all, one: insertPoll, many: insertPolls, key: { $0.pollKey }) { s, row, p in
            bindPoll(s, row: row, p)
        }
    }

    private func bindPoll(_ s: SQLiteStatement, row: Int, _ p: PendingPoll) {
        let b = Int32(row) * PollWriter.pollColumnCount
        s.bind(b + 1, nil as Int64?)  // NULL: SQLite gives the next rowid, which is p.pollKey (see `insert`)
        s.bind(b + 2, p.transactionKey)
        s.bind(b + 3, p.box.record.timestampMillis)
        s.bind(b + 4, p.box.record.resultStatus)
        s.bind(b + 5, p.keys.resultCode)
        s.bind(b + 6, p.finalRank)
        s.bind(b + 7, p.fileKey)
        s.bind(b + 8, p.box.record.lineNumber)
        s.bind(b + 9, p.box.record.bizId)
        s.bind(b + 10, p.box.record.product == .idRecognition ? p.box.record.recognitionResult : p.box.record.videoVerifyResult)
        s.bind(b + 11, p.keys.errorCode)
        s.bind(b + 12, p.keys.document)
        s.bind(b + 13, p.keys.country)
        s.bind(b + 14, p.box.record.deeperResult)
        s.bind(b + 15, p.box.record.uploadEnabledResult)
        s.bind(b + 16, p.keys.spoofProfile)
        s.bind(b + 17, p.box.record.quality)
        s.bind(b + 18, p.box.record.qualityPassed)
        s.bind(b + 19, p.keys.willingProfile)
        s.bind(b + 20, p.box.record.imageCount)
        s.bind(b + 21, p.box.record.imageBytes)
        s.bind(b + 22, p.box.record.videoBytes)
        s.bind(b + 23, p.box.record.warningCount)
        s.bind(b + 24, p.box.record.documentHash)
        s.bind(b + 25, p.ocrKey)
    }

    /// The stored transaction, with the identities of its stored polls; nil when there is none.
    private func lookup(_ tid: TransactionID) throws(VerdictError) -> TransactionState? {
        findTransaction.bind(1, tid.product.rawValue)
        findTransaction.bind(2, tid.id)
        var state: TransactionState?
        var profile: SignalProfile?
        _ = try findTransaction.queryOne { r in
            state = TransactionState(
                tid: tid, key: r.int64(0), inDatabase: true, firstTs: r.int64(1), pollCount: Int(r.int64(2)),
                finalRank: Int(r.int64(3)), finalTs: r.int64(4))
            state?.storedFirstTs = r.int64(1)
            let outcome = r.text(5).flatMap(Outcome.init(name:))
            state?.storedOutcome = outcome
            if let outcome {
                profile = SignalProfile(
                    product: tid.product.rawValue, outcome: outcome, errorCode: r.optionalInt64(6), verdictLabel: r.text(7),
                    spoofProfile: r.optionalInt64(8), deeperResult: r.text(9), uploadEnabledResult: r.text(10),
                    qualityPassed: r.optionalInt64(11).map { $0 != 0 }, willingProfile: r.optionalInt64(12))
            }
        }
        guard let state else { return nil }
        if let profile { state.storedProfile = try dims.signalProfile(profile) }
        state.storedFileBucket = Self.quarterHour(state.firstTs)
        findPollIdentities.bind(1, state.key)
        try findPollIdentities.queryEach { r in
            _ = state.polls.insert(PollIdentity(ts: r.int64(0), code: r.int64(1)))
            let file = r.int64(2)
            if !state.files.contains(file) { state.files.append(file) }
        }
        state.storedFiles = state.files
        return state
    }

    /// Writes the pending polls and every changed transaction. Call inside the batch's SQL
    /// transaction.
    func flush() throws(VerdictError) {
        try insertPending(all: true)
        var rollup: [RollupKey: Int] = [:]
        var signalQuarters: [SignalRollupKey: Int] = [:]
        var signalDays: [SignalRollupKey: Int] = [:]
        var fileQuarters: [SignalRollupKey: Int] = [:]
        // In key order: rows and index entries are appended instead of scattered over the
        // B-trees (a dictionary's order is random; measured 3x slower).
        dirty.sort { $0.key < $1.key }
        /// New rows, inserted together in key order like the updates.
        var inserts: [NewTransaction] = []
        func insertNew(all: Bool) throws(VerdictError) {
            try insert(&inserts, all: all, one: insertTransaction, many: insertTransactions, key: { $0.state.key }) { s, row, t in
                bindTransaction(s, row: row, t.state, t.final, t.dateKey, keyed: false)
            }
        }
        for st in dirty {
            let product = st.tid.product
            let outcome = st.final?.outcome ?? st.storedOutcome
            let profile = try st.final.map { (f) throws(VerdictError) in
                try dims.signalProfile(SignalProfile(
                    product: product.rawValue, outcome: f.outcome, errorCode: f.keys.errorCode, verdictLabel: f.verdictLabel,
                    spoofProfile: f.keys.spoofProfile, deeperResult: f.deeperResult, uploadEnabledResult: f.uploadEnabledResult,
                    qualityPassed: f.qualityPassed, willingProfile: f.keys.willingProfile))
            } ?? st.storedProfile
            if let outcome, let profile, st.storedFirstTs != st.firstTs || st.storedOutcome != outcome || st.storedProfile != profile {
                if let oldTs = st.storedFirstTs, let old = st.storedOutcome, let oldProfile = st.storedProfile {
                    rollup[RollupKey(bucket: Self.quarterHour(oldTs), product: product.rawValue, outcome: old), default: 0] -= 1
                    signalQuarters[SignalRollupKey(bucket: Self.quarterHour(oldTs), profile: oldProfile), default: 0] -= 1
                    signalDays[SignalRollupKey(bucket: Self.utcDay(oldTs), profile: oldProfile), default: 0] -= 1
                }
                rollup[RollupKey(bucket: Self.quarterHour(st.firstTs), product: product.rawValue, outcome: outcome), default: 0] += 1
                signalQuarters[SignalRollupKey(bucket: Self.quarterHour(st.firstTs), profile: profile), default: 0] += 1
                signalDays[SignalRollupKey(bucket: Self.utcDay(st.firstTs), profile: profile), default: 0] += 1
                st.storedFirstTs = st.firstTs
                st.storedOutcome = outcome
                st.storedProfile = profile
            }
            // The inputs holding the transaction's polls, by the quarter hour of its date.
            let fileBucket = Self.quarterHour(st.firstTs)
            if st.storedFileBucket != fileBucket || st.storedFiles.count != st.files.count {
                if let old = st.storedFileBucket {
                    for f in st.storedFiles { fileQuarters[SignalRollupKey(bucket: old, profile: f), default: 0] -= 1 }
                }
                for f in st.files { fileQuarters[SignalRollupKey(bucket: fileBucket, profile: f), default: 0] += 1 }
                st.storedFileBucket = fileBucket
                st.storedFiles = st.files
            }
            let dateKey = try dims.date(forMillis: st.firstTs)
            if let f = st.final {
                if st.inDatabase {
                    bindTransaction(updateTransactionFinal, row: 0, st, f, dateKey, keyed: true)
                    try updateTransactionFinal.run()
                } else {
                    inserts.append(NewTransaction(state: st, final: f, dateKey: dateKey))
                    if inserts.count == PollWriter.rowsPerInsert { try insertNew(all: false) }
                }
            } else {
                let s = updateTransactionCounts
                s.bind(1, st.key)
                s.bind(2, st.firstTs)
                s.bind(3, dateKey)
                s.bind(4, st.pollCount)
                try s.run()
            }
            st.isDirty = false
            st.final = nil
            st.inDatabase = true
        }
        try insertNew(all: true)
        dirty.removeAll(keepingCapacity: true)
        for (k, delta) in rollup where delta != 0 {
            upsertRollup.bind(1, k.bucket)
            upsertRollup.bind(2, k.product)
            upsertRollup.bind(3, k.outcome.name)
            upsertRollup.bind(4, delta)
            try upsertRollup.run()
        }
        for (rows, upsert) in [(signalQuarters, upsertSignalQuarter), (signalDays, upsertSignalDay), (fileQuarters, upsertFileQuarter)] {
            for (k, delta) in rows where delta != 0 {
                upsert.bind(1, k.bucket)
                upsert.bind(2, k.profile)
                upsert.bind(3, delta)
                try upsert.run()
            }
        }
        if transactions.count > transactionCacheLimit { dropCache() }
    }

    /// Binds a transaction's row: parameters 1–24 of `row` (the insert's column order,
    /// which the update's numbered parameters follow). Unless `keyed`, the key is bound
    /// NULL: an insert leaves it to SQLite (see `insert`).
    private func bindTransaction(
        _ s: SQLiteStatement, row: Int, _ st: TransactionState, _ f: FinalColumns, _ dateKey: Int64, keyed: Bool
    ) {
        let b = Int32(row) * PollWriter.transactionColumnCount
        s.bind(b + 1, keyed ? st.key : nil)
        s.bind(b + 2, st.tid.product.rawValue)
        s.bind(b + 3, st.tid.id)
        s.bind(b + 4, st.firstTs)
        s.bind(b + 5, dateKey)
        s.bind(b + 6, st.pollCount)
        s.bind(b + 7, f.pollKey)
        s.bind(b + 8, st.finalRank)
        s.bind(b + 9, st.finalTs)
        s.bind(b + 10, f.resultStatus)
        s.bind(b + 11, f.keys.resultCode)
        s.bind(b + 12, f.outcome.name)
        s.bind(b + 13, f.verdict)
        s.bind(b + 14, f.verdictLabel)
        s.bind(b + 15, f.keys.errorCode)
        s.bind(b + 16, f.keys.document)
        s.bind(b + 17, f.keys.country)
        s.bind(b + 18, f.deeperResult)
        s.bind(b + 19, f.uploadEnabledResult)
        s.bind(b + 20, f.keys.spoofProfile)
        s.bind(b + 21, f.quality)
        s.bind(b + 22, f.qualityPassed)
        s.bind(b + 23, f.keys.willingProfile)
        s.bind(b + 24, f.documentHash)
    }

    private func mayBeStored(_ tid: TransactionID) -> Bool {
        !startedEmpty || dropped.mayContain(tid.hash)
    }

    /// Empties the transaction cache, remembering (while `startedEmpty`) whom it held.
    /// Only after a flush: no state is dirty and no poll pending.
    private func dropCache() {
        if startedEmpty {
            for tid in transactions.keys { dropped.insert(tid.hash) }
        }
        if let disposal {
            let old = transactions
            transactions = [:]
            transactions.reserveCapacity(transactionCacheLimit + 50_000)
            disposal(old)
        } else {
            transactions.removeAll(keepingCapacity: true)
        }
    }

    /// A Bloom filter of 2^25 bits (4 MiB, allocated on first use) with three probes, all
    /// in one 64-byte block chosen by the hash: memory stays fixed however many transactions
    /// a load drops, and a query costs one cache miss, not three. False hits only cost a
    /// lookup: about 0.08% of misses after 1M dropped transactions, 5% after 5M (simulated;
    /// the same as three probes over the whole filter).
    struct DroppedFilter {
        private var words: [UInt64] = []
        private static let blockBits = 16  // 2^16 blocks of 512 bits

        /// The block's first word and the three bit numbers (0..<512) within it.
        private static func probes(_ hash: Int) -> (block: Int, Int, Int, Int) {
            let h = UInt64(bitPattern: Int64(hash))
            let block = Int(h & UInt64(1 << blockBits - 1)) << 3
            return (block, Int((h >> 16) & 511), Int((h >> 25) & 511), Int((h >> 34) & 511))
        }

        mutating func insert(_ hash: Int) {
            if words.isEmpty { words = Array(repeating: 0, count: 8 << DroppedFilter.blockBits) }
            let (w, p, q, r) = DroppedFilter.probes(hash)
            words[w + (p >> 6)] |= 1 << UInt64(p & 63)
            words[w + (q >> 6)] |= 1 << UInt64(q & 63)
            words[w + (r >> 6)] |= 1 << UInt64(r & 63)
        }

        func mayContain(_ hash: Int) -> Bool {
            guard !words.isEmpty else { return false }
            let (w, p, q, r) = DroppedFilter.probes(hash)
            return words[w + (p >> 6)] & (1 << UInt64(p & 63)) != 0 && words[w + (q >> 6)] & (1 << UInt64(q & 63)) != 0
                && words[w + (r >> 6)] & (1 << UInt64(r & 63)) != 0
        }
    }

    private struct RollupKey: Hashable {
        var bucket: Int64
        var product: Int
        var outcome: Outcome
    }

    private struct SignalRollupKey: Hashable {
        var bucket: Int64
        var profile: Int64
    }

    /// Start of the UTC day holding `ms` (floor, also before 1970).
    static func utcDay(_ ms: Int64) -> Int64 {
        let d: Int64 = 86_400_000
        return ms - ((ms % d) + d) % d
    }

    /// Start of the quarter hour holding `ms` (floor, also before 1970).
    static func quarterHour(_ ms: Int64) -> Int64 {
        let q: Int64 = 900_000
        return ms - ((ms % q) + q) % q
    }

    /// Forgets cached state (after a rollback, the database is the truth again).
    func reset() throws(VerdictError) {
        pending.removeAll()
        for st in dirty { st.isDirty = false }
        dirty.removeAll()
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
