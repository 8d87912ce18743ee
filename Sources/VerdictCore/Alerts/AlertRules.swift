internal import Yams
#if canImport(Glibc)
    import Glibc
#endif

/// One alert rule of a rules file: which signals it watches, the condition that fires it,
/// its sample guard and its severity (docs/ALERTS.md).
public struct AlertRule: Sendable, Equatable {
    /// How a rule compares a signal's rate.
    public enum When: String, Sendable, CaseIterable {
        /// The rate rose from the baseline by at least `byPP` points, with p ≤ `pValue`.
        case up
        /// The rate fell from the baseline by at least `byPP` points, with p ≤ `pValue`.
        case down
        /// The rate is above `value`.
        case above
        /// The rate is below `value`.
        case below

        /// A change against the baseline, tested for significance (up, down), rather than
        /// a threshold (above, below).
        public var comparesBaseline: Bool { self == .up || self == .down }
    }

    public enum Severity: String, Sendable, CaseIterable {
        case warn, error
    }

    /// What a rate is compared with: the period before (`previous`), or the N periods before
    /// the report period, pooled (`trailing:N`).
    public enum Baseline: Sendable, Equatable, CustomStringConvertible {
        case previous
        case trailing(Int)

        /// How many periods before the report period it pools.
        public var periods: Int {
            switch self {
            case .previous: 1
            case .trailing(let n): n
            }
        }

        public var description: String {
            switch self {
            case .previous: "previous"
            case .trailing(let n): "trailing:\(n)"
            }
        }
    }

    public var name: String
    /// An exact signal name, or a prefix when it ends in `*`.
    public var signal: String
    public var when: When
    /// up/down: the least change, in percentage points, that fires (default 0).
    public var byPP: Double
    /// up/down: the largest p-value of the two-proportion z-test that fires (default 0.05).
    public var pValue: Double
    public var baseline: Baseline
    /// above/below: the threshold, from 0 to 1.
    public var value: Double?
    /// The least denominator of the period (and, for up/down, of the baseline) (default 30).
    public var minSample: Int
    public var severity: Severity
    /// The line of the rules file the rule starts on.
    public var line: Int

    public static let defaultPValue = 0.05
    public static let defaultMinSample = 30
    /// The largest N of `trailing:N`: the signals query then reads N + 1 periods.
    public static let maxTrailing = 1000

    public init(name: String, signal: String, when: When, byPP: Double = 0, pValue: Double = AlertRule.defaultPValue,
                baseline: Baseline = .previous, value: Double? = nil, minSample: Int = AlertRule.defaultMinSample,
                severity: Severity = .error, line: Int = 0) {
        (self.name, self.signal, self.when, self.byPP, self.pValue) = (name, signal, when, byPP, pValue)
        (self.baseline, self.value, self.minSample, self.severity, self.line) = (baseline, value, minSample, severity, line)
    }

    /// Whether the rule watches the signal `name`: the same name, or, for a rule whose
    /// signal ends in `*`, a name that starts with what comes before it.
    public func matches(_ name: String) -> Bool {
        if signal.hasSuffix("*") {
            return name.utf8.starts(with: signal.utf8.dropLast())
        }
        return name == signal
    }
}

/// The rules of a rules file, in the file's order.
public struct AlertRules: Sendable, Equatable {
    /// The file, as given (messages name it).
    public var file: String
    public var rules: [AlertRule]

    public init(file: String, rules: [AlertRule]) {
        self.file = file
        self.rules = rules
    }

    /// How many periods the signals must cover so that every rule's baseline is inside
    /// them: the report period and the longest baseline before it (at least the eight of
    /// signals.csv).
    public var periodCount: Int {
        max(8, 1 + (rules.map(\.baseline.periods).max() ?? 0))
    }

    /// Reads and checks the rules file at `path`. A file that cannot be read is an input
    /// error; one that is not UTF-8, does not parse or holds a rule that cannot mean anything
    /// is a usage error naming the file and the line.
    public static func load(_ path: String) throws(VerdictError) -> AlertRules {
        if FileManagerLite.isDirectory(path) {
            throw VerdictError(.usage, "the rules file is a directory", hint: "give a YAML file of alert rules", file: path)
        }
        guard let bytes = FileBytes.readAll(path: path) else {
            let code = errno
            throw VerdictError(.io, "cannot read the rules file: " + SystemError.words(errno: code), hint: SystemError.hint(errno: code), file: path)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw VerdictError(.usage, "the rules file is not UTF-8 text", hint: "save it as UTF-8", file: path)
        }
        return try parse(text, file: path)
    }

