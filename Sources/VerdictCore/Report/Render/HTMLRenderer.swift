import Mustache

/// How a page carries its charts.
public enum ChartEmbedding: Sendable {
    /// Each chart's SVG inside the page: a browser needs nothing else.
    case inlineSVG
    /// Each chart as `<img src="cid:…">` with its alt text and size, the content ID given by
    /// the closure for the chart's name (`pass_rate_trend`): mail clients do not show SVG, so
    /// a message carries the charts as PNG parts (`ChartRaster`) under those IDs.
    case contentID(@Sendable (String) -> String)
}

/// report.html: the whole report as one self-contained page, filled from the report model
/// into the built-in template `Reports/report.html.mustache`. The page has its CSS inline,
/// its charts inside it (`ChartEmbedding`), no script, and fetches nothing; it keeps to
/// what mail clients render (tables with borders, a container of limited width, CSS that
/// may be dropped without losing content), and reads at phone and desktop widths.
///
/// It shows what the built-in report.md shows, from the same model: headline, tables,
/// spoof checks, notes and charts. Every text that may come from a log is escaped
/// (`escape`); the template's `{{ }}` escapes the same characters. The values it uses:
///
/// - `period`, `zone`, `previous_period`, `first_day`, `last_day`, `products` (as
///   `MarkdownRenderer` gives them)
/// - `tables.NAME`, `spoof_changes`: HTML tables (triple braces)
/// - `charts.NAME`: the chart of that name, inline or by content ID (triple braces)
/// - `notes`: HTML sentences (triple braces)
/// - `what_changed`: `shown`, `html` (the summary as HTML, escaped) and `chart` (small
///   multiples of the signals that moved), at the top of the page
public enum HTMLRenderer {
    public static func render(_ model: ReportModel, charts: ChartEmbedding = .inlineSVG) -> String {
        guard let template else {
            return "<!DOCTYPE html>\n<html><body><p>The template of this page does not parse.</p></body></html>\n"
        }
        return template.render(context(model, charts: charts))
    }

    /// The built-in page, parsed once (nil only if it did not parse, which the test suite
    /// rules out).
    static let template: MustacheTemplate? = try? MustacheTemplate(string: Embedded.pages["report"] ?? "")

    static func context(_ model: ReportModel, charts: ChartEmbedding) -> [String: Any] {
        var ctx: [String: Any] = [:]
        let p = model.period
        ctx["period"] = text(p.label)
        ctx["zone"] = text(p.zone)
        ctx["first_day"] = p.firstDay.isoDate
        ctx["last_day"] = p.lastDay.isoDate
        ctx["previous_period"] = text(p.previousLabel)
        ctx["products"] = model.headline.map { h in MarkdownRenderer.product(h).mapValues { v in (v as? String).map(text) ?? v } }
        var tables: [String: String] = [:]
        for (name, t) in model.tables { tables[name] = table(t) }
        ctx["tables"] = tables
        ctx["spoof_changes"] = model.spoofChecks.map(spoofChanges) ?? ""
        ctx["notes"] = model.notes.map(sentence)
        var figures: [String: String] = [:]
        for spec in model.charts { figures[spec.name] = figure(spec, charts) }
        ctx["charts"] = figures
        ctx["what_changed"] = whatChanged(model, charts: charts)
        ctx["partial"] = model.coverage?.isPartial ?? false
        return ctx
    }

    /// The summary at the top of the page, as report.md has it (`SummaryWords`): the period
    /// and its coverage, the pass rates, the alerts that fired, the signals that moved, and
    /// their small multiples.
    static func whatChanged(_ model: ReportModel, charts: ChartEmbedding) -> [String: Any] {
        var html = ""
        for sentence in SummaryWords.coverage(model) {
            let warning = sentence.hasPrefix("Partial period") || sentence.hasPrefix("This period has no data")
            html += warning ? "<p class=\"warning\"><strong>" + escape(sentence) + "</strong></p>\n" : "<p>" + escape(sentence) + "</p>\n"
        }
        if let rates = SummaryWords.passRates(model) { html += "<p>" + escape(rates) + "</p>\n" }
        if let title = SummaryWords.alertsTitle(model) {
            html += "<p>" + escape(title) + "</p>\n"
            let fired = SummaryWords.firings(model)
            if !fired.isEmpty {
                html += table(SummaryWords.alertColumns, fired.map(SummaryWords.alertRow),
                              SummaryWords.alertColumns.indices.map { SummaryWords.alertNumeric.contains($0) ? .number : .text })
            }
        }
        let w = model.whatChanged
        let styles: [Column] = SummaryWords.moveColumns.indices.map { SummaryWords.moveNumeric.contains($0) ? .number : .text }
        if w.significant.isEmpty {
            html += "<p>" + escape(SummaryWords.nothingSignificant) + "</p>\n"
        } else {
            html += "<p>" + escape(SummaryWords.significantTitle) + "</p>\n"
            html += table(SummaryWords.moveColumns, w.significant.prefix(WhatChanged.shown).map(SummaryWords.moveRow), styles)
            if let more = SummaryWords.more(w.significant.count) { html += "<p>" + escape(more) + "</p>\n" }
        }
        if !w.smallSample.isEmpty {
            html += "<p>" + escape(SummaryWords.smallSampleTitle) + "</p>\n"
            html += table(SummaryWords.moveColumns, w.smallSample.prefix(WhatChanged.shown).map(SummaryWords.moveRow), styles)
            if let more = SummaryWords.more(w.smallSample.count) { html += "<p>" + escape(more) + "</p>\n" }
        }
        let chart = model.charts.first { $0.name == "signals_moved" }.map { figure($0, charts) } ?? ""
        return ["shown": true, "html": html, "chart": chart]
    }

