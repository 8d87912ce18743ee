/// A poll being parsed. Boxed in a class so that the record is built and read in place: the
/// parser fills `record` inside the box, and the writer borrows it. As a struct of 328 bytes
/// passed by value, it was copied on the way out of the parser and out of an enum payload,
/// one retain and one release per field each time.
///
/// The writer takes a box only sealed (`seal`, on the reading thread), as a `SealedPoll`.
///
/// `@unchecked Sendable`: the box is changed only on the reading thread, by the parser and
/// then by `seal`, before it is queued; the queue's lock hands it over, and nothing changes
/// it afterwards.
final class PollBox: @unchecked Sendable {
    var record: PollRecord

    // What `seal` derives from the record, kept in the box so that a sealed poll is one
    // reference, as the box is (a parsed item costs no more to copy or free). Private to
    // this file and read only through the `SealedPoll` that `seal` returns after setting
    // them, so their initial values are never seen.
    fileprivate var transactionHash = 0
    fileprivate var spoofHash = 0
    fileprivate var finalRank = 0
    fileprivate var outcome = Outcome.pending
    fileprivate var verdict: String?
    fileprivate var ocrFields: String?

    init(_ record: consuming PollRecord) {
        self.record = record
    }

    /// The poll as the writer takes it, with the values derived from its record. Called
    /// once the record is complete, before the poll leaves the reading thread; the box must
    /// not change afterwards. (`consuming`: the caller's reference moves into the sealed
    /// poll rather than being retained once more for it.)
    consuming func seal(ocrFields: String?) -> SealedPoll {
        let product = record.product
        finalRank = Classification.finalRank(code: record.resultCode, status: record.resultStatus)
        verdict = Classification.verdict(
            product, code: record.resultCode, recognitionResult: record.recognitionResult,
            videoVerifyResult: record.videoVerifyResult)
        outcome = Classification.outcome(product, status: record.resultStatus, verdict: verdict)
        var h = Hasher()
        h.combine(record.product)
        h.combine(record.transactionId)
        transactionHash = h.finalize()
        var s = Hasher()
        s.combine(record.spoofChecks)
        s.combine(record.spoofDetails)
        spoofHash = s.finalize()
        self.ocrFields = ocrFields
        return SealedPoll(self)
    }
}

/// A parsed poll as the writer takes it (`PollWriter.add` accepts nothing else): its box,
/// with what the writer needs derived from the record. Only `PollBox.seal` makes one, after
/// computing those values, so none of them can be forgotten or read unset.
///
/// They are computed on the reading thread, since the writer's thread is the busier one:
/// the hashes of the writer's dictionary keys (the transaction, the spoof results), the
/// record's final-poll rank, verdict and outcome (the record's own properties would copy
/// the whole record out of its box first), and the OCR field list as stored. A sealed poll
/// is the box's reference alone: sealing allocates nothing and copies no record, and a
/// parsed item is as small as before.
struct SealedPoll: Sendable {
    /// The box; nothing changes it once sealed. The writer reads the record's fields in
    /// place, one at a time: `poll.box.record.field`.
    let box: PollBox

    fileprivate init(_ box: PollBox) { self.box = box }

    /// Hash of (product, transactionId): the writer's transaction key.
    var transactionHash: Int { box.transactionHash }
    /// Hash of (spoofChecks, spoofDetails): the key of its spoof profile.
    var spoofHash: Int { box.spoofHash }
    /// `Classification.finalRank`.
    var finalRank: Int { box.finalRank }
    /// `Classification.outcome`.
    var outcome: Outcome { box.outcome }
    /// `Classification.verdict`.
    var verdict: String? { box.verdict }
    /// The OCR field names as stored (comma-joined), nil when there are none.
    var ocrFields: String? { box.ocrFields }

    /// The record, borrowed in its box (for reading a field or two; see `box`).
    var record: PollRecord {
        _read { yield box.record }
    }
}
