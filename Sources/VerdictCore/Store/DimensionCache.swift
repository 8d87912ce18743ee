import GRDBSQLite

/// Looks up or creates dimension rows, remembering keys in memory.
///
/// Each cache is bounded: hostile input with millions of distinct codes costs lookups,
/// not memory.
final class DimensionCache {
    private let db: OpaquePointer
    private static let limit = 50_000

    private var resultCodes = KeyCache<String>()
    private var errorCodes = KeyCache<String>()
    private var countries = KeyCache<String>()
    private var documents = KeyCache<DocumentKey>()
    /// Keyed by the structured value, so the canonical JSON is built only for new profiles.
    private var spoofProfiles = KeyCache<SpoofValue>()
    private var willingProfiles = KeyCache<[RetryRecord]>()
    private var ocrFieldSets = KeyCache<String>()
    private var signalProfiles = KeyCache<SignalProfile>()

    /// A poll's spoof results as a dictionary key. The hash is computed on the parsing
    /// thread (`SealedPoll.spoofHash`); equality compares the results.
    private struct SpoofValue: Hashable {
        var checks: [SpoofCheck]
        var details: [SpoofDetail]
        var hash: Int

        static func == (a: SpoofValue, b: SpoofValue) -> Bool { a.hash == b.hash && a.checks == b.checks && a.details == b.details }
        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }
    private var dates: Set<Int64> = []
    /// The day asked for last and its key: transactions come mostly in time order.
    private var lastDay = (days: Int.min, key: Int64(0))

    private struct DocumentKey: Hashable {
        var certType: String?
        var docCategory: String?
        var docEdition: Int?
    }

    private let insertResultCode, findResultCode, insertErrorCode, findErrorCode: SQLiteStatement
    private let insertCountry, findCountry, insertDocument, findDocument: SQLiteStatement
    private let insertSpoof, findSpoof, insertSpoofCheck, insertSpoofDetail: SQLiteStatement
    private let insertWilling, findWilling, insertWillingRecord, insertDate: SQLiteStatement
    private let insertOcrFieldSet, findOcrFieldSet: SQLiteStatement
    private let insertSignalProfile, findSignalProfile: SQLiteStatement

    init(connection db: OpaquePointer) throws(VerdictError) {
        self.db = db
        insertResultCode = try SQLiteStatement(db, "INSERT OR IGNORE INTO dim_result_code (result_code) VALUES (?1)")
        findResultCode = try SQLiteStatement(db, "SELECT result_code_key FROM dim_result_code WHERE result_code = ?1")
        insertErrorCode = try SQLiteStatement(db, "INSERT OR IGNORE INTO dim_error_code (error_code) VALUES (?1)")
        findErrorCode = try SQLiteStatement(db, "SELECT error_code_key FROM dim_error_code WHERE error_code = ?1")
        insertCountry = try SQLiteStatement(db, "INSERT OR IGNORE INTO dim_country (country_code) VALUES (?1)")
        findCountry = try SQLiteStatement(db, "SELECT country_key FROM dim_country WHERE country_code = ?1")
        insertDocument = try SQLiteStatement(db, "INSERT OR IGNORE INTO dim_document (cert_type, doc_category, doc_edition) VALUES (?1, ?2, ?3)")
        findDocument = try SQLiteStatement(db, """
            SELECT document_key FROM dim_document
            WHERE ifnull(cert_type, char(0)) = ifnull(?1, char(0)) AND ifnull(doc_category, char(0)) = ifnull(?2, char(0))
              AND ifnull(doc_edition, -9223372036854775808) = ifnull(?3, -9223372036854775808)
            """)
        insertSpoof = try SQLiteStatement(db, "INSERT OR IGNORE INTO dim_spoof_profile (profile_json) VALUES (?1)")
        findSpoof = try SQLiteStatement(db, "SELECT spoof_profile_key FROM dim_spoof_profile WHERE profile_json = ?1")
        insertSpoofCheck = try SQLiteStatement(db, """
            INSERT OR IGNORE INTO bridge_spoof_check (spoof_profile_key, check_name, value, evaluated, passed) VALUES (?1, ?2, ?3, ?4, ?5)
            """)
        insertSpoofDetail = try SQLiteStatement(db, """
            INSERT OR IGNORE INTO bridge_spoof_detail (spoof_profile_key, spoof_type, check_name, component, evaluated, passed)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            """)
        insertWilling = try SQLiteStatement(db, """
            INSERT OR IGNORE INTO dim_willing_profile (profile_json, record_count, attempts, succeeded) VALUES (?1, ?2, ?3, ?4)
            """)
        findWilling = try SQLiteStatement(db, "SELECT willing_profile_key FROM dim_willing_profile WHERE profile_json = ?1")
        insertWillingRecord = try SQLiteStatement(db, """
            INSERT OR IGNORE INTO bridge_willing_record (willing_profile_key, seq, status, attempt_number) VALUES (?1, ?2, ?3, ?4)
            """)
        insertOcrFieldSet = try SQLiteStatement(db, "INSERT OR IGNORE INTO dim_ocr_field_set (ocr_fields) VALUES (?1)")
        findOcrFieldSet = try SQLiteStatement(db, "SELECT ocr_field_set_key FROM dim_ocr_field_set WHERE ocr_fields = ?1")
        insertSignalProfile = try SQLiteStatement(db, """
            INSERT OR IGNORE INTO dim_signal_profile (product_key, outcome, error_code_key, verdict_label, spoof_profile_key,
              deeper_result, upload_enabled_result, quality_passed, willing_profile_key)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """)
        // The unique index's own expressions, so that the lookup is one index search.
        findSignalProfile = try SQLiteStatement(db, """
            SELECT signal_profile_key FROM dim_signal_profile
            WHERE product_key = ?1 AND outcome = ?2 AND ifnull(error_code_key, -1) = ifnull(?3, -1)
              AND ifnull(verdict_label, char(0)) = ifnull(?4, char(0)) AND ifnull(spoof_profile_key, -1) = ifnull(?5, -1)
              AND ifnull(deeper_result, char(0)) = ifnull(?6, char(0)) AND ifnull(upload_enabled_result, char(0)) = ifnull(?7, char(0))
              AND ifnull(quality_passed, -1) = ifnull(?8, -1) AND ifnull(willing_profile_key, -1) = ifnull(?9, -1)
            """)
        insertDate = try SQLiteStatement(db, """
            INSERT OR IGNORE INTO dim_date (date_key, date, year, month, iso_year, iso_week, iso_week_label, day_of_week)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """)
    }

