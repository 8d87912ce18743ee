import Mustache
#if canImport(Glibc)
    import Glibc
#endif

/// Writes a report directory: every CSV file of the metric contract and the extra
/// breakdowns, `report.md` rendered from a template, `report.html` (the same report as one
/// self-contained page) and SVG charts beside them.
///
/// CSV files hold no timestamps and rows come in a fixed order, so the same database and
/// period give byte-identical files.
public struct ReportWriter {
    public let engine: MetricsEngine
    /// A template name from `Reports/` (built in) or a path to a `.mustache` file.
    public var template = "weekly"
    /// The command line that asked for the report, as manifest.json records it (passwords
    /// removed: `Manifest.redacted`).
    public var command: [String] = []
    /// Alert rules to evaluate: the report then also writes alerts.csv.
    public var alertRules: AlertRules?

    public init(engine: MetricsEngine) {
        self.engine = engine
    }

    /// Everything written, for the command to print.
    public struct Written: Sendable {
        public var directory: String
        /// Every file written, manifest.json last.
        public var files: [String]
        public var report: String
        /// What the files were rendered from, and each file's bytes as written (for the mail).
        public var model: ReportModel
        public var contents: [(name: String, bytes: [UInt8])]
        /// manifest.json as written.
        public var manifest: Manifest
        /// Every alert rule against each signal it matches (empty without rules), in the
        /// order of alerts.csv.
        public var alerts: [AlertResult] = []
        /// The rules that matched no signal with data in the period or its baseline.
        public var unmatchedAlertRules: [AlertRule] = []
    }

    /// Writes the report of `period` into `directory`, completely or not at all.
    ///
    /// Everything that can be refused (the template, the queries and their columns, the
    /// period's zone, a file in the way of `directory`) is checked, and every file is made in
    /// memory, before the first byte is written; then `ReportDirectory` puts them all in
    /// place together. The queries run once; their results become one `ReportModel`, from
    /// which each output is rendered.
    public func write(period: Period, to directory: String) throws(VerdictError) -> Written {
        let (text, template) = try Self.templateSource(self.template)
        try ReportDirectory.check(directory)
        let csvNames = QueryCatalog.contractFiles + QueryCatalog.extraFiles
        // Every query of the catalog is run, so a template may use any of them.
        // (changes.csv is worked out from signals, not queried.)
        let names = Array(Set(csvNames + engine.catalog.names).subtracting(["changes"])).sorted()
        try Self.checkReferences(text, of: self.template, queries: Set(names))
        // The previous period's outcomes are the built-in trend's second-to-last row (read
        // from the rollup); they are queried again only when trend.sql is overridden.
        let trendIsBuiltIn = engine.catalog.query(named: "trend")?.origin == "built-in"
        var snapshot = try engine.run(names, period: period, alsoPrevious: trendIsBuiltIn ? ["spoof_checks"] : ["outcomes", "spoof_checks"])
        // What moved: each signal of this period against the previous one.
        if let signals = snapshot.results["signals"] {
            snapshot.results["changes"] = SignalChanges.compute(signals, current: period.first.isoDate,
                                                                previous: period.shifted(by: 1).first.isoDate)
        }
        var model = try ReportModel(snapshot)
        let evaluation = try alertRules.map { (rules) throws(VerdictError) in
            try engine.alerts(rules, period: period, signals: snapshot.results["signals"])
        }
        model.alerts = evaluation?.results ?? []
        var files: [(name: String, bytes: [UInt8])] = []
        for name in csvNames {
            guard let table = model.tables[name] else { continue }
            files.append((name + ".csv", Array(CSVWriter.render(table).utf8)))
        }
        if let evaluation { files.append(("alerts.csv", Array(CSVWriter.render(evaluation.table).utf8))) }
        for chart in model.charts {
            files.append((chart.name + ".svg", Array(SVGChartRenderer.render(chart).utf8)))
        }
        files.append(("report.md", Array(MarkdownRenderer.render(model, template: template).utf8)))
        files.append(("report.html", Array(HTMLRenderer.render(model).utf8)))
        var manifest = try manifest(for: snapshot, model: model)
        manifest.setOutputs(files)
        // Last in the list, so that it is put in place after every other file.
        files.append((Manifest.fileName, manifest.bytes))
        try ReportDirectory.write(files, into: directory)
        return Written(directory: directory, files: files.map(\.name), report: directory + "/report.md", model: model,
                       contents: files, manifest: manifest,
                       alerts: evaluation?.results ?? [], unmatchedAlertRules: evaluation?.unmatched ?? [])
    }

