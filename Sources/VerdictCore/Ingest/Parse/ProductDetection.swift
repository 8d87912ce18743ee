#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which product a line is about (LOG_FORMAT.md (The envelope)): the one its `api` path names, or, when it has
/// no `api`, the one the shape of its response shows. The last rule of the refusal order:
/// a line neither names is refused as `unknown_product`.
///
/// A log names the same one or two paths over and over: the last path read (as raw bytes,
/// at most 128) and its product are remembered, so one parser uses one of these.
struct ProductDetection {
    private var lastAPI: [UInt8] = []
    private var lastAPIProduct: Product?

    /// The product of the line whose envelope `api` and response `body` are given.
    mutating func product(api: JSONRef?, in base: UnsafePointer<UInt8>, body: ResponseFields) throws(Refusal) -> Product {
        if let api, !api.isNull {
            guard api.kind == .string, let product = product(ofAPI: api, in: base) else {
                throw Refusal(.unknownProduct, "api is not an ID Recognition or VideoVerify checkresult path")
            }
            return product
        }
        guard let product = ProductDetection.product(ofShape: body) else {
            throw Refusal(.unknownProduct, "no api and the response matches neither product")
        }
        return product
    }

    /// A response without an `api` beside it: VideoVerify when it has any of its own
    /// fields, else ID Recognition when it has any of those (null counts as absent).
    static func product(ofShape body: ResponseFields) -> Product? {
        let e = body.ext
        func has(_ r: JSONRef?) -> Bool { r != nil && !r!.isNull }
        if has(body.videoVerifyResult) || has(e.quality) || has(e.qualityPassed) || has(e.willingRetryRecords) {
            return .videoVerify
        }
        if has(e.recognitionResult) || has(e.docCategory) || has(e.certType) || has(e.spoofResult) {
            return .idRecognition
        }
        return nil
    }

    /// `product(forAPI:)` on the raw bytes of a JSON string, without making a String.
    private mutating func product(ofAPI ref: JSONRef, in base: UnsafePointer<UInt8>) -> Product? {
        if ref.isEscaped { return ProductDetection.product(forAPI: JSONRead.string(base, ref)) }
        let path = ref.content(in: base)
        if path.count == lastAPI.count, path.count > 0,
            lastAPI.withUnsafeBufferPointer({ memcmp($0.baseAddress!, path.baseAddress!, path.count) == 0 })
        {
            return lastAPIProduct
        }
        let p = ProductDetection.productOfPath(path)
        if path.count <= 128 {
            lastAPI = Array(path)
            lastAPIProduct = p
        }
        return p
    }

    /// The product of a checkresult API path; a host before it or a query after it is
    /// fine, and letter case and trailing slashes do not matter.
    static func product(forAPI api: String) -> Product? {
        var bytes = Array(api.utf8)
        return bytes.withUnsafeMutableBufferPointer { productOfPath(UnsafeBufferPointer($0)) }
    }

    private static let idPath = Array("idrecognition/checkresult".utf8)
    private static let videoPath = Array("videoverify/checkresult".utf8)

    /// `…/idrecognition/checkresult` or `…/videoverify/checkresult` at the end of the path
    /// (before any `?` or `#`, after any trailing `/`), in any letter case.
    static func productOfPath(_ b: UnsafeBufferPointer<UInt8>) -> Product? {
        var end = b.count
        if let cut = b.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) { end = cut }
        while end > 0, b[end - 1] == UInt8(ascii: "/") { end -= 1 }
        func endsWith(_ suffix: [UInt8]) -> Bool {
            guard end >= suffix.count else { return false }
            let start = end - suffix.count
            for i in 0..<suffix.count {
                var c = b[start + i]
                if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") { c |= 0x20 }
                if c != suffix[i] { return false }
            }
            return start == 0 || b[start - 1] == UInt8(ascii: "/")
        }
        if endsWith(idPath) { return .idRecognition }
        if endsWith(videoPath) { return .videoVerify }
        return nil
    }
}
