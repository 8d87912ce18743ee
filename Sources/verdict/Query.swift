import ArgumentParser
import VerdictCore

extension Verdict {
    struct Query: VerdictCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one built-in or user query for a period.",
            discussion: "NAME is a query of Queries/ (or of --queries DIR); FILE.sql is any file holding one SELECT with named parameters (:start_ms, :end_ms, :prev_start_ms, :prev_end_ms, :period0_start_ms … :period7_end_ms with _first_day, :periods, :period_label, :zone). Each query's opening comment defines what it counts.\n\nBuilt-in queries: " + QueryCatalog.builtInNames.joined(separator: ", ") + "; and changes (each signal against the previous period, worked out from signals).")

        enum Format: String, ExpressibleByArgument, CaseIterable { case csv, md, json }

        @OptionGroup var db: DatabaseOption
        @OptionGroup var quiet: QuietOption
        @Argument(help: ArgumentHelp("A query name, or a path to a .sql file.", valueName: "NAME|FILE.sql")) var query: String
        @OptionGroup var period: PeriodOptions
        @Option(help: "Output format.") var format: Format = .csv
        @Option(help: ArgumentHelp("Directory of .sql files that override or add to the built-in queries.", valueName: "DIR")) var queries: String?

        func execute() throws(VerdictError) {
            let p = try period.period()
            let catalog = try QueryCatalog(directory: queries)
            let result: QueryResult
            if query == SignalChanges.name, catalog.query(named: query) == nil {
                // changes.csv is worked out from the signals query, as the report does.
                result = try SignalChanges.compute(for: p, engine: MetricsEngine(database: try db.reader(), catalog: catalog))
            } else {
                let source = try catalog.resolve(query)
                let engine = MetricsEngine(database: try db.reader(), catalog: catalog)
                let snap = try engine.run([query], period: p)
                guard let found = snap.results[source.name] else { return }
                result = found
            }
            switch format {
            case .csv: try printResults(CSVWriter.render(result))
            case .md: try printResults(Markdown.table(result))
            case .json: try printResults(JSONOutput.render(result) + "\n")
            }
        }
    }
}