    /// The manifest of a report of `snapshot`, before its outputs are listed.
    func manifest(for snapshot: MetricsSnapshot, model: ReportModel) throws(VerdictError) -> Manifest {
        var m = Manifest(generatedAt: ReportFormat.instant(WallClock.nowMillis()), command: command, location: engine.database.location,
                         schemaVersion: try engine.database.schemaVersion(), period: snapshot.period, coverage: model.coverage)
        m.engine = engine.database.engineName
        m.setInputs(snapshot.results["inputs"])
        m.setQueries(snapshot.results, catalog: engine.catalog)
        m.alerts = model.alerts.map { r in
            func number(_ d: Double?) -> JSONValue { d.map { .double($0) } ?? .null }
            return .object([
                .init("rule", .string(r.rule.name)), .init("signal", .string(r.signal)), .init("severity", .string(r.severity.rawValue)),
                .init("fired", .bool(r.fired)), .init("rate", number(r.rate)), .init("baseline_rate", number(r.baselineRate)),
                .init("change_pp", number(r.changePP)), .init("p_value", number(r.test?.p)), .init("denominator", .int(r.denominator)),
                .init("baseline_denominator", .int(r.baselineDenominator)), .init("note", .string(r.note?.rawValue)),
            ])
        }
        return m
    }

    // MARK: - Template

    /// The names of the templates compiled in from `Reports/`, sorted.
    public static var builtInTemplates: [String] { Embedded.templates.keys.sorted() }

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
        try templateSource(template).template
    }

    /// The template's text and its parsed form. A name that is neither built in nor a file is
    /// a usage error; a file that exists but cannot be read, or is not UTF-8, says so.
    static func templateSource(_ template: String) throws(VerdictError) -> (text: String, template: MustacheTemplate) {
        let text: String
        if let builtIn = Embedded.templates[template] {
            text = builtIn
        } else if FileManagerLite.exists(template) {
            if FileManagerLite.isDirectory(template) {
                throw VerdictError(.usage, "\(template): the template is a directory", hint: "give a .mustache file, or a built-in name: " + Embedded.templates.keys.sorted().joined(separator: ", "))
            }
            guard let bytes = FileBytes.readAll(path: template) else {
                let code = errno
                throw VerdictError(.io, "\(template): cannot read the template: " + SystemError.words(errno: code), hint: SystemError.hint(errno: code))
            }
            guard let decoded = String(validating: bytes, as: UTF8.self) else {
                throw VerdictError(.usage, "\(template): the template is not UTF-8 text", hint: "save it as UTF-8")
            }
            text = decoded
        } else {
            throw VerdictError(.usage, "no report template named '\(template)'",
                               hint: "built in: " + Embedded.templates.keys.sorted().joined(separator: ", ") + "; or give a path to a .mustache file")
        }
        do {
            return (text, try MustacheTemplate(string: text))
        } catch let e as MustacheTemplate.ParserError {
            throw VerdictError(.usage, "\(template): line \(e.context.lineNumber), column \(e.context.columnNumber): the template does not parse: " + Self.words(e.error),
                               hint: "fix the template, or use a built-in one: " + Embedded.templates.keys.sorted().joined(separator: ", "))
        } catch {
            throw VerdictError(.usage, "\(template): the template does not parse", cause: error)
        }
    }

    /// Refuses a template that names a query the report does not run (`tables.NAME`,
    /// `rows.NAME`): Mustache would render it as nothing, and a typo would go unseen. A
    /// partial (`{{> name}}`) is refused too: a template is one file.
    static func checkReferences(_ text: String, of template: String, queries: Set<String>) throws(VerdictError) {
        let bytes = Array(text.utf8)
        var line = 1
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 0x0A { line += 1 }
            guard bytes[i] == UInt8(ascii: "{"), bytes[i + 1] == UInt8(ascii: "{") else { i += 1; continue }
            var j = i + 2
            while j < bytes.count, bytes[j] == UInt8(ascii: "{") || bytes[j] == UInt8(ascii: " ") { j += 1 }
            if j < bytes.count, bytes[j] == UInt8(ascii: ">") {
                throw VerdictError(.usage, "\(template): line \(line): partials ({{> name}}) are not supported",
                                   hint: "put the text in the template itself")
            }
            // A section or inverted section tag: {{#tables.x}}, {{^rows.x}}, {{/rows.x}}, {{&tables.x}}.
            while j < bytes.count, [UInt8(ascii: "#"), UInt8(ascii: "^"), UInt8(ascii: "/"), UInt8(ascii: "&"), UInt8(ascii: " ")].contains(bytes[j]) { j += 1 }
            for prefix in ["tables.", "rows."] {
                let p = Array(prefix.utf8)
                guard j + p.count <= bytes.count, Array(bytes[j..<(j + p.count)]) == p else { continue }
                var k = j + p.count
                while k < bytes.count, Self.isNameByte(bytes[k]) { k += 1 }
                let name = String(decoding: bytes[(j + p.count)..<k], as: UTF8.self)
                if !queries.contains(name) {
                    throw VerdictError(.usage, "\(template): line \(line): {{\(prefix)\(name)}} names no query of this report",
                                       hint: "queries: " + queries.sorted().joined(separator: ", "))
                }
            }
            i = j
        }
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "_") || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
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
