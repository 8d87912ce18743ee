/// The warnings of one line: the first `limit` are listed, the rest only counted, so a
/// line of a million wrongly typed fields keeps a hundred warnings and one that says how
/// many more there were.
struct WarningList: Sendable {
    static let limit = 100
    private(set) var listed: [FieldWarning] = []
    private(set) var omitted = 0

    init() {}

    /// Every warning added, listed or only counted.
    var count: Int { listed.count + omitted }

    /// Whether another warning would still be listed (else it is only counted).
    var full: Bool { listed.count >= WarningList.limit }

    mutating func add(_ w: @autoclosure () -> FieldWarning) {
        if full { omitted += 1 } else { listed.append(w()) }
    }

    mutating func add(contentsOf other: WarningList) {
        for w in other.listed { add(w) }
        omitted += other.omitted
    }

    /// What a poll keeps: the listed warnings, then one that counts those not listed.
    var stored: [FieldWarning] {
        guard omitted > 0 else { return listed }
        return listed + [FieldWarning(field: "(more)", problem: "\(omitted) more warnings of this line are not listed")]
    }
}
