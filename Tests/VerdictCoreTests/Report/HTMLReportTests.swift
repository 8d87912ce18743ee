import Foundation
import Testing
@testable import VerdictCore

// report.html: read back by Python's HTML parser (every tag closed and well nested, every
// attribute and style looked at) and by its XML parser (the page is XHTML-compatible, so a
// strict parser reads it too); compared with report.md rendered by cmark-gfm; and rendered
// by headless Chromium at a phone's and a desktop's width, the screenshots decoded by cairo.
// With VERDICT_TEST_IMAGES=DIR the screenshots are kept there, to look at.

/// What the page holds, as Python's parsers read it.
private struct PageReading: Decodable {
    /// Anything that breaks the rules: a tag closed out of order or never, a script, an
    /// attribute or a style that fetches, markup an XML parser refuses.
    var problems: [String]
    /// Each table: its rows, each a list of cell texts (header row first).
    var tables: [[[String]]]
    /// The text of each list item.
    var items: [String]
    var imgs: [[String: String]]
    var svgs: Int
    /// The same, of the Markdown report rendered by cmark-gfm, when given.
    var md_tables: [[[String]]]?
    var md_items: [String]?
}

private let pageChecker = #"""
import sys, json, re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'}
FETCHING = ('src', 'href', 'xlink:href', 'action', 'background', 'poster', 'srcset', 'data', 'formaction')

class Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.tables, self.items, self.imgs = [], [], [], [], []
        self.row = self.cell = self.li = None
        self.svgs, self.in_style, self.css = 0, False, ''
    def start(self, tag, attrs, closed):
        if tag == 'script': self.problems.append('a script element')
        for k, v in attrs:
            v = v or ''
            if k in FETCHING and not (v.startswith('#') or v.startswith('cid:')): self.problems.append('fetches: %s="%s"' % (k, v))
            if k.startswith('on'): self.problems.append('event handler ' + k)
            if k == 'style': self.css += v
        if tag == 'img': self.imgs.append({k: v or '' for k, v in attrs})
        if tag == 'svg': self.svgs += 1
        if tag == 'table': self.tables.append([])
        elif tag == 'tr' and self.tables: self.row = []; self.tables[-1].append(self.row)
        elif tag in ('td', 'th'): self.cell = []
        elif tag == 'li': self.li = []
        elif tag == 'style': self.in_style = True
        if not closed and tag not in VOID: self.stack.append(tag)
    def handle_starttag(self, tag, attrs): self.start(tag, attrs, False)
    def handle_startendtag(self, tag, attrs): self.start(tag, attrs, True)
    def handle_endtag(self, tag):
        if tag in VOID: return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append('</%s> closes <%s>' % (tag, self.stack[-1] if self.stack else 'nothing'))
        else:
            self.stack.pop()
        if tag in ('td', 'th') and self.cell is not None and self.row is not None:
            self.row.append(' '.join(''.join(self.cell).split())); self.cell = None
        if tag == 'li' and self.li is not None:
            self.items.append(' '.join(''.join(self.li).split())); self.li = None
        if tag == 'style': self.in_style = False
    def handle_data(self, d):
        if self.cell is not None: self.cell.append(d)
        if self.li is not None: self.li.append(d)
        if self.in_style: self.css += d

def read(path):
    r = Reader(); r.feed(open(path, encoding='utf-8').read()); r.close(); return r

page_text = open(sys.argv[1], encoding='utf-8').read()
page = read(sys.argv[1])
problems = page.problems + (['never closed: ' + ' '.join(page.stack)] if page.stack else [])
if re.search(r'<\s*script', page_text, re.I): problems.append('<script in the text')
if re.search(r'url\s*\(|@import|@font-face', page.css, re.I): problems.append('the CSS fetches: ' + page.css)
try:
    ET.fromstring(page_text)
except ET.ParseError as e:
    problems.append('XML: %s' % e)
out = {'problems': problems, 'tables': page.tables, 'items': page.items, 'imgs': page.imgs, 'svgs': page.svgs}
if len(sys.argv) > 2:
    md = read(sys.argv[2])
    out['md_tables'], out['md_items'] = md.tables, md.items
