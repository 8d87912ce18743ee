/// A chart as a self-contained SVG file (no script, no external font or image), painted
/// from its `ChartDrawing`. Coordinates are written with one decimal.
public enum SVGChartRenderer {
    public static func render(_ spec: ChartSpec) -> String {
        render(ChartDrawing(spec))
    }

    public static func render(_ d: ChartDrawing) -> String {
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\(q(d.width)) height=\(q(d.height)) viewBox=\"0 0 \(fmt(d.width)) \(fmt(d.height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"\(ChartDrawing.background)\"/>\n"
        let t = ChartDrawing.titleOrigin
        s += "<text x=\(size(t.x)) y=\(size(t.y)) font-size=\(size(ChartDrawing.titleSize)) font-weight=\"bold\">\(escape(d.title))</text>\n"
        if let message = d.message {
            let m = ChartDrawing.messageOrigin
            s += "<text x=\(size(m.x)) y=\(size(m.y)) font-size=\(size(ChartDrawing.messageSize))>\(escape(message))</text>\n"
        }
        for mark in d.marks {
            switch mark {
            case .rule(let from, let to, let color):
                s += "<line x1=\(q(from.x)) y1=\(q(from.y)) x2=\(q(to.x)) y2=\(q(to.y)) stroke=\"\(color)\"/>\n"
            case .bar(let o, let width, let height, let color):
                s += "<rect x=\(q(o.x)) y=\(q(o.y)) width=\(q(width)) height=\(q(height)) fill=\"\(color)\"/>\n"
            case .dot(let c, let radius, let color):
                s += "<circle cx=\(q(c.x)) cy=\(q(c.y)) r=\(size(radius)) fill=\"\(color)\"/>\n"
            case .path(let runs, let color, let width):
                var path = ""
                for run in runs {
                    for (i, p) in run.enumerated() { path += (i == 0 ? " M" : " L") + "\(fmt(p.x)) \(fmt(p.y))" }
                }
                s += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\(size(width))/>\n"
            case .area(let points, let color, let opacity):
                let list = points.map { fmt($0.x) + "," + fmt($0.y) }.joined(separator: " ")
                s += "<polygon points=\"\(list)\" fill=\"\(color)\" fill-opacity=\"\(ReportFormat.fixed(opacity, 2))\"/>\n"
            case .legendKey(let o, let color):
                let k = ChartDrawing.legendKeySize
                s += "<rect x=\(q(o.x)) y=\(q(o.y)) width=\(size(k.width)) height=\(size(k.height)) fill=\"\(color)\"/>\n"
            case .label(let text, let at, let fontSize, let anchor):
                let a: String
                switch anchor {
                case .start: a = ""
                case .middle: a = " text-anchor=\"middle\""
                case .end: a = " text-anchor=\"end\""
                }
                s += "<text x=\(q(at.x)) y=\(q(at.y))\(a) font-size=\(size(fontSize))>\(escape(text))</text>\n"
            }
        }
        return s + "</svg>\n"
    }

    /// A coordinate: one decimal.
    static func fmt(_ d: Double) -> String { ReportFormat.fixed(d, 1) }
    static func q(_ d: Double) -> String { "\"" + fmt(d) + "\"" }
    /// A size or fixed position: without decimals when whole.
    static func size(_ d: Double) -> String {
        "\"" + (d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : fmt(d)) + "\""
    }

    /// XML text escaping: log text in a label can neither inject markup nor make the file
    /// ill-formed. Markup characters become entities; a character XML 1.0 does not allow
    /// (C0 controls other than tab, LF and CR; U+FFFE and U+FFFF) and every Unicode
    /// noncharacter (U+FDD0–U+FDEF, the last two of each plane), as well as DEL and the C1
    /// controls, become U+FFFD; tab, LF and CR become a space, a label being one line.
    public static func escape(_ s: String) -> String {
        escape(s, apostrophe: "&apos;")
    }

    /// The one escaping of text for markup (SVG here, the HTML page through `HTMLRenderer`):
    /// `apostrophe` is how `'` is written (`&apos;` is XML's; HTML 4 mail clients know only
    /// `&#39;`).
    static func escape(_ s: String, apostrophe: String) -> String {
        var o = ""
        o.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "&": o += "&amp;"
            case "\"": o += "&quot;"
            case "'": o += apostrophe
            case "\t", "\n", "\r": o += " "
            default: o.unicodeScalars.append(isTextCharacter(c) ? c : "\u{FFFD}")
            }
        }
        return o
    }

    /// A scalar a label may carry as it is.
    static func isTextCharacter(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x20 || (0x7F...0x9F).contains(v) { return false }
        if (0xFDD0...0xFDEF).contains(v) || v & 0xFFFE == 0xFFFE { return false }
        return true
    }
}
