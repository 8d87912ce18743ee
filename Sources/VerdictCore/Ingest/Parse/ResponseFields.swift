/// What a response holds, located in the buffer it was scanned from: the line, or the
/// unescaped text of a response logged as a string (`Envelope.withResponseBody`).
struct ResponseFields: LocatedFields {
    enum Field: Sendable { case result, extInfo, videoVerifyResult }

    static let keys: KeyTable<Field> = ["result": .result, "extInfo": .extInfo, "videoVerifyResult": .videoVerifyResult]

    var result: JSONRef?
    /// What `result` holds, when it is an object.
    var resultFields = ResultFields()
    var videoVerifyResult: JSONRef?
    var extInfo: JSONRef?
    /// What `extInfo` holds, when it is an object.
    var ext = ExtInfoFields()

    mutating func read(_ c: inout JSONCursor) throws(JSONSyntaxError) {
        try c.readObject(ResponseFields.keys) { field, c throws(JSONSyntaxError) in
            switch field {
            case .result: result = try c.locate(&resultFields)
            case .extInfo: extInfo = try c.locate(&ext)
            case .videoVerifyResult: videoVerifyResult = try c.scanValue()
            }
        }
    }
}

/// What `response.result` holds.
struct ResultFields: LocatedFields {
    static let keys: KeyTable<FieldSlot<ResultFields>> = [
        "resultStatus": .init(\.resultStatus), "resultCode": .init(\.resultCode), "resultMessage": .init(\.resultMessage),
    ]

    var resultStatus: JSONRef?
    var resultCode: JSONRef?
    var resultMessage: JSONRef?

    mutating func read(_ c: inout JSONCursor) throws(JSONSyntaxError) {
        try c.readValues(ResultFields.keys, into: &self)
    }
}

/// What `response.extInfo` holds: the values of both products' fields, and the image
/// payloads, measured while they are skipped (`ImagePayload`).
struct ExtInfoFields: LocatedFields {
    enum Field: Sendable {
        /// A value located as it is, for the product's field reader (`value(_:)`).
        case slot(FieldSlot<ExtInfoFields>)
        /// Base64 payloads, measured in the pass.
        case imageContent, extraImages

        static func value(_ field: WritableKeyPath<ExtInfoFields, JSONRef?>) -> Field { .slot(FieldSlot(field)) }
    }

    static let keys: KeyTable<Field> = [
        "recognitionResult": .value(\.recognitionResult), "certType": .value(\.certType),
        "docCategory": .value(\.docCategory), "docEdition": .value(\.docEdition), "countryCode": .value(\.countryCode),
        "spoofResult": .value(\.spoofResult), "extraSpoofResultDetails": .value(\.extraSpoofResultDetails),
        "deeperResult": .value(\.deeperResult), "uploadEnabledResult": .value(\.uploadEnabledResult),
        "recognitionErrorCode": .value(\.recognitionErrorCode),
        "recognitionErrorDescription": .value(\.recognitionErrorDescription),
        "deeperResultDescription": .value(\.deeperResultDescription), "ocrResult": .value(\.ocrResult),
        "ocrResultFormat": .value(\.ocrResultFormat), "ocrResultDetail": .value(\.ocrResultDetail),
        "quality": .value(\.quality), "qualityPassed": .value(\.qualityPassed),
        "willingRetryRecords": .value(\.willingRetryRecords), "willingVerifyVideo": .value(\.willingVerifyVideo),
        "imageContent": .imageContent, "extraImages": .extraImages,
    ]

    var recognitionResult, certType, docCategory, docEdition, countryCode: JSONRef?
    var ocrResult, ocrResultFormat, ocrResultDetail, spoofResult, extraSpoofResultDetails: JSONRef?
    var recognitionErrorCode, uploadEnabledResult, deeperResult: JSONRef?
    var recognitionErrorDescription, deeperResultDescription: JSONRef?
    var quality, qualityPassed, willingRetryRecords, willingVerifyVideo: JSONRef?
    /// A list of base64 strings (ID Recognition) or one (VideoVerify).
    var imageContent = ImagePayload()
    /// A map of names to base64 strings.
    var extraImages = ImagePayload()

    /// imageContent was a list (true) or a single string (false); nil when absent or null.
    var imageContentIsList: Bool? {
        switch imageContent.ref?.kind {
        case .array?: true
        case .string?: false
        default: nil
        }
    }

    mutating func read(_ c: inout JSONCursor) throws(JSONSyntaxError) {
        try c.readObject(ExtInfoFields.keys) { field, c throws(JSONSyntaxError) in
            switch field {
            case .slot(let slot):
                self[slot] = try c.scanValue()
            case .imageContent:
                imageContent = try ImagePayload.measure(&c, container: .array)
                // A single string is one image; null none; anything else is not valid.
                if let v = imageContent.ref, v.kind != .array, !v.isNull { imageContent.add(v) }
            case .extraImages:
                extraImages = try ImagePayload.measure(&c, container: .object)
                // The documents show an empty string where there are no extra images.
                if let v = extraImages.ref, v.kind != .object, !(v.isNull || v.isEmptyString) { extraImages.valid = false }
            }
        }
    }

    /// Bytes a base64 string decodes to, estimated from its length (escapes included).
    static func base64DecodedSize(_ ref: JSONRef) -> Int {
        max(0, ref.contentLength) / 4 * 3
    }
}

/// A field of base64 images, measured while it is skipped, so it is crossed once and never
/// copied or decoded: where its value lies, how many images it held and their decoded
/// size, and whether every one was a string.
struct ImagePayload {
    var ref: JSONRef?
    var count = 0
    var bytes = 0
    var valid = true

    /// The value at the cursor. A `container` (a list, or a map) of base64 strings is
    /// crossed member by member, each string counted and measured, any other member making
    /// it not valid; any other value is located as it is, nothing counted.
    static func measure(_ c: inout JSONCursor, container: JSONKind) throws(JSONSyntaxError) -> ImagePayload {
        let isObject = container == .object
        guard c.peek() == (isObject ? UInt8(ascii: "{") : UInt8(ascii: "[")) else {
            return ImagePayload(ref: try c.scanValue())
        }
        let start = c.pos
        var payload = ImagePayload()
        if !(try isObject ? c.beginObject() : c.beginArray()) {
            repeat {
                if isObject { _ = try c.readKey() }
                payload.add(try c.scanValue())
            } while !(try c.endOfMember(close: isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")))
        }
        payload.ref = JSONRef(kind: container, start: start, end: c.pos, flag: false)
        return payload
    }

    /// One more image when `v` is a string; otherwise the payload is not valid.
    mutating func add(_ v: JSONRef) {
        if v.kind == .string {
            count += 1
            bytes += ExtInfoFields.base64DecodedSize(v)
        } else {
            valid = false
        }
    }
}
