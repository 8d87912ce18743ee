import Testing
@testable import VerdictCore

private func rfc3339(_ s: String) -> Int64? { Timestamp.parseRFC3339(s) }

/// 2026-11-10T08:01:00.123Z in epoch milliseconds, worked out by hand:
/// 1970-01-01 → 2026-01-01 is 56 years with 14 leap days (1972 … 2024), 56 × 365 + 14 = 20 454 days;
/// 2026-01-01 → 2026-11-10 is 31+28+31+30+31+30+31+31+30+31 (Jan–Oct) + 9 = 313 days; day 20 767.
/// 20 767 × 86 400 = 1 794 268 800 s, plus 08:01:00 = 28 860 s → 1 794 297 660 s, plus 123 ms.
/// (The oracle fixture logs the same instant as `"ts": 1794297660123`.)
private let nov10_0801_123: Int64 = 1_794_297_660_123
private let nov10_0801: Int64 = 1_794_297_660_000
private let hour: Int64 = 3_600_000
private let minute: Int64 = 60_000

/// The instant of one poll line, or its refusal.
private func instantOf(_ line: String) -> Int64? { parseLine(line).poll?.timestampMillis }

/// A minimal accepted ID Recognition line with the given envelope timestamp members (raw JSON).
private func line(_ timestampMembers: String) -> String {
    "{\(timestampMembers), \"api\": \"\(Log.idAPI)\", \"request\": {\"transactionId\": \"T\"}, "
        + "\"response\": {\"result\": {\"resultStatus\": \"S\", \"resultCode\": \"PROCESSING\"}}}"
}

@Suite("Timestamps")
struct TimestampTests {
    @Test("RFC 3339 with Z, ±hh:mm and ±hhmm offsets gives the same instant")
    func offsets() {
        #expect(rfc3339("2026-11-10T08:01:00.123Z") == nov10_0801_123)
        // 13:31 at +05:30 is 08:01 UTC.
        #expect(rfc3339("2026-11-10T13:31:00.123+05:30") == nov10_0801_123)
        #expect(rfc3339("2026-11-10T13:31:00.123+0530") == nov10_0801_123)
        // 07:01 at -01:00 is 08:01 UTC; -00:00 is UTC.
        #expect(rfc3339("2026-11-10T07:01:00.123-01:00") == nov10_0801_123)
        #expect(rfc3339("2026-11-10T08:01:00.123-00:00") == nov10_0801_123)
        // Crossing midnight backwards: 2026-11-11T01:31 at +17:30 is 2026-11-10T08:01 UTC.
        #expect(rfc3339("2026-11-11T01:31:00.123+17:30") == nov10_0801_123)
        // Lowercase t and z.
        #expect(rfc3339("2026-11-10t08:01:00.123z") == nov10_0801_123)
        #expect(rfc3339("2026-11-10T08:01:00Z") == nov10_0801)
        #expect(rfc3339("1970-01-01T00:00:00Z") == 0)
        #expect(rfc3339("1969-12-31T23:59:59.999Z") == -1)
    }

    @Test("fractions are truncated to milliseconds, never rounded")
    func fractions() {
        #expect(rfc3339("2026-11-10T08:01:00.1Z") == nov10_0801 + 100)
        #expect(rfc3339("2026-11-10T08:01:00.12Z") == nov10_0801 + 120)
        #expect(rfc3339("2026-11-10T08:01:00.123456Z") == nov10_0801_123)
        #expect(rfc3339("2026-11-10T08:01:00.123999999Z") == nov10_0801_123)
        #expect(rfc3339("2026-11-10T08:01:00.9999Z") == nov10_0801 + 999)
        #expect(rfc3339("2026-11-10T08:01:00.000Z") == nov10_0801)
    }

    @Test("calendar rules: leap years, month lengths, second 60")
    func calendar() {
        // 2024 and 2000 are leap years; 2026 and 1900 are not.
        #expect(rfc3339("2024-02-29T00:00:00Z") != nil)
        #expect(rfc3339("2000-02-29T00:00:00Z") != nil)
        #expect(rfc3339("2026-02-29T00:00:00Z") == nil)
        #expect(rfc3339("1900-02-29T00:00:00Z") == nil)
        #expect(rfc3339("2026-04-31T00:00:00Z") == nil)
        #expect(rfc3339("2026-12-31T23:59:59Z") != nil)
        // Second 60 counts as the first second of the next minute: the leap-day fixture
        // 2024-02-29T23:59:60Z is 2024-03-01T00:00:00Z.
        #expect(rfc3339("2024-02-29T23:59:60Z") == rfc3339("2024-03-01T00:00:00Z"))
        #expect(rfc3339("2024-03-01T00:00:00Z")! - rfc3339("2024-02-29T00:00:00Z")! == 24 * hour)
    }

    @Test("impossible dates and times are refused", arguments: [
        "2026-02-30T08:00:00Z",  // Feb 30
        "2026-13-10T08:00:00Z",  // month 13
        "2026-00-10T08:00:00Z",  // month 0
        "2026-11-00T08:00:00Z",  // day 0
        "2026-11-31T08:00:00Z",  // November has 30 days
        "2026-11-10T24:00:00Z",  // hour 24
        "2026-11-10T08:60:00Z",  // minute 60
        "2026-11-10T08:00:61Z",  // second 61
        "0000-01-01T00:00:00Z",  // year 0
        "2026-11-10T08:00:00+24:00",  // offset hour 24
        "2026-11-10T08:00:00+05:60",  // offset minute 60
    ])
    func impossible(_ text: String) {
        #expect(rfc3339(text) == nil)
    }

