import Foundation

/// Merges what one ingest stored in its private SQLite staging file into the PostgreSQL
/// database, in one transaction, so that any number of ingests may merge at the same time
/// and the result is that of one ingest of all their files.
///
/// The staging file was written by the SQLite ingest itself (every input rule, refused line,
/// warning and ledger count as on SQLite). Its rows reach the server by COPY into temporary
/// tables, and the merge is set-based SQL there:
/// - dimensions by their natural keys (a value another writer added first is used as it is);
/// - polls under keys from one sequence, in the staging order (a later line, a larger key),
///   inserted in identity order and dropped when their identity (transaction, instant,
///   result code) is already stored: a poll is stored once whoever reads it;
/// - transactions under a key every writer computes alike (8 bytes of SHA-256 of product
///   and transactionId), under an advisory lock held to the commit: new ones inserted,
///   existing ones read and merged monotonically: the earliest first poll, the poll count
///   plus the polls this merge added, and the better final poll by the final-poll rule
///   (rank, then the later instant, then the later key);
/// - the quarter-hour rollup cannot be merged that way (a transaction's bucket or outcome
///   may change), so every bucket this merge touched (before and after) is recounted from
///   the facts, under the same lock;
/// - the ledger of inputs: a row of the same content, or of the same file read further,
///   is found and brought up to date; polls that turned out stored already move from
///   accepted to duplicates in it.
/// A deadlock or a race on a unique key rolls the whole merge back; it is then run again.
enum PostgresMerge {
    /// What the merge found, per ledger path of the staging file.
    struct Outcome {
        /// Polls of each input (by its ledger path) that were stored already.
        var duplicates: [String: Int] = [:]
        /// Warnings those polls carried (a duplicate stores none).
        var warnings: [String: Int] = [:]
        /// Transactions in the database afterwards, by product key.
        var transactions: [Int: Int] = [:]
    }

    /// Advisory lock held from the transactions' merge to the commit: one merge at a time
    /// changes transaction rows and recounts the rollup, so the rows it reads before
    /// changing them are the latest committed ones (no row locks, which Citus cannot take
    /// on a join), and each recount sees the others' committed rows. Staging, COPY, the
    /// dimensions and the polls (most of the work) run side by side.
    static let transactionLock = 0x5652_4455

    static let stagedTables = [
        "dim_date", "dim_result_code", "dim_error_code", "dim_document", "dim_country", "dim_spoof_profile",
        "bridge_spoof_check", "bridge_spoof_detail", "dim_willing_profile", "bridge_willing_record",
        "dim_ocr_field_set", "dim_source_file", "fct_transaction", "fct_poll", "ingest_refused_line", "ingest_warning",
    ]

    static func merge(_ staging: VerdictDatabase, into database: PostgresDatabase, attempts: Int = 8) throws(VerdictError) -> Outcome {
        let c = try database.connect()
        var attempt = 0
        while true {
            attempt += 1
            do {
                try c.execute("BEGIN")
                let outcome = try mergeOnce(staging, c)
                try c.execute("COMMIT")
                return outcome
            } catch {
                try? c.execute("ROLLBACK")
                let state = (error.cause as? PostgresError)?.sqlState
                let retry = state == "40P01" || state == "40001" || state == "23505"
                guard retry, attempt < attempts else { throw error }
                usleep(useconds_t(20_000 * attempt))
            }
        }
    }

