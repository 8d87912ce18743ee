import ArgumentParser
import VerdictCore

extension Verdict {
    struct Report: VerdictCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every metric CSV file, charts and report.md for a period.",
            discussion: "The same database and period always give byte-identical CSV files.")

        @OptionGroup var db: DatabaseOption
        @OptionGroup var period: PeriodOptions
        @OptionGroup var lanes: LanesOption
        @Option(help: ArgumentHelp("Directory to write into (created if needed).", valueName: "DIR")) var out: String
        @Option(help: ArgumentHelp("Directory of .sql files that override or add to the built-in queries.", valueName: "DIR")) var queries: String?
        @Option(help: ArgumentHelp("Report template: a built-in name (weekly) or a .mustache file.", valueName: "NAME|FILE")) var template = "weekly"

        func execute() throws(VerdictError) {
            let p = try period.period()
            try ReportWriter.checkTemplate(template)
            let catalog = try QueryCatalog(directory: queries)
            let database = try db.reader(cacheMegabytes: 16)
            var engine = MetricsEngine(database: database, catalog: catalog)
            if let n = lanes.jobs { engine.lanes = n }
            var writer = ReportWriter(engine: engine)
            writer.template = template
            let written = try writer.write(period: p, to: out)
            try printResults("Report for \(p.label) (\(p.zone.identifier)) written to \(written.directory): \(written.files.count) files; read \(written.report)\n")
        }
    }
}
