import Foundation
import GRDBSQLite

/// Proves that a query file is one SELECT (or WITH … SELECT) and nothing else, before it
/// is compiled on a connection that reads for a report.
///
/// Refusing a statement after it is compiled is too late for some: SQLite applies many
/// PRAGMAs (`query_only`, `writable_schema`, `cache_size`, …) while compiling them, and
/// `sqlite3_stmt_readonly` is true for ATTACH, DETACH, PRAGMA and transaction statements.
/// So the file is compiled first on a scratch in-memory database holding the same schema, with an
/// authorizer (`sqlite3_set_authorizer`) that SQLite asks about every action while it
/// compiles, and that allows only what a SELECT does: select, read a column, recurse in a
/// CTE, and call one of SQLite's own functions other than `load_extension`. Anything else
/// (ATTACH, PRAGMA, writes, schema changes, transactions, application or extension
/// functions) fails that compilation, so it never takes effect anywhere. The statement
/// must then be read-only and not an EXPLAIN, and the file must hold no second statement
/// (comments and semicolons may follow it).
///
/// The connection the query then runs on never gets an authorizer of Verdict's: the
/// database's own connection carries GRDB's, which cannot be put back once replaced.
enum QueryVetting {
    /// Throws a `.query` error naming the file when `query` is not one read-only SELECT.
    /// `pragma` is the one PRAGMA (without argument) a built-in job may run instead.
    static func vet(_ query: QuerySource, database: OpaquePointer, pragma: String? = nil) throws(VerdictError) {
        let (vetting, schema) = try replica(of: database, for: query)
        defer { Replicas.shared.giveBack(vetting, schema) }
        let judge = Judge(pragma: pragma)
        let context = Unmanaged.passUnretained(judge).toOpaque()
        sqlite3_set_authorizer(vetting, authorize, context)
        defer { withExtendedLifetime(judge) {} }
        if let error = query.sql.withCString({ firstProblem(query, $0, vetting, judge, pragma) }) { throw error }
    }

