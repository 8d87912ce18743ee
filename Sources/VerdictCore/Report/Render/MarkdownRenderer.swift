import Mustache

/// report.md: a Mustache template (`Reports/*.mustache`, or the user's) filled from the
/// report model. The values a template can use:
///
/// - `period`, `zone`, `previous_period`, `first_day`, `last_day`
/// - `products`: one entry per product with its counts, `pass_rate`, `interval` (Wilson
///   95%), `small_sample`, `previous_pass_rate`, `previous_completed`, `change` (percentage
///   points) and `significance`
/// - `tables.NAME`: the result of query NAME as a Markdown table (use triple braces); a
///   folded table (`ReportTable.fold`) shows its kept rows and the "other" row; the CSV
///   file keeps every row
/// - `rows.NAME`: the rows of query NAME as the table shows them, each a map column →
///   formatted value
/// - `spoof_changes`: spoof checks against the previous period, as a Markdown table
/// - `notes`: data-quality sentences
/// - `what_changed`: the summary that opens the report (period and coverage, pass rates, the
///   signals that moved), as Markdown; `coverage`: its coverage sentences alone; `partial`
///   and `empty`: true when the period is partial or has no data
public enum MarkdownRenderer {
    static func render(_ model: ReportModel, template: MustacheTemplate) -> String {
        template.render(context(model))
    }

    static func context(_ model: ReportModel) -> [String: Any] {
        var ctx: [String: Any] = [:]
        let p = model.period
        ctx["period"] = p.label
        ctx["zone"] = p.zone
        ctx["first_day"] = p.firstDay.isoDate
        ctx["last_day"] = p.lastDay.isoDate
        ctx["previous_period"] = p.previousLabel

        var tables: [String: String] = [:]
        var rows: [String: [[String: String]]] = [:]
        for (name, t) in model.tables {
            tables[name] = table(t)
            rows[name] = t.shownRows.map { row in
                Dictionary(zip(t.columns, row).map { ($0.name, ReportFormat.cell($1, kind: $0.kind)) }, uniquingKeysWith: { first, _ in first })
            }
        }
        ctx["tables"] = tables
        ctx["rows"] = rows
        ctx["products"] = model.headline.map(product)
        ctx["spoof_changes"] = model.spoofChecks.map(spoofChanges) ?? ""
        ctx["notes"] = model.notes.map(sentence)
        ctx["what_changed"] = whatChanged(model)
        ctx["coverage"] = SummaryWords.coverage(model)
        ctx["partial"] = model.coverage?.isPartial ?? false
        ctx["empty"] = model.coverage?.isEmpty ?? false
        return ctx
    }

    /// The opening summary: coverage, pass rates, then what moved.
    static func whatChanged(_ model: ReportModel) -> String {
        var out = "## What changed\n\n"
        for sentence in SummaryWords.coverage(model) {
            out += (sentence.hasPrefix("Partial period") || sentence.hasPrefix("This period has no data") ? "**" + sentence + "**" : sentence) + "\n"
        }
        if let rates = SummaryWords.passRates(model) { out += "\n" + rates + "\n" }
        if let title = SummaryWords.alertsTitle(model) {
            out += "\n" + title + "\n"
            let fired = SummaryWords.firings(model)
            if !fired.isEmpty {
                out += "\n" + Markdown.table(SummaryWords.alertColumns, fired.map(SummaryWords.alertRow), rightAligned: SummaryWords.alertNumeric)
            }
        }
        let w = model.whatChanged
        out += "\n"
        if w.significant.isEmpty {
            out += SummaryWords.nothingSignificant + "\n"
        } else {
            out += SummaryWords.significantTitle + "\n\n"
            out += Markdown.table(SummaryWords.moveColumns, w.significant.prefix(WhatChanged.shown).map(SummaryWords.moveRow),
                                  rightAligned: SummaryWords.moveNumeric)
            if let more = SummaryWords.more(w.significant.count) { out += "\n" + more + "\n" }
        }
        if !w.smallSample.isEmpty {
            out += "\n" + SummaryWords.smallSampleTitle + "\n\n"
            out += Markdown.table(SummaryWords.moveColumns, w.smallSample.prefix(WhatChanged.shown).map(SummaryWords.moveRow),
                                  rightAligned: SummaryWords.moveNumeric)
            if let more = SummaryWords.more(w.smallSample.count) { out += "\n" + more + "\n" }
        }
        if model.charts.contains(where: { $0.name == "signals_moved" }) {
            out += "\n![Signals that moved](signals_moved.svg)\n"
        }
        while out.hasSuffix("\n") { out.removeLast() }
        return out
    }

    static func product(_ h: ProductHeadline) -> [String: Any] {
        [
            "product": h.product,
            "transactions": String(h.transactions), "completed": String(h.completed), "passed": String(h.passed),
            "failed": String(h.failed), "pending": String(h.pending), "api_error": String(h.apiError),
            "pass_rate": ReportFormat.percent(h.passRate),
            "interval": ReportFormat.interval(h.change.current.interval),
            "small_sample": h.change.current.isSmallSample,
            "previous_pass_rate": ReportFormat.percent(h.previous?.passRate),
            "previous_completed": String(h.previous?.completed ?? 0),
            "change": ReportFormat.points(h.change.points),
            "significance": ReportFormat.significance(h.change),
        ]
    }

    /// A table as report.md shows it: its shown rows, numbers right-aligned; a table
    /// without rows says so.
    public static func table(_ t: ReportTable) -> String {
        if t.rows.isEmpty { return "No rows for this period.\n" }
        let rightAligned = Set(t.columns.indices.filter { t.columns[$0].kind.isNumeric })
        let rows = t.shownRows.map { row in zip(t.columns, row).map { ReportFormat.cell($1, kind: $0.kind) } }
        return Markdown.table(t.columns.map(\.name), rows, rightAligned: rightAligned)
    }

    static func spoofChanges(_ checks: [SpoofCheckChange]) -> String {
        let rows: [[String]] = checks.map { c in
            let flag = c.change.current.isSmallSample ? " (small sample)" : ""
            return [c.check, String(c.evaluated), ReportFormat.percent(c.passRate) + flag,
                    ReportFormat.interval(c.change.current.interval), ReportFormat.percent(c.previousPassRate),
                    ReportFormat.significance(c.change)]
        }
        return Markdown.table(["check", "evaluated", "pass rate", "95% interval", "previous", "change"], rows, rightAligned: [1, 2, 4])
    }

    static func sentence(_ note: ReportNote) -> String {
        switch note {
        case .refusedLines(let dated, let undated):
            "\(dated) refused line(s) are dated in this period; \(undated) refused line(s) in the database carry no readable timestamp. List them with `verdict rejects list`."
        case .invalidFields(let n):
            "\(n) invalid field(s) on polls of this period were counted as absent."
        case .pending(let product, let n):
            "\(product): \(n) transaction(s) still pending; a later ingest may complete them."
        }
    }
}
