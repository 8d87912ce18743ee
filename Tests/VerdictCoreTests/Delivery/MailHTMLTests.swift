import Foundation
import Testing
@testable import VerdictCore

// The HTML part of a mailed report: read back by Python's email package and HTML parser,
// its PNG charts decoded by cairo, and the whole part rendered by headless Chromium beside
// report.html. With VERDICT_TEST_IMAGES=DIR the two screenshots are kept there, to look at.

/// The HTML part of a message and its images as Python's email package reads them; the
/// images are written into a directory, and the page beside them with each `cid:` reference
/// rewritten to the image's file name, so that a browser shows it as a mail client would.
struct MailHTMLPart: Decodable {
    struct Image: Decodable {
        /// Without the angle brackets of the header; nil when the header is not `<…>`.
        var cid: String?
        var filename: String?
        var disposition: String?
        var type: String
        /// The decoded image, as written.
        var file: String
    }

    /// The content types inside the `multipart/alternative`, in order.
    var alternative: [String]
    /// The content types inside the `multipart/related`, in order, and its `type` parameter.
    var related: [String]
    var related_type: String?
    var images: [Image]
    /// Anything that breaks the rules: a tag closed out of order or never, a script, a URL
    /// that would be fetched, text the parser could not read.
    var problems: [String]
    /// The attributes of each `<img>`.
    var imgs: [[String: String]]
    /// The content IDs the page refers to (`cid:` taken off, URL-decoded), in order.
    var referenced: [String]
    /// The page with `cid:` references rewritten to the images' files (nil without a page).
    var page: String?

