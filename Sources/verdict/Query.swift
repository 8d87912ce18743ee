import ArgumentParser
import VerdictCore

extension Verdict {
    struct Query: VerdictCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one built-in or user query for a period.",
            discussion: "NAME is a query of Queries/ (or of --queries DIR); FILE.sql is any file holding one SELECT with named parameters (:start_ms, :end_ms, :prev_start_ms, :prev_end_ms, :period0_start_ms … :period7_end_ms with _first_day, :periods, :period_label, :zone). Each query's opening comment defines what it counts.\n\nBuilt-in queries: " + QueryCatalog.builtInNames.joined(separator: ", ") + ".")

        enum Format: String, ExpressibleByArgument, CaseIterable { case csv, md, json }

        @OptionGroup var db: DatabaseOption
        @Argument(help: ArgumentHelp("A query name, or a path to a .sql file.", valueName: "NAME|FILE.sql")) var query: String
        @OptionGroup var period: PeriodOptions
        @Option(help: "Output format.") var format: Format = .csv
        @Option(help: ArgumentHelp("Directory of .sql files that override or add to the built-in queries.", valueName: "DIR")) var queries: String?

        func execute() throws(VerdictError) {
            let p = try period.period()
            let catalog = try QueryCatalog(directory: queries)
            let source = try catalog.resolve(query)
            let database = try db.reader()
            let engine = MetricsEngine(database: database, catalog: catalog)
            let snap = try engine.run([query], period: p)
            guard let result = snap.results[source.name] else { return }
            switch format {
            case .csv: try printResults(CSVWriter.render(result))
            case .md: try printResults(Markdown.table(result))
            case .json: try printResults(JSONOutput.render(result) + "\n")
            }
        }
    }
}
