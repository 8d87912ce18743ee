import Foundation
import Testing
@testable import VerdictCore

/// Alert rules: alerts.csv worked out by hand, longer baselines, the rules file's errors, and
/// the command's messages and exit statuses with the real binary.
@Suite("Alert rules")
struct AlertRuleTests {
    /// Week 2026-W45: four ID Recognition transactions, all passed. Week 2026-W46: four, two
    /// passed and two failed with BLUR.
    static let fixture = [
        Log.idVerdict("P1", at: "2026-11-03T08:00:00Z", "Y"),
        Log.idVerdict("P2", at: "2026-11-03T09:00:00Z", "Y"),
        Log.idVerdict("P3", at: "2026-11-04T08:00:00Z", "Y"),
        Log.idVerdict("P4", at: "2026-11-05T08:00:00Z", "Y"),
        Log.idVerdict("C1", at: "2026-11-10T08:00:00Z", "Y"),
        Log.idVerdict("C2", at: "2026-11-10T09:00:00Z", "Y"),
        Log.idVerdict("C3", at: "2026-11-11T08:00:00Z", "N", more: #""recognitionErrorCode": "BLUR""#),
        Log.idVerdict("C4", at: "2026-11-12T08:00:00Z", "N", more: #""recognitionErrorCode": "BLUR""#),
    ]

    static let rules = """
        rules:
          - name: pass down
            signal: pass_rate.ID_RECOGNITION
            when: down
            by_pp: 10
            p_value: 0.2
            min_sample: 4
          - name: pass down strict
            signal: pass_rate.ID_RECOGNITION
            when: down
            min_sample: 4
          - name: pass down guarded
            signal: pass_rate.ID_RECOGNITION
            when: down
            p_value: 0.2
            min_sample: 5
          - name: failures above
            signal: id_failure.*
            when: above
            value: 0.4
            min_sample: 1
            severity: warn
          - name: typo
            signal: id_failure.BLURR
            when: above
            value: 0.1
        """

    @Test("alerts.csv for a small week, every cell by hand")
    func byHand() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines(Self.fixture)
            let rulesPath = try box.write("rules.yaml", bytes: Array(Self.rules.utf8))
            var writer = ReportWriter(engine: MetricsEngine(database: db, catalog: try QueryCatalog()))
            writer.alertRules = try AlertRules.load(rulesPath)
            let out = box.file("r")
            let written = try writer.write(period: try Periods.week("2026-W46"), to: out)
            // pass_rate.ID_RECOGNITION: 2/4 = 0.5 against 4/4 = 1 the week before, a change of
            // −50 pp. Pooled 6/8 = 0.75, se = sqrt(0.75 · 0.25 · (1/4 + 1/4)) = 0.306186,
            // z = (0.5 − 1) / 0.306186 = −1.632993, p = erfc(1.632993 / √2) = 0.102470:
            // at most 0.2 (fires), above the default 0.05 (not significant); 4 < min_sample 5
            // is insufficient data whatever the rest.
            // id_failure.BLUR: 2/4 = 0.5 > 0.4 fires; its baseline (0/4) is shown, no p-value.
            // Rows by rule name, then signal, in code-point order; `typo` matches nothing.
            #expect(try readText(out + "/alerts.csv") == """
                rule,signal,severity,fired,rate,baseline_rate,change_pp,p_value,denominator,baseline_denominator,note
                failures above,id_failure.BLUR,warn,1,0.500000,0.000000,50.000000,,4,4,
                pass down,pass_rate.ID_RECOGNITION,error,1,0.500000,1.000000,-50.000000,0.102470,4,4,
                pass down guarded,pass_rate.ID_RECOGNITION,error,0,0.500000,1.000000,-50.000000,0.102470,4,4,insufficient data
                pass down strict,pass_rate.ID_RECOGNITION,error,0,0.500000,1.000000,-50.000000,0.102470,4,4,not significant

                """)
            #expect(written.files.contains("alerts.csv"))
            #expect(written.alerts.map(\.fired) == [true, true, false, false])
            #expect(written.alerts.filter(\.fired).map(\.severity) == [.warn, .error])
            #expect(written.unmatchedAlertRules.map(\.name) == ["typo"])
            #expect(written.unmatchedAlertRules.first?.line == 23)
            let test = try #require(written.alerts[1].test)
            #expect(abs(test.z - -1.632993) < 1e-6 && abs(test.p - 0.102470) < 1e-6)
            #expect(AlertText.firing(written.alerts[1]) == "verdict: alert: pass down: pass_rate.ID_RECOGNITION 50.00% (baseline 100.00%, -50.00 pp, p = 0.102)")
            #expect(AlertText.firing(written.alerts[0]) == "verdict: alert: failures above: id_failure.BLUR 50.00% (above 40.00%)")
        }
    }

    @Test("without --alerts there is no alerts.csv")
    func noRulesNoFile() throws {
        try withSandbox { box in
            let out = try box.report(of: Self.fixture, try Periods.week("2026-W46"))
            #expect(!FileManager.default.fileExists(atPath: out + "/alerts.csv"))
        }
    }

    @Test("trailing:N pools the N periods before, also beyond the eight periods of signals.csv")
    func trailingBaseline() throws {
        try withSandbox { box in
            // One more passed transaction in week W37, nine weeks before W46.
            let (db, _) = try box.ingestLines(Self.fixture + [Log.idVerdict("O1", at: "2026-09-08T08:00:00Z", "Y")])
            let rules = try AlertRules.parse("""
                rules:
                  - {name: t7, signal: pass_rate.ID_RECOGNITION, when: down, baseline: "trailing:7", min_sample: 1}
                  - {name: t8, signal: pass_rate.ID_RECOGNITION, when: down, baseline: "trailing:8", min_sample: 1}
                  - {name: t9, signal: pass_rate.ID_RECOGNITION, when: down, baseline: "trailing:9", min_sample: 1}
                  - {name: prev, signal: pass_rate.ID_RECOGNITION, when: down, baseline: previous, min_sample: 1}
                """, file: "t.yaml")
            #expect(rules.periodCount == 10)
            var writer = ReportWriter(engine: MetricsEngine(database: db, catalog: try QueryCatalog()))
            writer.alertRules = rules
            let out = box.file("r")
            let written = try writer.write(period: try Periods.week("2026-W46"), to: out)
            let byRule = Dictionary(uniqueKeysWithValues: written.alerts.map { ($0.rule.name, $0) })
            #expect(byRule["prev"]?.baselinePeriods == ["2026-11-02"])
            #expect(byRule["t7"]?.baselineDenominator == 4)
            #expect(byRule["t8"]?.baselineDenominator == 4)
            #expect(byRule["t9"]?.baselineDenominator == 5)
            #expect(byRule["t9"]?.baselinePeriods.first == "2026-09-07")
            #expect(byRule["t9"]?.baselinePeriods.count == 9)
            // signals.csv keeps its eight periods.
            let signals = CSVReader.parse(try readText(out + "/signals.csv"))
            #expect(Set(signals.dropFirst().map { $0[1] }).count == 8)
            let csv = CSVReader.parse(try readText(out + "/alerts.csv"))
            #expect(csv.first { $0.first == "t9" }?[9] == "5")
        }
    }

    @Test("a rules file that does not parse or says what cannot be meant: a usage error naming the file and line", arguments: [
        ("rules:\n  - name: a\n    signal: x\n    when: sideways\n", 4, "when: 'sideways'"),
        ("rules:\n  - name: a\n    signal: x\n    when: up\n    colour: red\n", 5, "unknown key 'colour'"),
        ("rules:\n  - name: a\n    signal: x\n    when: up\n    severity: fatal\n", 5, "severity: 'fatal'"),
        ("rules:\n  - name: a\n    signal: x\n    when: up\n    baseline: trailing:0\n", 5, "baseline: 'trailing:0'"),
        ("rules:\n  - name: a\n    signal: x\n    when: up\n    baseline: last\n", 5, "baseline: 'last'"),
        ("rules:\n  - signal: x\n    when: up\n", 2, "without a name"),
        ("rules:\n  - name: a\n    signal: x\n    when: up\n  - name: a\n    signal: y\n    when: up\n", 5, "second rule named 'a' (the first is on line 2)"),
        ("rules:\n  - name: a\n    signal: x\n    when: above\n    value: 1.5\n", 5, "value: 1.5"),
        ("rules:\n  - name: a\n    signal: x\n    when: above\n", 2, "has no 'value:'"),
        ("rules:\n  - name: a\n    signal: x\n    when: up\n    by_pp: -1\n", 5, "by_pp: -1 is negative"),
        ("rules:\n  - name: a\n    signal: x\n    when: up\n    min_sample: -3\n", 5, "min_sample: '-3'"),
        ("rules:\n  - name: a\n    signal: x\n    when: up\n    min_sample: 2.5\n", 5, "min_sample: '2.5'"),
        ("rules:\n  - name: a\n    signal: x\n    when: up\n    p_value: 0\n", 5, "p_value: 0 is not above 0"),
        ("rules:\n  - name: a\n    signal: x\n    when: up\n    p_value: \"0.01\"\n", 5, "p_value: '0.01' is not a number"),
        ("rules:\n  - name: a\n    signal: x\n    when: up\n    value: 0.1\n", 5, "'value' is for above/below rules"),
        ("rules:\n  - name: a\n    signal: x*y\n    when: up\n", 3, "a '*' may only end it"),
        ("rules:\n  - name: a\n    signal: x\n    when: up\n    when: down\n", 4, "'when' given here and again later"),
        ("rules:\n  - name: a\n    signal: [x\n", 4, "does not parse"),
        ("rule:\n  - name: a\n", 1, "unknown key 'rule'"),
    ])
    func parseErrors(_ text: String, line: Int, words: String) throws {
        do {
            _ = try AlertRules.parse(text, file: "r.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.code == .usage)
            #expect(error.description.hasPrefix("r.yaml: line \(line): "), "\(error.description)")
            #expect(error.description.contains(words), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("defaults: baseline previous, p_value 0.05, by_pp 0, min_sample 30, severity error")
    func defaults() throws {
        let rules = try AlertRules.parse("rules:\n  - name: a\n    signal: spoof_fail.*\n    when: up\n", file: "r.yaml")
        #expect(rules.rules == [AlertRule(name: "a", signal: "spoof_fail.*", when: .up, byPP: 0, pValue: 0.05, baseline: .previous,
                                          minSample: 30, severity: .error, line: 2)])
        #expect(rules.rules[0].matches("spoof_fail.TAMPER_CHECK") && !rules.rules[0].matches("spoof_detail_fail.X"))
        #expect(try AlertRules.parse("rules:\n", file: "r.yaml").rules.isEmpty)
    }

    // MARK: - The binary: messages and exit statuses

    /// Three weeks of generated logs (W44–W46) and, in week W46, 60 more ID Recognition
    /// transactions whose screen recapture check failed: that check's failure rate jumps.
    static func plantedJump(in box: Sandbox) throws -> String {
        let sample = try makeSampleCorpus([SampleSpec(name: "sample.ndjson", seed: 29, start: "2026-10-26", days: 21, idPerDay: 40, videoPerDay: 5)], in: box)
        let planted = (0..<60).map { i in
            Log.idVerdict("JUMP\(i)", at: "2026-11-1\(i % 5)T1\(i % 10):00:00Z", "N",
                          more: #""recognitionErrorCode": "SCREEN_RECAPTURE", "spoofResult": {"SCREEN_RECAPTURE_CHECK": "N", "TAMPER_CHECK": "Y"}"#)
        }
        let plantedPath = try box.write("planted.ndjson", lines: planted)
        let db = box.file("jump.db")
        let ingest = try runVerdict(["ingest", "--db", db] + sample + [plantedPath], in: box)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return db
    }

    static let jumpRules = """
        rules:
          - name: screen recapture up
            signal: spoof_fail.SCREEN_RECAPTURE_CHECK
            when: up
            by_pp: 2
            p_value: 0.01
          - name: screen recapture up, huge sample
            signal: spoof_fail.SCREEN_RECAPTURE_CHECK
            when: up
            by_pp: 2
            p_value: 0.01
            min_sample: 100000
        """

    @Test("a planted jump fires when: up (exit 4), a calm week fires nothing, a min_sample above the sample is insufficient data")
    func plantedJumpFires() throws {
        try withSandbox { box in
            let db = try Self.plantedJump(in: box)
            let rules = try box.write("rules.yaml", bytes: Array(Self.jumpRules.utf8))

            let jump = try runVerdict(["report", "--db", db, "--week", "2026-W46", "--alerts", rules, "--out", box.file("jump")], in: box)
            #expect(jump.status == 4, "\(jump.stderr)")
            let lines = jump.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(jump.stderr)")
            #expect(lines.first?.hasPrefix("verdict: alert: screen recapture up: spoof_fail.SCREEN_RECAPTURE_CHECK ") == true)
            #expect(lines.first?.contains(" pp, p = ") == true)
            // The report is still written in full.
            #expect(FileManager.default.fileExists(atPath: box.file("jump/report.md")))
            let csv = CSVReader.parse(try readText(box.file("jump/alerts.csv")))
            #expect(csv.count == 3)
            let fired = try #require(csv.first { $0[0] == "screen recapture up" })
            #expect(fired[3] == "1" && fired[10] == "")
            let rate = try #require(Double(fired[4])), baseline = try #require(Double(fired[5]))
            #expect(rate - baseline >= 0.02)
            #expect(try #require(Double(fired[7])) <= 0.01)
            let guarded = try #require(csv.first { $0[0] == "screen recapture up, huge sample" })
            #expect(guarded[3] == "0" && guarded[10] == "insufficient data")

            let calm = try runVerdict(["report", "--db", db, "--week", "2026-W45", "--alerts", rules, "--out", box.file("calm")], in: box)
            #expect(calm.status == 0, "\(calm.stderr)")
            #expect(calm.stderr.isEmpty, "\(calm.stderr)")
            let calmCSV = CSVReader.parse(try readText(box.file("calm/alerts.csv")))
            #expect(calmCSV.count == 3 && calmCSV.dropFirst().allSatisfy { $0[3] == "0" })

            // The same jump under a warn rule: the line, but exit 0.
            let warn = try box.write("warn.yaml", bytes: Array(Self.jumpRules.replacingOccurrences(of: "p_value: 0.01\n", with: "p_value: 0.01\n    severity: warn\n").utf8))
            let warned = try runVerdict(["alerts", "--db", db, "--week", "2026-W46", "--alerts", warn], in: box)
            #expect(warned.status == 0, "\(warned.stderr)")
            #expect(warned.stderr.hasPrefix("verdict: alert: screen recapture up: "))
            // verdict alerts prints the same table report wrote.
            let alone = try runVerdict(["alerts", "--db", db, "--week", "2026-W46", "--alerts", rules], in: box)
            #expect(alone.status == 4)
            #expect(alone.stdout == (try readText(box.file("jump/alerts.csv"))))
            #expect(alone.stderr == jump.stderr)
        }
    }

    @Test("verdict alerts --explain shows each rule's observed value, baseline, statistic and guards")
    func explain() throws {
        try withSandbox { box in
            let (db, _) = try box.ingestLines(Self.fixture)
            let rules = try box.write("rules.yaml", bytes: Array(Self.rules.utf8))
            let out = try runVerdict(["alerts", "--db", box.databasePath, "--week", "2026-W46", "--alerts", rules, "--explain"], in: box)
            #expect(out.status == 4, "\(out.stderr)")
            let text = out.stdout
            #expect(text.contains("5 rules, 4 rule/signal pairs, 2 fired (1 error, 1 warn)"))
            #expect(text.contains("rule 'pass down' (line 2): signal pass_rate.ID_RECOGNITION, when down, by_pp 10, p_value 0.2, baseline previous, min_sample 4, severity error"))
            #expect(text.contains("""
                  pass_rate.ID_RECOGNITION: FIRED (error)
                    observed:  2026-11-09: 2 / 4 = 50.00%
                    baseline:  previous, 1 period pooled (2026-11-02): 4 / 4 = 100.00%
                    statistic: change -50.00 pp (needs a fall of at least 10 pp: pass); z = -1.63, p = 0.102 (needs at most 0.2: pass)
                    guards:    period denominator 4 at least min_sample 4: pass; baseline denominator 4 at least min_sample 4: pass
                """))
            #expect(text.contains("  pass_rate.ID_RECOGNITION: not fired: insufficient data\n"))
            #expect(text.contains("guards:    period denominator 4 at least min_sample 5: fail; baseline denominator 4 at least min_sample 5: fail"))
            #expect(text.contains("(needs at most 0.05: fail)"))
            #expect(text.contains("threshold: rate 50.00% > value 40.00%: pass"))
            #expect(text.contains("rule 'typo' (line 23): signal id_failure.BLURR, when above, value 0.1, baseline previous, min_sample 30, severity error\n  matches no signal"))
            #expect(out.stderr.contains("verdict: warning: \(rules): line 23: rule 'typo' matches no signal (id_failure.BLURR)"))
        }
    }

    @Test("a bad rules file: exit 64, one line naming file and line, nothing written; it outranks a database error")
    func badRulesFile() throws {
        try withSandbox { box in
            let rules = try box.write("bad.yaml", lines: ["rules:", "  - name: a", "    signal: x", "    when: up", "    severity: loud"])
            try FileManager.default.createDirectory(atPath: box.file("notadb"), withIntermediateDirectories: false)
            let out = box.file("out")
            let r = try runVerdict(["report", "--db", box.file("notadb"), "--week", "2026-W46", "--alerts", rules, "--out", out], in: box)
            #expect(r.status == 64)
            #expect(r.stderr == "verdict: error: \(rules): line 5: severity: 'loud' is not warn or error (see docs/ALERTS.md for the rule format)\n")
            #expect(!FileManager.default.fileExists(atPath: out))
            let a = try runVerdict(["alerts", "--db", box.file("notadb"), "--week", "2026-W46", "--alerts", rules], in: box)
            #expect(a.status == 64 && a.stdout.isEmpty)
        }
    }
}