    // MARK: - Parts

    /// A table as the page shows it: the rows report.md shows, numbers right-aligned (also
    /// for a mail client that drops the CSS); a table without rows says so.
    public static func table(_ t: ReportTable) -> String {
        if t.rows.isEmpty { return "<p>No rows for this period.</p>\n" }
        let styles = t.columns.map { $0.kind.isNumeric ? Column.number : .text }
        let rows = t.shownRows.map { row in zip(t.columns, row).map { ReportFormat.cell($1, kind: $0.kind) } }
        return table(t.columns.map(\.name), rows, styles)
    }

    /// How a column's cells are set.
    enum Column {
        /// Log text: wraps where it must.
        case text
        /// A number: right-aligned, on one line.
        case number
        /// Short words that read badly broken (an interval): on one line.
        case unbroken
        /// A sentence: wraps, but is never squeezed narrower than a few words.
        case prose
    }

    /// A table from headers and formatted cells, every cell escaped here.
    static func table(_ headers: [String], _ rows: [[String]], _ styles: [Column]) -> String {
        func open(_ tag: String, _ i: Int) -> String {
            switch i < styles.count ? styles[i] : .text {
            case .text: "<\(tag)>"
            case .number: tag == "td" ? "<td class=\"n\" align=\"right\">" : "<th class=\"n\">"
            case .unbroken: "<\(tag) class=\"nowrap\">"
            case .prose: "<\(tag) class=\"wrap\">"
            }
        }
        var s = "<div class=\"scroll\"><table border=\"1\" cellspacing=\"0\" cellpadding=\"4\">\n<thead><tr>"
        for (i, h) in headers.enumerated() { s += open("th", i) + escape(h) + "</th>" }
        s += "</tr></thead>\n<tbody>\n"
        for r in rows {
            s += "<tr>"
            for (i, c) in r.enumerated() { s += open("td", i) + escape(c) + "</td>" }
            s += "</tr>\n"
        }
        return s + "</tbody>\n</table></div>\n"
    }

    static func spoofChanges(_ checks: [SpoofCheckChange]) -> String {
        let rows: [[String]] = checks.map { c in
            let flag = c.change.current.isSmallSample ? " (small sample)" : ""
            return [c.check, String(c.evaluated), ReportFormat.percent(c.passRate) + flag,
                    ReportFormat.interval(c.change.current.interval), ReportFormat.percent(c.previousPassRate),
                    ReportFormat.significance(c.change)]
        }
        return table(["check", "evaluated", "pass rate", "95% interval", "previous", "change"], rows,
                     [.text, .number, .number, .unbroken, .number, .prose])
    }

    /// A note as report.md says it, escaped, its `command` spans as code.
    static func sentence(_ note: ReportNote) -> String {
        code(escape(MarkdownRenderer.sentence(note)))
    }

    /// A chart: its SVG inside the page (laid out for a desktop and for a phone), or an image
    /// by content ID with the chart's title as alt text and its size (it shrinks to the width
    /// of a phone).
    static func figure(_ spec: ChartSpec, _ embedding: ChartEmbedding) -> String {
        let drawing = ChartDrawing(spec)
        switch embedding {
        case .inlineSVG:
            // Two layouts: the page's CSS shows the narrow one on a phone, whose text would
            // otherwise shrink with the whole chart.
            let narrow = ChartDrawing(spec, width: ChartDrawing.narrowWidth)
            return "<div class=\"chart wide\">\n" + SVGChartRenderer.render(drawing) + "</div>\n"
                + "<div class=\"chart narrow\">\n" + SVGChartRenderer.render(narrow) + "</div>\n"
        case .contentID(let cid):
            let w = Int(drawing.width.rounded(.up)), h = Int(drawing.height.rounded(.up))
            return "<div class=\"chart\"><img src=\"cid:\(escape(cid(spec.name)))\" alt=\"\(escape(spec.title))\" width=\"\(w)\" height=\"\(h)\" style=\"display: block; max-width: 100%; height: auto;\" /></div>\n"
        }
    }

    // MARK: - Text

    /// Text for the page: `&`, `<`, `>`, `"` and `'` as references, so log text can neither
    /// open markup nor leave an attribute; a character neither HTML nor XML allows (controls,
    /// noncharacters) becomes U+FFFD, and a line break a space.
    public static func escape(_ s: String) -> String {
        SVGChartRenderer.escape(s, apostrophe: "&#39;")
    }

    /// `s` with the characters the page may not carry replaced (as `escape` does), markup
    /// left for the template's `{{ }}` to escape.
    static func text(_ s: String) -> String {
        var o = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            switch c {
            case "\t", "\n", "\r": o.append(" ")
            default: o.append(SVGChartRenderer.isTextCharacter(c) ? c : "\u{FFFD}")
            }
        }
        return String(o)
    }

    /// Escaped text whose spans between backticks become `<code>`; an unpaired backtick
    /// stays as it is.
    static func code(_ escaped: String) -> String {
        let parts = escaped.split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count > 1, parts.count % 2 == 1 else { return escaped }
        return parts.enumerated().map { i, p in i % 2 == 1 ? "<code>" + p + "</code>" : String(p) }.joined()
    }
}
