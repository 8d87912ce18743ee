import Mustache

/// Writes a report directory: every CSV file of the metric contract and the extra
/// breakdowns, `report.md` rendered from a template, and SVG charts beside it.
///
/// CSV files hold no timestamps and rows come in a fixed order, so the same database and
/// period give byte-identical files.
public struct ReportWriter {
    public let engine: MetricsEngine
    /// A template name from `Reports/` (built in) or a path to a `.mustache` file.
    public var template = "weekly"

    public init(engine: MetricsEngine) {
        self.engine = engine
    }

    /// Everything written, for the command to print.
    public struct Written: Sendable {
        public var directory: String
        public var files: [String]
        public var report: String
    }

    /// Writes the report of `period` into `directory`, completely or not at all.
    ///
    /// Everything that can be refused (the template, the queries and their columns, the
    /// period's zone, a file in the way of `directory`) is checked, and every file is made in
    /// memory, before the first byte is written; then `ReportDirectory` puts them all in
    /// place together. The queries run once; their results become one `ReportModel`, from
    /// which each output is rendered.
    public func write(period: Period, to directory: String) throws(VerdictError) -> Written {
        let template = try loadTemplate()
        try ReportDirectory.check(directory)
        let csvNames = QueryCatalog.contractFiles + QueryCatalog.extraFiles
        // Every query of the catalog is run, so a template may use any of them.
        let names = Array(Set(csvNames + engine.catalog.names)).sorted()
        // The previous period's outcomes are the built-in trend's second-to-last row (read
        // from the rollup); they are queried again only when trend.sql is overridden.
        let trendIsBuiltIn = engine.catalog.query(named: "trend")?.origin == "built-in"
        let snapshot = try engine.run(names, period: period, alsoPrevious: trendIsBuiltIn ? ["spoof_checks"] : ["outcomes", "spoof_checks"])
        let model = try ReportModel(snapshot)
        var files: [(name: String, bytes: [UInt8])] = []
        for name in csvNames {
            guard let table = model.tables[name] else { continue }
            files.append((name + ".csv", Array(CSVWriter.render(table).utf8)))
        }
        for chart in model.charts {
            files.append((chart.name + ".svg", Array(SVGChartRenderer.render(chart).utf8)))
        }
        files.append(("report.md", Array(MarkdownRenderer.render(model, template: template).utf8)))
        try ReportDirectory.write(files, into: directory)
        return Written(directory: directory, files: files.map(\.name), report: directory + "/report.md")
    }

    // MARK: - Template

    func loadTemplate() throws(VerdictError) -> MustacheTemplate {
        try Self.loadTemplate(template)
    }

    /// report.md of `model` with `template` (a built-in name or a file).
    public static func render(_ model: ReportModel, template: String = "weekly") throws(VerdictError) -> String {
        MarkdownRenderer.render(model, template: try loadTemplate(template))
    }

    /// Refuses a template that is neither built in nor a readable file that parses (a usage
    /// error), so that a command can say so before it opens the database.
    public static func checkTemplate(_ template: String) throws(VerdictError) {
        _ = try loadTemplate(template)
    }

    static func loadTemplate(_ template: String) throws(VerdictError) -> MustacheTemplate {
        let text: String
        if let builtIn = Embedded.templates[template] {
            text = builtIn
        } else if let bytes = FileBytes.readAll(path: template) {
            text = String(decoding: bytes, as: UTF8.self)
        } else {
            throw VerdictError(.usage, "no report template named '\(template)'",
                               hint: "built in: " + Embedded.templates.keys.sorted().joined(separator: ", ") + "; or give a path to a .mustache file")
        }
        do {
            return try MustacheTemplate(string: text)
        } catch let e as MustacheTemplate.ParserError {
            throw VerdictError(.usage, "\(template): line \(e.context.lineNumber), column \(e.context.columnNumber): the template does not parse: " + Self.words(e.error),
                               hint: "fix the template, or use a built-in one: " + Embedded.templates.keys.sorted().joined(separator: ", "))
        } catch {
            throw VerdictError(.usage, "\(template): the template does not parse", cause: error)
        }
    }

    /// What a template parse error means.
    static func words(_ error: any Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect: "a section is closed with another name than it was opened with"
        case .unfinishedName: "a tag is not finished"
        case .expectedSectionEnd: "a section is not closed"
        case .invalidSetDelimiter: "a set-delimiter tag is malformed"
        case .transformAppliedToInheritanceSection: "a transform is applied to an inherited section"
        case .illegalTokenInsideInheritSection, .textInsideInheritSection: "an inherited section holds something it may not"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: "a configuration tag is malformed or unknown"
        case nil: SystemError.words(error)
        }
    }
}
