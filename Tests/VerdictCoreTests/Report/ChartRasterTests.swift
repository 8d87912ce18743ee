import Testing
@testable import VerdictCore

// PNG charts for mail: librsvg paints the chart's own SVG; the image is read back by cairo's
// PNG decoder and its pixels are looked at.
@Suite("Charts as PNG images")
struct ChartRasterTests {
    static let spec = ChartSpec(name: "t", kind: .lines, title: "Pass rate of completed transactions", categories: ["2026-11-02", "2026-11-09"],
                                series: [ChartSpec.Series(name: "ID_RECOGNITION", values: [0.7, 0.8])], values: .rates)

    @Test("the PNG is the SVG's size times the scale, not blank, and the title's text is drawn")
    func png() throws {
        let drawing = ChartDrawing(Self.spec)
        let svg = SVGChartRenderer.render(drawing)
        for scale in [1.0, 2.0] {
            let image = try PNGImage(try ChartRaster.png(svg: svg, scale: scale))
            let w = Int((drawing.width * scale).rounded(.up)), h = Int((drawing.height * scale).rounded(.up))
            #expect(image.headerSize == (w, h) && image.width == w && image.height == h)
            // Lines, dots, labels: more than a few per cent of ink, in several colours.
            #expect(image.inkShare() > 0.01)
            #expect(image.colourCount > 8)
            // The title's glyphs: ink in the band of its baseline (y 24, 15 pt), none above it.
            let t = ChartDrawing.titleOrigin
            let band = Int((t.y - ChartDrawing.titleSize) * scale)..<Int((t.y + 4) * scale)
            #expect(image.inkShare(x: Int(t.x * scale)..<Int((t.x + 200) * scale), y: band) > 0.05)
            #expect(image.inkShare(x: 0..<w, y: 0..<Int(4 * scale)) == 0)
        }
    }

    @Test("an SVG librsvg cannot read, or a scale of zero, is one error line")
    func errors() {
        #expect(throws: VerdictError.self) { try ChartRaster.png(svg: "<svg", scale: 2) }
        #expect(throws: VerdictError.self) { try ChartRaster.png(svg: SVGChartRenderer.render(Self.spec), scale: 0) }
        do {
            _ = try ChartRaster.png(svg: "not svg at all")
            Issue.record("no error")
        } catch {
            #expect(error.description.hasPrefix("cannot draw a chart as PNG") && !error.description.contains("\n"))
        }
    }
}
