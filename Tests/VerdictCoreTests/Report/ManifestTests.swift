import Foundation
import Testing
@testable import VerdictCore

/// manifest.json, read back with Foundation's JSON parser.
@Suite("Report: manifest.json says what the report was made from and what it holds")
struct ManifestTests {
    private func parse(_ path: String) throws -> [String: Any] {
        let data = try #require(FileManager.default.contents(atPath: path), "\(path) is missing")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("every output with its SHA-256 and size, the inputs of the period only, each query's SQL hash, coverage, period")
    func contents() throws {
        try withSandbox { box in
            let db = try box.database()
            // Two logs: one holds the week 2026-W46, the other only W45 (and a later day, so
            // W46 is complete).
            let w46 = try box.write("w46.ndjson", lines: [
                Log.idVerdict("A", at: "2026-11-10T08:00:00Z", "Y"), Log.idVerdict("B", at: "2026-11-12T09:30:00Z", "N"),
            ])
            let w45 = try box.write("w45.ndjson", lines: [
                Log.idVerdict("C", at: "2026-11-03T08:00:00Z", "Y"), Log.idVerdict("D", at: "2026-11-17T08:00:00Z", "Y"),
            ])
            _ = try box.ingest(db, [w46, w45])
            let out = box.file("r")
            let run = try runVerdictToEnd(["report", "--db", db.path, "--week", "2026-W46", "--out", out,
                                           "--template", "risk"], in: box)
            #expect(run.status == 0, "\(run.stderr)")
            let m = try parse(out + "/manifest.json")
            let keys = try #require(String(data: FileManager.default.contents(atPath: out + "/manifest.json")!, encoding: .utf8))
            // The members in their documented order.
            let order = ["verdict_version", "generated_at", "command", "database", "period", "coverage", "inputs", "queries",
                         "outputs", "alerts", "delivery"]
            let positions = order.map { keys.range(of: "\n  \"\($0)\":")?.lowerBound }
            #expect(!positions.contains(nil) && positions.map { $0! } == positions.map { $0! }.sorted())

            #expect(m["verdict_version"] as? String == VerdictVersion.string)
            #expect((m["command"] as? [String]) == ["verdict", "report", "--db", db.path, "--week", "2026-W46", "--out", out, "--template", "risk"])
            let database = try #require(m["database"] as? [String: Any])
            #expect(database["engine"] as? String == "sqlite" && database["location"] as? String == db.path)
            #expect(database["schema_version"] as? String == Schema.migrationNames.last)
            let period = try #require(m["period"] as? [String: Any])
            #expect(period["label"] as? String == "2026-W46" && period["start"] as? String == "2026-11-09"
                    && period["end"] as? String == "2026-11-15" && period["zone"] as? String == "UTC")
            let coverage = try #require(m["coverage"] as? [String: Any])
            #expect(coverage["transactions"] as? Int == 2 && coverage["complete"] as? Bool == true)
            #expect(coverage["first_poll"] as? String == "2026-11-10T08:00:00Z" && coverage["last_poll"] as? String == "2026-11-12T09:30:00Z")

            // Only the log holding the week's polls, with the hash ingest stored.
            let inputs = try #require(m["inputs"] as? [[String: Any]])
            #expect(inputs.count == 1)
            let bytes = try #require(FileManager.default.contents(atPath: w46))
            #expect(inputs.first?["sha256"] as? String == Digest.sha256Hex(Array(bytes)))
            #expect(inputs.first?["path"] as? String == URL(fileURLWithPath: w46).resolvingSymlinksInPath().path)
            #expect(inputs.first?["bytes"] as? Int == bytes.count && inputs.first?["lines"] as? Int == 2 && inputs.first?["accepted"] as? Int == 2)

            // Every file of the directory but the manifest, each with the hash of its bytes.
            let outputs = try #require(m["outputs"] as? [[String: Any]])
            let files = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0 != "manifest.json" }.sorted()
            #expect(outputs.compactMap { $0["file"] as? String }.sorted() == files)
            for o in outputs {
                let name = try #require(o["file"] as? String)
                let content = try #require(FileManager.default.contents(atPath: out + "/" + name))
                #expect(o["sha256"] as? String == Digest.sha256Hex(Array(content)) && o["bytes"] as? Int == content.count, "\(name)")
            }
            #expect(files.contains("signals.csv") && files.contains("changes.csv"))

            // Each query, with the hash of the SQL text that ran.
            let queries = try #require(m["queries"] as? [[String: Any]])
            let outcomes = try #require(queries.first { $0["name"] as? String == "outcomes" })
            #expect(outcomes["sha256"] as? String == Digest.sha256Hex(Array(Embedded.queries["outcomes"]!.utf8)))
            #expect(outcomes["rows"] as? Int == 2)
            #expect((m["alerts"] as? [Any])?.isEmpty == true)
            #expect(m["delivery"] is NSNull)
        }
    }

    @Test("a password in a URL on the command line is not recorded")
    func passwordsRemoved() {
        #expect(Manifest.redacted(["/usr/local/bin/verdict", "report", "--smtp", "smtp://mailer:s3cret@mail.example:587", "--db",
                                   "postgresql://ana:pw@db.example:5432/verdict?sslmode=require", "--out", "a:b@c"])
                == ["verdict", "report", "--smtp", "smtp://mailer@mail.example:587", "--db",
                    "postgresql://ana@db.example:5432/verdict?sslmode=require", "--out", "a:b@c"])
        #expect(Manifest.withoutPassword("smtps://user@host") == "smtps://user@host")
        #expect(Manifest.withoutPassword("smtp://u:p:q@host/x@y") == "smtp://u@host/x@y")
    }

    @Test("into an existing directory, the manifest is put in place after every other file")
    func writtenLast() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines([Log.idVerdict("A", at: "2026-11-10T08:00:00Z", "Y")])
            let out = try box.report(db, try Periods.week("2026-W46"))
            _ = try box.report(db, try Periods.week("2026-W46"))  // again, into the same directory
            func changed(_ name: String) -> timespec {
                var st = stat()
                _ = lstat(out + "/" + name, &st)
                return st.st_ctim
            }
            let manifest = changed("manifest.json")
            for name in try FileManager.default.contentsOfDirectory(atPath: out) where name != "manifest.json" {
                let t = changed(name)
                #expect(t.tv_sec < manifest.tv_sec || (t.tv_sec == manifest.tv_sec && t.tv_nsec <= manifest.tv_nsec), "\(name)")
            }
        }
    }
}
