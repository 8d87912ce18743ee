#if canImport(Glibc)
    import Glibc
#endif

/// A chart as a PNG image, for mail: mail clients do not show SVG. The picture is the chart's
/// SVG (`SVGChartRenderer`) painted by librsvg onto a cairo image surface, so the PNG and
/// the SVG never differ in what they show. `report` writes no PNG file; a message that embeds
/// the charts asks for them.
///
/// librsvg and cairo are loaded (`dlopen`) the first time a chart is drawn, not linked: they
/// bring some seventy shared libraries (glib, pango, fontconfig, X11, ...), and linked they
/// made every start of `verdict` about 15 ms slower (half a week's report's added time), for
/// the few runs that mail a report.
public enum ChartRaster {
    /// The PNG bytes of `svg` at `scale` pixels per SVG unit (2: sharp on high-density screens).
    /// The image is the SVG's width and height times `scale`, rounded up.
    public static func png(svg: String, scale: Double = 2) throws(VerdictError) -> [UInt8] {
        guard scale.isFinite, scale > 0 else {
            throw VerdictError(.usage, "cannot draw a chart at scale \(scale)", hint: "give a scale above 0")
        }
        let lib = try Library.shared()
        var gerror: UnsafeMutableRawPointer?
        let bytes = Array(svg.utf8)
        let made = bytes.withUnsafeBufferPointer { buffer in
            lib.newFromData(buffer.baseAddress, buffer.count, &gerror)
        }
        guard let handle = made else {
            throw VerdictError(.io, "cannot draw a chart as PNG: librsvg does not read its SVG: " + lib.consume(gerror))
        }
        defer { lib.objectUnref(handle) }

        var width = 0.0, height = 0.0
        guard lib.intrinsicSize(handle, &width, &height) != 0, width > 0, height > 0 else {
            throw VerdictError(.io, "cannot draw a chart as PNG: its SVG gives no width and height in pixels")
        }
        let w = (width * scale).rounded(.up), h = (height * scale).rounded(.up)
        // cairo's image surfaces are at most 32767 pixels each way.
        guard w <= 32767, h <= 32767 else {
            throw VerdictError(.io, "cannot draw a chart as PNG: \(Int(w))×\(Int(h)) pixels is too large", hint: "use a smaller scale")
        }
        guard let surface = lib.imageSurfaceCreate(Library.formatARGB32, Int32(w), Int32(h)) else {
            throw VerdictError(.io, "cannot make an image of \(Int(w))×\(Int(h)) pixels")
        }
        defer { lib.surfaceDestroy(surface) }
        try lib.check(lib.surfaceStatus(surface), "cannot make an image of \(Int(w))×\(Int(h)) pixels")
        guard let cr = lib.create(surface) else { throw VerdictError(.io, "cannot draw on an image of \(Int(w))×\(Int(h)) pixels") }
        defer { lib.destroy(cr) }
        let viewport: [Double] = [0, 0, w, h]
        let drawn = viewport.withUnsafeBufferPointer { lib.renderDocument(handle, cr, UnsafeRawPointer($0.baseAddress), &gerror) }
        guard drawn != 0 else {
            throw VerdictError(.io, "cannot draw a chart as PNG: " + lib.consume(gerror))
        }
        lib.surfaceFlush(surface)

        let sink = PNGSink()
        let status = lib.writeToPNGStream(surface, { closure, data, length in
            guard let closure, let data else { return Library.statusWriteError }
            let sink = Unmanaged<PNGSink>.fromOpaque(closure).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return Library.statusSuccess
        }, Unmanaged.passUnretained(sink).toOpaque())
        try lib.check(status, "cannot encode the chart as PNG")
        return withExtendedLifetime(sink) { sink.bytes }
    }

    private final class PNGSink {
        var bytes: [UInt8] = []
    }

    /// The functions of librsvg, cairo and GLib a chart needs, found once in the libraries
    /// loaded at first use.
    struct Library: @unchecked Sendable {
        typealias WriteFunc = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, UInt32) -> Int32
        static let formatARGB32: Int32 = 0     // CAIRO_FORMAT_ARGB32
        static let statusSuccess: Int32 = 0    // CAIRO_STATUS_SUCCESS
        static let statusWriteError: Int32 = 11 // CAIRO_STATUS_WRITE_ERROR