    @Test("other text forms are refused", arguments: [
        "2026-11-10T08:00:00",  // no offset
        "2026-11-10 08:00:00Z",  // space separator
        "2026-11-10T08:00Z",  // no seconds
        "2026-11-10T08:00:00.Z",  // empty fraction
        "2026-11-10T08:00:00,5Z",  // comma fraction
        "2026-11-10T08:00:00+5:30", "2026-11-10T08:00:00+05:3", "2026-11-10T08:00:00+053", "2026-11-10T08:00:00+05:30:00",
        "2026-11-10T08:00:00UTC", "2026-11-10T08:00:00Z ", " 2026-11-10T08:00:00Z",
        "2026-11-10", "26-11-10T08:00:00Z", "2026/11/10T08:00:00Z", "+2026-11-10T08:00:00Z",
        "２026-11-10T08:00:00Z",  // a full-width digit
        "1794297660123", "", "bad",
    ])
    func otherForms(_ text: String) {
        #expect(rfc3339(text) == nil)
    }

    @Test("through ingest: epoch milliseconds are an integer; floats, exponents and digit strings are invalid_timestamp")
    func epochMillis() {
        #expect(instantOf(line("\"ts\": 1794297660123")) == nov10_0801_123)
        #expect(instantOf(line("\"timestamp\": 0")) == 0)
        #expect(instantOf(line("\"timestamp\": -5")) == -5)
        // Years 0001 … 9999: -62 135 596 800 000 is 0001-01-01T00:00:00Z (719 162 days before
        // 1970), 253 402 300 799 999 is 9999-12-31T23:59:59.999Z.
        #expect(instantOf(line("\"timestamp\": -62135596800000")) == -62_135_596_800_000)
        #expect(instantOf(line("\"timestamp\": 253402300799999")) == 253_402_300_799_999)
        #expect(rfc3339("0001-01-01T00:00:00Z") == -62_135_596_800_000)
        #expect(rfc3339("9999-12-31T23:59:59.999Z") == 253_402_300_799_999)
        for bad in [
            "1794297660123.0", "1.794297660123e12", "1794297660123e0", "\"1794297660123\"", "true", "{}", "[1794297660123]",
            "-62135596800001", "253402300800000", "9223372036854775808", "\"\"",
        ] {
            #expect(parseLine(line("\"timestamp\": " + bad)).refusal == .invalidTimestamp, "timestamp \(bad)")
        }
    }

    @Test("the first present of timestamp, @timestamp, ts, time wins; null counts as absent")
    func precedence() {
        // Four different instants, one per key, in reverse order of precedence in the text.
        let all = "\"time\": \"2026-11-10T04:01:00.123Z\", \"ts\": \"2026-11-10T05:01:00.123Z\", "
            + "\"@timestamp\": \"2026-11-10T06:01:00.123Z\", \"timestamp\": \"2026-11-10T08:01:00.123Z\""
        #expect(instantOf(line(all)) == nov10_0801_123)
        #expect(instantOf(line("\"time\": \"2026-11-10T04:01:00.123Z\", \"ts\": \"2026-11-10T05:01:00.123Z\", \"@timestamp\": \"2026-11-10T08:01:00.123Z\""))
            == nov10_0801_123)
        #expect(instantOf(line("\"time\": \"2026-11-10T04:01:00.123Z\", \"ts\": 1794297660123")) == nov10_0801_123)
        #expect(instantOf(line("\"time\": \"2026-11-10T08:01:00.123Z\"")) == nov10_0801_123)
        // null is absent: the next key is used.
        #expect(instantOf(line("\"timestamp\": null, \"@timestamp\": \"2026-11-10T13:31:00.123+05:30\"")) == nov10_0801_123)
        #expect(instantOf(line("\"timestamp\": null, \"@timestamp\": null, \"ts\": null, \"time\": 1794297660123")) == nov10_0801_123)
        // All null, or none: missing_timestamp.
        #expect(parseLine(line("\"timestamp\": null, \"time\": null")).refusal == .missingTimestamp)
        #expect(parseLine(line("\"date\": \"2026-11-10T08:01:00Z\"")).refusal == .missingTimestamp)
        // The first present value decides even when it is invalid and a later key is fine.
        #expect(parseLine(line("\"timestamp\": \"bad\", \"ts\": 1794297660123")).refusal == .invalidTimestamp)
        #expect(parseLine(line("\"ts\": \"2026-11-10 08:01:00Z\", \"time\": 1794297660123")).refusal == .invalidTimestamp)
        // An escaped key is the same key.
        #expect(instantOf(line("\"\\u0074imestamp\": \"2026-11-10T08:01:00.123Z\", \"ts\": 1")) == nov10_0801_123)
    }

    @Test("an instant logged in different forms is one poll identity")
    func sameInstantDifferentForms() throws {
        try withSandbox { box in
            let forms = [
                "\"timestamp\": \"2026-11-10T08:01:00.123Z\"",
                "\"@timestamp\": \"2026-11-10T13:31:00.123+0530\"",
                "\"ts\": 1794297660123",
                "\"time\": \"2026-11-10T08:01:00.123999z\"",
            ]
            let (db, summary) = try box.ingestLines(forms.map(line))
            // The first form is stored, the three others are the same identity.
            #expect(summary.total.accepted == 1)
            #expect(summary.total.duplicates == 3)
            #expect(try db.rows("SELECT ts_ms FROM fct_poll") == [["1794297660123"]])
        }
    }
}
