import ArgumentParser
import Foundation
import VerdictCore

extension Verdict {
    struct Ingest: VerdictCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read checkresult logs (NDJSON, .gz, or - for stdin) into the database.",
            discussion: """
                Prints one summary line per file and a total on stderr (or the total as JSON on stdout with --json). Refused lines are kept with their reason: see `verdict rejects`. An input that cannot be read is named, the others are still ingested, and the exit status is 1.

                Ingesting a file again parses nothing (its counts are reported as duplicates); a file that grew since it was last read is read from where that read ended; an interrupted ingest resumes after its last committed batch.

                --tz is accepted for symmetry with report and changes nothing here: timestamps are stored as UTC instants, and periods are chosen at report time.
                """)

        @OptionGroup var db: DatabaseOption

        @OptionGroup var zone: ZoneOption
        @OptionGroup var quiet: QuietOption

        @Flag(name: .long, help: "Print the total summary as one JSON object on stdout.")
        var json = false

        @Option(name: .customLong("max-rejects"), help: ArgumentHelp("Fail (exit 2) when more lines than this are refused: a count (100) or a share of lines (0.01 or 1%).", valueName: "N|RATIO"))
        var maxRejects: String?

        @Option(name: .customLong("pii-key"), help: ArgumentHelp("File holding a secret key: document numbers are then kept as HMAC-SHA-256 hashes (never in clear).", valueName: "FILE"))
        var piiKey: String?

        @Flag(name: .customLong("no-wait"), help: "Fail at once (exit 3) if another ingest holds the database, instead of waiting.")
        var noWait = false

        @Option(name: .customLong("wait"), help: ArgumentHelp("Wait at most this many seconds for another ingest holding the database, then fail (exit 3).", valueName: "SECONDS"))
        var waitSeconds: Double?

        @Option(name: .customLong("batch-lines"), help: ArgumentHelp("Lines per SQL transaction (what an interrupted ingest redoes).", valueName: "N"))
        var batchLines = 50_000

        @Argument(help: ArgumentHelp("Log files: NDJSON, gzip (.gz), or - for standard input.", valueName: "FILE"))
        var files: [String]

        func validate() throws {
            if files.isEmpty { throw ValidationError("name at least one FILE (or - for standard input)") }
            if let waitSeconds, !waitSeconds.isFinite || waitSeconds < 0 { throw ValidationError("--wait takes a number of seconds (0 or more)") }
            if waitSeconds != nil && noWait { throw ValidationError("give --wait SECONDS or --no-wait, not both") }
            if batchLines < 1 { throw ValidationError("--batch-lines takes a positive number") }
            if let maxRejects, RejectLimit(maxRejects) == nil {
                throw ValidationError("--max-rejects takes a count (100), a ratio (0.01) or a percentage (1%), not '\(maxRejects)'")
            }
        }

        func execute() throws(VerdictError) {
            let logger = Terminal.logger()
            var options = IngestOptions()
            if let piiKey { options.documentKey = try DocumentHasher(keyFile: piiKey) }
            options.waitForLock = !noWait
            options.lockTimeout = waitSeconds
            options.batchLines = batchLines
            options.progress = { file, read, total in
                let mb = Double(read) / 1_048_576
                let of = total.map { String(format: " of %.1f MiB", Double($0) / 1_048_576) } ?? ""
                Terminal.progress(String(format: "%@: %d lines, %.1f MiB", file.path, file.lines, mb) + of)
            }
            let summary: IngestSummary
            switch try db.target() {
            case .sqlite(let path):
                let database = try VerdictDatabase(path: path, logger: logger)
                summary = try Ingester(database: database, options: options, logger: logger).ingest(paths: files)
            case .postgres(let address):
                let database = try PostgresDatabase(address)
                summary = try PostgresIngester(database: database, options: options, logger: logger).ingest(paths: files)
            }
            Terminal.endProgress()
            if json {
                try printResults(summary.json + "\n")
            } else {
                for f in summary.files { Terminal.note(f.line) }
                let t = summary.total
                let rate = summary.seconds > 0 ? Double(t.lines) / summary.seconds : 0
                Terminal.note(t.line + String(format: " in %.2f s (%.0f lines/s); transactions in the database: %d ID_RECOGNITION, %d VIDEO_VERIFY",
                                                    summary.seconds, rate, summary.transactions[.idRecognition] ?? 0, summary.transactions[.videoVerify] ?? 0))
            }
            // An input that could not be read (exit 1) outranks too many refused lines (exit 2).
            if !summary.failedInputs.isEmpty {
                throw VerdictError(.io, "\(summary.failedInputs.count) input(s) could not be read completely: " + summary.failedInputs.map(\.path).joined(separator: ", "))
            }
            if let maxRejects, let limit = RejectLimit(maxRejects), limit.exceeded(refused: summary.total.refusedTotal, lines: summary.total.lines) {
                throw VerdictError(.tooManyRejects, "\(summary.total.refusedTotal) of \(summary.total.lines) lines were refused, more than --max-rejects \(maxRejects) allows",
                                   hint: "see them with: verdict rejects list --db \(db.path)")
            }
        }
    }
}

/// `--max-rejects`: an absolute count, a ratio below 1, or a percentage.
struct RejectLimit {
    enum Kind { case count(Int), ratio(Double) }
    let kind: Kind

    init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("%"), let p = Double(t.dropLast()), p >= 0, p <= 100 {
            kind = .ratio(p / 100)
        } else if let n = Int(t), n >= 0 {
            kind = .count(n)
        } else if let r = Double(t), r >= 0, r < 1 {
            kind = .ratio(r)
        } else {
            return nil
        }
    }

    func exceeded(refused: Int, lines: Int) -> Bool {
        switch kind {
        case .count(let n): refused > n
        case .ratio(let r): lines > 0 && Double(refused) / Double(lines) > r
        }
    }
}