    static let script = #"""
        import email, json, os, re, sys, urllib.parse
        from email import policy
        from html.parser import HTMLParser
        VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'}
        eml, out_dir = sys.argv[1], sys.argv[2]
        msg = email.message_from_bytes(open(eml, 'rb').read(), policy=policy.default)
        out = {'alternative': [], 'related': [], 'related_type': None, 'images': [], 'problems': [], 'imgs': [],
               'referenced': [], 'page': None}
        alt = next((p for p in msg.walk() if p.get_content_type() == 'multipart/alternative'), None)
        parts = list(alt.iter_parts()) if alt is not None else []
        out['alternative'] = [p.get_content_type() for p in parts]
        rel = next((p for p in parts if p.get_content_type() == 'multipart/related'), None)
        html = next((p for p in parts if p.get_content_type() == 'text/html'), None)
        if rel is not None:
            rparts = list(rel.iter_parts())
            out['related'] = [p.get_content_type() for p in rparts]
            out['related_type'] = rel.get_param('type')
            html = next((p for p in rparts if p.get_content_type() == 'text/html'), None)
            for p in rparts:
                if p.get_content_maintype() != 'image':
                    continue
                data = p.get_payload(decode=True)
                path = os.path.join(out_dir, 'image-%d.png' % len(out['images']))
                open(path, 'wb').write(data)
                m = re.fullmatch(r'\s*<([^<>\s]+)>\s*', str(p['Content-ID'] or ''))
                out['images'].append({'cid': m.group(1) if m else None, 'filename': p.get_filename(),
                                      'disposition': p.get_content_disposition(), 'type': p.get_content_type(), 'file': path})
        class Reader(HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.stack, self.problems, self.imgs, self.cids = [], [], [], []
            def start(self, tag, attrs, closed):
                if tag == 'script': self.problems.append('a script element')
                for k, v in attrs:
                    v = (v or '').strip()
                    if k.startswith('on'): self.problems.append('event handler ' + k)
                    if k in ('src', 'href', 'srcset', 'background', 'poster', 'action', 'data', 'xlink:href'):
                        if v.lower().startswith('cid:'): self.cids.append(urllib.parse.unquote(v[4:]))
                        elif not v.startswith('#'): self.problems.append('fetches: %s="%s"' % (k, v))
                if tag == 'img': self.imgs.append({k: v or '' for k, v in attrs})
                if not closed and tag not in VOID: self.stack.append(tag)
            def handle_starttag(self, tag, attrs): self.start(tag, attrs, False)
            def handle_startendtag(self, tag, attrs): self.start(tag, attrs, True)
            def handle_endtag(self, tag):
                if tag in VOID: return
                if not self.stack or self.stack[-1] != tag:
                    self.problems.append('</%s> closes <%s>' % (tag, self.stack[-1] if self.stack else 'nothing'))
                else:
                    self.stack.pop()
        if html is not None:
            text = html.get_content()
            r = Reader()
            r.feed(text)
            r.close()
            out['problems'] += r.problems + (['never closed: ' + ' '.join(r.stack)] if r.stack else [])
            if re.search(r'<\s*script', text, re.I): out['problems'].append('<script in the text')
            for m in re.finditer(r'https?:|//', text, re.I):
                out['problems'].append('an external URL: ' + text[max(0, m.start() - 30):m.end() + 30])
            out['imgs'], out['referenced'] = r.imgs, r.cids
            page = text
            for i in out['images']:
                if i['cid']:
                    page = page.replace('cid:' + i['cid'], os.path.basename(i['file']))
            out['page'] = os.path.join(out_dir, 'mail.html')
            open(out['page'], 'w', encoding='utf-8').write(page)
        print(json.dumps(out))
        """#

    /// Reads the message at `eml`, writing the page and its images into `directory`.
    init(eml: String, into directory: String, in box: Sandbox) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let out = try runPython(Self.script, [eml, directory], in: box)
        guard out.status == 0 else { throw TestFailure("the email package could not read the HTML part of \(eml): \(out.stderr)") }
        self = try JSONDecoder().decode(MailHTMLPart.self, from: Data(out.stdout.utf8))
    }
}

/// The checks of the HTML part every delivered report's message must pass: after the text
/// summary, `multipart/related` holding the page and one inline PNG per chart of DIR; every
/// `cid:` of the page names an image part and every image part is named once; each image
/// decodes to twice the size the page gives it and is not blank; the page parses, has no
/// script and fetches nothing.
@discardableResult
func checkHTMLPart(_ eml: String, dir: String, in box: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws -> MailHTMLPart {
    let part = try MailHTMLPart(eml: eml, into: box.file("html-part-" + UUID().uuidString), in: box)
    #expect(part.alternative == ["text/plain", "multipart/related"], "\(part.alternative)", sourceLocation: sourceLocation)
    #expect(part.related.first == "text/html" && part.related.dropFirst().allSatisfy { $0 == "image/png" }, "\(part.related)",
            sourceLocation: sourceLocation)
    #expect(part.related_type == "text/html", sourceLocation: sourceLocation)
    #expect(part.problems == [], sourceLocation: sourceLocation)
    // One image per chart the report drew, named after it.
    let charts = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".svg") }
        .map { String($0.dropLast(4)) }.sorted()
    #expect(charts.count >= 3, sourceLocation: sourceLocation)
    #expect(part.images.compactMap(\.filename).sorted() == charts.map { $0 + ".png" }, sourceLocation: sourceLocation)
    // The page's references and the image parts: one to one.
    let cids = part.images.compactMap(\.cid)
    #expect(cids.count == part.images.count && Set(cids).count == cids.count, "\(cids)", sourceLocation: sourceLocation)
    #expect(part.referenced.sorted() == cids.sorted(), "referenced \(part.referenced), carried \(cids)", sourceLocation: sourceLocation)
    for image in part.images {
        #expect(image.type == "image/png" && image.disposition == "inline", sourceLocation: sourceLocation)
        let img = try #require(part.imgs.first { $0["src"] == "cid:" + (image.cid ?? "") }, sourceLocation: sourceLocation)
        #expect(img["alt"]?.isEmpty == false, "\(img)", sourceLocation: sourceLocation)
        let width = try #require(img["width"].flatMap { Int($0) }, sourceLocation: sourceLocation)
        let height = try #require(img["height"].flatMap { Int($0) }, sourceLocation: sourceLocation)
        let png = try PNGImage(try #require(FileBytes.readAll(path: image.file), sourceLocation: sourceLocation))
        // Drawn at scale 2: sharp on a high-density screen, shown at the page's size.
        #expect(abs(png.headerSize.width - 2 * width) <= 2 && abs(png.headerSize.height - 2 * height) <= 2,
                "\(image.filename ?? ""): \(png.headerSize) for \(width)×\(height)", sourceLocation: sourceLocation)
        #expect(png.width == png.headerSize.width && png.height == png.headerSize.height, sourceLocation: sourceLocation)
        #expect(png.inkShare() > 0.01 && png.colourCount > 20, "\(image.filename ?? ""): blank", sourceLocation: sourceLocation)
    }
    return part
}

@Suite("Delivery: the HTML part of the message", .serialized,
       .enabled(if: Executables.python3 != nil, "python3 is not installed"))
struct MailHTMLTests {
    @Test("the size limit leaves CSV files out, never the HTML report or its charts")
    func sizeLimitKeepsCharts() throws {
        try withSandbox { box in
            let db = try mailFixtureDatabase(in: box)
            let dir = box.file("report")
            let args = ["report", "--db", db, "--week", "2026-W46", "--out", dir, "--mail-to", "ops@example.com", "--dry-run"]
            // A limit below the page and its images alone: every CSV file is left out.
            let out = try runVerdict(args + ["--mail-max-bytes", "1000"], environment: [:], in: box)
            #expect(out.status == 0, "\(out.stderr)")
            let m = try ParsedMessage(path: dir + "/report.eml", in: box)
            #expect(m.attachments.allSatisfy { $0["type"] as? String != "text/csv" }, "\(m.attachments)")
            let part = try checkHTMLPart(dir + "/report.eml", dir: dir, in: box)
            #expect(!part.images.isEmpty)
            let plain = try #require(m["plain"] as? String)
            #expect(plain.contains("Left out of this message"), "\(plain)")
        }
    }

    @Test("headless Chromium shows the HTML part (its cid: images as files) as it shows report.html",
          .enabled(if: Executables.find("chromium") != nil, "chromium is not installed (apt-get install chromium)"))
    func looksLikeReportHTML() throws {
        try withSandbox { box in
            let db = try mailFixtureDatabase(in: box)
            let dir = box.file("report")
            let out = try runVerdict(["report", "--db", db, "--week", "2026-W46", "--out", dir, "--mail-to", "ops@example.com", "--dry-run"],
                                     environment: [:], in: box)
            #expect(out.status == 0, "\(out.stderr)")
            let part = try checkHTMLPart(dir + "/report.eml", dir: dir, in: box)
            let page = try #require(part.page)

            // The whole page at a desktop's width, so that every chart is on the screenshots
            // (1400 pixels high shows only the first one).
            let chromium = try #require(Executables.find("chromium"))
            let (width, height) = (1280, 6000)
            var shots: [String: PNGImage] = [:]
            for (name, file) in [("mail", page), ("report", dir + "/report.html")] {
                let shot = box.file(name + ".png")
                let result = try run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                                                "--user-data-dir=" + box.file("profile"), "--window-size=\(width),\(height)",
                                                "--screenshot=" + shot, "file://" + file], in: box)
                let png = try #require(FileBytes.readAll(path: shot), "no screenshot: \(result.stderr)")
                if let keep = ProcessInfo.processInfo.environment["VERDICT_TEST_IMAGES"] {
                    try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
                    try FileBytes.writeAtomically(path: keep + "/mail-html-" + name + ".png", bytes: png)
                }
                shots[name] = try PNGImage(png)
            }
            let mail = try #require(shots["mail"]), report = try #require(shots["report"])
            #expect(mail.width == width && mail.height == height && report.width == width && report.height == height)
            for image in [mail, report] {
                #expect(image.inkShare() > 0.02 && image.colourCount > 50)
                // The trend's first series colour: the chart is drawn, not a broken image.
                #expect(image.pixels.contains { $0 & 0xFFFFFF == 0x2563EB })
            }
            // Measured: 0.06% of all pixels differ (anti-aliased edges of the charts' lines and
            // letters), at most 0.9% of any band of 100 rows; with the images left unresolved
            // (a mail client that shows none of them) 1.7% and 32%, the band of a missing
            // chart. The bounds lie between: a missing or misplaced chart, or a page laid out
            // otherwise passes neither.
            let (share, worstBand) = MailHTMLTests.differing(mail, report, band: 100)
            #expect(share < 0.005, "\(share) of the pixels differ")
            #expect(worstBand.share < 0.05, "\(worstBand.share) of the pixels differ in the 100 rows from y = \(worstBand.top)")
        }
    }

    /// The share of pixels of two images of the same size whose colours differ by more than
    /// 32 in some channel, over the whole image and in its worst band of `band` rows (and that
    /// band's top row). The text and rules of the page are the same pixels in both; a chart
    /// drawn by librsvg and scaled down by the browser differs from the SVG the browser draws
    /// only at the edges of lines and letters.
    static func differing(_ a: PNGImage, _ b: PNGImage, band: Int) -> (share: Double, worst: (share: Double, top: Int)) {
        let width = min(a.width, b.width), height = min(a.height, b.height)
        var total = 0
        var worst = (share: 0.0, top: 0)
        for top in stride(from: 0, to: height, by: band) {
            var n = 0
            for y in top..<min(top + band, height) {
                for x in 0..<width {
                    let p = a.pixels[y * a.width + x], q = b.pixels[y * b.width + x]
                    for shift: UInt32 in [0, 8, 16] where abs(Int((p >> shift) & 0xFF) - Int((q >> shift) & 0xFF)) > 32 {
                        n += 1
                        break
                    }
                }
            }
            total += n
            let share = Double(n) / Double(width * (min(top + band, height) - top))
            if share > worst.share { worst = (share, top) }
        }
        return (Double(total) / Double(max(width * height, 1)), worst)
    }
}