    /// An in-memory database with the schema of `database` (tables, indexes, views, in that
    /// order), to compile the file against, and that schema. The file itself is never opened a second time,
    /// so vetting works wherever the report can read: a database the user may not write,
    /// in a directory they may not write, read as an immutable file.
    private static func replica(of database: OpaquePointer, for query: QuerySource) throws(VerdictError) -> (OpaquePointer, [String]) {
        var stmt: OpaquePointer?
        let schemaQuery = """
            SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
            ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid
            """
        guard sqlite3_prepare_v2(database, schemaQuery, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw VerdictError(.database, "cannot read the database schema to check the query: " + SystemError.words(sqlite: database, SQLITE_ERROR),
                               query: query.label)
        }
        defer { sqlite3_finalize(stmt) }
        var schema: [String] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                throw VerdictError(.database, "cannot read the database schema to check the query: " + SystemError.words(sqlite: database, rc),
                                   query: query.label)
            }
            if let text = sqlite3_column_text(stmt, 0) { schema.append(String(cString: text)) }
        }
        // A copy of this schema that no other thread is using, or a new one.
        if let spare = Replicas.shared.take(schema) { return (spare, schema) }
        var opened: OpaquePointer?
        guard sqlite3_open_v2(":memory:", &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let memory = opened else {
            sqlite3_close_v2(opened)
            throw VerdictError(.database, "cannot open a scratch database to check the query", query: query.label)
        }
        for sql in schema where sqlite3_exec(memory, sql, nil, nil, nil) != SQLITE_OK {
            let message = SystemError.words(sqlite: memory, SQLITE_ERROR)
            sqlite3_close_v2(memory)
            throw VerdictError(.database, "cannot copy the database schema to check the query: " + message, query: query.label)
        }
        return (memory, schema)
    }

    /// In-memory copies of a schema, kept for the next query to vet: a report vets a score
    /// of queries, and building the copy (about 2 ms) cost more than compiling against it.
    /// A copy is used by one thread at a time (taken, then given back); there are at most as
    /// many as queries vetted at once.
    private final class Replicas: @unchecked Sendable {
        static let shared = Replicas()
        private let lock = NSLock()
        private var spare: [[String]: [OpaquePointer]] = [:]

        func take(_ schema: [String]) -> OpaquePointer? {
            lock.withLock { spare[schema]?.popLast() }
        }

        func giveBack(_ replica: OpaquePointer, _ schema: [String]) {
            sqlite3_set_authorizer(replica, nil, nil)
            lock.withLock { spare[schema, default: []].append(replica) }
        }
    }

    /// Compiles every statement of the file in turn under the authorizer; nil when the
    /// file is one acceptable statement.
    private static func firstProblem(_ query: QuerySource, _ start: UnsafePointer<CChar>, _ vetting: OpaquePointer,
                                     _ judge: Judge, _ pragma: String?) -> VerdictError? {
        var next: UnsafePointer<CChar>? = start
        var statements = 0
        while let here = next, here.pointee != 0 {
            judge.reset()
            let (rc, prepared) = prepareFirst(vetting, here)
            guard rc == SQLITE_OK else {
                if statements > 0 { return moreThanOne(query) }
                if let refusal = judge.refusal { return notOneSelect(query, "it " + refusal) }
                return VerdictError(.query, SystemError.words(sqlite: vetting, rc), query: query.label)
            }
            guard let (stmt, tail) = prepared else { break }
            defer { sqlite3_finalize(stmt) }
            statements += 1
            if statements > 1 { return moreThanOne(query) }
            if sqlite3_stmt_isexplain(stmt) != 0 { return notOneSelect(query, "it is an EXPLAIN") }
            if sqlite3_stmt_readonly(stmt) == 0 { return notOneSelect(query, "it would write to a database") }
            if pragma == nil, judge.selects == 0 { return notOneSelect(query, "it is not a SELECT") }
            next = tail
        }
        if statements == 0 {
            return VerdictError(.query, "holds no SQL statement", hint: "put one SELECT in the file", query: query.label)
        }
        return nil
    }

    /// Compiles the first statement at `sql`, passing over empty ones (lone semicolons,
    /// comments). The statement is nil when only those remain; `tail` is what follows it.
    static func prepareFirst(_ db: OpaquePointer, _ sql: UnsafePointer<CChar>) -> (Int32, (statement: OpaquePointer, tail: UnsafePointer<CChar>?)?) {
        var here = sql
        while here.pointee != 0 {
            var stmt: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v2(db, here, -1, &stmt, &tail)
            guard rc == SQLITE_OK else { return (rc, nil) }
            if let stmt { return (rc, (stmt, tail)) }
            guard let tail, tail != here else { break }
            here = tail
        }
        return (SQLITE_OK, nil)
    }

    private static func notOneSelect(_ query: QuerySource, _ why: String) -> VerdictError {
        VerdictError(.query, "is not one read-only SELECT: \(why)",
                     hint: "a query file holds one SELECT or WITH … SELECT and nothing else", query: query.label)
    }

    private static func moreThanOne(_ query: QuerySource) -> VerdictError {
        VerdictError(.query, "holds more than one statement", hint: "keep one SELECT per file", query: query.label)
    }

    /// SQLite's own functions (those registered by no extension or application), less
    /// the ones that reach beyond the query: `load_extension` loads code, `sqlite_log`
    /// writes to the error log, `fts3_tokenizer` takes a pointer. Read from a connection
    /// that nothing else has touched.
    static let functions: Set<String> = {
        var db: OpaquePointer?
        defer { sqlite3_close_v2(db) }
        guard sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else { return [] }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT DISTINCT lower(name) FROM pragma_function_list WHERE builtin = 1", -1, &stmt, nil) == SQLITE_OK,
              let stmt else { return [] }
        defer { sqlite3_finalize(stmt) }
        var names: Set<String> = []
        while sqlite3_step(stmt) == SQLITE_ROW {
            if let p = sqlite3_column_text(stmt, 0) { names.insert(String(cString: p)) }
        }
        return names.subtracting(["load_extension", "sqlite_log", "fts3_tokenizer"])
    }()

    /// What the authorizer saw while one statement compiled.
    private final class Judge {
        let pragma: String?
        var selects = 0
        /// The first action refused, in words ("runs PRAGMA query_only").
        var refusal: String?

        init(pragma: String?) { self.pragma = pragma?.lowercased() }

        func reset() {
            selects = 0
            refusal = nil
        }

        func decide(_ action: Int32, _ a1: String?, _ a2: String?) -> Int32 {
            switch action {
            case SQLITE_SELECT:
                selects += 1
                return SQLITE_OK
            case SQLITE_READ, SQLITE_RECURSIVE:
                return SQLITE_OK
            case SQLITE_FUNCTION:
                let name = (a2 ?? "").lowercased()
                if QueryVetting.functions.contains(name) { return SQLITE_OK }
                return refuse("calls \(a2 ?? "a function")(), which is not one of SQLite's own read-only functions")
            case SQLITE_PRAGMA:
                if let pragma, a1?.lowercased() == pragma, a2 == nil { return SQLITE_OK }
                return refuse("runs PRAGMA \(a1 ?? "")" + (a2.map { "(" + $0 + ")" } ?? ""))
            case SQLITE_ATTACH: return refuse("attaches a database")
            case SQLITE_DETACH: return refuse("detaches a database")
            case SQLITE_UPDATE where Self.isSchemaTable(a1):
                // Connecting an eponymous virtual table (json_each, pragma_table_info, …)
                // the first time compiles SQLite's own bookkeeping update of the schema
                // table; it changes nothing. A query that really updates the schema table
                // is refused below as not read-only.
                return SQLITE_OK
            case SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE:
                return refuse(Self.isSchemaTable(a1) ? "changes the schema" : "writes to \(a1 ?? "a table")")
            case SQLITE_TRANSACTION, SQLITE_SAVEPOINT: return refuse("controls a transaction")
            case SQLITE_ANALYZE, SQLITE_REINDEX: return refuse("maintains the database")
            default: return refuse("changes the schema or the connection (SQLite action \(action))")
            }
        }

        private static func isSchemaTable(_ name: String?) -> Bool {
            guard let name = name?.lowercased() else { return false }
            return ["sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema"].contains(name)
        }

        private func refuse(_ what: String) -> Int32 {
            if refusal == nil { refusal = what }
            return SQLITE_DENY
        }
    }

    private static let authorize: @convention(c) (
        UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?
    ) -> Int32 = { context, action, a1, a2, _, _ in
        guard let context else { return SQLITE_DENY }
        let judge = Unmanaged<Judge>.fromOpaque(context).takeUnretainedValue()
        return judge.decide(action, a1.map { String(cString: $0) }, a2.map { String(cString: $0) })
    }
}

extension QuerySource {
    /// How messages name it: `query NAME` when built in, else its file.
    var label: String { origin == "built-in" ? "query " + name : origin }
}
