internal import GRDB
import Foundation

/// Copies a SQLite Verdict database into an empty PostgreSQL one, table by table, with
/// `COPY … FROM STDIN` (text format), in one transaction: the PostgreSQL database then
/// holds exactly the SQLite file's rows and gives the same reports. Keys are kept.
public enum PostgresCopy {
    /// The tables copied, parents before children; `verdict_meta` is PostgreSQL's own.
    static let tables = [
        "dim_date", "dim_result_code", "dim_error_code", "dim_document", "dim_country", "dim_spoof_profile",
        "bridge_spoof_check", "bridge_spoof_detail", "dim_willing_profile", "bridge_willing_record",
        "dim_ocr_field_set", "dim_source_file", "fct_transaction", "fct_poll", "ingest_refused_line",
        "ingest_warning", "agg_outcome_15min", "dim_signal_profile", "agg_signal_15min", "agg_signal_day", "agg_file_15min",
        "meta_table_comment",
    ]

    /// Rows sent per COPY data message (bounds what is held in memory).
    static let chunkBytes = 4 << 20

    /// Copies every row of `source` into `target`, which must hold no transaction and no
    /// input yet. Returns the number of rows copied.
    public static func copy(from source: VerdictDatabase, to target: PostgresDatabase) throws(VerdictError) -> Int {
        let c = try target.connect()
        try c.execute("BEGIN")
        var total = 0
        do throws(VerdictError) {
            try c.execute("LOCK TABLE dim_source_file, fct_transaction IN EXCLUSIVE MODE")
            guard try c.value("SELECT (SELECT count(*) FROM dim_source_file) + (SELECT count(*) FROM fct_transaction)") == "0" else {
                throw VerdictError(.database, "\(target.address): already holds ingested data; a copy goes into a database of its own",
                                   hint: "create an empty database for it (createdb), or ingest the logs into this one")
            }
            try c.execute("DELETE FROM meta_table_comment")
            for table in tables {
                let columns = try c.query("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position", [table]).rows.compactMap { $0[0] }
                total += try copy(table: table, columns: columns, from: source, into: c)
            }
            try rekey(c)
            try c.execute("COMMIT")
        } catch {
            try? c.execute("ROLLBACK")
            throw error
        }
        try c.execute("ANALYZE")
        return total
    }

    /// Gives the copied transactions the keys every PostgreSQL writer computes for them
    /// (`verdict_transaction_key`), and starts the key sequence after every copied key, so
    /// that ingests into the copy merge with what it holds.
    private static func rekey(_ c: PostgresConnection) throws(VerdictError) {
        try c.execute("""
            CREATE TEMP TABLE rekey ON COMMIT DROP AS
              SELECT transaction_key AS old, verdict_transaction_key(product_key, transaction_id) AS new FROM fct_transaction;
            UPDATE fct_poll p SET transaction_key = r.new FROM rekey r WHERE p.transaction_key = r.old;
            UPDATE fct_transaction t SET transaction_key = r.new FROM rekey r WHERE t.transaction_key = r.old;
            SELECT setval('verdict_keys', 1 + greatest(
              (SELECT max(poll_key) FROM fct_poll), (SELECT max(file_key) FROM dim_source_file),
              (SELECT max(refused_key) FROM ingest_refused_line), (SELECT max(warning_key) FROM ingest_warning),
              (SELECT max(result_code_key) FROM dim_result_code), (SELECT max(error_code_key) FROM dim_error_code),
              (SELECT max(document_key) FROM dim_document), (SELECT max(country_key) FROM dim_country),
              (SELECT max(spoof_profile_key) FROM dim_spoof_profile), (SELECT max(willing_profile_key) FROM dim_willing_profile),
              (SELECT max(ocr_field_set_key) FROM dim_ocr_field_set), (SELECT max(signal_profile_key) FROM dim_signal_profile), 0));
            """)
    }

    /// Copies the rows of `table` in `source` into `target` (default: the same name) on `c`.
    static func copy(table: String, columns: [String], from source: VerdictDatabase, into c: PostgresConnection, target: String? = nil) throws(VerdictError) -> Int {
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let statement = "COPY \(target ?? table) (\(list)) FROM STDIN"
        var rows = 0
        do {
            try source.read { db in
                var buffer: [UInt8] = []
                buffer.reserveCapacity(chunkBytes + 65536)
                var started = false
                func send() throws {
                    if !started { try c.copyBegin(statement); started = true }
                    try c.copyData(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
                let cursor = try Row.fetchCursor(db, sql: "SELECT \(list) FROM \(table)")
                while let row = try cursor.next() {
                    for i in 0..<columns.count {
                        if i > 0 { buffer.append(9) }
                        append(row[i] as DatabaseValue, to: &buffer)
                    }
                    buffer.append(10)
                    rows += 1
                    if buffer.count >= chunkBytes { try send() }
                }
                if !buffer.isEmpty || !started { try send() }
                try c.copyEnd(statement)
            }
        } catch let e as VerdictError {
            throw e
        } catch {
            throw VerdictError(.database, "cannot read \(table)", cause: error, file: source.path)
        }
        return rows
    }

    /// One value in COPY's text format: `\N` for NULL, bytes as `\x` and hex, text with
    /// backslash, tab, newline and carriage return escaped.
    private static func append(_ value: DatabaseValue, to out: inout [UInt8]) {
        switch value.storage {
        case .null: out += [92, 78]
        case .int64(let i): out += Array(String(i).utf8)
        case .double(let d):
            out += Array((d.isNaN ? "NaN" : d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : "\(d)").utf8)
        case .string(let s): escape(Array(s.utf8), to: &out)
        case .blob(let data):
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            out += [92, 92, 120]
            for b in data { out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)]) }
        }
    }

    private static func escape(_ bytes: [UInt8], to out: inout [UInt8]) {
        for b in bytes {
            switch b {
            case 92: out += [92, 92]
            case 9: out += [92, 116]
            case 10: out += [92, 110]
            case 13: out += [92, 114]
            default: out.append(b)
            }
        }
    }
}
