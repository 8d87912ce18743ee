import Testing
import VerdictRSVG

/// A PNG image read back by a real decoder (cairo's, the library librsvg draws with): its
/// header as the file states it, and its pixels, so a test can tell a picture from a blank.
struct PNGImage {
    /// Width and height from the IHDR chunk, as the file declares them.
    var headerSize: (width: Int, height: Int)
    var width: Int
    var height: Int
    /// One 0xAARRGGBB value per pixel, row by row (premultiplied, as cairo keeps them).
    var pixels: [UInt32]

    init(_ bytes: [UInt8]) throws {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        try #require(bytes.count > 33 && Array(bytes[0..<8]) == signature, "not a PNG file")
        try #require(Array(bytes[12..<16]) == Array("IHDR".utf8), "the first chunk is not IHDR")
        func be32(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        headerSize = (be32(16), be32(20))

        final class Reader {
            let bytes: [UInt8]
            var at = 0
            init(_ bytes: [UInt8]) { self.bytes = bytes }
        }
        let reader = Reader(bytes)
        let surface = withExtendedLifetime(reader) {
            cairo_image_surface_create_from_png_stream({ closure, data, length in
                let r = Unmanaged<Reader>.fromOpaque(closure!).takeUnretainedValue()
                let n = Int(length)
                guard let data, r.at + n <= r.bytes.count else { return CAIRO_STATUS_READ_ERROR }
                for i in 0..<n { data[i] = r.bytes[r.at + i] }
                r.at += n
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(reader).toOpaque())
        }
        defer { cairo_surface_destroy(surface) }
        let status = cairo_surface_status(surface)
        try #require(status == CAIRO_STATUS_SUCCESS, "cairo does not decode the PNG: \(String(cString: cairo_status_to_string(status)))")
        width = Int(cairo_image_surface_get_width(surface))
        height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let format = cairo_image_surface_get_format(surface)
        try #require(format == CAIRO_FORMAT_ARGB32 || format == CAIRO_FORMAT_RGB24, "unexpected pixel format \(format)")
        let data = try #require(cairo_image_surface_get_data(surface))
        var out: [UInt32] = []
        out.reserveCapacity(width * height)
        for y in 0..<height {
            let row = UnsafeRawPointer(data + y * stride)
            for x in 0..<width {
                var v = row.loadUnaligned(fromByteOffset: x * 4, as: UInt32.self)
                if format == CAIRO_FORMAT_RGB24 { v |= 0xFF00_0000 }
                out.append(v)
            }
        }
        pixels = out
    }

    func pixel(_ x: Int, _ y: Int) -> UInt32 { pixels[y * width + x] }

    /// Whether a pixel is neither white nor transparent.
    static func isInk(_ v: UInt32) -> Bool {
        let a = v >> 24, r = (v >> 16) & 0xFF, g = (v >> 8) & 0xFF, b = v & 0xFF
        return a > 16 && !(r > 245 && g > 245 && b > 245)
    }

    /// The share of pixels in the rectangle that are ink, from 0 to 1.
    func inkShare(x: Range<Int>? = nil, y: Range<Int>? = nil) -> Double {
        let xs = x ?? 0..<width, ys = y ?? 0..<height
        var ink = 0
        for yy in ys { for xx in xs where Self.isInk(pixel(xx, yy)) { ink += 1 } }
        return Double(ink) / Double(max(xs.count * ys.count, 1))
    }

    /// How many distinct colours the image holds.
    var colourCount: Int { Set(pixels).count }
}
