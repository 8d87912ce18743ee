/// A poll on its way to the writer. Boxed in a class so that the record is built and read
/// in place: the parser fills `record` inside the box, and the writer borrows it. As a
/// struct of 328 bytes passed by value, it was copied on the way out of the parser and out
/// of an enum payload, one retain and one release per field each time.
///
/// What the writer would otherwise compute on its own thread, which is the busier one, is
/// computed here on the parsing thread: the hashes of the transaction and of the spoof
/// results (dictionary keys on the writer) and the OCR field list as stored.
///
/// `@unchecked Sendable`: the box is changed only on the reading thread, by the parser and
/// then by `seal`, before it is queued; the queue's lock hands it over, and nothing changes
/// it afterwards.
final class PollBox: @unchecked Sendable {
    var record: PollRecord
    private(set) var transactionHash = 0
    private(set) var spoofHash = 0
    private(set) var ocrFields: String?
    /// The record's `finalRank`, `outcome` and `verdict`. The writer reads these here: the
    /// record's own properties would take a copy of the whole record out of the box.
    private(set) var finalRank = 0
    private(set) var outcome = Outcome.pending
    private(set) var verdict: String?

    init(_ record: consuming PollRecord) {
        self.record = record
    }

    /// Called once the record is complete, before the box leaves the reading thread.
    func seal(ocrFields: String?) {
        let product = record.product
        finalRank = PollRecord.finalRank(code: record.resultCode, status: record.resultStatus)
        verdict = PollRecord.verdict(
            product, code: record.resultCode, recognitionResult: record.recognitionResult,
            videoVerifyResult: record.videoVerifyResult)
        outcome = PollRecord.outcome(product, status: record.resultStatus, verdict: verdict)
        var h = Hasher()
        h.combine(record.product)
        h.combine(record.transactionId)
        transactionHash = h.finalize()
        var s = Hasher()
        s.combine(record.spoofChecks)
        s.combine(record.spoofDetails)
        spoofHash = s.finalize()
        self.ocrFields = ocrFields
    }
}
