import VerdictRSVG

/// A chart as a PNG image, for mail: mail clients do not show SVG. The picture is the chart's
/// SVG (`SVGChartRenderer`) painted by librsvg onto a cairo image surface, so the PNG and
/// the SVG never differ in what they show. `report` writes no PNG file; a message that embeds
/// the charts asks for them.
public enum ChartRaster {
    /// The PNG bytes of `svg` at `scale` pixels per SVG unit (2: sharp on high-density screens).
    /// The image is the SVG's width and height times `scale`, rounded up.
    public static func png(svg: String, scale: Double = 2) throws(VerdictError) -> [UInt8] {
        guard scale.isFinite, scale > 0 else {
            throw VerdictError(.usage, "cannot draw a chart at scale \(scale)", hint: "give a scale above 0")
        }
        var gerror: UnsafeMutablePointer<GError>?
        let bytes = Array(svg.utf8)
        let made = bytes.withUnsafeBufferPointer { buffer in
            rsvg_handle_new_from_data(buffer.baseAddress, gsize(buffer.count), &gerror)
        }
        guard let handle = made else {
            throw VerdictError(.io, "cannot draw a chart as PNG: librsvg does not read its SVG: " + consume(gerror))
        }
        defer { g_object_unref(UnsafeMutableRawPointer(handle)) }

        var width = 0.0, height = 0.0
        guard rsvg_handle_get_intrinsic_size_in_pixels(handle, &width, &height) != 0, width > 0, height > 0 else {
            throw VerdictError(.io, "cannot draw a chart as PNG: its SVG gives no width and height in pixels")
        }
        let w = (width * scale).rounded(.up), h = (height * scale).rounded(.up)
        // cairo's image surfaces are at most 32767 pixels each way.
        guard w <= 32767, h <= 32767 else {
            throw VerdictError(.io, "cannot draw a chart as PNG: \(Int(w))×\(Int(h)) pixels is too large", hint: "use a smaller scale")
        }
        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(w), Int32(h))
        defer { cairo_surface_destroy(surface) }
        try check(cairo_surface_status(surface), "cannot make an image of \(Int(w))×\(Int(h)) pixels")
        let cr = cairo_create(surface)
        defer { cairo_destroy(cr) }
        var viewport = RsvgRectangle(x: 0, y: 0, width: w, height: h)
        guard rsvg_handle_render_document(handle, cr, &viewport, &gerror) != 0 else {
            throw VerdictError(.io, "cannot draw a chart as PNG: " + consume(gerror))
        }
        cairo_surface_flush(surface)

        let sink = PNGSink()
        let status = cairo_surface_write_to_png_stream(surface, { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            let sink = Unmanaged<PNGSink>.fromOpaque(closure).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }, Unmanaged.passUnretained(sink).toOpaque())
        try check(status, "cannot encode the chart as PNG")
        return withExtendedLifetime(sink) { sink.bytes }
    }

    /// Collects what cairo writes.
    private final class PNGSink {
        var bytes: [UInt8] = []
    }

    private static func check(_ status: cairo_status_t, _ what: String) throws(VerdictError) {
        guard status == CAIRO_STATUS_SUCCESS else {
            let words = cairo_status_to_string(status).map { String(cString: $0) } ?? "cairo status \(status.rawValue)"
            throw VerdictError(.io, what + ": " + words)
        }
    }

    /// The message of a GLib error, which is freed.
    private static func consume(_ error: UnsafeMutablePointer<GError>?) -> String {
        guard let error else { return "no reason given" }
        defer { g_error_free(error) }
        return error.pointee.message.map { String(cString: $0) } ?? "no reason given"
    }
}
