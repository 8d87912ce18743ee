extension ReportMailer.Report {
    /// Fills `html` and `images` from the model: the HTML report with each chart as an
    /// `<img src="cid:…">`, and for each chart of the model one PNG image (`NAME.png`, drawn
    /// by librsvg from the chart's SVG at `scale` pixels per unit) under that content ID.
    /// Mail clients do not show SVG; this is why only a message pays for the drawing.
    ///
    /// The content IDs are `NAME.TOKEN@verdict`, TOKEN random for each message, so that a
    /// client that keeps images of several messages never mixes them up.
    public mutating func embedHTMLReport(scale: Double = 2) throws(VerdictError) {
        let random = String(UInt64.random(in: .min ... .max), radix: 16)
        let token = String(repeating: "0", count: 16 - random.count) + random
        let contentID: @Sendable (String) -> String = { name in name + "." + token + "@verdict" }
        var images: [InlineImage] = []
        images.reserveCapacity(model.charts.count)
        for chart in model.charts {
            let png = try ChartRaster.png(svg: SVGChartRenderer.render(chart), scale: scale)
            images.append(InlineImage(contentID: contentID(chart.name), name: chart.name + ".png", bytes: png))
        }
        html = HTMLRenderer.render(model, charts: .contentID(contentID))
        self.images = images
    }
}
