internal import GRDB

/// Runs metric queries for a period, all inside one read transaction so every number of
/// a report comes from the same state of the database, even while an ingest writes.
public struct MetricsEngine: Sendable {
    public let database: VerdictDatabase
    public let catalog: QueryCatalog

    public init(database: VerdictDatabase, catalog: QueryCatalog) {
        self.database = database
        self.catalog = catalog
    }

    /// The named parameters every query may use.
    ///
    /// `:start_ms`/`:end_ms` bound the period; `:prev_start_ms`/`:prev_end_ms` the one
    /// before; `:periods` is the JSON list of the period and the seven before it (trend);
    /// `:period_label` and `:zone` name them.
    public static func parameters(for period: Period) -> [String: ParameterValue] {
        let previous = period.shifted(by: 1)
        let periods = (0..<8).reversed().map { period.shifted(by: $0) }
        let json = "[" + periods.map { p in
            "{\"label\":\"\(p.first.isoDate)\",\"start\":\(p.startMillis),\"end\":\(p.endMillis)}"
        }.joined(separator: ",") + "]"
        return [
            "start_ms": .integer(period.startMillis), "end_ms": .integer(period.endMillis),
            "prev_start_ms": .integer(previous.startMillis), "prev_end_ms": .integer(previous.endMillis),
            "periods": .text(json), "period_label": .text(period.label), "zone": .text(period.zone.identifier),
        ]
    }

    /// Runs each query of `names` for `period` and, when asked, the period before.
    public func run(_ names: [String], period: Period, alsoPrevious: Set<String> = []) throws(VerdictError) -> MetricsSnapshot {
        // The trend rollup counts by quarter hour: every bound must fall on one.
        for p in (0..<8).map({ period.shifted(by: $0) }) where p.startMillis % 900_000 != 0 || p.endMillis % 900_000 != 0 {
            throw VerdictError(.usage, "\(period.zone.identifier): a day of \(p.label) does not start on a quarter hour (UTC)",
                               hint: "use UTC or a zone with a whole quarter-hour offset")
        }
        let sources = try names.map { (n) throws(VerdictError) in try catalog.resolve(n) }
        let current = Self.parameters(for: period)
        let previous = Self.parameters(for: period.shifted(by: 1))
        do {
            return try database.queue.read { db in
                guard let c = db.sqliteConnection else { throw VerdictError(.database, "\(database.path): closed") }
                var snap = MetricsSnapshot(period: period)
                for q in sources {
                    snap.results[q.name] = try QueryRunner.run(q, parameters: current, connection: c)
                    if alsoPrevious.contains(q.name) {
                        snap.previous[q.name] = try QueryRunner.run(q, parameters: previous, connection: c)
                    }
                }
                return snap
            }
        } catch let e as VerdictError {
            throw e
        } catch {
            throw VerdictError(.database, "\(database.path): cannot read", cause: error)
        }
    }
}

/// Query results for one period (and some for the period before).
public struct MetricsSnapshot: Sendable {
    public var period: Period
    public var results: [String: QueryResult] = [:]
    public var previous: [String: QueryResult] = [:]
}
