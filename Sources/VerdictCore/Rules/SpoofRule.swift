/// Whether a spoof check was evaluated and passed (spoof_checks.csv, spoof_details.csv).
/// This file is the one place Verdict decides it; the ingest stores the flags in
/// `bridge_spoof_check` and `bridge_spoof_detail` (Store/DimensionCache.swift, by way of
/// Store/Profiles.swift) and the queries add them up.
///
/// The definition is docs/METRICS.md, spoof_checks.csv and spoof_details.csv. The database is
/// held to the same rules, restated in SQL, by Queries/checks/spoof_bridge_follows_profile.sql
/// (`verdict check`). `deeperResult` follows the same one-value rule in the `v_spoof_check`
/// view (Store/Schema.swift), as the check `DEEPER`.
/// A change here is a change of the definition: change docs/METRICS.md and that check with it.
enum SpoofRule {
    /// One value (a `spoofResult` entry): evaluated when it is not empty.
    static func evaluated(_ value: String) -> Bool { !value.isEmpty }

    /// One value: passed when it is exactly `Y`.
    static func passed(_ value: String) -> Bool { value == "Y" }

    /// A detail or component of `extraSpoofResultDetails` that a poll may list several
    /// times, as one row: evaluated when any of its values is not empty (an absent value
    /// counts as empty), passed when evaluated and every non-empty value is `Y`.
    struct Collapsed: Equatable {
        private(set) var evaluated = false
        private var everyValueIsY = true

        init() {}

        /// Counts one more listing of the row, with its value.
        mutating func add(_ value: String?) {
            guard let value, SpoofRule.evaluated(value) else { return }
            evaluated = true
            if !SpoofRule.passed(value) { everyValueIsY = false }
        }

        var passed: Bool { evaluated && everyValueIsY }
    }
}
