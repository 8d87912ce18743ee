/// How much of the report period the data covers: what a reader needs before comparing a
/// period with the one before it.
public struct Coverage: Sendable, Equatable {
    /// Transactions dated in the period (by their first poll).
    public var transactions: Int
    /// The earliest and the latest first poll of those transactions, epoch ms.
    public var firstPoll: Int64?
    public var lastPoll: Int64?
    /// The latest first poll in the whole database, epoch ms.
    public var latestPoll: Int64?
    /// The period's bounds, epoch ms (end exclusive).
    public var periodStart: Int64
    public var periodEnd: Int64

    public init(transactions: Int, firstPoll: Int64?, lastPoll: Int64?, latestPoll: Int64?, periodStart: Int64, periodEnd: Int64) {
        self.transactions = transactions
        self.firstPoll = firstPoll
        self.lastPoll = lastPoll
        self.latestPoll = latestPoll
        self.periodStart = periodStart
        self.periodEnd = periodEnd
    }

    /// True when data has arrived from the period's end or later: the period ends at or
    /// before the latest poll in the database. A period that ends after it is partial.
    public var complete: Bool {
        guard let latestPoll else { return false }
        return periodEnd <= latestPoll
    }

    public var isEmpty: Bool { transactions == 0 }

    /// Data, but not all of the period's: what every comparison with a whole period notes.
    public var isPartial: Bool { !complete && !isEmpty }

    /// The share of the period's time that lies before the latest poll (1 when complete, 0
    /// when the data ends before the period starts).
    public var coveredFraction: Double {
        guard !complete else { return 1 }
        guard let latestPoll, latestPoll >= periodStart, periodEnd > periodStart else { return 0 }
        return Double(latestPoll - periodStart) / Double(periodEnd - periodStart)
    }
}

/// One signal of the period against the previous period, as changes.csv has it.
public struct SignalMove: Sendable, Equatable {
    public var signal: String
    public var current: Proportion
    public var previous: Proportion
    /// (rate − previous rate) × 100; nil when either has no rate.
    public var changePoints: Double?
    public var z: Double?
    public var p: Double?
    public var smallSample: Bool
    public var significant: Bool
}

/// "What changed": the signals that moved, first the significant ones (largest |z| first),
/// then those that moved a lot on a sample too small to tell.
public struct WhatChanged: Sendable, Equatable {
    public var significant: [SignalMove]
    /// Small-sample signals whose rate moved by at least `WhatChanged.smallSampleMove`
    /// percentage points, largest move first.
    public var smallSample: [SignalMove]

    /// How far a small-sample rate must move to be mentioned, in percentage points.
    public static let smallSampleMove = 10.0
    /// At most this many of each list are spelled out; changes.csv has them all.
    public static let shown = 10

    public init(significant: [SignalMove] = [], smallSample: [SignalMove] = []) {
        self.significant = significant
        self.smallSample = smallSample
    }

    /// From the rows of changes.csv, in its order (significant first, then |z|).
    init(_ rows: [ChangeRow]) {
        let moves = rows.map { r in
            SignalMove(signal: r.signal, current: Proportion(r.numerator, of: r.denominator),
                       previous: Proportion(r.previousNumerator, of: r.previousDenominator),
                       changePoints: r.changePoints, z: r.z, p: r.p, smallSample: r.smallSample, significant: r.significant)
        }
        significant = moves.filter(\.significant)
        smallSample = moves.filter { m in
            m.smallSample && abs(m.changePoints ?? 0) >= Self.smallSampleMove
        }.sorted { a, b in
            let x = abs(a.changePoints ?? 0), y = abs(b.changePoints ?? 0)
            return x != y ? x > y : Array(a.signal.utf8).lexicographicallyPrecedes(Array(b.signal.utf8))
        }
    }
}
