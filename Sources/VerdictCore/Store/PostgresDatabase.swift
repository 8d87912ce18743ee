import Foundation

/// A Verdict database on a PostgreSQL server (or Citus): the same tables and columns as
/// the SQLite file, in PostgreSQL's types (`BIGINT` keys and counts, `DOUBLE PRECISION`
/// reals, `BYTEA` for kept lines, text in the "C" collation so it sorts by code point as
/// SQLite does).
///
/// A Verdict database says what it is in `verdict_meta` (the part `PRAGMA application_id`
/// and the migrations table play in a SQLite file). A database holding Verdict's table
/// names without it is another application's and is refused, untouched; a schema version
/// this binary does not know is a newer Verdict's. Only ingest creates the schema, under an
/// advisory lock, so two ingests starting at once create it once.
public final class PostgresDatabase: Sendable {
    public let address: PostgresAddress
    /// The schema version this binary writes and reads.
    static let schemaVersion = "pg1"

    public enum Access: Sendable { case create, existing, readOnly }

    private let access: Access

    /// Connects and identifies the database (creating the schema for `.create` when the
    /// database holds none).
    public init(_ address: PostgresAddress, access: Access = .create) throws(VerdictError) {
        self.address = address
        self.access = access
        let connection = try PostgresConnection(address)
        try Self.identify(connection, access: access)
    }

    /// A new connection to the database (one per thread).
    func connect() throws(VerdictError) -> PostgresConnection { try PostgresConnection(address) }

    /// Advisory lock key under which the schema is created (any constant of Verdict's own).
    static let setUpLock = 0x5652_4454

    private static func identify(_ c: PostgresConnection, access: Access) throws(VerdictError) {
        if let version = try schema(c) {
            try accept(version, c)
            return
        }
        guard access == .create else {
            try refuseForeign(c)
            throw VerdictError(.database, "\(c.address): no Verdict schema in it", hint: "create it with: verdict ingest --db URI FILE...")
        }
        try c.execute("BEGIN")
        do throws(VerdictError) {
            try c.execute("SELECT pg_advisory_xact_lock(\(setUpLock))")
            // Again under the lock: another ingest may have created it meanwhile (its
            // tables and its verdict_meta row appear together, when it commits).
            if let version = try schema(c) {
                try c.execute("COMMIT")
                try accept(version, c)
                return
            }
            try refuseForeign(c)
            try c.execute(PostgresSchema.create)
            if try c.value("SELECT 1 FROM pg_extension WHERE extname = 'citus'") != nil {
                try c.execute(PostgresSchema.distribute)
            }
            try c.execute("INSERT INTO verdict_meta VALUES ('application', 'verdict'), ('schema', '\(schemaVersion)')")
            try c.execute("COMMIT")
        } catch {
            try? c.execute("ROLLBACK")
            throw error
        }
    }

    /// Tables of Verdict's names without `verdict_meta`: another application's database.
    private static func refuseForeign(_ c: PostgresConnection) throws(VerdictError) {
        let named = try c.value("SELECT count(*) FROM unnest(ARRAY['fct_transaction', 'fct_poll', 'dim_product']) AS t WHERE to_regclass(t) IS NOT NULL")
        if named != "0" {
            throw VerdictError(.database, "\(c.address): not a Verdict database (it has tables of Verdict's names but no verdict_meta); left untouched",
                               hint: "give --db a database of its own for Verdict")
        }
    }

    private static func schema(_ c: PostgresConnection) throws(VerdictError) -> String? {
        guard try c.value("SELECT to_regclass('verdict_meta')::text") != nil else { return nil }
        guard try c.value("SELECT value FROM verdict_meta WHERE name = 'application'") == "verdict" else {
            throw VerdictError(.database, "\(c.address): not a Verdict database (verdict_meta names another application); left untouched")
        }
        return try c.value("SELECT value FROM verdict_meta WHERE name = 'schema'") ?? ""
    }

    private static func accept(_ version: String, _ c: PostgresConnection) throws(VerdictError) {
        guard version == schemaVersion else {
            throw VerdictError(.database, "\(c.address): a Verdict database of schema '\(version)', which this Verdict does not know; left untouched",
                               hint: "use the Verdict that wrote it, or a newer one")
        }
    }
}
