import GRDBSQLite

/// A prepared statement on a raw connection, for loops where GRDB's argument
/// boxing would cost more than the insert itself.
///
/// Every return code is checked; errors carry the failing SQL (`VerdictError.sql`). The statement is
/// finalized when the object goes away, so it must not outlive its connection.
final class SQLiteStatement {
    let handle: OpaquePointer
    let sql: String
    private let connection: OpaquePointer
    /// Bound text is copied here and bound without SQLite copying it again (no malloc per
    /// value); the arena is emptied when the statement is reset.
    private var arena = TextArena()
    /// What each parameter holds, for integers, reals and NULL: SQLite keeps bindings across
    /// `sqlite3_reset`, so binding the same value again is skipped (the same file key, zero
    /// payload sizes and absent fields repeat from row to row). Text is always bound.
    private let shadow: UnsafeMutablePointer<Bound>
    private let parameterCount: Int32

    private enum Bound: Equatable {
        case unknown, null, int(Int64), real(UInt64)
    }

    init(_ connection: OpaquePointer, _ sql: String) throws(VerdictError) {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw VerdictError(.database, "cannot prepare SQL: " + SystemError.words(sqlite: connection, rc), sql: sql)
        }
        handle = stmt
        self.sql = sql
        self.connection = connection
        parameterCount = sqlite3_bind_parameter_count(stmt)
        shadow = .allocate(capacity: Int(parameterCount) + 1)
        shadow.initialize(repeating: .unknown, count: Int(parameterCount) + 1)
    }

    deinit {
        sqlite3_finalize(handle)
        arena.release()
        shadow.deallocate()
    }

    /// Records that parameter `i` will hold `b`; false when it already does.
    @inline(__always) private func changes(_ i: Int32, _ b: Bound) -> Bool {
        guard i >= 1, i <= parameterCount else { return true }  // SQLite reports the range error
        if shadow[Int(i)] == b { return false }
        shadow[Int(i)] = b
        return true
    }

    @inline(__always) func bind(_ i: Int32, _ v: Int64) {
        if changes(i, .int(v)) { sqlite3_bind_int64(handle, i, v) }
    }
    @inline(__always) func bind(_ i: Int32, _ v: Int) { bind(i, Int64(v)) }
    @inline(__always) func bindNull(_ i: Int32) {
        if changes(i, .null) { sqlite3_bind_null(handle, i) }
    }
    @inline(__always) func bind(_ i: Int32, _ v: Int?) {
        if let v { bind(i, Int64(v)) } else { bindNull(i) }
    }
    @inline(__always) func bind(_ i: Int32, _ v: Int64?) {
        if let v { bind(i, v) } else { bindNull(i) }
    }
    @inline(__always) func bind(_ i: Int32, _ v: Double?) {
        guard let v else { bindNull(i); return }
        if changes(i, .real(v.bitPattern)) { sqlite3_bind_double(handle, i, v) }
    }
    @inline(__always) func bind(_ i: Int32, _ v: Bool?) {
        if let v { bind(i, Int64(v ? 1 : 0)) } else { bindNull(i) }
    }
    @inline(__always) func bind(_ i: Int32, _ v: String?) {
        guard var v else { bindNull(i); return }
        if i >= 1, i <= parameterCount { shadow[Int(i)] = .unknown }
        v.withUTF8 { p in
            let copy = arena.store(p)
            _ = sqlite3_bind_text(handle, i, copy, Int32(p.count), nil)  // nil: SQLITE_STATIC
        }
    }
    func bindBlob(_ i: Int32, _ bytes: UnsafeRawBufferPointer) {
        if i >= 1, i <= parameterCount { shadow[Int(i)] = .unknown }
        _ = sqlite3_bind_blob64(handle, i, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64(bytes.count), SQLITE_TRANSIENT_PTR)
    }

    /// Runs a statement that returns no rows; returns the number of rows changed.
    @discardableResult
    func run() throws(VerdictError) -> Int {
        defer {
            sqlite3_reset(handle)
            arena.reset()
        }
        let rc = sqlite3_step(handle)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw error(rc) }
        return Int(sqlite3_changes(connection))
    }

    /// Steps once; calls `row` if a row came back. Returns whether one did.
    func queryOne(_ row: (SQLiteStatement) -> Void) throws(VerdictError) -> Bool {
        defer {
            sqlite3_reset(handle)
            arena.reset()
        }
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { row(self); return true }
        guard rc == SQLITE_DONE else { throw error(rc) }
        return false
    }

    /// Steps through every row, calling `row` for each.
    func queryEach(_ row: (SQLiteStatement) -> Void) throws(VerdictError) {
        defer {
            sqlite3_reset(handle)
            arena.reset()
        }
        while true {
            let rc = sqlite3_step(handle)
            if rc == SQLITE_ROW { row(self); continue }
            guard rc == SQLITE_DONE else { throw error(rc) }
            return
        }
    }

    func int64(_ col: Int32) -> Int64 { sqlite3_column_int64(handle, col) }
    /// The column's integer, nil when it is NULL.
    func optionalInt64(_ col: Int32) -> Int64? {
        sqlite3_column_type(handle, col) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, col)
    }
    /// The column's text, all of its bytes (a logged value may hold U+0000); nil when NULL.
    func text(_ col: Int32) -> String? {
        guard let p = sqlite3_column_text(handle, col) else { return nil }
        let n = Int(sqlite3_column_bytes(handle, col))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    private func error(_ rc: Int32) -> VerdictError {
        VerdictError(.database, "SQLite error \(rc): " + SystemError.words(sqlite: connection, rc), sql: sql)
    }
}

/// Bump allocation for bound text: chunks are never moved while a statement may point
/// into them, and are reused after each reset.
struct TextArena {
    private var chunks: [UnsafeMutableRawBufferPointer] = []
    private var current = 0
    private var used = 0
    static let chunkSize = 16 << 10

    mutating func store(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafePointer<CChar> {
        let n = max(bytes.count, 1)
        if chunks.isEmpty || used + n > chunks[current].count {
            if !chunks.isEmpty { current += 1 }
            if current >= chunks.count || chunks[current].count < n {
                chunks.insert(.allocate(byteCount: max(TextArena.chunkSize, n), alignment: 8), at: current)
            }
            used = 0
        }
        let dst = chunks[current].baseAddress! + used
        if let src = bytes.baseAddress, bytes.count > 0 { dst.copyMemory(from: src, byteCount: bytes.count) }
        used += n
        return UnsafePointer(dst.assumingMemoryBound(to: CChar.self))
    }

    mutating func reset() {
        current = 0
        used = 0
    }

    mutating func release() {
        for c in chunks { c.deallocate() }
        chunks = []
    }
}

/// SQLite's "copy this buffer now" destructor, which Swift cannot import as a constant.
nonisolated(unsafe) let SQLITE_TRANSIENT_PTR = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

@available(*, unavailable)
extension SQLiteStatement: Sendable {}
