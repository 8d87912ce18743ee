import ArgumentParser
import VerdictCore

extension Verdict {
    struct Sample: VerdictCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write realistic synthetic checkresult logs (both products, every quirk, some broken lines).",
            discussion: "The same options always give the same bytes. A FILE ending in .gz is gzip-compressed.")

        @OptionGroup var quiet: QuietOption
        @Option(help: "Number of days of logs.") var days = 14
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @Option(help: ArgumentHelp("First day (UTC); default: the day `days` days before today.", valueName: "YYYY-MM-DD")) var start: String?
        @Option(name: .customLong("id-per-day"), help: "ID Recognition transactions per day.") var idPerDay = 300
        @Option(name: .customLong("video-per-day"), help: "VideoVerify transactions per day.") var videoPerDay = 150
        @Option(name: .customLong("payload-share"), help: "Share of final polls carrying base64 images/video (0...1).") var payloadShare = 0.0
        @Option(name: .customLong("payload-kib"), help: ArgumentHelp("Payload size range in KiB.", valueName: "MIN-MAX")) var payloadKiB = "200-2000"
        @Option(name: .customLong("broken-share"), help: "Share of refusable lines (0...1).") var brokenShare = 0.01
        @Option(name: .customLong("duplicate-share"), help: "Share of lines logged twice (0...1).") var duplicateShare = 0.03
        @Option(help: ArgumentHelp("Output file (.gz to compress); default standard output.", valueName: "FILE")) var out: String?

        func execute() throws(VerdictError) {
            var o = SampleOptions()
            (o.days, o.seed, o.idPerDay, o.videoPerDay) = (days, seed, idPerDay, videoPerDay)
            (o.payloadShare, o.brokenShare, o.duplicateShare) = (payloadShare, brokenShare, duplicateShare)
            let parts = payloadKiB.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 2, parts[0] <= parts[1] else { throw VerdictError(.usage, "--payload-kib takes MIN-MAX in KiB, e.g. 200-2000") }
            o.payloadBytes = (parts[0] * 1024)...(parts[1] * 1024)
            if let start {
                guard let d = Period.parseDate(start) else { throw VerdictError(.usage, "--start takes a date YYYY-MM-DD, not '\(start)'") }
                o.start = d
            } else {
                o.start = Period.today(in: .utc).adding(days: -days)
            }
            let sink = try OutputSink(path: out)
            var generator = SampleGenerator(o)
            try generator.generate { bytes throws(VerdictError) in try sink.write(bytes) }
            try sink.close()
        }
    }
}
