internal import GRDB

/// Runs metric queries for a period, every one reading the same state of the database,
/// even while an ingest writes. Queries run side by side on up to `lanes` connections
/// (ReadLanes); the results do not depend on how many.
public struct MetricsEngine: Sendable {
    /// A SQLite file or a PostgreSQL database.
    public let database: any QueryDatabase
    public let catalog: QueryCatalog
    /// Connections reading at once (default: one per core, at most four).
    public var lanes = ReadLanes.defaultCount
    /// Runs once the read state is fixed and before further lanes join it (tests).
    var pinned: (@Sendable () -> Void)?

    public init(database: any QueryDatabase, catalog: QueryCatalog) {
        self.database = database
        self.catalog = catalog
    }

    /// The named parameters every query may use.
    ///
    /// `:start_ms`/`:end_ms` bound the period; `:prev_start_ms`/`:prev_end_ms` the one
    /// before; the period and the seven before it (trend; or `periodCount` periods, for an alert rule's longer baseline) are `:period0_…` (the oldest) to
    /// `:period7_…` (this one), each `_first_day`, `_start_ms` and `_end_ms`, which both
    /// engines bind, and `:periods`, the same as a JSON list (for SQLite's json_each);
    /// `:period_label` and `:zone` name them.
    public static func parameters(for period: Period, periodCount: Int = 8) -> [String: ParameterValue] {
        let previous = period.shifted(by: 1)
        let periods = (0..<periodCount).reversed().map { period.shifted(by: $0) }
        let json = "[" + periods.map { p in
            "{\"label\":\"\(p.first.isoDate)\",\"start\":\(p.startMillis),\"end\":\(p.endMillis)}"
        }.joined(separator: ",") + "]"
        var values: [String: ParameterValue] = [
            "start_ms": .integer(period.startMillis), "end_ms": .integer(period.endMillis),
            "prev_start_ms": .integer(previous.startMillis), "prev_end_ms": .integer(previous.endMillis),
            "periods": .text(json), "period_label": .text(period.label), "zone": .text(period.zone.identifier),
        ]
        for (i, p) in periods.enumerated() {
            values["period\(i)_first_day"] = .text(p.first.isoDate)
            values["period\(i)_start_ms"] = .integer(p.startMillis)
            values["period\(i)_end_ms"] = .integer(p.endMillis)
        }
        return values
    }

    /// Runs each query of `names` for `period` and, when asked, the period before.
    /// `periodCount`: how many periods `:periods` lists (8 unless a longer series is wanted).
    public func run(_ names: [String], period: Period, alsoPrevious: Set<String> = [], periodCount: Int = 8) throws(VerdictError) -> MetricsSnapshot {
        // The trend rollup counts by quarter hour: every bound must fall on one.
        for p in (0..<max(8, periodCount)).map({ period.shifted(by: $0) }) where p.startMillis % 900_000 != 0 || p.endMillis % 900_000 != 0 {
            throw VerdictError(.usage, "\(period.zone.identifier): a day of \(p.label) does not start on a quarter hour (UTC)",
                               hint: "use UTC or a zone with a whole quarter-hour offset")
        }
        let sources = try names.map { (n) throws(VerdictError) in try catalog.resolve(n) }
        var declared: [String: ColumnDeclarations] = [:]
        for q in sources { declared[q.name] = try q.declarations() }
        let current = Self.parameters(for: period, periodCount: periodCount)
        let previous = Self.parameters(for: period.shifted(by: 1), periodCount: periodCount)
        var jobs: [(query: QuerySource, previous: Bool)] = []
        for q in sources {
            jobs.append((q, false))
            if alsoPrevious.contains(q.name) { jobs.append((q, true)) }
        }
        let results = try database.run(jobs.map { QueryJob(query: $0.query, parameters: $0.previous ? previous : current) },
                                       lanes: lanes, pinned: pinned)
        var snap = MetricsSnapshot(period: period)
        for (job, var result) in zip(jobs, results) {
            result.source = job.query.label
            result.declared = declared[job.query.name] ?? .none
            // A declaration that names no column of the result is a typo that would
            // silently show a rate as a decimal: say so.
            for (column, kind) in result.declared.kinds.sorted(by: { $0.key < $1.key }) where !result.columns.contains(column) {
                throw VerdictError(.query, "\(result.source): declares \(column) a \(kind), but the query returns no column \(column)",
                                   hint: "its columns: " + result.columns.joined(separator: ", "))
            }
            if job.previous { snap.previous[job.query.name] = result } else { snap.results[job.query.name] = result }
        }
        return snap
    }
}

/// Query results for one period (and some for the period before).
public struct MetricsSnapshot: Sendable {
    public var period: Period
    public var results: [String: QueryResult] = [:]
    public var previous: [String: QueryResult] = [:]
}
