import Foundation
import GRDBSQLite

/// Copies committed WAL frames into the database file on a thread and connection of its
/// own, while the ingest goes on writing.
///
/// Without it the writer's connection does that copy itself: at commits once the WAL is
/// large, and at the latest when it closes, after the last batch, when nothing else is left
/// to overlap with. A passive checkpoint never blocks the writer and the writer never
/// blocks it; readers are unaffected. What one round leaves (frames committed meanwhile)
/// the next round, or the writer's own checkpoint at close, copies.
final class WALCheckpointer: @unchecked Sendable {
    private let requests = BoundedQueue<Bool>(capacity: 1)
    private let done = DispatchSemaphore(value: 0)
    private var stopped = false

    /// Nil when the second connection cannot be opened (the writer then checkpoints alone).
    init?(path: String) {
        var db: OpaquePointer?
        // The file itself (the writer's connection opened it so): its WAL is the one to copy.
        guard sqlite3_open_v2(FileManagerLite.resolvedPath(path), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
            sqlite3_close(db)
            return nil
        }
        // A first read opens the WAL on this connection (checkpointing does not).
        guard sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nil, nil, nil) == SQLITE_OK else {
            sqlite3_close(db)
            return nil
        }
        let connection = Connection(db)
        let (requests, done) = (requests, done)
        Thread {
            while requests.take() {
                sqlite3_wal_checkpoint_v2(connection.db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            sqlite3_close(connection.db)
            done.signal()
        }.start()
    }

    private struct Connection: @unchecked Sendable {
        let db: OpaquePointer
        init(_ db: OpaquePointer) { self.db = db }
    }

    /// Asks for a round soon; returns at once (a round already asked for covers this one).
    func request() {
        _ = requests.offer(true)
    }

    /// Waits for the round under way, if any, and closes the connection.
    func stop() {
        guard !stopped else { return }
        stopped = true
        _ = requests.put(false)
        done.wait()
    }

    deinit { stop() }
}
