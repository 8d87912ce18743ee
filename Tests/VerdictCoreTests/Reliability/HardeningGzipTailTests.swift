import Foundation
import Testing
@testable import VerdictCore

#if canImport(Glibc)
    import Glibc
#endif

// What may follow the last member of a gzip file. `gzip -t` and `zcat` accept zero bytes
// up to the end (padding), and hand over what they decoded before trailing data that is
// not gzip. So must `verdict ingest`: padding is accepted without a word; after trailing
// data every decoded line is kept, the error names the file and the offset where that data
// begins, and the exit status is 1.

@Suite("Reliability: what follows the last gzip member")
struct ReliabilityHardeningGzipTail {
    /// 500 polls of distinct transactions, in two members.
    static let lines: [String] = (0..<500).map {
        Log.idVerdict(String(format: "TAIL-%04d", $0), at: String(format: "2026-11-10T08:%02d:%02dZ", $0 / 60, $0 % 60), $0 % 3 == 0 ? "N" : "Y")
    }

    /// The gzip file of `lines` in two members, and its bytes.
    private func members(_ box: Sandbox) throws -> [UInt8] {
        let path = try box.writeGzip(".members.gz", members: [Array(Self.lines.prefix(200)), Array(Self.lines.dropFirst(200))])
        return try #require(FileBytes.readAll(path: path))
    }

    /// `verdict ingest --json` of one file into a fresh database.
    private func ingest(_ path: String, in box: Sandbox) throws -> (run: FinishedRun, summary: IngestJSON) {
        let run = try runVerdictToEnd(["ingest", "--db", box.file(UUID().uuidString + ".db"), "--json", path], in: box, timeout: 60)
        let summary = try IngestJSON(run.stdout)
        #expect(summary.total.addsUp)
        return (run, summary)
    }

    /// GNU gzip's own view: its exit status for `-t`, and the lines `gzip -dc` writes.
    private func gnuGzip(_ path: String, in box: Sandbox) throws -> (test: Int32, lines: Int)? {
        guard let gzip = Executables.find("gzip") else { return nil }
        let t = try run(gzip, ["-t", path], in: box)
        let p = try Spawned.start(gzip, ["-dc", path], in: box)
        _ = p.wait(timeout: 60)
        let decoded = try #require(FileBytes.readAll(path: p.stdoutPath))
        return (t.status, decoded.filter { $0 == 0x0A }.count)
    }

    @Test("zero padding after the last member (a few bytes, or more than the 1 MiB read buffer) is accepted silently")
    func zeroPadding() throws {
        try withSandbox { box in
            let gz = try members(box)
            for zeros in [1, 2, 5000, (3 << 20) + 7] {
                let path = try box.write("padded-\(zeros).ndjson.gz", bytes: gz + [UInt8](repeating: 0, count: zeros))
                if let gnu = try gnuGzip(path, in: box) {
                    #expect(gnu.test == 0 && gnu.lines == Self.lines.count, "gzip accepts \(zeros) zero bytes of padding")
                }
                let (run, s) = try ingest(path, in: box)
                #expect(run.status == 0, "\(zeros) zeros: \(run.stderr)")
                #expect(!run.stderr.contains("error"), "\(zeros) zeros: \(run.stderr)")
                #expect(s.files.first?.error == nil)
                #expect(s.total.lines == Self.lines.count && s.total.accepted == Self.lines.count, "\(zeros) zeros")
            }
        }
    }

    @Test("trailing data that is not gzip: every decoded line is kept, the error names the file and the offset, exit 1")
    func trailingGarbage() throws {
        try withSandbox { box in
            let gz = try members(box)
            let tails: [(String, [UInt8])] = [
                ("text", Array("this is not gzip\n".utf8)),
                ("zeros-then-text", [UInt8](repeating: 0, count: 4096) + Array("junk".utf8)),
                ("one-magic-byte", [0x1F]),
                ("a-lone-byte", [0x41]),
            ]
            for (name, tail) in tails {
                let path = try box.write("tail-\(name).ndjson.gz", bytes: gz + tail)
                if let gnu = try gnuGzip(path, in: box) {
                    // gzip decodes every line too, and only warns about the rest.
                    #expect(gnu.lines == Self.lines.count && gnu.test != 0, "\(name)")
                }
                let (run, s) = try ingest(path, in: box)
                #expect(run.status == 1, "\(name): \(run.termination.description) \(run.stderr)")
                #expect(s.total.lines == Self.lines.count && s.total.accepted == Self.lines.count, "\(name): \(s.total.lines) lines")
                #expect(s.transactions["ID_RECOGNITION"] == Self.lines.count)
                let error = try #require(s.files.first?.error, "\(name): no error for the file")
                #expect(error.contains(path) && error.contains("byte \(gz.count)"), "\(name): \(error)")
                #expect(!error.contains("\n"))
                // The human form says it too, and the last line of stderr is one error line.
                let human = try runVerdictToEnd(["ingest", "--db", box.file(UUID().uuidString + ".db"), path], in: box, timeout: 60)
                #expect(human.status == 1)
                #expect(human.stderr.contains("byte \(gz.count)") && human.stderr.contains(path), "\(name): \(human.stderr)")
                #expect(human.stderrLines.last?.hasPrefix("verdict: error: ") == true && human.stderrLines.last?.contains(path) == true, "\(human.stderr)")
            }
        }
    }

    @Test("a damaged member after good ones: the lines decoded before it are kept, exit 1")
    func damagedLaterMember() throws {
        try withSandbox { box in
            let gz = try members(box)
            // A third "member" that starts with the gzip magic and then is not deflate data.
            let path = try box.write("damaged.ndjson.gz", bytes: gz + [0x1F, 0x8B, 0x08, 0x00] + [UInt8](repeating: 0xFF, count: 64))
            let (run, s) = try ingest(path, in: box)
            #expect(run.status == 1, "\(run.stderr)")
            #expect(s.total.lines == Self.lines.count && s.total.accepted == Self.lines.count)
            let error = try #require(s.files.first?.error)
            #expect(error.contains(path) && error.contains("not valid gzip data"), "\(error)")
        }
    }
}
