internal import GRDB

/// The star schema, created and upgraded by named migrations.
///
/// Each migration is applied once and recorded by GRDB in `grdb_migrations`; a database
/// written by an older Verdict opens and is upgraded in place. Never edit a shipped
/// migration: add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1_star_schema") { db in try db.execute(sql: v1) }
        m.registerMigration("v2_document_reuse") { db in try db.execute(sql: v2) }
        m.registerMigration("v3_views") { db in try db.execute(sql: v3) }
        m.registerMigration("v4_period_index") { db in try db.execute(sql: v4) }
        m.registerMigration("v5_outcome_rollup") { db in try db.execute(sql: v5) }
        m.registerMigration("v6_quality_dates") { db in
            // Written defensively: a file may already carry the column from a pre-release build.
            if try !db.columns(in: "ingest_warning").contains(where: { $0.name == "ts_ms" }) {
                // (No SQL comment here: SQLite splices the column text into CREATE TABLE.)
                try db.execute(sql: "ALTER TABLE ingest_warning ADD COLUMN ts_ms INTEGER")
            }
            try db.execute(sql: v6)
        }
        m.registerMigration("v7_ocr_field_sets") { db in try db.execute(sql: v7) }
        m.registerMigration("v8_signal_rollup") { db in try db.execute(sql: v8) }
        m.registerMigration("v9_product_statistics") { db in try db.execute(sql: v9) }
        m.registerMigration("v10_file_rollup") { db in try db.execute(sql: v10) }
        return m
    }

    /// Names of the migrations, oldest first.
    static var migrationNames: [String] { migrator.migrations }

    static let v1 = """
        CREATE TABLE dim_product ( -- The two checkresult APIs. One row each.
          product_key INTEGER PRIMARY KEY,  -- 1 = ID_RECOGNITION, 2 = VIDEO_VERIFY
          product     TEXT NOT NULL UNIQUE, -- the name used in every CSV file
          api_path    TEXT NOT NULL         -- the checkresult path that identifies it
        );
        INSERT INTO dim_product VALUES
          (1, 'ID_RECOGNITION', '/api/v1/zoloz/idrecognition/checkresult'),
          (2, 'VIDEO_VERIFY',   '/api/v1/zoloz/videoverify/checkresult');

        CREATE TABLE dim_date ( -- Calendar days (UTC) on which transactions started.
          date_key       INTEGER PRIMARY KEY, -- yyyymmdd
          date           TEXT NOT NULL,       -- ISO date, yyyy-mm-dd
          year           INTEGER NOT NULL,
          month          TEXT NOT NULL,       -- yyyy-mm
          iso_year       INTEGER NOT NULL,
          iso_week       INTEGER NOT NULL,    -- 1..53
          iso_week_label TEXT NOT NULL,       -- yyyy-Www, as `--week` takes it
          day_of_week    INTEGER NOT NULL     -- 1 = Monday .. 7 = Sunday
        );

        CREATE TABLE dim_result_code ( -- Every resultCode seen (SUCCESS, PROCESSING, SYSTEM_ERROR, ...).
          result_code_key INTEGER PRIMARY KEY,
          result_code     TEXT NOT NULL UNIQUE -- as logged
        );

        CREATE TABLE dim_error_code ( -- ID Recognition recognitionErrorCode values (why a document failed).
          error_code_key INTEGER PRIMARY KEY,
          error_code     TEXT NOT NULL UNIQUE -- as logged
        );

        CREATE TABLE dim_document ( -- Document kinds: certType, docCategory, docEdition as logged.
          document_key INTEGER PRIMARY KEY,
          cert_type    TEXT,
          doc_category TEXT,
          doc_edition  INTEGER
        );
        CREATE UNIQUE INDEX dim_document_natural ON dim_document (
          ifnull(cert_type, char(0)), ifnull(doc_category, char(0)), ifnull(doc_edition, -9223372036854775808));

        CREATE TABLE dim_country ( -- Country codes read from documents (countryCode; a list gives its first).
          country_key  INTEGER PRIMARY KEY,
          country_code TEXT NOT NULL UNIQUE
        );

        CREATE TABLE dim_spoof_profile ( -- One row per distinct set of document spoof-check results (a junk dimension).
          spoof_profile_key INTEGER PRIMARY KEY,
          profile_json      TEXT NOT NULL UNIQUE -- canonical JSON of spoofResult and extraSpoofResultDetails
        );

        CREATE TABLE bridge_spoof_check ( -- The spoofResult entries of a spoof profile: one row per check.
          spoof_profile_key INTEGER NOT NULL REFERENCES dim_spoof_profile,
          check_name        TEXT NOT NULL,    -- TAMPER_CHECK, MATERIAL_CHECK, ...
          value             TEXT NOT NULL,    -- as logged: Y, N or anything else
          evaluated         INTEGER NOT NULL, -- 1 when value is not empty
          passed            INTEGER NOT NULL, -- 1 when value = 'Y'
          PRIMARY KEY (spoof_profile_key, check_name)
        ) WITHOUT ROWID;

        CREATE TABLE bridge_spoof_detail ( -- extraSpoofResultDetails of a spoof profile: a row per detail (component '') and per component.
          spoof_profile_key INTEGER NOT NULL REFERENCES dim_spoof_profile,
          spoof_type        TEXT NOT NULL,    -- SECURITY_FEATURE_CHECK, INFORMATION_CHECK, ...
          check_name        TEXT NOT NULL,    -- the detail's name, e.g. hologramCheck
          component         TEXT NOT NULL,    -- '' for the detail's own result, else the component's name
          evaluated         INTEGER NOT NULL, -- 1 when some value is not empty
          passed            INTEGER NOT NULL, -- 1 when evaluated and every non-empty value is 'Y'
          PRIMARY KEY (spoof_profile_key, spoof_type, check_name, component)
        ) WITHOUT ROWID;

        CREATE TABLE dim_willing_profile ( -- One row per distinct sequence of willing-verification attempts (a junk dimension).
          willing_profile_key INTEGER PRIMARY KEY,
          profile_json        TEXT NOT NULL UNIQUE, -- canonical JSON of [status, attemptNumber] per record
          record_count        INTEGER NOT NULL,
          attempts            INTEGER NOT NULL,     -- largest attemptNumber, else the number of records
          succeeded           INTEGER NOT NULL      -- 1 when the deciding attempt has status SUCCESS
        );

        CREATE TABLE bridge_willing_record ( -- The retry records of a willing profile, in logged order.
          willing_profile_key INTEGER NOT NULL REFERENCES dim_willing_profile,
          seq                 INTEGER NOT NULL, -- 0-based position in retryRecords
          status              TEXT,             -- NULL when absent
          attempt_number      INTEGER,          -- NULL when absent
          PRIMARY KEY (willing_profile_key, seq)
        ) WITHOUT ROWID;

        CREATE TABLE dim_source_file ( -- Every input ingested. Re-ingesting the same file adds no row (standard input does).
          file_key        INTEGER PRIMARY KEY,
          path            TEXT NOT NULL,      -- as given on the command line when first ingested ('-' for stdin)
          size_bytes      INTEGER,            -- size on disk (compressed size for .gz)
          content_sha256  TEXT UNIQUE,        -- SHA-256 of the bytes read; NULL until read to the end (and for stdin bytes seen before)
          status          TEXT NOT NULL,      -- 'reading' or 'complete'
          first_ingested_at TEXT NOT NULL,    -- UTC
          last_ingested_at  TEXT NOT NULL,    -- UTC
          lines INTEGER NOT NULL DEFAULT 0, accepted INTEGER NOT NULL DEFAULT 0,
          duplicates INTEGER NOT NULL DEFAULT 0, blank INTEGER NOT NULL DEFAULT 0,
          refused INTEGER NOT NULL DEFAULT 0, warnings INTEGER NOT NULL DEFAULT 0,
          refused_by_reason TEXT,             -- JSON object reason -> count
          head_sha256     TEXT,               -- SHA-256 of the first MiB: recognises the same file when resuming
          checkpoint_line   INTEGER NOT NULL DEFAULT 0, -- lines committed so far (an interrupted read resumes after it)
          checkpoint_offset INTEGER NOT NULL DEFAULT 0  -- byte offset in the (decompressed) stream after that line
        );

        CREATE TABLE fct_transaction ( -- Grain: one (product, transactionId). Carries its final poll's outcome.
          transaction_key   INTEGER PRIMARY KEY,
          product_key       INTEGER NOT NULL REFERENCES dim_product,
          transaction_id    TEXT NOT NULL,
          first_ts_ms       INTEGER NOT NULL,  -- the transaction's date: its earliest poll (epoch ms, UTC)
          date_key          INTEGER NOT NULL REFERENCES dim_date, -- UTC day of first_ts_ms
          poll_count        INTEGER NOT NULL,
          final_poll_key    INTEGER NOT NULL,  -- the fct_poll row chosen by the final-poll rule
          final_rank        INTEGER NOT NULL,  -- 1 SUCCESS, 2 other F/U, 3 SYSTEM_ERROR, 4 the rest
          final_ts_ms       INTEGER NOT NULL,
          result_status     TEXT NOT NULL,     -- of the final poll
          result_code_key   INTEGER NOT NULL REFERENCES dim_result_code,
          outcome           TEXT NOT NULL,     -- passed, failed, pending, api_error
          verdict           TEXT,              -- recognitionResult / videoVerifyResult when completed, as logged
          verdict_label     TEXT,              -- verdict as reported: VideoVerify's Success/Failure/VoidTimeout spelled canonically
          error_code_key    INTEGER REFERENCES dim_error_code, -- recognitionErrorCode of the final poll
          document_key      INTEGER REFERENCES dim_document,
          country_key       INTEGER REFERENCES dim_country,
          deeper_result     TEXT,
          upload_enabled_result TEXT,
          spoof_profile_key INTEGER REFERENCES dim_spoof_profile,
          quality           REAL,              -- VideoVerify quality in [0, 100]
          quality_passed    INTEGER,           -- 0/1, NULL when not a boolean
          willing_profile_key INTEGER REFERENCES dim_willing_profile,
          UNIQUE (product_key, transaction_id)
        );
        CREATE INDEX fct_transaction_by_date ON fct_transaction (first_ts_ms, product_key);

        CREATE TABLE fct_poll ( -- Grain: one accepted log line (a checkresult poll). Duplicates are not stored.
          poll_key          INTEGER PRIMARY KEY, -- ingest order: a later line has a larger key
          transaction_key   INTEGER NOT NULL REFERENCES fct_transaction,
          ts_ms             INTEGER NOT NULL,    -- the line's timestamp (epoch ms, UTC)
          result_status     TEXT NOT NULL,
          result_code_key   INTEGER NOT NULL REFERENCES dim_result_code,
          final_rank        INTEGER NOT NULL,
          file_key          INTEGER NOT NULL REFERENCES dim_source_file,
          line_number       INTEGER NOT NULL,
          biz_id            TEXT,
          verdict           TEXT,
          error_code_key    INTEGER REFERENCES dim_error_code,
          document_key      INTEGER REFERENCES dim_document,
          country_key       INTEGER REFERENCES dim_country,
          deeper_result     TEXT,
          upload_enabled_result TEXT,
          spoof_profile_key INTEGER REFERENCES dim_spoof_profile,
          quality           REAL,
          quality_passed    INTEGER,
          willing_profile_key INTEGER REFERENCES dim_willing_profile,
          image_count       INTEGER NOT NULL DEFAULT 0, -- images the response carried (never stored)
          image_bytes       INTEGER NOT NULL DEFAULT 0, -- their decoded size, estimated
          video_bytes       INTEGER NOT NULL DEFAULT 0, -- willingVerifyVideo's decoded size, estimated
          ocr_fields        TEXT,                       -- names of the OCR fields present (values are never stored)
          warning_count     INTEGER NOT NULL DEFAULT 0
        );
        -- A poll's identity (docs/LOG_FORMAT.md): product and transaction, instant, resultCode.
        CREATE UNIQUE INDEX fct_poll_identity ON fct_poll (transaction_key, ts_ms, result_code_key);

        CREATE TABLE ingest_refused_line ( -- Lines that could not be stored as polls, kept so nothing is lost.
          refused_key   INTEGER PRIMARY KEY,
          file_key      INTEGER REFERENCES dim_source_file,
          source_path   TEXT NOT NULL,
          line_number   INTEGER NOT NULL,
          reason        TEXT NOT NULL,   -- invalid_json, missing_transaction_id, ...
          detail        TEXT NOT NULL,   -- what was wrong, in words
          ts_ms         INTEGER,         -- the line's timestamp when one could be read
          byte_length   INTEGER NOT NULL,
          line_sha256   TEXT NOT NULL,
          content       BLOB NOT NULL,   -- the line as it came, long base64 runs replaced by a length note
          refused_at    TEXT NOT NULL,
          UNIQUE (file_key, line_number) -- a line of an input re-read (resumed, appended) is kept once
        );

        CREATE TABLE ingest_warning ( -- Fields of stored polls that had the wrong type: counted as absent.
          warning_key INTEGER PRIMARY KEY,
          poll_key    INTEGER NOT NULL REFERENCES fct_poll,
          file_key    INTEGER NOT NULL REFERENCES dim_source_file,
          line_number INTEGER NOT NULL,
          field       TEXT NOT NULL,     -- dotted path, e.g. extInfo.quality
          problem     TEXT NOT NULL
        );
        CREATE INDEX ingest_warning_by_poll ON ingest_warning (poll_key);

        CREATE TABLE meta_table_comment ( -- What every table and view holds, for analysts.
          name    TEXT PRIMARY KEY,
          grain   TEXT NOT NULL,
          comment TEXT NOT NULL
        );
        INSERT INTO meta_table_comment VALUES
          ('dim_product', 'one product', 'The two checkresult APIs.'),
          ('dim_date', 'one UTC day', 'Calendar attributes of the days transactions started on.'),
          ('dim_result_code', 'one resultCode', 'Result codes as logged.'),
          ('dim_error_code', 'one recognitionErrorCode', 'Why ID Recognition refused a document.'),
          ('dim_document', 'one (certType, docCategory, docEdition)', 'Document kinds.'),
          ('dim_country', 'one country code', 'Issuing countries read from documents.'),
          ('dim_spoof_profile', 'one distinct spoof-check result set', 'Junk dimension shared by every poll with the same spoof results.'),
          ('bridge_spoof_check', 'one spoofResult entry of a profile', 'Pass/fail per check (TAMPER_CHECK, ...).'),
          ('bridge_spoof_detail', 'one extraSpoofResultDetails row or component of a profile', 'Pass/fail per detailed check and component.'),
          ('dim_willing_profile', 'one distinct sequence of willing attempts', 'Junk dimension of VideoVerify retry records.'),
          ('bridge_willing_record', 'one retry record of a profile', 'Status and attempt number of each attempt.'),
          ('dim_source_file', 'one input content', 'Files ingested, with their counts.'),
          ('fct_transaction', 'one (product, transactionId)', 'Outcome of each transaction by its final poll; dated by its earliest poll.'),
          ('fct_poll', 'one accepted log line', 'Every checkresult poll stored, duplicates excluded.'),
          ('ingest_refused_line', 'one refused line', 'Lines refused at ingest, with reason and content.'),
          ('ingest_warning', 'one invalid field of a stored poll', 'Wrong-typed fields counted as absent.');
        """

    static let v2 = """
        -- Keyed hash of the document number (HMAC-SHA-256 with the user's key), for
        -- counting one document across transactions. NULL unless ingested with --pii-key.
        ALTER TABLE fct_poll ADD COLUMN document_hash TEXT;
        ALTER TABLE fct_transaction ADD COLUMN document_hash TEXT;
        CREATE INDEX fct_transaction_by_document ON fct_transaction (document_hash) WHERE document_hash IS NOT NULL;
        INSERT INTO meta_table_comment VALUES
          ('fct_transaction.document_hash', 'column', 'HMAC-SHA-256 of the document number under the key given with --pii-key; never the number itself.');
        """

    /// Reports select one product's transactions of one period: an index led by the
    /// product and then the date lets SQLite read just that range, whatever the history.
    static let v4 = """
        DROP INDEX IF EXISTS fct_transaction_by_date;
        CREATE INDEX fct_transaction_by_product_date ON fct_transaction (product_key, first_ts_ms);
        """

    /// Trends read eight periods: a rollup by quarter hour keeps that cost independent of
    /// history. Quarter hours, because every time zone's midnight falls on one in UTC.
    /// Ingest keeps it in step with fct_transaction (PollWriter.flush).
    static let v5 = """
        CREATE TABLE agg_outcome_15min ( -- Transactions by the quarter hour (UTC) of their date, product and outcome.
          bucket_ms    INTEGER NOT NULL, -- start of the quarter hour, epoch ms
          product_key  INTEGER NOT NULL REFERENCES dim_product,
          outcome      TEXT NOT NULL,    -- passed, failed, pending, api_error
          transactions INTEGER NOT NULL,
          PRIMARY KEY (product_key, bucket_ms, outcome)
        ) WITHOUT ROWID;
        INSERT INTO agg_outcome_15min (bucket_ms, product_key, outcome, transactions)
        SELECT first_ts_ms - ((first_ts_ms % 900000) + 900000) % 900000, product_key, outcome, count(*)
        FROM fct_transaction
        GROUP BY 1, 2, 3;
        INSERT INTO meta_table_comment VALUES
          ('agg_outcome_15min', 'one (quarter hour, product, outcome)', 'Rollup of fct_transaction for trends: counts by the quarter hour a transaction started in.');
        """

    /// Data-quality notes select refused lines and warnings by date: both get an index
    /// on it (a warning copies its poll's timestamp), so the notes cost what the period holds.
    static let v6 = """
        UPDATE ingest_warning SET ts_ms = (SELECT p.ts_ms FROM fct_poll p WHERE p.poll_key = ingest_warning.poll_key)
        WHERE ts_ms IS NULL;
        DROP INDEX IF EXISTS ingest_refused_line_by_ts;
        CREATE INDEX ingest_refused_line_by_ts ON ingest_refused_line (ts_ms);
        CREATE INDEX IF NOT EXISTS ingest_warning_by_ts ON ingest_warning (ts_ms);
        """

    /// The OCR field names of a poll, a list that repeats across nearly all polls of a
    /// document kind, move to a junk dimension: a key in each poll row instead of about
    /// 120 bytes of text (measured: 14% of a database of 1M lean polls). The view `v_poll`
    /// spells them out again. Dropping the column rewrites `fct_poll` once.
    static let v7 = """
        CREATE TABLE dim_ocr_field_set ( -- One row per distinct list of OCR field names (a junk dimension). Never their values.
          ocr_field_set_key INTEGER PRIMARY KEY,
          ocr_fields        TEXT NOT NULL UNIQUE -- names as map.NAME (e.g. ocrResult.ID_NUMBER), comma-separated, in logged order
        );
        INSERT INTO dim_ocr_field_set (ocr_fields)
        SELECT ocr_fields FROM fct_poll WHERE ocr_fields IS NOT NULL GROUP BY ocr_fields ORDER BY min(poll_key);
        ALTER TABLE fct_poll ADD COLUMN ocr_field_set_key INTEGER REFERENCES dim_ocr_field_set;
        UPDATE fct_poll SET ocr_field_set_key = (SELECT s.ocr_field_set_key FROM dim_ocr_field_set s WHERE s.ocr_fields = fct_poll.ocr_fields)
        WHERE ocr_fields IS NOT NULL;
        ALTER TABLE fct_poll DROP COLUMN ocr_fields;

        DROP VIEW v_poll;
        CREATE VIEW v_poll AS -- Every stored poll with its transaction and source line.
        SELECT pl.poll_key, p.product, t.transaction_id, pl.ts_ms,
               strftime('%Y-%m-%dT%H:%M:%fZ', pl.ts_ms / 1000.0, 'unixepoch') AS polled_at,
               pl.result_status, rc.result_code, pl.verdict, ec.error_code, pl.quality, pl.quality_passed,
               sf.path AS source_path, pl.line_number, pl.biz_id,
               (pl.poll_key = t.final_poll_key) AS is_final, ofs.ocr_fields
        FROM fct_poll pl
        JOIN fct_transaction t USING (transaction_key)
        JOIN dim_product p ON p.product_key = t.product_key
        JOIN dim_result_code rc ON rc.result_code_key = pl.result_code_key
        JOIN dim_source_file sf ON sf.file_key = pl.file_key
        LEFT JOIN dim_error_code ec ON ec.error_code_key = pl.error_code_key
        LEFT JOIN dim_ocr_field_set ofs ON ofs.ocr_field_set_key = pl.ocr_field_set_key;

        INSERT INTO meta_table_comment VALUES
          ('dim_ocr_field_set', 'one distinct list of OCR field names', 'Junk dimension of the OCR field names a poll carried; values are never stored.');
        """

    /// Signals read eight periods of what transactions ended as: their outcome, error code,
    /// verdict, spoof results, upload mode, quality and willing attempts. Those columns take
    /// about a thousand distinct combinations on a year of real traffic, so each combination
    /// becomes a row of a junk dimension, and two rollups count transactions by it: per UTC
    /// day (whole days of a period) and per quarter hour (the ends of a period that do not
    /// fall on a UTC midnight, in zones off UTC). Eight weeks then cost some twenty thousand
    /// rollup rows instead of every transaction. Ingest keeps both in step with
    /// fct_transaction (PollWriter.flush).
    static let v8 = """
        CREATE TABLE dim_signal_profile ( -- One distinct combination of the final-poll columns signals count by (a junk dimension).
          signal_profile_key    INTEGER PRIMARY KEY,
          product_key           INTEGER NOT NULL REFERENCES dim_product,
          outcome               TEXT NOT NULL,
          error_code_key        INTEGER REFERENCES dim_error_code,
          verdict_label         TEXT,
          spoof_profile_key     INTEGER REFERENCES dim_spoof_profile,
          deeper_result         TEXT,
          upload_enabled_result TEXT,
          quality_passed        INTEGER,
          willing_profile_key   INTEGER REFERENCES dim_willing_profile
        );
        -- NULL and '' are different values here: char(0) stands for NULL in text columns.
        CREATE UNIQUE INDEX dim_signal_profile_identity ON dim_signal_profile (
          product_key, outcome, ifnull(error_code_key, -1), ifnull(verdict_label, char(0)), ifnull(spoof_profile_key, -1),
          ifnull(deeper_result, char(0)), ifnull(upload_enabled_result, char(0)), ifnull(quality_passed, -1),
          ifnull(willing_profile_key, -1));
        INSERT INTO dim_signal_profile (product_key, outcome, error_code_key, verdict_label, spoof_profile_key,
          deeper_result, upload_enabled_result, quality_passed, willing_profile_key)
        SELECT DISTINCT product_key, outcome, error_code_key, verdict_label, spoof_profile_key,
          deeper_result, upload_enabled_result, quality_passed, willing_profile_key
        FROM fct_transaction WHERE outcome IS NOT NULL;

        CREATE TABLE agg_signal_15min ( -- Transactions by the quarter hour (UTC) of their date and their signal profile.
          bucket_ms          INTEGER NOT NULL, -- start of the quarter hour, epoch ms
          signal_profile_key INTEGER NOT NULL REFERENCES dim_signal_profile,
          transactions       INTEGER NOT NULL,
          PRIMARY KEY (bucket_ms, signal_profile_key)
        ) WITHOUT ROWID;
        CREATE TABLE agg_signal_day ( -- Transactions by the UTC day of their date and their signal profile.
          day_ms             INTEGER NOT NULL, -- start of the UTC day, epoch ms
          signal_profile_key INTEGER NOT NULL REFERENCES dim_signal_profile,
          transactions       INTEGER NOT NULL,
          PRIMARY KEY (day_ms, signal_profile_key)
        ) WITHOUT ROWID;
        INSERT INTO agg_signal_15min (bucket_ms, signal_profile_key, transactions)
        SELECT t.first_ts_ms - ((t.first_ts_ms % 900000) + 900000) % 900000, sp.signal_profile_key, count(*)
        FROM fct_transaction t
        JOIN dim_signal_profile sp -- one search of the unique index per transaction: its own expressions
          ON sp.product_key = t.product_key AND sp.outcome = t.outcome
         AND ifnull(sp.error_code_key, -1) = ifnull(t.error_code_key, -1)
         AND ifnull(sp.verdict_label, char(0)) = ifnull(t.verdict_label, char(0))
         AND ifnull(sp.spoof_profile_key, -1) = ifnull(t.spoof_profile_key, -1)
         AND ifnull(sp.deeper_result, char(0)) = ifnull(t.deeper_result, char(0))
         AND ifnull(sp.upload_enabled_result, char(0)) = ifnull(t.upload_enabled_result, char(0))
         AND ifnull(sp.quality_passed, -1) = ifnull(t.quality_passed, -1)
         AND ifnull(sp.willing_profile_key, -1) = ifnull(t.willing_profile_key, -1)
        GROUP BY 1, 2;
        INSERT INTO agg_signal_day (day_ms, signal_profile_key, transactions)
        SELECT bucket_ms - ((bucket_ms % 86400000) + 86400000) % 86400000, signal_profile_key, sum(transactions)
        FROM agg_signal_15min
        GROUP BY 1, 2;
        INSERT INTO meta_table_comment VALUES
          ('dim_signal_profile', 'one distinct combination of final-poll columns', 'Junk dimension of what transactions ended as, for signals.'),
          ('agg_signal_15min', 'one (quarter hour, signal profile)', 'Rollup of fct_transaction for signals: counts by the quarter hour a transaction started in.'),
          ('agg_signal_day', 'one (UTC day, signal profile)', 'Rollup of fct_transaction for signals: counts by the UTC day a transaction started in.');
        """

    /// Period queries join dim_product to fct_transaction's (product, date) index. Once
    /// `PRAGMA optimize` (run after each ingest) has given fct_transaction statistics but
    /// dim_product none, SQLite takes dim_product for a million-row table and prefers to build
    /// a temporary index over every transaction of the history, once per query (measured on a
    /// 12-week database: the week's outcomes query 0.03 → 0.07 s, growing with history). Two
    /// rows that never change get their statistics once, here, and the index is used again.
    static let v9 = """
        ANALYZE dim_product;
        """

    /// manifest.json lists the inputs holding a poll of a transaction of the period. Read from
    /// the polls, that is every poll of the period (12 weeks: 1.4M rows, 0.7 s); this rollup
    /// counts, per quarter hour of a transaction's date, the transactions with a poll in each
    /// input, so the list costs the quarter hours of the period. Ingest keeps it in step
    /// (PollWriter.flush): a transaction that gains an input or changes its date moves its counts.
    static let v10 = """
        CREATE TABLE agg_file_15min ( -- Transactions by the quarter hour (UTC) of their date and an input holding one of their polls.
          bucket_ms    INTEGER NOT NULL, -- start of the quarter hour, epoch ms
          file_key     INTEGER NOT NULL REFERENCES dim_source_file,
          transactions INTEGER NOT NULL,
          PRIMARY KEY (bucket_ms, file_key)
        ) WITHOUT ROWID;
        INSERT INTO agg_file_15min (bucket_ms, file_key, transactions)
        SELECT t.first_ts_ms - ((t.first_ts_ms % 900000) + 900000) % 900000, pl.file_key, count(DISTINCT t.transaction_key)
        FROM fct_poll pl JOIN fct_transaction t ON t.transaction_key = pl.transaction_key
        GROUP BY 1, 2;
        INSERT INTO meta_table_comment VALUES
          ('agg_file_15min', 'one (quarter hour, input)', 'Rollup for provenance: transactions by the quarter hour they started in and an input holding one of their polls.');
        """

    static let v3 = """
        CREATE VIEW v_transaction AS -- Transactions with their dimensions spelled out.
        SELECT t.transaction_key, p.product, t.transaction_id,
               t.first_ts_ms, strftime('%Y-%m-%dT%H:%M:%fZ', t.first_ts_ms / 1000.0, 'unixepoch') AS started_at,
               d.date, d.iso_week_label, d.month,
               t.poll_count, t.result_status, rc.result_code, t.outcome, t.verdict, t.verdict_label,
               ec.error_code, doc.cert_type, doc.doc_category, doc.doc_edition, c.country_code,
               t.deeper_result, t.upload_enabled_result, t.quality, t.quality_passed,
               wp.attempts AS willing_attempts, wp.succeeded AS willing_succeeded, t.document_hash
        FROM fct_transaction t
        JOIN dim_product p USING (product_key)
        JOIN dim_date d USING (date_key)
        JOIN dim_result_code rc ON rc.result_code_key = t.result_code_key
        LEFT JOIN dim_error_code ec ON ec.error_code_key = t.error_code_key
        LEFT JOIN dim_document doc ON doc.document_key = t.document_key
        LEFT JOIN dim_country c ON c.country_key = t.country_key
        LEFT JOIN dim_willing_profile wp ON wp.willing_profile_key = t.willing_profile_key;

        CREATE VIEW v_poll AS -- Every stored poll with its transaction and source line.
        SELECT pl.poll_key, p.product, t.transaction_id, pl.ts_ms,
               strftime('%Y-%m-%dT%H:%M:%fZ', pl.ts_ms / 1000.0, 'unixepoch') AS polled_at,
               pl.result_status, rc.result_code, pl.verdict, ec.error_code, pl.quality, pl.quality_passed,
               sf.path AS source_path, pl.line_number, pl.biz_id,
               (pl.poll_key = t.final_poll_key) AS is_final
        FROM fct_poll pl
        JOIN fct_transaction t USING (transaction_key)
        JOIN dim_product p ON p.product_key = t.product_key
        JOIN dim_result_code rc ON rc.result_code_key = pl.result_code_key
        JOIN dim_source_file sf ON sf.file_key = pl.file_key
        LEFT JOIN dim_error_code ec ON ec.error_code_key = pl.error_code_key;

        CREATE VIEW v_spoof_check AS -- Spoof checks of each transaction's final poll, deeperResult as check DEEPER.
        SELECT t.transaction_key, t.first_ts_ms, t.outcome, b.check_name, b.value, b.evaluated, b.passed
        FROM fct_transaction t
        JOIN bridge_spoof_check b ON b.spoof_profile_key = t.spoof_profile_key
        WHERE t.product_key = 1
        UNION ALL
        SELECT t.transaction_key, t.first_ts_ms, t.outcome, 'DEEPER', t.deeper_result,
               t.deeper_result <> '', t.deeper_result = 'Y'
        FROM fct_transaction t
        WHERE t.product_key = 1 AND t.deeper_result IS NOT NULL;

        CREATE VIEW v_spoof_detail AS -- extraSpoofResultDetails of each transaction's final poll.
        SELECT t.transaction_key, t.first_ts_ms, t.outcome, b.spoof_type, b.check_name, b.component, b.evaluated, b.passed
        FROM fct_transaction t
        JOIN bridge_spoof_detail b ON b.spoof_profile_key = t.spoof_profile_key
        WHERE t.product_key = 1;

        CREATE VIEW v_willing_record AS -- Willing-verification attempts of each transaction's final poll.
        SELECT t.transaction_key, t.first_ts_ms, t.outcome, r.seq, r.status, r.attempt_number
        FROM fct_transaction t
        JOIN bridge_willing_record r ON r.willing_profile_key = t.willing_profile_key
        WHERE t.product_key = 2;

        INSERT INTO meta_table_comment VALUES
          ('v_transaction', 'one transaction', 'fct_transaction joined with its dimensions.'),
          ('v_poll', 'one poll', 'fct_poll with product, transaction id, result code and source line.'),
          ('v_spoof_check', 'one check of a transaction', 'Final-poll spoof checks including DEEPER.'),
          ('v_spoof_detail', 'one detail or component of a transaction', 'Final-poll extraSpoofResultDetails.'),
          ('v_willing_record', 'one retry record of a transaction', 'Final-poll willing-verification attempts.');
        """
}
