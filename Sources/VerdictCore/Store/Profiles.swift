/// Canonical, deduplicated forms of the nested check lists, stored once per distinct
/// value (junk dimensions) so a poll costs one key instead of dozens of rows.
enum Profiles {
    /// One row of `bridge_spoof_detail`.
    struct DetailRow: Hashable {
        var spoofType: String
        var check: String
        var component: String
        var evaluated: Bool
        var passed: Bool
    }

    /// The spoof profile of a poll: canonical JSON plus the bridge rows it implies.
    /// nil when the poll carries neither spoofResult nor extraSpoofResultDetails.
    static func spoof(checks: [SpoofCheck], details: [SpoofDetail]) -> (json: String, checks: [SpoofCheck], details: [DetailRow])? {
        guard !checks.isEmpty || !details.isEmpty else { return nil }
        var json = "{\"checks\":{"
        for (i, c) in checks.enumerated() {
            if i > 0 { json += "," }
            json += JSONText.quote(c.check) + ":" + JSONText.quote(c.value)
        }
        json += "},\"details\":["
        // A row listed several times collapses to one (Rules/SpoofRule.swift).
        var acc: [DetailKey: SpoofRule.Collapsed] = [:]
        var order: [DetailKey] = []
        func add(_ key: DetailKey, _ value: String?) {
            if acc[key] == nil { acc[key] = SpoofRule.Collapsed(); order.append(key) }
            acc[key]!.add(value)
        }
        for (i, d) in details.enumerated() {
            if i > 0 { json += "," }
            json += "[" + JSONText.quote(d.spoofType) + "," + JSONText.quote(d.name) + "," + JSONText.quoteOptional(d.result) + ",["
            add(DetailKey(spoofType: d.spoofType, check: d.name, component: ""), d.result)
            for (j, c) in d.components.enumerated() {
                if j > 0 { json += "," }
                json += "[" + JSONText.quote(c.name) + "," + JSONText.quoteOptional(c.subResult) + "]"
                add(DetailKey(spoofType: d.spoofType, check: d.name, component: c.name), c.subResult)
            }
            json += "]]"
        }
        json += "]}"
        let rows = order.map { k -> DetailRow in
            let a = acc[k]!
            return DetailRow(spoofType: k.spoofType, check: k.check, component: k.component, evaluated: a.evaluated, passed: a.passed)
        }
        return (json, checks, rows)
    }

    private struct DetailKey: Hashable {
        var spoofType: String
        var check: String
        var component: String
    }

    /// The willing profile of a poll, or nil when it carries no retry record.
    static func willing(_ records: [RetryRecord]?) -> (json: String, attempts: Int, succeeded: Bool)? {
        guard let records, !records.isEmpty else { return nil }
        var json = "["
        for (i, r) in records.enumerated() {
            if i > 0 { json += "," }
            json += "[" + JSONText.quoteOptional(r.status) + "," + (r.attemptNumber.map(String.init) ?? "null") + "]"
        }
        json += "]"
        // attempts and succeeded: Rules/WillingRule.swift.
        guard let summary = WillingRule.summary(records) else { return nil }
        return (json, summary.attempts, summary.succeeded)
    }
}