    func reset() {
        resultCodes.removeAll()
        errorCodes.removeAll()
        countries.removeAll()
        documents.removeAll()
        spoofProfiles.removeAll()
        willingProfiles.removeAll()
        ocrFieldSets.removeAll()
        signalProfiles.removeAll()
        dates.removeAll()
        lastDay = (Int.min, 0)
    }

    /// Insert-if-missing then read back the key of a one-text-column dimension.
    private func textKey(_ value: String, cache: inout KeyCache<String>, insert: SQLiteStatement, find: SQLiteStatement) throws(VerdictError) -> Int64 {
        if let k = cache[value] { return k }
        insert.bind(1, value)
        try insert.run()
        find.bind(1, value)
        var key: Int64 = 0
        _ = try find.queryOne { key = $0.int64(0) }
        cache.set(value, key, limit: DimensionCache.limit)
        return key
    }

    func resultCode(_ code: String) throws(VerdictError) -> Int64 {
        try textKey(code, cache: &resultCodes, insert: insertResultCode, find: findResultCode)
    }

    func errorCode(_ code: String) throws(VerdictError) -> Int64 {
        try textKey(code, cache: &errorCodes, insert: insertErrorCode, find: findErrorCode)
    }

    func country(_ code: String) throws(VerdictError) -> Int64 {
        try textKey(code, cache: &countries, insert: insertCountry, find: findCountry)
    }

    /// The key of the signal profile `p` (dim_signal_profile), created when new.
    func signalProfile(_ p: SignalProfile) throws(VerdictError) -> Int64 {
        if let k = signalProfiles[p] { return k }
        for s in [insertSignalProfile, findSignalProfile] {
            s.bind(1, p.product)
            s.bind(2, p.outcome.name)
            s.bind(3, p.errorCode)
            s.bind(4, p.verdictLabel)
            s.bind(5, p.spoofProfile)
            s.bind(6, p.deeperResult)
            s.bind(7, p.uploadEnabledResult)
            s.bind(8, p.qualityPassed)
            s.bind(9, p.willingProfile)
        }
        try insertSignalProfile.run()
        var key: Int64 = 0
        _ = try findSignalProfile.queryOne { key = $0.int64(0) }
        signalProfiles.set(p, key, limit: DimensionCache.limit)
        return key
    }

    /// The key of a poll's OCR field list (names joined as stored; see `ReaderThread`).
    func ocrFieldSet(_ fields: String) throws(VerdictError) -> Int64 {
        try textKey(fields, cache: &ocrFieldSets, insert: insertOcrFieldSet, find: findOcrFieldSet)
    }

    func document(certType: String?, docCategory: String?, docEdition: Int?) throws(VerdictError) -> Int64? {
        guard certType != nil || docCategory != nil || docEdition != nil else { return nil }
        let k = DocumentKey(certType: certType, docCategory: docCategory, docEdition: docEdition)
        if let key = documents[k] { return key }
        for s in [insertDocument, findDocument] {
            s.bind(1, certType)
            s.bind(2, docCategory)
            s.bind(3, docEdition)
        }
        try insertDocument.run()
        var key: Int64 = 0
        _ = try findDocument.queryOne { key = $0.int64(0) }
        documents.set(k, key, limit: DimensionCache.limit)
        return key
    }