    private static func mergeOnce(_ staging: VerdictDatabase, _ c: PostgresConnection) throws(VerdictError) -> Outcome {
        // 1. The staging rows, into temporary tables of the same columns.
        for table in stagedTables {
            try c.execute("CREATE TEMP TABLE s_\(table) (LIKE \(table)) ON COMMIT DROP")
            let columns = try c.query("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position", [table]).rows.compactMap { $0[0] }
            _ = try PostgresCopy.copy(table: table, columns: columns, from: staging, into: c, target: "s_" + table)
        }
        // Temporary tables have no statistics until analyzed: without them the planner
        // guesses their sizes and joins them row by row.
        try c.execute("ANALYZE " + stagedTables.map { "s_" + $0 }.joined(separator: ", "))
        // 2. Dimensions, by natural key; m_NAME maps a staging key to the database's.
        try c.execute("""
            INSERT INTO dim_date SELECT * FROM s_dim_date ORDER BY date_key ON CONFLICT DO NOTHING;
            INSERT INTO dim_result_code SELECT nextval('verdict_keys'), result_code FROM (SELECT result_code FROM s_dim_result_code ORDER BY result_code) s ON CONFLICT DO NOTHING;
            CREATE TEMP TABLE m_result_code ON COMMIT DROP AS SELECT s.result_code_key AS s_key, d.result_code_key AS key FROM s_dim_result_code s JOIN dim_result_code d USING (result_code);
            INSERT INTO dim_error_code SELECT nextval('verdict_keys'), error_code FROM (SELECT error_code FROM s_dim_error_code ORDER BY error_code) s ON CONFLICT DO NOTHING;
            CREATE TEMP TABLE m_error_code ON COMMIT DROP AS SELECT s.error_code_key AS s_key, d.error_code_key AS key FROM s_dim_error_code s JOIN dim_error_code d USING (error_code);
            INSERT INTO dim_country SELECT nextval('verdict_keys'), country_code FROM (SELECT country_code FROM s_dim_country ORDER BY country_code) s ON CONFLICT DO NOTHING;
            CREATE TEMP TABLE m_country ON COMMIT DROP AS SELECT s.country_key AS s_key, d.country_key AS key FROM s_dim_country s JOIN dim_country d USING (country_code);
            INSERT INTO dim_ocr_field_set SELECT nextval('verdict_keys'), ocr_fields FROM (SELECT ocr_fields FROM s_dim_ocr_field_set ORDER BY ocr_fields) s ON CONFLICT DO NOTHING;
            CREATE TEMP TABLE m_ocr_field_set ON COMMIT DROP AS SELECT s.ocr_field_set_key AS s_key, d.ocr_field_set_key AS key FROM s_dim_ocr_field_set s JOIN dim_ocr_field_set d USING (ocr_fields);
            INSERT INTO dim_document SELECT nextval('verdict_keys'), cert_type, doc_category, doc_edition
              FROM (SELECT * FROM s_dim_document ORDER BY cert_type NULLS FIRST, doc_category NULLS FIRST, doc_edition NULLS FIRST) s ON CONFLICT DO NOTHING;
            CREATE TEMP TABLE m_document ON COMMIT DROP AS SELECT s.document_key AS s_key, d.document_key AS key FROM s_dim_document s JOIN dim_document d
              ON d.cert_type IS NOT DISTINCT FROM s.cert_type AND d.doc_category IS NOT DISTINCT FROM s.doc_category AND d.doc_edition IS NOT DISTINCT FROM s.doc_edition;
            CREATE TEMP TABLE n_spoof (key bigint, profile_json text) ON COMMIT DROP;
            WITH ins AS (INSERT INTO dim_spoof_profile SELECT nextval('verdict_keys'), profile_json FROM (SELECT profile_json FROM s_dim_spoof_profile ORDER BY profile_json) s
                         ON CONFLICT DO NOTHING RETURNING spoof_profile_key, profile_json)
              INSERT INTO n_spoof SELECT * FROM ins;
            CREATE TEMP TABLE m_spoof ON COMMIT DROP AS SELECT s.spoof_profile_key AS s_key, d.spoof_profile_key AS key FROM s_dim_spoof_profile s JOIN dim_spoof_profile d USING (profile_json);
            INSERT INTO bridge_spoof_check SELECT n.key, b.check_name, b.value, b.evaluated, b.passed
              FROM s_bridge_spoof_check b JOIN s_dim_spoof_profile s ON s.spoof_profile_key = b.spoof_profile_key JOIN n_spoof n USING (profile_json);
            INSERT INTO bridge_spoof_detail SELECT n.key, b.spoof_type, b.check_name, b.component, b.evaluated, b.passed
              FROM s_bridge_spoof_detail b JOIN s_dim_spoof_profile s ON s.spoof_profile_key = b.spoof_profile_key JOIN n_spoof n USING (profile_json);
            CREATE TEMP TABLE n_willing (key bigint, profile_json text) ON COMMIT DROP;
            WITH ins AS (INSERT INTO dim_willing_profile SELECT nextval('verdict_keys'), profile_json, record_count, attempts, succeeded
                           FROM (SELECT * FROM s_dim_willing_profile ORDER BY profile_json) s
                         ON CONFLICT DO NOTHING RETURNING willing_profile_key, profile_json)
              INSERT INTO n_willing SELECT * FROM ins;
            CREATE TEMP TABLE m_willing ON COMMIT DROP AS SELECT s.willing_profile_key AS s_key, d.willing_profile_key AS key FROM s_dim_willing_profile s JOIN dim_willing_profile d USING (profile_json);
            INSERT INTO bridge_willing_record SELECT n.key, b.seq, b.status, b.attempt_number
              FROM s_bridge_willing_record b JOIN s_dim_willing_profile s ON s.willing_profile_key = b.willing_profile_key JOIN n_willing n USING (profile_json);
            CREATE TEMP TABLE m_file (s_key bigint PRIMARY KEY, key bigint NOT NULL, counted boolean NOT NULL) ON COMMIT DROP;
            ANALYZE m_result_code, m_error_code, m_country, m_ocr_field_set, m_document, m_spoof, m_willing;
            """)
        // 3. The ledger of inputs, row by row (an ingest has few inputs).
        let files = try c.query("SELECT file_key, path, content_sha256, head_sha256, size_bytes FROM s_dim_source_file ORDER BY file_key")
        for f in files.rows {
            let (sKey, path, sha, head, size) = (f[0]!, f[1]!, f[2], f[3], f[4])
            if let sha, let key = try c.value("SELECT file_key FROM dim_source_file WHERE content_sha256 = $1 AND status = 'complete'", [sha]) {
                try c.execute("UPDATE dim_source_file SET last_ingested_at = s.last_ingested_at FROM s_dim_source_file s WHERE s.file_key = \(sKey) AND dim_source_file.file_key = \(key)")
                try c.execute("INSERT INTO m_file VALUES (\(sKey), \(key), false)")
                continue
            }
            let key: String
            if let head, let found = try c.value("""
                SELECT file_key FROM dim_source_file WHERE path = $1 AND head_sha256 = $2 AND coalesce(size_bytes, 0) <= coalesce($3::bigint, 0)
                ORDER BY file_key DESC LIMIT 1
                """, [path, head, size]) {
                key = found
                try c.execute("""
                    UPDATE dim_source_file d SET size_bytes = s.size_bytes, content_sha256 = s.content_sha256, status = s.status,
                      last_ingested_at = s.last_ingested_at, lines = s.lines, accepted = s.accepted, duplicates = s.duplicates,
                      blank = s.blank, refused = s.refused, warnings = s.warnings, refused_by_reason = s.refused_by_reason,
                      head_sha256 = s.head_sha256, checkpoint_line = s.checkpoint_line, checkpoint_offset = s.checkpoint_offset
                    FROM s_dim_source_file s WHERE s.file_key = \(sKey) AND d.file_key = \(key)
                    """)
            } else {
                key = try c.value("""
                    INSERT INTO dim_source_file SELECT nextval('verdict_keys'), path, size_bytes, content_sha256, status, first_ingested_at,
                      last_ingested_at, lines, accepted, duplicates, blank, refused, warnings, refused_by_reason, head_sha256,
                      checkpoint_line, checkpoint_offset FROM s_dim_source_file WHERE file_key = \(sKey) RETURNING file_key
                    """) ?? "0"
            }
            try c.execute("INSERT INTO m_file VALUES (\(sKey), \(key), true)")
        }
        // 4. Polls: keys in staging order, inserted in identity order, duplicates dropped.
        try c.execute("""
            CREATE TEMP TABLE m_txn ON COMMIT DROP AS
              SELECT transaction_key AS s_key, verdict_transaction_key(product_key, transaction_id) AS key FROM s_fct_transaction;
            ANALYZE m_txn, m_file;
            CREATE TEMP TABLE pk ON COMMIT DROP AS
              SELECT o.poll_key AS s_key, nextval('verdict_keys') AS key FROM (SELECT poll_key FROM s_fct_poll ORDER BY poll_key) o;
            ANALYZE pk;
            CREATE TEMP TABLE sp ON COMMIT DROP AS
              SELECT pk.key AS poll_key, mt.key AS transaction_key, s.ts_ms, s.result_status, mrc.key AS result_code_key, s.final_rank,
                     mf.key AS file_key, s.line_number, s.biz_id, s.verdict, mec.key AS error_code_key, md.key AS document_key,
                     mc.key AS country_key, s.deeper_result, s.upload_enabled_result, ms.key AS spoof_profile_key, s.quality,
                     s.quality_passed, mw.key AS willing_profile_key, s.image_count, s.image_bytes, s.video_bytes, s.warning_count,
                     s.document_hash, mo.key AS ocr_field_set_key, s.poll_key AS s_key, s.file_key AS s_file_key
              FROM s_fct_poll s
              JOIN pk ON pk.s_key = s.poll_key
              JOIN m_txn mt ON mt.s_key = s.transaction_key
              JOIN m_result_code mrc ON mrc.s_key = s.result_code_key
              JOIN m_file mf ON mf.s_key = s.file_key
              LEFT JOIN m_error_code mec ON mec.s_key = s.error_code_key
              LEFT JOIN m_document md ON md.s_key = s.document_key
              LEFT JOIN m_country mc ON mc.s_key = s.country_key
              LEFT JOIN m_spoof ms ON ms.s_key = s.spoof_profile_key
              LEFT JOIN m_willing mw ON mw.s_key = s.willing_profile_key
              LEFT JOIN m_ocr_field_set mo ON mo.s_key = s.ocr_field_set_key;
            CREATE TEMP TABLE new_polls (poll_key bigint PRIMARY KEY, transaction_key bigint) ON COMMIT DROP;
            WITH ins AS (
              INSERT INTO fct_poll (poll_key, transaction_key, ts_ms, result_status, result_code_key, final_rank, file_key, line_number,
                                    biz_id, verdict, error_code_key, document_key, country_key, deeper_result, upload_enabled_result,
                                    spoof_profile_key, quality, quality_passed, willing_profile_key, image_count, image_bytes,
                                    video_bytes, warning_count, document_hash, ocr_field_set_key)
              SELECT poll_key, transaction_key, ts_ms, result_status, result_code_key, final_rank, file_key, line_number,
                     biz_id, verdict, error_code_key, document_key, country_key, deeper_result, upload_enabled_result,
                     spoof_profile_key, quality, quality_passed, willing_profile_key, image_count, image_bytes,
                     video_bytes, warning_count, document_hash, ocr_field_set_key
              FROM sp ORDER BY transaction_key, ts_ms, result_code_key
              ON CONFLICT (transaction_key, ts_ms, result_code_key) DO NOTHING
              RETURNING poll_key, transaction_key)
            INSERT INTO new_polls SELECT * FROM ins;
            ANALYZE sp, new_polls;
            INSERT INTO ingest_warning (warning_key, poll_key, file_key, line_number, field, problem, ts_ms)
              SELECT nextval('verdict_keys'), sp.poll_key, sp.file_key, w.line_number, w.field, w.problem, w.ts_ms
              FROM (SELECT * FROM s_ingest_warning ORDER BY warning_key) w
              JOIN sp ON sp.s_key = w.poll_key JOIN new_polls n ON n.poll_key = sp.poll_key;
            INSERT INTO ingest_refused_line (refused_key, file_key, source_path, line_number, reason, detail, ts_ms, byte_length,
                                             line_sha256, content, refused_at)
              SELECT nextval('verdict_keys'), mf.key, r.source_path, r.line_number, r.reason, r.detail, r.ts_ms, r.byte_length,
                     r.line_sha256, r.content, r.refused_at
              FROM (SELECT * FROM s_ingest_refused_line ORDER BY refused_key) r LEFT JOIN m_file mf ON mf.s_key = r.file_key
              ON CONFLICT DO NOTHING;
            """)
        // 5. Transactions, under the lock: new ones inserted, the others read and merged.
        try c.execute("""
            CREATE TEMP TABLE final_key ON COMMIT DROP AS
              SELECT sp.s_key, coalesce(n.poll_key, e.poll_key) AS key
              FROM sp LEFT JOIN new_polls n ON n.poll_key = sp.poll_key
              LEFT JOIN fct_poll e ON n.poll_key IS NULL AND e.transaction_key = sp.transaction_key AND e.ts_ms = sp.ts_ms
                                   AND e.result_code_key = sp.result_code_key
              WHERE sp.s_key IN (SELECT final_poll_key FROM s_fct_transaction);
            ANALYZE final_key;
            CREATE TEMP TABLE st ON COMMIT DROP AS
              SELECT mt.key AS transaction_key, s.product_key, s.transaction_id, s.first_ts_ms, s.date_key,
                     coalesce(np.n, 0) AS new_polls,
                     fk.key AS final_poll_key, s.final_rank, s.final_ts_ms, s.result_status, mrc.key AS result_code_key, s.outcome,
                     s.verdict, s.verdict_label, mec.key AS error_code_key, md.key AS document_key, mc.key AS country_key,
                     s.deeper_result, s.upload_enabled_result, ms.key AS spoof_profile_key, s.quality, s.quality_passed,
                     mw.key AS willing_profile_key, s.document_hash
              FROM s_fct_transaction s
              JOIN m_txn mt ON mt.s_key = s.transaction_key
              JOIN final_key fk ON fk.s_key = s.final_poll_key
              LEFT JOIN (SELECT transaction_key, count(*) AS n FROM new_polls GROUP BY transaction_key) np ON np.transaction_key = mt.key
              JOIN m_result_code mrc ON mrc.s_key = s.result_code_key
              LEFT JOIN m_error_code mec ON mec.s_key = s.error_code_key
              LEFT JOIN m_document md ON md.s_key = s.document_key
              LEFT JOIN m_country mc ON mc.s_key = s.country_key
              LEFT JOIN m_spoof ms ON ms.s_key = s.spoof_profile_key
              LEFT JOIN m_willing mw ON mw.s_key = s.willing_profile_key;
            CREATE TEMP TABLE new_txn (transaction_key bigint PRIMARY KEY) ON COMMIT DROP;
            SELECT pg_advisory_xact_lock(\(transactionLock));
            WITH ins AS (
              INSERT INTO fct_transaction (transaction_key, product_key, transaction_id, first_ts_ms, date_key, poll_count, final_poll_key,
                                           final_rank, final_ts_ms, result_status, result_code_key, outcome, verdict, verdict_label,
                                           error_code_key, document_key, country_key, deeper_result, upload_enabled_result,
                                           spoof_profile_key, quality, quality_passed, willing_profile_key, document_hash)
              SELECT transaction_key, product_key, transaction_id, first_ts_ms, date_key, new_polls, final_poll_key,
                     final_rank, final_ts_ms, result_status, result_code_key, outcome, verdict, verdict_label,
                     error_code_key, document_key, country_key, deeper_result, upload_enabled_result,
                     spoof_profile_key, quality, quality_passed, willing_profile_key, document_hash
              FROM st ORDER BY transaction_key
              ON CONFLICT (transaction_key) DO NOTHING RETURNING transaction_key)
            INSERT INTO new_txn SELECT * FROM ins;
            ANALYZE st, new_txn;
            CREATE TEMP TABLE old_txn ON COMMIT DROP AS
              SELECT transaction_key, product_key, first_ts_ms, final_rank, final_ts_ms, final_poll_key FROM fct_transaction LIMIT 0;
            INSERT INTO old_txn
              SELECT t.transaction_key, t.product_key, t.first_ts_ms, t.final_rank, t.final_ts_ms, t.final_poll_key
              FROM fct_transaction t
              WHERE t.transaction_key IN (SELECT transaction_key FROM st EXCEPT SELECT transaction_key FROM new_txn)
              ORDER BY t.transaction_key;
            ANALYZE old_txn;
            UPDATE fct_transaction t SET
              first_ts_ms = least(t.first_ts_ms, s.first_ts_ms),
              date_key = CASE WHEN s.first_ts_ms < t.first_ts_ms THEN s.date_key ELSE t.date_key END,
              poll_count = t.poll_count + s.new_polls,
              final_poll_key = CASE WHEN s.beats THEN s.final_poll_key ELSE t.final_poll_key END,
              final_rank = CASE WHEN s.beats THEN s.final_rank ELSE t.final_rank END,
              final_ts_ms = CASE WHEN s.beats THEN s.final_ts_ms ELSE t.final_ts_ms END,
              result_status = CASE WHEN s.beats THEN s.result_status ELSE t.result_status END,
              result_code_key = CASE WHEN s.beats THEN s.result_code_key ELSE t.result_code_key END,
              outcome = CASE WHEN s.beats THEN s.outcome ELSE t.outcome END,
              verdict = CASE WHEN s.beats THEN s.verdict ELSE t.verdict END,
              verdict_label = CASE WHEN s.beats THEN s.verdict_label ELSE t.verdict_label END,
              error_code_key = CASE WHEN s.beats THEN s.error_code_key ELSE t.error_code_key END,
              document_key = CASE WHEN s.beats THEN s.document_key ELSE t.document_key END,
              country_key = CASE WHEN s.beats THEN s.country_key ELSE t.country_key END,
              deeper_result = CASE WHEN s.beats THEN s.deeper_result ELSE t.deeper_result END,
              upload_enabled_result = CASE WHEN s.beats THEN s.upload_enabled_result ELSE t.upload_enabled_result END,
              spoof_profile_key = CASE WHEN s.beats THEN s.spoof_profile_key ELSE t.spoof_profile_key END,
              quality = CASE WHEN s.beats THEN s.quality ELSE t.quality END,
              quality_passed = CASE WHEN s.beats THEN s.quality_passed ELSE t.quality_passed END,
              willing_profile_key = CASE WHEN s.beats THEN s.willing_profile_key ELSE t.willing_profile_key END,
              document_hash = CASE WHEN s.beats THEN s.document_hash ELSE t.document_hash END
            FROM (SELECT st.*, (st.final_rank < o.final_rank OR (st.final_rank = o.final_rank AND (st.final_ts_ms > o.final_ts_ms
                    OR (st.final_ts_ms = o.final_ts_ms AND st.final_poll_key > o.final_poll_key)))) AS beats
                  FROM st JOIN old_txn o USING (transaction_key)) s
            WHERE t.transaction_key = s.transaction_key;
            """)
        // 6. The rollup: every touched quarter hour recounted from the facts, still under the lock.
        try c.execute("""
            CREATE TEMP TABLE touched ON COMMIT DROP AS
              SELECT DISTINCT product_key, first_ts_ms - ((first_ts_ms % 900000) + 900000) % 900000 AS bucket_ms
              FROM (SELECT product_key, first_ts_ms FROM old_txn
                    UNION ALL SELECT t.product_key, t.first_ts_ms FROM fct_transaction t WHERE t.transaction_key IN (SELECT transaction_key FROM st)) x;
            ANALYZE touched;
            DELETE FROM agg_outcome_15min WHERE (product_key, bucket_ms) IN (SELECT product_key, bucket_ms FROM touched);
            INSERT INTO agg_outcome_15min (bucket_ms, product_key, outcome, transactions)
              SELECT u.bucket_ms, u.product_key, t.outcome, count(*)
              FROM touched u JOIN fct_transaction t ON t.product_key = u.product_key AND t.first_ts_ms >= u.bucket_ms AND t.first_ts_ms < u.bucket_ms + 900000
              GROUP BY 1, 2, 3;
            """)
        // The signal rollups, recounted the same way: every combination of the touched
        // transactions gets its profile row, then each touched quarter hour is counted again
        // by profile from the facts, and each touched UTC day from its quarter hours. The
        // join on the nine columns is written as equalities (a NULL flag and the value), so
        // that it can be hashed.
        try c.execute("""
            CREATE TEMP TABLE touched_all ON COMMIT DROP AS
              SELECT DISTINCT u.bucket_ms, p.product_key FROM touched u CROSS JOIN dim_product p;
            ANALYZE touched_all;
            CREATE TEMP TABLE touched_profiles ON COMMIT DROP AS
              SELECT u.bucket_ms, t.product_key, t.outcome, t.error_code_key, t.verdict_label, t.spoof_profile_key, t.deeper_result,
                     t.upload_enabled_result, t.quality_passed, t.willing_profile_key, count(*) AS transactions
              FROM touched_all u
              JOIN fct_transaction t ON t.product_key = u.product_key AND t.first_ts_ms >= u.bucket_ms AND t.first_ts_ms < u.bucket_ms + 900000
              WHERE t.outcome IS NOT NULL
              GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
            ANALYZE touched_profiles;
            INSERT INTO dim_signal_profile
              SELECT nextval('verdict_keys'), product_key, outcome, error_code_key, verdict_label, spoof_profile_key, deeper_result,
                     upload_enabled_result, quality_passed, willing_profile_key
              FROM (SELECT DISTINCT product_key, outcome, error_code_key, verdict_label, spoof_profile_key, deeper_result,
                           upload_enabled_result, quality_passed, willing_profile_key FROM touched_profiles) d
              ON CONFLICT DO NOTHING;
            DELETE FROM agg_signal_15min WHERE bucket_ms IN (SELECT bucket_ms FROM touched);
            INSERT INTO agg_signal_15min (bucket_ms, signal_profile_key, transactions)
              SELECT x.bucket_ms, sp.signal_profile_key, sum(x.transactions)
              FROM touched_profiles x
              JOIN dim_signal_profile sp
                ON sp.product_key = x.product_key AND sp.outcome = x.outcome
               AND (sp.error_code_key IS NULL) = (x.error_code_key IS NULL) AND coalesce(sp.error_code_key, 0) = coalesce(x.error_code_key, 0)
               AND (sp.verdict_label IS NULL) = (x.verdict_label IS NULL) AND coalesce(sp.verdict_label, '') = coalesce(x.verdict_label, '')
               AND (sp.spoof_profile_key IS NULL) = (x.spoof_profile_key IS NULL) AND coalesce(sp.spoof_profile_key, 0) = coalesce(x.spoof_profile_key, 0)
               AND (sp.deeper_result IS NULL) = (x.deeper_result IS NULL) AND coalesce(sp.deeper_result, '') = coalesce(x.deeper_result, '')
               AND (sp.upload_enabled_result IS NULL) = (x.upload_enabled_result IS NULL)
               AND coalesce(sp.upload_enabled_result, '') = coalesce(x.upload_enabled_result, '')
               AND (sp.quality_passed IS NULL) = (x.quality_passed IS NULL) AND coalesce(sp.quality_passed, 0) = coalesce(x.quality_passed, 0)
               AND (sp.willing_profile_key IS NULL) = (x.willing_profile_key IS NULL) AND coalesce(sp.willing_profile_key, 0) = coalesce(x.willing_profile_key, 0)
              GROUP BY 1, 2;
            CREATE TEMP TABLE touched_days ON COMMIT DROP AS
              SELECT DISTINCT bucket_ms - ((bucket_ms % 86400000) + 86400000) % 86400000 AS day_ms FROM touched;
            DELETE FROM agg_file_15min WHERE bucket_ms IN (SELECT bucket_ms FROM touched);
            INSERT INTO agg_file_15min (bucket_ms, file_key, transactions)
              SELECT u.bucket_ms, pl.file_key, count(DISTINCT t.transaction_key)
              FROM touched_all u
              JOIN fct_transaction t ON t.product_key = u.product_key AND t.first_ts_ms >= u.bucket_ms AND t.first_ts_ms < u.bucket_ms + 900000
              JOIN fct_poll pl ON pl.transaction_key = t.transaction_key
              GROUP BY 1, 2;
            DELETE FROM agg_signal_day WHERE day_ms IN (SELECT day_ms FROM touched_days);
            INSERT INTO agg_signal_day (day_ms, signal_profile_key, transactions)
              SELECT d.day_ms, q.signal_profile_key, sum(q.transactions)
              FROM touched_days d JOIN agg_signal_15min q ON q.bucket_ms >= d.day_ms AND q.bucket_ms < d.day_ms + 86400000
              GROUP BY 1, 2;
            """)
        // 7. Polls that were stored already are duplicates of their input, not accepted.
        var outcome = Outcome()
        let dupes = try c.query("""
            SELECT f.path, count(*), coalesce(sum(sp.warning_count), 0), mf.key, mf.counted
            FROM sp JOIN s_dim_source_file f ON f.file_key = sp.s_file_key JOIN m_file mf ON mf.s_key = sp.s_file_key
            WHERE NOT EXISTS (SELECT 1 FROM new_polls n WHERE n.poll_key = sp.poll_key)
            GROUP BY f.path, mf.key, mf.counted
            """)
        for row in dupes.rows {
            guard let path = row[0], let n = Int(row[1] ?? ""), let w = Int(row[2] ?? ""), let key = row[3] else { continue }
            outcome.duplicates[path, default: 0] += n
            outcome.warnings[path, default: 0] += w
            if row[4] == "t" {
                try c.execute("UPDATE dim_source_file SET accepted = accepted - \(n), duplicates = duplicates + \(n), warnings = warnings - \(w) WHERE file_key = \(key)")
            }
        }
        for row in try c.query("SELECT product_key, sum(transactions) FROM agg_outcome_15min GROUP BY product_key").rows {
            if let p = Int(row[0] ?? ""), let n = Int(row[1] ?? "") { outcome.transactions[p] = n }
        }
        return outcome
    }
}