        let newFromData: @convention(c) (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UnsafeMutableRawPointer?
        let intrinsicSize: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?) -> Int32
        /// The viewport is an `RsvgRectangle`: four doubles, x, y, width, height.
        let renderDocument: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeRawPointer?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int32
        let objectUnref: @convention(c) (UnsafeMutableRawPointer?) -> Void
        let errorFree: @convention(c) (UnsafeMutableRawPointer?) -> Void
        let imageSurfaceCreate: @convention(c) (Int32, Int32, Int32) -> UnsafeMutableRawPointer?
        let surfaceDestroy: @convention(c) (UnsafeMutableRawPointer?) -> Void
        let surfaceStatus: @convention(c) (UnsafeMutableRawPointer?) -> Int32
        let create: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?
        let destroy: @convention(c) (UnsafeMutableRawPointer?) -> Void
        let surfaceFlush: @convention(c) (UnsafeMutableRawPointer?) -> Void
        let writeToPNGStream: @convention(c) (UnsafeMutableRawPointer?, WriteFunc?, UnsafeMutableRawPointer?) -> Int32
        let statusToString: @convention(c) (Int32) -> UnsafePointer<CChar>?

        private static let loaded = Result<Library, VerdictError> { () throws(VerdictError) in try Library() }

        static func shared() throws(VerdictError) -> Library { try loaded.get() }

        private init() throws(VerdictError) {
            func open(_ name: String) throws(VerdictError) -> UnsafeMutableRawPointer {
                guard let h = dlopen(name, RTLD_NOW | RTLD_GLOBAL) else {
                    let why = dlerror().map { String(cString: $0) } ?? "not found"
                    throw VerdictError(.io, "cannot draw charts as PNG: \(name) cannot be loaded: \(why)",
                                       hint: "install librsvg (Debian: apt-get install librsvg2-2)")
                }
                return h
            }
            let rsvg = try open("librsvg-2.so.2"), cairo = try open("libcairo.so.2")
            let gobject = try open("libgobject-2.0.so.0"), glib = try open("libglib-2.0.so.0")
            func find<T>(_ handle: UnsafeMutableRawPointer, _ name: String, as _: T.Type) throws(VerdictError) -> T {
                guard let p = dlsym(handle, name) else {
                    throw VerdictError(.io, "cannot draw charts as PNG: the loaded librsvg or cairo lacks \(name)",
                                       hint: "install librsvg 2.52 or later (Debian: librsvg2-2)")
                }
                return unsafeBitCast(p, to: T.self)
            }
            newFromData = try find(rsvg, "rsvg_handle_new_from_data", as: type(of: newFromData))
            intrinsicSize = try find(rsvg, "rsvg_handle_get_intrinsic_size_in_pixels", as: type(of: intrinsicSize))
            renderDocument = try find(rsvg, "rsvg_handle_render_document", as: type(of: renderDocument))
            objectUnref = try find(gobject, "g_object_unref", as: type(of: objectUnref))
            errorFree = try find(glib, "g_error_free", as: type(of: errorFree))
            imageSurfaceCreate = try find(cairo, "cairo_image_surface_create", as: type(of: imageSurfaceCreate))
            surfaceDestroy = try find(cairo, "cairo_surface_destroy", as: type(of: surfaceDestroy))
            surfaceStatus = try find(cairo, "cairo_surface_status", as: type(of: surfaceStatus))
            create = try find(cairo, "cairo_create", as: type(of: create))
            destroy = try find(cairo, "cairo_destroy", as: type(of: destroy))
            surfaceFlush = try find(cairo, "cairo_surface_flush", as: type(of: surfaceFlush))
            writeToPNGStream = try find(cairo, "cairo_surface_write_to_png_stream", as: type(of: writeToPNGStream))
            statusToString = try find(cairo, "cairo_status_to_string", as: type(of: statusToString))
        }

        func check(_ status: Int32, _ what: String) throws(VerdictError) {
            guard status == Self.statusSuccess else {
                let words = statusToString(status).map { String(cString: $0) } ?? "cairo status \(status)"
                throw VerdictError(.io, what + ": " + words)
            }
        }

        /// A `GError`'s message (its third field, after the 32-bit domain and code), freed.
        func consume(_ error: UnsafeMutableRawPointer?) -> String {
            guard let error else { return "no reason given" }
            defer { errorFree(error) }
            let message = error.load(fromByteOffset: 8, as: UnsafePointer<CChar>?.self)
            return message.map { String(cString: $0) } ?? "no reason given"
        }
    }
}
