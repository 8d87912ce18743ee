extension ReportWriter.Written {
    /// `verdict report --json`: one object with what a scheduled job wants to know, keys
    /// in this order: `directory`, `period` (label, first and last day, zone), `files` (as
    /// written, in order), `transactions` (of the period, all products), and `delivery`
    /// (the manifest's delivery object, with `error` when it failed; null without mail).
    public func json(delivery: Delivery?) -> String {
        let p = model.period
        var s = "{\"directory\": " + JSONText.quote(directory)
        s += ", \"period\": {\"label\": " + JSONText.quote(p.label)
        s += ", \"first_day\": " + JSONText.quote(p.firstDay.isoDate)
        s += ", \"last_day\": " + JSONText.quote(p.lastDay.isoDate)
        s += ", \"zone\": " + JSONText.quote(p.zone) + "}"
        s += ", \"files\": [" + files.map { JSONText.quote($0) }.joined(separator: ", ") + "]"
        let transactions = model.headline.reduce(0) { $0 + $1.transactions }
        s += ", \"transactions\": " + String(transactions)
        s += ", \"coverage\": " + (manifest.json["coverage"] ?? .null).compactText
        let fired = alerts.filter(\.fired)
        s += ", \"alerts\": " + JSONValue.object([
            .init("evaluated", .int(alerts.count)), .init("fired", .int(fired.count)),
            .init("errors_fired", .int(fired.filter { $0.severity == .error }.count)),
            .init("firings", .array(fired.map { r in
                .object([.init("rule", .string(r.rule.name)), .init("signal", .string(r.signal)), .init("severity", .string(r.severity.rawValue))])
            })),
        ]).compactText
        if let delivery {
            var d = String(delivery.json.dropLast())
            if let error = delivery.error { d += ", \"error\": " + JSONText.quote(error.description) }
            s += ", \"delivery\": " + d + "}"
        } else {
            s += ", \"delivery\": null"
        }
        return s + "}"
    }
}
