import ArgumentParser
import VerdictCore

extension Verdict {
    struct Report: FindingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every metric CSV file, charts, report.md and report.html for a period.",
            discussion: "The same database and period always give byte-identical CSV files.")

        @OptionGroup var db: DatabaseOption
        @OptionGroup var period: PeriodOptions
        @OptionGroup var lanes: LanesOption
        @Option(help: ArgumentHelp("Directory to write into (created if needed).", valueName: "DIR")) var out: String
        @Option(help: ArgumentHelp("Directory of .sql files that override or add to the built-in queries.", valueName: "DIR")) var queries: String?
        @Option(help: ArgumentHelp("Report template: a built-in name (" + ReportWriter.builtInTemplates.joined(separator: ", ") + "; risk puts what changed, spoof checks and failure reasons first) or a .mustache file.", valueName: "NAME|FILE")) var template = "weekly"

        @Option(help: ArgumentHelp("Alert rules (YAML) to evaluate: writes alerts.csv, one line on stderr per firing, exit status 4 when an error rule fired.", valueName: "RULES.yaml")) var alerts: String?

        @OptionGroup var mail: MailOptionGroup
        @OptionGroup var quiet: QuietOption
        @Flag(help: "Print a summary of the run as one JSON object on stdout: directory, period, files, transactions, coverage, alerts, delivery.")
        var json = false
        @Flag(help: "Exit with status 6 (after writing the report, and without mailing it) when no transaction started in the period, so that a broken ingest upstream does not pass for a quiet week.")
        var failIfEmpty = false

        func execute() throws(VerdictError) -> Findings {
            let p = try period.period()
            let rules = try alerts.map { (path) throws(VerdictError) in try AlertRules.load(path) }
            try ReportWriter.checkTemplate(template)
            // Mail options are checked (the server's URL, the sendmail program, the password's
            // source) before anything is read or written.
            let mailOptions = try mail.resolved()
            let catalog = try QueryCatalog(directory: queries)
            let database = try db.reader(cacheMegabytes: 16)
            var engine = MetricsEngine(database: database, catalog: catalog)
            if let n = lanes.jobs { engine.lanes = n }
            var writer = ReportWriter(engine: engine)
            writer.template = template
            writer.alertRules = rules
            writer.command = Manifest.redacted(CommandLine.arguments)
            let written = try writer.write(period: p, to: out)
            var findings = Findings()
            if let rules {
                findings = Alerts.announce(written.alerts, unmatched: written.unmatchedAlertRules, of: rules, period: p)
            }
            let empty = written.model.coverage?.isEmpty ?? true
            if failIfEmpty && empty {
                Terminal.printError("verdict: \(p.label) has no data: no transaction started in the period (--fail-if-empty: exit 6" + (mailOptions == nil ? ")" : "; not mailed)"))
                findings.add(ExitStatus.emptyPeriod)
            }
            var delivery: Delivery?
            if let mailOptions, !(failIfEmpty && empty) {
                // The manifest is attached as it will read once the message is sent; the file
                // is written again, last, with what became of the delivery.
                var report = ReportMailer.Report(directory: written.directory, model: written.model,
                                                 files: written.contents.filter { $0.name != Manifest.fileName })
                report.alertFired = written.alerts.contains { $0.fired && $0.severity == .error }
                report.alerts = rules == nil ? nil : written.alerts.filter(\.fired).map(AlertText.firing)
                // The HTML report with its charts as PNG images: drawn only for a message.
                try report.embedHTMLReport()
                let base = written.manifest
                let sent = try ReportMailer.deliver(report, options: mailOptions) { d in
                    var m = base
                    m.delivery = d.manifestValue
                    return m.bytes
                }
                var final = base
                final.delivery = sent.manifestValue
                try ReportWriter.rewriteManifest(final, in: written.directory)
                delivery = sent
            }
            if json {
                try printResults(written.json(delivery: delivery) + "\n")
            } else {
                try printMessage("Report for \(p.label) (\(p.zone.identifier)) written to \(written.directory): \(written.files.count) files; read \(written.report)\n")
            }
            if let delivery {
                switch delivery.status {
                case .sent:
                    Terminal.note("verdict: mailed the report to " + delivery.recipients.joined(separator: ", ") + " (message <\(delivery.messageID)>)"
                                  + (delivery.leftOut.isEmpty ? "" : "; left out by the size limit: " + delivery.leftOut.joined(separator: ", ")))
                case .skipped:
                    Terminal.note("verdict: note: nothing sent: " + (delivery.reason ?? "") + (mail.dryRun ? "" : " (--resend sends it again)"))
                case .failed:
                    if let error = delivery.error { throw error }
                }
            }
            return findings
        }
    }
}
