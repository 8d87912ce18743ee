/// The star schema on PostgreSQL: the tables, columns and views of the SQLite file (see
/// Schema.swift, after its last migration), in PostgreSQL's types. Integers are `BIGINT`
/// (PostgreSQL's `INTEGER` has 4 bytes), reals `DOUBLE PRECISION` (its `REAL` has 4 bytes),
/// text `COLLATE "C"` (compared and sorted by code point, as SQLite does), lines `BYTEA`.
enum PostgresSchema {
    static let create = """
        CREATE TABLE verdict_meta (name TEXT COLLATE "C" PRIMARY KEY, value TEXT COLLATE "C" NOT NULL);

        -- The three SQLite functions the shared query files use where the two dialects have
        -- no common form: strftime(format, seconds, 'unixepoch') for %Y %m %d %H %M %S %f
        -- (seconds as SQLite counts them, UTC), json_extract(json, path) and
        -- json_each(json, path) for paths of keys and indexes ('$.a', '$[0]'), a string as
        -- its text and anything else as JSON, as SQLite gives them.
        CREATE FUNCTION strftime(format text, seconds numeric, modifier text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
          SELECT to_char(to_timestamp(seconds) AT TIME ZONE 'UTC',
                 replace(replace(replace(replace(replace(replace(replace(
                   regexp_replace(format, '([^%]|^)([A-Za-z]+)', '\\1"\\2"', 'g'),
                   '%Y', 'YYYY'), '%m', 'MM'), '%d', 'DD'), '%H', 'HH24'), '%M', 'MI'), '%f', 'SS.MS'), '%S', 'SS'))
          WHERE modifier = 'unixepoch'
        $$;
        CREATE FUNCTION json_extract(doc text, path text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
          SELECT CASE jsonb_typeof(v) WHEN 'string' THEN v #>> '{}' WHEN 'null' THEN NULL ELSE v::text END
          FROM (SELECT jsonb_path_query_first(doc::jsonb, path::jsonpath) AS v) AS found
        $$;
        CREATE FUNCTION json_each(doc text, path text) RETURNS TABLE (key text, value text)
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
          WITH found AS (SELECT jsonb_path_query_first(doc::jsonb, path::jsonpath) AS v)
          SELECT e.key, CASE jsonb_typeof(e.value) WHEN 'string' THEN e.value #>> '{}' WHEN 'null' THEN NULL ELSE e.value::text END
          FROM found, jsonb_each(CASE WHEN jsonb_typeof(found.v) = 'object' THEN found.v ELSE '{}'::jsonb END) AS e
          UNION ALL
          SELECT (a.n - 1)::text, CASE jsonb_typeof(a.value) WHEN 'string' THEN a.value #>> '{}' WHEN 'null' THEN NULL ELSE a.value::text END
          FROM found, jsonb_array_elements(CASE WHEN jsonb_typeof(found.v) = 'array' THEN found.v ELSE '[]'::jsonb END) WITH ORDINALITY AS a(value, n)
        $$;

        -- Keys of every table but the transactions', handed out by one sequence: each writer
        -- takes a block of 1024 at a time, so the polls of one ingest get increasing keys
        -- (its order of ingest) without a round trip per key.
        CREATE SEQUENCE verdict_keys CACHE 1024;
        -- A transaction's key is 8 bytes of the SHA-256 of its product and transactionId: every
        -- writer computes the same key for the same transaction without asking anyone.
        CREATE FUNCTION verdict_transaction_key(product_key bigint, transaction_id text) RETURNS bigint
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
          SELECT ('x' || encode(substring(sha256(convert_to(product_key::text || ':' || transaction_id, 'UTF8')) FROM 1 FOR 8), 'hex'))::bit(64)::bigint
        $$;

        CREATE TABLE dim_product (
          product_key BIGINT PRIMARY KEY,
          product     TEXT COLLATE "C" NOT NULL UNIQUE,
          api_path    TEXT COLLATE "C" NOT NULL
        );
        INSERT INTO dim_product VALUES
          (1, 'ID_RECOGNITION', '/api/v1/zoloz/idrecognition/checkresult'),
          (2, 'VIDEO_VERIFY',   '/api/v1/zoloz/videoverify/checkresult');

        CREATE TABLE dim_date (
          date_key BIGINT PRIMARY KEY, date TEXT COLLATE "C" NOT NULL, year BIGINT NOT NULL,
          month TEXT COLLATE "C" NOT NULL, iso_year BIGINT NOT NULL, iso_week BIGINT NOT NULL,
          iso_week_label TEXT COLLATE "C" NOT NULL, day_of_week BIGINT NOT NULL
        );
        CREATE TABLE dim_result_code (result_code_key BIGINT PRIMARY KEY, result_code TEXT COLLATE "C" NOT NULL UNIQUE);
        CREATE TABLE dim_error_code (error_code_key BIGINT PRIMARY KEY, error_code TEXT COLLATE "C" NOT NULL UNIQUE);
        CREATE TABLE dim_document (
          document_key BIGINT PRIMARY KEY, cert_type TEXT COLLATE "C", doc_category TEXT COLLATE "C", doc_edition BIGINT,
          UNIQUE NULLS NOT DISTINCT (cert_type, doc_category, doc_edition)
        );
        CREATE TABLE dim_country (country_key BIGINT PRIMARY KEY, country_code TEXT COLLATE "C" NOT NULL UNIQUE);
        CREATE TABLE dim_spoof_profile (spoof_profile_key BIGINT PRIMARY KEY, profile_json TEXT COLLATE "C" NOT NULL UNIQUE);
        CREATE TABLE bridge_spoof_check (
          spoof_profile_key BIGINT NOT NULL, check_name TEXT COLLATE "C" NOT NULL, value TEXT COLLATE "C" NOT NULL,
          evaluated BIGINT NOT NULL, passed BIGINT NOT NULL,
          PRIMARY KEY (spoof_profile_key, check_name)
        );
        CREATE TABLE bridge_spoof_detail (
          spoof_profile_key BIGINT NOT NULL, spoof_type TEXT COLLATE "C" NOT NULL, check_name TEXT COLLATE "C" NOT NULL,
          component TEXT COLLATE "C" NOT NULL, evaluated BIGINT NOT NULL, passed BIGINT NOT NULL,
          PRIMARY KEY (spoof_profile_key, spoof_type, check_name, component)
        );
        CREATE TABLE dim_willing_profile (
          willing_profile_key BIGINT PRIMARY KEY, profile_json TEXT COLLATE "C" NOT NULL UNIQUE,
          record_count BIGINT NOT NULL, attempts BIGINT NOT NULL, succeeded BIGINT NOT NULL
        );
        CREATE TABLE bridge_willing_record (
          willing_profile_key BIGINT NOT NULL, seq BIGINT NOT NULL, status TEXT COLLATE "C", attempt_number BIGINT,
          PRIMARY KEY (willing_profile_key, seq)
        );
        CREATE TABLE dim_ocr_field_set (ocr_field_set_key BIGINT PRIMARY KEY, ocr_fields TEXT COLLATE "C" NOT NULL UNIQUE);
        CREATE TABLE dim_source_file (
          file_key BIGINT PRIMARY KEY, path TEXT COLLATE "C" NOT NULL, size_bytes BIGINT, content_sha256 TEXT COLLATE "C" UNIQUE,
          status TEXT COLLATE "C" NOT NULL, first_ingested_at TEXT COLLATE "C" NOT NULL, last_ingested_at TEXT COLLATE "C" NOT NULL,
          lines BIGINT NOT NULL DEFAULT 0, accepted BIGINT NOT NULL DEFAULT 0, duplicates BIGINT NOT NULL DEFAULT 0,
          blank BIGINT NOT NULL DEFAULT 0, refused BIGINT NOT NULL DEFAULT 0, warnings BIGINT NOT NULL DEFAULT 0,
          refused_by_reason TEXT COLLATE "C", head_sha256 TEXT COLLATE "C",
          checkpoint_line BIGINT NOT NULL DEFAULT 0, checkpoint_offset BIGINT NOT NULL DEFAULT 0
        );
        CREATE TABLE fct_transaction (
          transaction_key BIGINT PRIMARY KEY, product_key BIGINT NOT NULL, transaction_id TEXT COLLATE "C" NOT NULL,
          first_ts_ms BIGINT NOT NULL, date_key BIGINT NOT NULL, poll_count BIGINT NOT NULL,
          final_poll_key BIGINT NOT NULL, final_rank BIGINT NOT NULL, final_ts_ms BIGINT NOT NULL,
          result_status TEXT COLLATE "C" NOT NULL, result_code_key BIGINT NOT NULL, outcome TEXT COLLATE "C" NOT NULL,
          verdict TEXT COLLATE "C", verdict_label TEXT COLLATE "C", error_code_key BIGINT, document_key BIGINT,
          country_key BIGINT, deeper_result TEXT COLLATE "C", upload_enabled_result TEXT COLLATE "C",
          spoof_profile_key BIGINT, quality DOUBLE PRECISION, quality_passed BIGINT, willing_profile_key BIGINT,
          document_hash TEXT COLLATE "C"
        );
        CREATE INDEX fct_transaction_by_product_date ON fct_transaction (product_key, first_ts_ms);
        CREATE INDEX fct_transaction_by_id ON fct_transaction (product_key, transaction_id);
        CREATE INDEX fct_transaction_by_document ON fct_transaction (document_hash) WHERE document_hash IS NOT NULL;
        CREATE TABLE fct_poll (
          poll_key BIGINT NOT NULL, transaction_key BIGINT NOT NULL, ts_ms BIGINT NOT NULL,
          result_status TEXT COLLATE "C" NOT NULL, result_code_key BIGINT NOT NULL, final_rank BIGINT NOT NULL,
          file_key BIGINT NOT NULL, line_number BIGINT NOT NULL, biz_id TEXT COLLATE "C", verdict TEXT COLLATE "C",
          error_code_key BIGINT, document_key BIGINT, country_key BIGINT, deeper_result TEXT COLLATE "C",
          upload_enabled_result TEXT COLLATE "C", spoof_profile_key BIGINT, quality DOUBLE PRECISION, quality_passed BIGINT,
          willing_profile_key BIGINT, image_count BIGINT NOT NULL DEFAULT 0, image_bytes BIGINT NOT NULL DEFAULT 0,
          video_bytes BIGINT NOT NULL DEFAULT 0, warning_count BIGINT NOT NULL DEFAULT 0, document_hash TEXT COLLATE "C",
          ocr_field_set_key BIGINT,
          -- The transaction key leads: on Citus every key of a distributed table holds it.
          PRIMARY KEY (transaction_key, poll_key)
        );
        -- A poll's identity: product and transaction, instant, resultCode.
        CREATE UNIQUE INDEX fct_poll_identity ON fct_poll (transaction_key, ts_ms, result_code_key);
        CREATE TABLE ingest_refused_line (
          refused_key BIGINT PRIMARY KEY, file_key BIGINT, source_path TEXT COLLATE "C" NOT NULL,
          line_number BIGINT NOT NULL, reason TEXT COLLATE "C" NOT NULL, detail TEXT COLLATE "C" NOT NULL, ts_ms BIGINT,
          byte_length BIGINT NOT NULL, line_sha256 TEXT COLLATE "C" NOT NULL, content BYTEA NOT NULL,
          refused_at TEXT COLLATE "C" NOT NULL,
          UNIQUE (file_key, line_number)
        );
        CREATE INDEX ingest_refused_line_by_ts ON ingest_refused_line (ts_ms);
        CREATE TABLE ingest_warning (
          warning_key BIGINT PRIMARY KEY, poll_key BIGINT NOT NULL, file_key BIGINT NOT NULL, line_number BIGINT NOT NULL,
          field TEXT COLLATE "C" NOT NULL, problem TEXT COLLATE "C" NOT NULL, ts_ms BIGINT
        );
        CREATE INDEX ingest_warning_by_poll ON ingest_warning (poll_key);
        CREATE INDEX ingest_warning_by_ts ON ingest_warning (ts_ms);
        CREATE TABLE agg_outcome_15min (
          bucket_ms BIGINT NOT NULL, product_key BIGINT NOT NULL, outcome TEXT COLLATE "C" NOT NULL, transactions BIGINT NOT NULL,
          PRIMARY KEY (product_key, bucket_ms, outcome)
        );
        -- Signals' rollups (Schema.swift, v8): what transactions ended as, one row per
        -- combination, and counts by quarter hour and by UTC day of that combination.
        CREATE TABLE dim_signal_profile (
          signal_profile_key BIGINT PRIMARY KEY, product_key BIGINT NOT NULL, outcome TEXT COLLATE "C" NOT NULL,
          error_code_key BIGINT, verdict_label TEXT COLLATE "C", spoof_profile_key BIGINT, deeper_result TEXT COLLATE "C",
          upload_enabled_result TEXT COLLATE "C", quality_passed BIGINT, willing_profile_key BIGINT,
          UNIQUE NULLS NOT DISTINCT (product_key, outcome, error_code_key, verdict_label, spoof_profile_key, deeper_result,
                                     upload_enabled_result, quality_passed, willing_profile_key)
        );
        CREATE TABLE agg_signal_15min (
          bucket_ms BIGINT NOT NULL, signal_profile_key BIGINT NOT NULL, transactions BIGINT NOT NULL,
          PRIMARY KEY (bucket_ms, signal_profile_key)
        );
        CREATE TABLE agg_signal_day (
          day_ms BIGINT NOT NULL, signal_profile_key BIGINT NOT NULL, transactions BIGINT NOT NULL,
          PRIMARY KEY (day_ms, signal_profile_key)
        );
        CREATE TABLE agg_file_15min (
          bucket_ms BIGINT NOT NULL, file_key BIGINT NOT NULL, transactions BIGINT NOT NULL,
          PRIMARY KEY (bucket_ms, file_key)
        );
        CREATE TABLE meta_table_comment (name TEXT COLLATE "C" PRIMARY KEY, grain TEXT COLLATE "C" NOT NULL, comment TEXT COLLATE "C" NOT NULL);

        CREATE VIEW v_transaction AS
        SELECT t.transaction_key, p.product, t.transaction_id, t.first_ts_ms,
               to_char(to_timestamp(t.first_ts_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
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

        CREATE VIEW v_poll AS
        SELECT pl.poll_key, p.product, t.transaction_id, pl.ts_ms,
               to_char(to_timestamp(pl.ts_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS polled_at,
               pl.result_status, rc.result_code, pl.verdict, ec.error_code, pl.quality, pl.quality_passed,
               sf.path AS source_path, pl.line_number, pl.biz_id,
               CASE WHEN pl.poll_key = t.final_poll_key THEN 1 ELSE 0 END AS is_final, ofs.ocr_fields
        FROM fct_poll pl
        JOIN fct_transaction t USING (transaction_key)
        JOIN dim_product p ON p.product_key = t.product_key
        JOIN dim_result_code rc ON rc.result_code_key = pl.result_code_key
        JOIN dim_source_file sf ON sf.file_key = pl.file_key
        LEFT JOIN dim_error_code ec ON ec.error_code_key = pl.error_code_key
        LEFT JOIN dim_ocr_field_set ofs ON ofs.ocr_field_set_key = pl.ocr_field_set_key;

        CREATE VIEW v_spoof_check AS
        SELECT t.transaction_key, t.first_ts_ms, t.outcome, b.check_name, b.value, b.evaluated, b.passed
        FROM fct_transaction t
        JOIN bridge_spoof_check b ON b.spoof_profile_key = t.spoof_profile_key
        WHERE t.product_key = 1
        UNION ALL
        SELECT t.transaction_key, t.first_ts_ms, t.outcome, 'DEEPER', t.deeper_result,
               CASE WHEN t.deeper_result <> '' THEN 1 ELSE 0 END, CASE WHEN t.deeper_result = 'Y' THEN 1 ELSE 0 END
        FROM fct_transaction t
        WHERE t.product_key = 1 AND t.deeper_result IS NOT NULL;

        CREATE VIEW v_spoof_detail AS
        SELECT t.transaction_key, t.first_ts_ms, t.outcome, b.spoof_type, b.check_name, b.component, b.evaluated, b.passed
        FROM fct_transaction t
        JOIN bridge_spoof_detail b ON b.spoof_profile_key = t.spoof_profile_key
        WHERE t.product_key = 1;

        CREATE VIEW v_willing_record AS
        SELECT t.transaction_key, t.first_ts_ms, t.outcome, r.seq, r.status, r.attempt_number
        FROM fct_transaction t
        JOIN bridge_willing_record r ON r.willing_profile_key = t.willing_profile_key
        WHERE t.product_key = 2;
        """

    /// On Citus: facts spread over the workers by transaction, each transaction's polls on
    /// the shard of its row (colocated), so a count by transaction runs on the shards;
    /// dimensions copied to every worker (reference tables), so joins to them stay local.
    static let distribute = """
        SELECT create_reference_table(t) FROM unnest(ARRAY['verdict_meta', 'dim_product', 'dim_date', 'dim_result_code',
          'dim_error_code', 'dim_document', 'dim_country', 'dim_spoof_profile', 'bridge_spoof_check', 'bridge_spoof_detail',
          'dim_willing_profile', 'bridge_willing_record', 'dim_ocr_field_set', 'dim_source_file', 'ingest_refused_line',
          'ingest_warning', 'agg_outcome_15min', 'dim_signal_profile', 'agg_signal_15min', 'agg_signal_day',
          'agg_file_15min', 'meta_table_comment']) AS t;
        SELECT create_distributed_table('fct_transaction', 'transaction_key');
        SELECT create_distributed_table('fct_poll', 'transaction_key', colocate_with => 'fct_transaction');
        """
}
