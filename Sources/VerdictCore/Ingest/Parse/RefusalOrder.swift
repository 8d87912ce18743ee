/// Why a line is refused: the input rule it breaks and, for people, what was wrong (it
/// never quotes the line).
struct Refusal: Error {
    let reason: RefusalReason
    let detail: String

    init(_ reason: RefusalReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }
}

extension LogLineParser {
    /// Parses one line (without its line terminator): blank, a poll, or refused by the
    /// first input rule it breaks (LOG_FORMAT.md (Refused lines)), tried in this order:
    ///
    /// 1. `invalid_json`: not one valid JSON value, or a value that is not an object
    /// 2. `missing_transaction_id`: `request` not an object, or its `transactionId` not a
    ///    non-empty string
    /// 3. `missing_timestamp`: none of `Envelope.timestampKeys` present and not null
    /// 4. `invalid_timestamp`: the first of them present is not a valid time
    /// 5. `missing_result`: `response` neither an object nor a string holding one, or its
    ///    `result` without `resultStatus` and `resultCode` strings
    /// 6. `unknown_product`: neither the `api` path nor the response's shape names a
    ///    product (ProductDetection.swift)
    ///
    /// A refusal carries the line's time when it could be read, so reports can date it.
    /// (A line longer than the line limit is refused as `invalid_json` before it gets here,
    /// by the reader.)
    func parse(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) -> ParsedLine {
        guard let base = line.baseAddress, !LogLineParser.isBlank(line) else { return .blank }
        var env = Envelope()
        var lineTime: Int64?
        do throws(Refusal) {
            // 1. invalid_json
            let isObject: Bool
            do throws(JSONSyntaxError) {
                isObject = try env.read(line)
            } catch {
                throw Refusal(.invalidJSON, "not valid JSON at byte \(error.offset + 1): \(error.reason)")
            }
            guard isObject else { throw Refusal(.invalidJSON, "the line is JSON but not an object") }

            // The time is read first so that any later refusal can be dated.
            let time = env.time(base)
            lineTime = time?.millis

            // 2. missing_transaction_id
            guard env.request?.kind == .object, let transactionId = env.requestFields.transactionId,
                transactionId.kind == .string, !transactionId.isEmptyString
            else {
                throw Refusal(.missingTransactionId, "request.transactionId is missing or not a non-empty string")
            }

            // 3. missing_timestamp
            guard let time else {
                throw Refusal(.missingTimestamp, "none of \(Envelope.timestampKeys.joined(separator: ", ")) is present")
            }

            // 4. invalid_timestamp
            guard let millis = time.millis else {
                let key = Envelope.timestampKeys[time.rank]
                throw Refusal(.invalidTimestamp, "\(key) is neither an RFC 3339 date-time with an offset nor integer epoch milliseconds")
            }

            // 5. missing_result
            guard let response = env.response, response.kind == .object || response.kind == .string else {
                throw Refusal(.missingResult, "response is missing or not an object")
            }
            return try env.withResponseBody(base) { body, bodyBase throws(Refusal) in
                guard body.result?.kind == .object,
                    let status = body.resultFields.resultStatus, status.kind == .string,
                    let code = body.resultFields.resultCode, code.kind == .string
                else {
                    throw Refusal(.missingResult, "response.result.resultStatus or resultCode is missing or not a string")
                }

                // 6. unknown_product
                let product = try products.product(api: env.api, in: base, body: body)

                return .poll(accept(
                    product, env, lineBase: base, body: body, bodyBase: bodyBase,
                    transactionId: transactionId, status: status, code: code, millis: millis, lineNumber: lineNumber))
            }
        } catch {
            return .refused(error.reason, detail: error.detail, timestampMillis: lineTime)
        }
    }
}
