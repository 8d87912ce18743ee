import Foundation
import GRDB
import GRDBSQLite
import Testing
@testable import VerdictCore

@Suite("WAL checkpointer")
struct WALCheckpointerTests {
    /// Size of a file on disk (0 when missing).
    private func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test("a round copies every committed page into the database file while the writer keeps its transaction open")
    func copiesCommittedPages() throws {
        try withSandbox { box in
            let db = try box.database()
            try db.queue.inDatabase { conn in
                try conn.execute(sql: "PRAGMA wal_autocheckpoint = 0")
                try conn.execute(sql: "CREATE TABLE t (v BLOB)")
                for _ in 0..<200 {
                    try conn.execute(sql: "INSERT INTO t VALUES (randomblob(4000))")
                }
            }
            let pages = try db.queue.read { try Int.fetchOne($0, sql: "PRAGMA page_count")! }
            let pageSize = try db.queue.read { try Int.fetchOne($0, sql: "PRAGMA page_size")! }
            #expect(size(box.databasePath) < pages * pageSize, "with checkpoints off, the pages should still be in the WAL only")

            let checkpointer = try #require(WALCheckpointer(path: box.databasePath))
            try db.queue.inDatabase { conn in
                // The writer goes on in an open transaction, as an ingest does between commits.
                try conn.execute(sql: "BEGIN IMMEDIATE")
                try conn.execute(sql: "INSERT INTO t VALUES (randomblob(4000))")
                checkpointer.request()
                checkpointer.stop()
                #expect(size(box.databasePath) == pages * pageSize, "every committed page is in the database file")
                try conn.execute(sql: "COMMIT")
                #expect(try Int.fetchOne(conn, sql: "SELECT count(*) FROM t") == 201)
                #expect(try String.fetchOne(conn, sql: "PRAGMA integrity_check") == "ok")
            }
            checkpointer.stop()  // a second stop is harmless
        }
    }
}
