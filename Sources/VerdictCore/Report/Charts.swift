/// Small self-contained SVG charts for the report (no scripts, no external fonts).
public enum Charts {
    static let palette = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed"]

    /// Lines of a rate per series over labelled periods; gaps where a rate is missing.
    public static func lines(title: String, labels: [String], series: [(name: String, values: [Double?])]) -> String {
        let w = 720.0, h = 320.0, left = 56.0, right = 150.0, top = 40.0, bottom = 48.0
        let plotW = w - left - right, plotH = h - top - bottom
        var s = header(w, h, title)
        for i in 0...4 {
            let v = Double(i) / 4
            let y = top + plotH * (1 - v)
            s += "<line x1=\"\(left)\" y1=\(q(y)) x2=\(q(left + plotW)) y2=\(q(y)) stroke=\"#e5e7eb\"/>\n"
            s += "<text x=\(q(left - 8)) y=\(q(y + 4)) text-anchor=\"end\" font-size=\"11\">\(Int(v * 100))%</text>\n"
        }
        let n = max(labels.count, 1)
        func x(_ i: Int) -> Double { n == 1 ? left + plotW / 2 : left + plotW * Double(i) / Double(n - 1) }
        for (i, l) in labels.enumerated() {
            s += "<text x=\(q(x(i))) y=\(q(top + plotH + 18)) text-anchor=\"middle\" font-size=\"10\">\(escape(l))</text>\n"
        }
        for (k, serie) in series.enumerated() {
            let color = palette[k % palette.count]
            var path = ""
            var pen = false
            for (i, v) in serie.values.enumerated() {
                guard let v else { pen = false; continue }
                let y = top + plotH * (1 - min(max(v, 0), 1))
                path += (pen ? " L" : " M") + "\(fmt(x(i))) \(fmt(y))"
                pen = true
                s += "<circle cx=\(q(x(i))) cy=\(q(y)) r=\"3\" fill=\"\(color)\"/>\n"
            }
            if !path.isEmpty { s += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n" }
            let ly = top + 16 + Double(k) * 18
            s += "<rect x=\(q(w - right + 12)) y=\(q(ly - 9)) width=\"12\" height=\"4\" fill=\"\(color)\"/>\n"
            s += "<text x=\(q(w - right + 30)) y=\(q(ly - 4)) font-size=\"11\">\(escape(serie.name))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// Vertical bars with labels under them.
    public static func bars(title: String, labels: [String], values: [Double], valueLabel: (Double) -> String) -> String {
        let w = 720.0, h = 320.0, left = 56.0, right = 20.0, top = 40.0, bottom = 48.0
        let plotW = w - left - right, plotH = h - top - bottom
        var s = header(w, h, title)
        let maxV = max(values.max() ?? 0, 1)
        let n = max(values.count, 1)
        let slot = plotW / Double(n)
        s += "<line x1=\"\(left)\" y1=\(q(top + plotH)) x2=\(q(left + plotW)) y2=\(q(top + plotH)) stroke=\"#9ca3af\"/>\n"
        for (i, v) in values.enumerated() {
            let bh = plotH * v / maxV
            let bx = left + slot * Double(i) + slot * 0.15
            s += "<rect x=\(q(bx)) y=\(q(top + plotH - bh)) width=\(q(slot * 0.7)) height=\(q(bh)) fill=\"\(palette[0])\"/>\n"
            s += "<text x=\(q(bx + slot * 0.35)) y=\(q(top + plotH - bh - 4)) text-anchor=\"middle\" font-size=\"10\">\(escape(valueLabel(v)))</text>\n"
            s += "<text x=\(q(bx + slot * 0.35)) y=\(q(top + plotH + 16)) text-anchor=\"middle\" font-size=\"10\">\(escape(labels[i]))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// Horizontal bars, longest first, for ranked categories.
    public static func horizontalBars(title: String, labels: [String], values: [Double], valueLabel: (Double) -> String) -> String {
        let rowH = 24.0, top = 40.0, left = 220.0, right = 90.0, w = 720.0
        let h = top + rowH * Double(max(values.count, 1)) + 16
        var s = header(w, h, title)
        let maxV = max(values.max() ?? 0, 1e-9)
        if values.isEmpty { s += "<text x=\"20\" y=\"60\" font-size=\"12\">No data in this period</text>\n" }
        for (i, v) in values.enumerated() {
            let y = top + rowH * Double(i)
            let bw = (w - left - right) * v / maxV
            let label = labels[i].count > 32 ? String(labels[i].prefix(31)) + "…" : labels[i]
            s += "<text x=\(q(left - 8)) y=\(q(y + 15)) text-anchor=\"end\" font-size=\"11\">\(escape(label))</text>\n"
            s += "<rect x=\(q(left)) y=\(q(y + 4)) width=\(q(bw)) height=\(q(rowH - 8)) fill=\"\(palette[3])\"/>\n"
            s += "<text x=\(q(left + bw + 6)) y=\(q(y + 15)) font-size=\"11\">\(escape(valueLabel(v)))</text>\n"
        }
        return s + "</svg>\n"
    }

    static func header(_ w: Double, _ h: Double, _ title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\(q(w)) height=\(q(h)) viewBox=\"0 0 \(fmt(w)) \(fmt(h))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
            + "<text x=\"16\" y=\"24\" font-size=\"15\" font-weight=\"bold\">\(escape(title))</text>\n"
    }

    static func fmt(_ d: Double) -> String { Markdown.fixed(d, 1) }
    static func q(_ d: Double) -> String { "\"" + fmt(d) + "\"" }

    /// XML text escaping: log text in a label can neither inject markup nor make the file
    /// ill-formed. Markup characters become entities; a character XML 1.0 does not allow
    /// (C0 controls other than tab, LF and CR; U+FFFE and U+FFFF) and every Unicode
    /// noncharacter (U+FDD0–U+FDEF, the last two of each plane), as well as DEL and the C1
    /// controls, become U+FFFD; tab, LF and CR become a space, a label being one line.
    public static func escape(_ s: String) -> String {
        var o = ""
        o.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "&": o += "&amp;"
            case "\"": o += "&quot;"
            case "'": o += "&apos;"
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