    /// The rules of `text`, a YAML document `rules: [...]`; `file` names it in messages.
    public static func parse(_ text: String, file: String) throws(VerdictError) -> AlertRules {
        var parser = RulesParser(file: file)
        return AlertRules(file: file, rules: try parser.rules(text))
    }
}

/// Turns the YAML node tree of a rules file into rules, each error naming its line.
private struct RulesParser {
    let file: String

    static let keys = ["name", "signal", "when", "by_pp", "p_value", "baseline", "value", "min_sample", "severity"]

    /// The tag a node resolves to (`!!str`, `!!int`, `!!float`, `!!null`, ...).
    func tagName(_ node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }

    func fail(_ line: Int?, _ message: String, hint: String? = nil) -> VerdictError {
        VerdictError(.usage, (line.map { "line \($0): " } ?? "") + message,
                     hint: hint ?? "see docs/ALERTS.md for the rule format", file: file)
    }

    mutating func rules(_ text: String) throws(VerdictError) -> [AlertRule] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.parseError(error, file: file)
        } catch {
            throw VerdictError(.usage, "the rules file does not parse", cause: error, file: file)
        }
        guard let root else {
            throw fail(nil, "the rules file is empty", hint: "it holds a list 'rules:' of alert rules; see docs/ALERTS.md")
        }
        guard let top = root.mapping else {
            throw fail(root.mark?.line, "the rules file is not a mapping with a 'rules:' list", hint: "start it with 'rules:'; see docs/ALERTS.md")
        }
        var list: Node?
        for (key, value) in top {
            guard let k = key.scalar?.string, k == "rules" else {
                throw fail(key.mark?.line, "unknown key '\(key.string ?? "?")' at the top of the file", hint: "the file holds one key, 'rules'")
            }
            list = value
        }
        guard let list else { throw fail(root.mark?.line, "no 'rules:' list") }
        if list.scalar != nil, tagName(list) == .null { return [] }  // `rules:` with nothing after it
        guard let items = list.sequence else {
            throw fail(list.mark?.line, "'rules' is not a list", hint: "write each rule as an item '- name: ...' under 'rules:'")
        }
        var out: [AlertRule] = []
        var seen: [String: Int] = [:]
        for item in items {
            let rule = try self.rule(item)
            if let first = seen[rule.name] {
                throw fail(rule.line, "a second rule named '\(rule.name)' (the first is on line \(first))", hint: "give every rule a name of its own")
            }
            seen[rule.name] = rule.line
            out.append(rule)
        }
        return out
    }

    func rule(_ node: Node) throws(VerdictError) -> AlertRule {
        let line = node.mark?.line ?? 0
        guard let map = node.mapping else {
            throw fail(line, "a rule is not a mapping of keys (name, signal, when, ...)")
        }
        var values: [String: Node] = [:]
        for (key, value) in map {
            guard let k = key.scalar?.string, Self.keys.contains(k) else {
                throw fail(key.mark?.line ?? line, "unknown key '\(key.string ?? "?")'", hint: "a rule's keys: " + Self.keys.joined(separator: ", "))
            }
            values[k] = value
        }
        func at(_ key: String) -> Int { values[key]?.mark?.line ?? line }

        guard let nameNode = values["name"] else { throw fail(line, "a rule without a name", hint: "every rule has a 'name:' of its own") }
        let name = try text(nameNode, "name")
        guard let signalNode = values["signal"] else { throw fail(line, "rule '\(name)' has no 'signal:'", hint: "name a signal, or a prefix ending in '*'") }
        let signal = try text(signalNode, "signal")
        if let star = signal.firstIndex(of: "*"), star != signal.index(before: signal.endIndex) {
            throw fail(at("signal"), "signal '\(signal)': a '*' may only end it (a prefix)", hint: "write the prefix then '*', such as spoof_fail.*")
        }
        guard let whenNode = values["when"] else { throw fail(line, "rule '\(name)' has no 'when:'", hint: "when: up, down, above or below") }
        let whenText = try text(whenNode, "when")
        guard let when = AlertRule.When(rawValue: whenText) else {
            throw fail(at("when"), "when: '\(whenText)' is not one of up, down, above, below")
        }
        var rule = AlertRule(name: name, signal: signal, when: when, line: line)
        if let n = values["severity"] {
            let s = try text(n, "severity")
            guard let severity = AlertRule.Severity(rawValue: s) else { throw fail(at("severity"), "severity: '\(s)' is not warn or error") }
            rule.severity = severity
        }
        if let n = values["baseline"] {
            rule.baseline = try baseline(n)
        }
        if let n = values["min_sample"] {
            guard n.scalar != nil, tagName(n) == .int, let v = n.int, v >= 0 else {
                throw fail(at("min_sample"), "min_sample: '\(n.string ?? "?")' is not a whole number of 0 or more")
            }
            rule.minSample = v
        }
        if when.comparesBaseline {
            if values["value"] != nil {
                throw fail(at("value"), "'value' is for above/below rules; an up/down rule compares with its baseline", hint: "use by_pp and p_value, or when: above/below")
            }
            if let n = values["by_pp"] {
                let v = try number(n, "by_pp")
                guard v >= 0 else { throw fail(at("by_pp"), "by_pp: \(n.string ?? "?") is negative", hint: "give the least change in percentage points, 0 or more") }
                rule.byPP = v
            }
            if let n = values["p_value"] {
                let v = try number(n, "p_value")
                guard v > 0, v <= 1 else { throw fail(at("p_value"), "p_value: \(n.string ?? "?") is not above 0 and at most 1") }
                rule.pValue = v
            }
        } else {
            for key in ["by_pp", "p_value"] where values[key] != nil {
                throw fail(at(key), "'\(key)' is for up/down rules; an above/below rule compares with 'value'", hint: "use value, or when: up/down")
            }
            guard let n = values["value"] else { throw fail(line, "rule '\(name)' (when: \(when.rawValue)) has no 'value:'", hint: "give the threshold rate, from 0 to 1") }
            let v = try number(n, "value")
            guard v >= 0, v <= 1 else { throw fail(at("value"), "value: \(n.string ?? "?") is not a rate from 0 to 1", hint: "5% is written 0.05") }
            rule.value = v
        }
        return rule
    }

    func baseline(_ node: Node) throws(VerdictError) -> AlertRule.Baseline {
        let line = node.mark?.line
        let s = try text(node, "baseline")
        if s == "previous" { return .previous }
        let hint = "baseline: previous, or trailing:N for the N periods before, pooled (N from 1 to \(AlertRule.maxTrailing))"
        guard s.hasPrefix("trailing:") else { throw fail(line, "baseline: '\(s)' is not previous or trailing:N", hint: hint) }
        let digits = s.dropFirst("trailing:".count)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(digits), n >= 1, n <= AlertRule.maxTrailing else {
            throw fail(line, "baseline: '\(s)' does not give N from 1 to \(AlertRule.maxTrailing)", hint: hint)
        }
        return .trailing(n)
    }

    /// A non-empty string scalar (a plain, quoted or block scalar; not a number or a list).
    func text(_ node: Node, _ key: String) throws(VerdictError) -> String {
        guard let scalar = node.scalar else {
            throw fail(node.mark?.line, "\(key): not a single value")
        }
        let s = scalar.string
        guard !s.isEmpty, tagName(node) != .null else { throw fail(node.mark?.line, "\(key): empty") }
        return s
    }

    /// A number (an integer or a decimal written as a number, not as quoted text).
    func number(_ node: Node, _ key: String) throws(VerdictError) -> Double {
        guard node.scalar != nil, tagName(node) == .int || tagName(node) == .float,
              let v = node.float, v.isFinite else {
            throw fail(node.mark?.line, "\(key): '\(node.string ?? "?")' is not a number")
        }
        return v
    }

    /// A YAML error as one line: the file, its line, and libyaml's words for the problem.
    static func parseError(_ error: YamlError, file: String) -> VerdictError {
        let fail = { (line: Int?, problem: String) in
            VerdictError(.usage, (line.map { "line \($0): " } ?? "") + "the rules file does not parse: " + problem,
                         hint: "fix the YAML; see docs/ALERTS.md for the rule format", file: file)
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            return fail(mark.line, problem + (context.map { " (" + $0.text + " on line \($0.mark.line))" } ?? ""))
        case let .reader(problem, _, _, _):
            return fail(nil, problem)
        case let .duplicatedKeysInMapping(duplicates, context):
            // libyaml's mark is the first of the repeated keys.
            return fail(context.mark.line, duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
                + " given here and again later in the same mapping")
        default:
            return fail(nil, SystemError.oneLine(error.description))
        }
    }
}