print(json.dumps(out))
"""#

/// Reads the page at `path` (and the HTML cmark-gfm made of report.md, when given).
private func readPage(_ path: String, markdownHTML: String? = nil, in box: Sandbox) throws -> PageReading {
    let out = try runPython(pageChecker, [path] + (markdownHTML.map { [$0] } ?? []), in: box)
    try #require(out.status == 0, "the page checker failed: \(out.stderr)")
    return try JSONDecoder().decode(PageReading.self, from: Data(out.stdout.utf8))
}

/// The crafted fixture of the Markdown tests, plus a country code and a check name that try
/// to leave an attribute.
private func craftedLog() -> [String] {
    craftedReportLog() + [
        Log.idVerdict("I4", at: "2026-11-12T10:00:00Z", "N",
                      more: #""countryCode": "\"><img src=x>", "recognitionErrorCode": "'single' & \"double\"", "spoofResult": {"\"><img src=x>": "N"}"#),
    ]
}

@Suite("HTML report")
struct HTMLReportTests {
    @Test("report.html is one well-formed page that carries no script and fetches nothing; log text comes out escaped",
          .enabled(if: Executables.python3 != nil, "python3 is not installed"))
    func wellFormedAndEscaped() throws {
        try withSandbox { box in
            let dir = try box.report(of: craftedLog(), try Periods.week("2026-W46"))
            let page = try readText(dir + "/report.html")
            let reading = try readPage(dir + "/report.html", in: box)
            #expect(reading.problems == [])
            #expect(!page.lowercased().contains("<script") && !page.contains("<img src=x") && !page.contains("<b>PASS"))
            #expect(!page.contains("http://") || page.components(separatedBy: "http://").dropFirst().allSatisfy { $0.hasPrefix("www.w3.org/2000/svg\"") })
            #expect(!page.contains("https://"))
            // The crafted values, escaped in the page's bytes, read back as the text they were.
            #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;|`x`") && page.contains("&quot;&gt;&lt;img src=x&gt;"))
            #expect(page.contains("&#39;single&#39; &amp; &quot;double&quot;"))
            let cells = Set(reading.tables.flatMap { $0.flatMap { $0 } })
            #expect(cells.contains("<script>alert(1)</script>|`x`"))
            #expect(cells.contains("\"><img src=x>"))  // the country and the check name
            #expect(cells.contains("'single' & \"double\""))
            #expect(cells.contains("<img src=x onerror=alert(2)>") && cells.contains("</td><script>evil()</script>") && cells.contains("<b>PASS</b>"))
            // Three charts, each inline in two layouts (desktop and phone), their labels escaped.
            #expect(reading.svgs == 6 && reading.imgs.isEmpty)
            #expect(page.contains("<text") && page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            // The CSS keeps to what mail clients render: no flex or grid layout.
            #expect(!page.contains("display: flex") && !page.contains("display: grid"))
        }
    }

    @Test("report.html shows the tables and notes report.md shows, cell for cell",
          .enabled(if: Executables.python3 != nil && Executables.cmarkGFM != nil, "python3 or cmark-gfm is not installed"))
    func sameContentAsMarkdown() throws {
        try withSandbox { box in
            let dir = try box.report(of: craftedLog(), try Periods.week("2026-W46"))
            let mdHTML = try box.write("md.html", bytes: Array(try cmarkGFM(dir + "/report.md", in: box).utf8))
            let reading = try readPage(dir + "/report.html", markdownHTML: mdHTML, in: box)
            let mdTables = try #require(reading.md_tables)
            #expect(mdTables.count >= 13)
            #expect(reading.tables == mdTables)
            #expect(reading.items == reading.md_items && reading.items.count >= 2)
            #expect(reading.items.first?.contains("verdict rejects list") == true)
        }
    }

    @Test("with content IDs, each chart is an image of its cid with alt text and size, and no SVG is inline",
          .enabled(if: Executables.python3 != nil, "python3 is not installed"))
    func contentIDCharts() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines(craftedLog())
            let snapshot = try MetricsEngine(database: db, catalog: try QueryCatalog())
                .run(try QueryCatalog().names, period: try Periods.week("2026-W46"), alsoPrevious: ["spoof_checks"])
            let model = try ReportModel(snapshot)
            let page = HTMLRenderer.render(model, charts: .contentID { "chart-" + $0 + "@verdict" })
            let reading = try readPage(try box.write("mail.html", bytes: Array(page.utf8)), in: box)
            #expect(reading.problems == [] && reading.svgs == 0)
            // In the page's order: the trend, the failure reasons, the face quality.
            #expect(reading.imgs.map { $0["src"] } == ["pass_rate_trend", "failure_reasons", "quality_histogram"].map { "cid:chart-" + $0 + "@verdict" })
            for img in reading.imgs {
                let spec = try #require(model.charts.first { "cid:chart-" + $0.name + "@verdict" == img["src"] })
                let d = ChartDrawing(spec)
                #expect(img["alt"] == spec.title && img["width"] == String(Int(d.width)) && img["height"] == String(Int(d.height)))
            }
            // The same page otherwise: the inline one differs only in its charts.
            #expect(HTMLRenderer.render(model).contains("<svg") && HTMLRenderer.render(model).count > page.count)
        }
    }

    @Test("escaping: the five markup characters as references, controls and noncharacters as U+FFFD")
    func escaping() {
        #expect(HTMLRenderer.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(HTMLRenderer.escape("a\u{0}b\u{1}c\u{FFFE}d\ne") == "a\u{FFFD}b\u{FFFD}c\u{FFFD}d e")
        #expect(HTMLRenderer.code("run `verdict check` &amp; `x`") == "run <code>verdict check</code> &amp; <code>x</code>")
        #expect(HTMLRenderer.code("one ` alone") == "one ` alone")
    }

    @Test("headless Chromium renders report.html at a phone's and a desktop's width: the page and its charts show",
          .enabled(if: Executables.find("chromium") != nil, "chromium is not installed (apt-get install chromium)"))
    func rendersInChromium() throws {
        try withSandbox { box in
            // Four weeks of generated logs: the trend's first four weeks are empty.
            var o = SampleOptions()
            o.days = 28
            o.start = try #require(CalendarDay(year: 2026, month: 10, day: 19))
            o.idPerDay = 40
            o.videoPerDay = 20
            var bytes: [UInt8] = []
            var generator = SampleGenerator(o)
            generator.generate { (b: [UInt8]) in bytes += b }
            let log = try box.write("sample.ndjson", bytes: bytes)
            let db = try box.database()
            _ = try box.ingest(db, [log])
            let dir = try box.report(db, try Periods.week("2026-W46"))
            #expect(try readText(dir + "/pass_rate_trend.svg").contains("data starts 2026-10-19"))

            let chromium = try #require(Executables.find("chromium"))
            for (name, width, height) in [("phone", 390, 1400), ("desktop", 1280, 1400)] {
                let shot = box.file(name + ".png")
                // Debian's wrapper runs as root only without the sandbox; a profile of its own
                // keeps the test apart from any other Chromium.
                let out = try run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                                             "--user-data-dir=" + box.file("profile"), "--window-size=\(width),\(height)",
                                             "--screenshot=" + shot, "file://" + dir + "/report.html"], in: box)
                let png = try #require(FileBytes.readAll(path: shot), "no screenshot: \(out.stderr)")
                if let keep = ProcessInfo.processInfo.environment["VERDICT_TEST_IMAGES"] {
                    try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
                    try FileBytes.writeAtomically(path: keep + "/report-" + name + ".png", bytes: png)
                }
                let image = try PNGImage(png)
                #expect(image.headerSize == (width, height) && image.width == width && image.height == height)
                // Text, tables and a chart: a fair share of ink, in many colours, among them the
                // chart's first series colour (#2563eb).
                #expect(image.inkShare() > 0.04, "\(name): \(image.inkShare())")
                #expect(image.colourCount > 50)
                #expect(image.pixels.contains { $0 & 0xFFFFFF == 0x2563EB }, "\(name): no pixel of the chart's line")
                // The page's first lines: the title at the top left.
                #expect(image.inkShare(x: 0..<min(width, 400), y: 0..<60) > 0.02)
            }
        }
    }
}