    /// The spoof profile key of a poll, looked up by its `spoofHash`.
    func spoofProfile(_ poll: SealedPoll) throws(VerdictError) -> Int64? {
        let box = poll.box
        guard !box.record.spoofChecks.isEmpty || !box.record.spoofDetails.isEmpty else { return nil }
        let value = SpoofValue(checks: box.record.spoofChecks, details: box.record.spoofDetails, hash: poll.spoofHash)
        if let k = spoofProfiles[value] { return k }
        guard let profile = Profiles.spoof(checks: value.checks, details: value.details) else { return nil }
        insertSpoof.bind(1, profile.json)
        let isNew = try insertSpoof.run() == 1
        findSpoof.bind(1, profile.json)
        var key: Int64 = 0
        _ = try findSpoof.queryOne { key = $0.int64(0) }
        if isNew {
            for c in profile.checks {
                insertSpoofCheck.bind(1, key)
                insertSpoofCheck.bind(2, c.check)
                insertSpoofCheck.bind(3, c.value)
                insertSpoofCheck.bind(4, SpoofRule.evaluated(c.value))
                insertSpoofCheck.bind(5, SpoofRule.passed(c.value))
                try insertSpoofCheck.run()
            }
            for d in profile.details {
                insertSpoofDetail.bind(1, key)
                insertSpoofDetail.bind(2, d.spoofType)
                insertSpoofDetail.bind(3, d.check)
                insertSpoofDetail.bind(4, d.component)
                insertSpoofDetail.bind(5, d.evaluated)
                insertSpoofDetail.bind(6, d.passed)
                try insertSpoofDetail.run()
            }
        }
        spoofProfiles.set(value, key, limit: DimensionCache.limit)
        return key
    }

    func willingProfile(_ records: [RetryRecord]?) throws(VerdictError) -> Int64? {
        guard let records, !records.isEmpty else { return nil }
        if let k = willingProfiles[records] { return k }
        guard let profile = Profiles.willing(records) else { return nil }
        insertWilling.bind(1, profile.json)
        insertWilling.bind(2, records.count)
        insertWilling.bind(3, profile.attempts)
        insertWilling.bind(4, profile.succeeded)
        let isNew = try insertWilling.run() == 1
        findWilling.bind(1, profile.json)
        var key: Int64 = 0
        _ = try findWilling.queryOne { key = $0.int64(0) }
        if isNew {
            for (i, r) in records.enumerated() {
                insertWillingRecord.bind(1, key)
                insertWillingRecord.bind(2, i)
                insertWillingRecord.bind(3, r.status)
                insertWillingRecord.bind(4, r.attemptNumber)
                try insertWillingRecord.run()
            }
        }
        willingProfiles.set(records, key, limit: DimensionCache.limit)
        return key
    }

    /// The `dim_date` key (yyyymmdd, UTC) of an instant, creating the day's row if needed.
    func date(forMillis ms: Int64) throws(VerdictError) -> Int64 {
        let days = Int((ms >= 0 ? ms : ms - 86_399_999) / 86_400_000)
        if days == lastDay.days { return lastDay.key }
        let c = CalendarDay(days: days)
        let key = Int64(c.year * 10000 + c.month * 100 + c.day)
        if dates.contains(key) {
            lastDay = (days, key)
            return key
        }
        let s = insertDate
        s.bind(1, key)
        s.bind(2, c.isoDate)
        s.bind(3, c.year)
        s.bind(4, c.monthLabel)
        s.bind(5, c.isoWeekYear)
        s.bind(6, c.isoWeek)
        s.bind(7, c.isoWeekLabel)
        s.bind(8, c.weekday)
        try s.run()
        dates.insert(key)
        lastDay = (days, key)
        return key
    }
}

@available(*, unavailable)
extension DimensionCache: Sendable {}

/// Dimension keys by value: the first values in a list searched in order, the rest in a
/// dictionary.
///
/// Most dimensions hold a handful of values (a few result codes, a dozen document kinds),
/// and the parser gives a repeated value the same String storage, so comparing is mostly
/// an identity check, cheaper than hashing the value for a dictionary on every poll.
struct KeyCache<Key: Hashable> {
    static var listed: Int { 16 }
    private var list: [(key: Key, value: Int64)] = []
    private var dictionary: [Key: Int64] = [:]

    var count: Int { list.count + dictionary.count }

    subscript(key: Key) -> Int64? {
        for e in list where e.key == key { return e.value }
        return dictionary.isEmpty ? nil : dictionary[key]
    }

    /// Remembers `value` for `key`; first forgets everything when `limit` keys are held.
    mutating func set(_ key: Key, _ value: Int64, limit: Int) {
        if count >= limit { removeAll() }
        if let i = list.firstIndex(where: { $0.key == key }) {
            list[i].value = value
        } else if list.count < Self.listed {
            list.append((key, value))
        } else {
            dictionary[key] = value
        }
    }

    mutating func removeAll() {
        list.removeAll(keepingCapacity: true)
        dictionary.removeAll(keepingCapacity: true)
    }
}

/// What a transaction ended as, in the columns signals count by (`dim_signal_profile`).
struct SignalProfile: Hashable {
    var product: Int
    var outcome: Outcome
    var errorCode: Int64?
    var verdictLabel: String?
    var spoofProfile: Int64?
    var deeperResult: String?
    var uploadEnabledResult: String?
    var qualityPassed: Bool?
    var willingProfile: Int64?
}
