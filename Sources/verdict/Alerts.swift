import ArgumentParser
import VerdictCore

extension Verdict {
    struct Alerts: FindingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate alert rules for a period, without writing a report.",
            discussion: "Prints alerts.csv on standard output (or, with --explain, every rule's observed rate, baseline, statistic and guards), one line on standard error per firing, and exits with status 4 when a rule of severity error fired. The rule format is in docs/ALERTS.md.")

        enum Format: String, ExpressibleByArgument, CaseIterable { case csv, md, json }

        @OptionGroup var db: DatabaseOption
        @OptionGroup var period: PeriodOptions
        @OptionGroup var quiet: QuietOption
        @Option(help: ArgumentHelp("The alert rules (YAML).", valueName: "RULES.yaml")) var alerts: String
        @Flag(help: "Explain every rule instead of printing the table: observed rate, baseline, statistic, guards.") var explain = false
        @Option(help: "Output format of the table.") var format: Format = .csv
        @Option(help: ArgumentHelp("Directory of .sql files that override or add to the built-in queries.", valueName: "DIR")) var queries: String?

        func execute() throws(VerdictError) -> Findings {
            let p = try period.period()
            let rules = try AlertRules.load(alerts)
            let catalog = try QueryCatalog(directory: queries)
            let database = try db.reader()
            let evaluation = try MetricsEngine(database: database, catalog: catalog).alerts(rules, period: p)
            let findings = Self.announce(evaluation.results, unmatched: evaluation.unmatched, of: rules, period: p)
            let table = evaluation.table
            if explain {
                try printResults(AlertText.explanation(evaluation))
            } else {
                switch format {
                case .csv: try printResults(CSVWriter.render(table))
                case .md: try printResults(Markdown.table(table))
                case .json: try printResults(JSONOutput.render(table) + "\n")
                }
            }
            return findings
        }

        /// Says on standard error which rules match no signal and which fired (one line
        /// each), and returns the finding of exit status 4 when an error rule fired.
        static func announce(_ results: [AlertResult], unmatched: [AlertRule], of rules: AlertRules, period: Period) -> Findings {
            for rule in unmatched {
                Terminal.printError(AlertText.unmatched(rule, file: rules.file, period: period.first.isoDate))
            }
            var findings = Findings()
            for r in results where r.fired {
                Terminal.printError(AlertText.firing(r))
                if r.severity == .error { findings.add(ExitStatus.alertFired) }
            }
            return findings
        }
    }
}
