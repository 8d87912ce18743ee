public import Logging

/// What `verdict demo` does: sample logs, ingest, report the last complete week.
public struct DemoRun {
    public let directory: String
    public let logger: Logger
    public var days = 28

    public init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    public func run(say: (String) -> Void) throws(VerdictError) {
        try FileManagerLite.makeDirectory(directory + "/logs")
        let today = Period.today(in: .utc)
        var o = SampleOptions()
        o.days = days
        o.start = today.adding(days: -days)
        // Two services' logs: one gzip-rotated, one plain, overlapping by a few lines.
        let files = [directory + "/logs/kyc-gateway.ndjson.gz", directory + "/logs/kyc-gateway-2.ndjson"]
        o.seed = 20261116
        var g1 = SampleGenerator(o)
        let s1 = try OutputSink(path: files[0])
        try g1.generate { b throws(VerdictError) in try s1.write(b) }
        try s1.close()
        var o2 = o
        o2.seed = 7
        o2.days = 7
        o2.start = today.adding(days: -7)
        o2.idPerDay = 40
        o2.videoPerDay = 20
        var g2 = SampleGenerator(o2)
        let s2 = try OutputSink(path: files[1])
        try g2.generate { b throws(VerdictError) in try s2.write(b) }
        try s2.close()
        say("sample logs: \(files.joined(separator: ", "))")

        let dbPath = directory + "/verdict.db"
        let database = try VerdictDatabase(path: dbPath)
        let summary = try Ingester(database: database, logger: logger).ingest(paths: files)
        for f in summary.files { say(f.line) }

        let period = Period.lastWeek(today: today, zone: .utc)
        let out = directory + "/report-" + period.label
        let written = try ReportWriter(engine: MetricsEngine(database: database, catalog: try QueryCatalog())).write(period: period, to: out)
        say("database: \(dbPath)")
        say("report for \(period.label): \(written.report) (and \(written.files.count - 1) files beside it: CSV, SVG, report.html, manifest.json)")
        say("next: verdict query --db \(dbPath) outcomes --week \(period.label) --format md")
    }
}
