import Foundation

/// What `--tz` accepts, and the one-line refusal for everything else.
///
/// Accepted: `UTC` (or `Z`), a zone of the tz database by its `Area/Location` name as the
/// system lists it (`Asia/Shanghai`, `America/Argentina/Buenos_Aires`; also `GMT`), and an
/// explicit offset `±hh:mm` or `±hhmm` (the forms log timestamps carry; east of UTC is `+`),
/// shown as `±hh:mm` in reports.
///
/// Refused, because Foundation would read them in a way the user probably did not mean:
/// abbreviations (`CST` is China, US Central or Cuba; Foundation picks US Central),
/// POSIX-style strings (`UTC+5` and `Etc/GMT+5` count westwards, so they mean −05:00),
/// legacy names without an area (`PRC`, `Japan`, `CST6CDT`), and names outside the tz
/// database list (or in another casing than its own). The refusal names what to give instead.
extension ReportZone {
    public static func parse(_ text: String) throws(VerdictError) -> ReportZone {
        if text == "UTC" || text == "Z" { return .utc }
        if let seconds = offsetSeconds(text) {
            guard let tz = TimeZone(secondsFromGMT: seconds) else {
                throw VerdictError(.usage, "time zone offset '\(text)' is out of range", hint: "give an offset between -18:00 and +18:00")
            }
            return ReportZone(identifier: offsetLabel(seconds), timeZone: tz)
        }
        if isAccepted(text), let tz = TimeZone(identifier: text) {
            return ReportZone(identifier: text, timeZone: tz)
        }
        throw refusal(text)
    }

    /// The names of the tz database on this system: Foundation's list (which lacks some
    /// current names, such as Asia/Kolkata) and the zones and links of the database itself
    /// (`$TZDIR`, else /usr/share/zoneinfo: `tzdata.zi`, `zone1970.tab`, `zone.tab`).
    static let database: (names: Set<String>, links: [String: String]) = {
        var names = Set(TimeZone.knownTimeZoneIdentifiers)
        var links: [String: String] = [:]
        let dir = ProcessInfo.processInfo.environment["TZDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/share/zoneinfo"
        func lines(_ file: String) -> [Substring] {
            guard let bytes = FileBytes.readAll(path: dir + "/" + file) else { return [] }
            return String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        }
        for line in lines("tzdata.zi") {
            let f = line.split(separator: " ")
            if f.count >= 2, f[0] == "Z" { names.insert(String(f[1])) }
            if f.count >= 3, f[0] == "L" {
                names.insert(String(f[2]))
                links[String(f[2])] = String(f[1])
            }
        }
        for file in ["zone1970.tab", "zone.tab"] {
            for line in lines(file) where !line.hasPrefix("#") {
                let f = line.split(separator: "\t")
                if f.count >= 3 { names.insert(String(f[2])) }
            }
        }
        return (names, links)
    }()

    static var knownNames: Set<String> { database.names }

    /// A name `--tz` takes as it is: `Area/Location` (or `GMT`) from the database list.
    static func isAccepted(_ name: String) -> Bool {
        (name == "GMT" || name.contains("/")) && knownNames.contains(name) && !isPOSIXStyle(name)
    }

    /// `±hh:mm` or `±hhmm` as seconds east of UTC; nil when `text` has another form.
    static func offsetSeconds(_ text: String) -> Int? {
        let u = Array(text.utf8)
        guard u.count == 6 || u.count == 5, u[0] == UInt8(ascii: "+") || u[0] == UInt8(ascii: "-") else { return nil }
        let digits: [UInt8]
        if u.count == 6 {
            guard u[3] == UInt8(ascii: ":") else { return nil }
            digits = [u[1], u[2], u[4], u[5]]
        } else {
            digits = Array(u[1...])
        }
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let d = digits.map { Int($0 - 0x30) }
        let hours = d[0] * 10 + d[1], minutes = d[2] * 10 + d[3]
        guard minutes < 60 else { return nil }
        let seconds = (hours * 60 + minutes) * 60
        return u[0] == UInt8(ascii: "-") ? -seconds : seconds
    }

    /// `+08:00`, `-03:30`; zero is `+00:00`.
    static func offsetLabel(_ seconds: Int) -> String {
        let m = abs(seconds) / 60
        return (seconds < 0 ? "-" : "+") + Timestamp.pad(m / 60, 2) + ":" + Timestamp.pad(m % 60, 2)
    }

    /// `UTC+5`, `GMT-8`, `UTC+05:30`, `Etc/GMT+5`, `CST-8`, `EST5EDT`: strings whose sign POSIX
    /// reads westwards, or that carry their rules in the name.
    static func isPOSIXStyle(_ text: String) -> Bool {
        let name = text.hasPrefix("Etc/") ? String(text.dropFirst(4)) : text
        guard let signOrDigit = name.firstIndex(where: { $0 == "+" || $0 == "-" || $0.isNumber }) else { return false }
        let prefix = name[..<signOrDigit]
        return !prefix.isEmpty && prefix.count <= 5 && prefix.allSatisfy { $0.isLetter && $0.isUppercase }
    }

    /// The old US zone names with their daylight-saving rules in the name, and the zones
    /// that keep those rules today.
    static let ruleZones: [String: String] = [
        "EST5EDT": "America/New_York", "CST6CDT": "America/Chicago",
        "MST7MDT": "America/Denver", "PST8PDT": "America/Los_Angeles",
    ]

    /// Common abbreviations and the zones each may mean.
    static let abbreviations: [String: [String]] = [
        "CST": ["Asia/Shanghai (China)", "America/Chicago (US Central)", "America/Havana (Cuba)", "Asia/Taipei (Taiwan)"],
        "CDT": ["America/Chicago (US Central)", "America/Havana (Cuba)"],
        "EST": ["America/New_York (US Eastern)", "America/Toronto", "America/Panama (no daylight saving)"],
        "EDT": ["America/New_York (US Eastern)", "America/Toronto"],
        "MST": ["America/Denver (US Mountain)", "America/Phoenix (Arizona, no daylight saving)"],
        "MDT": ["America/Denver (US Mountain)"],
        "PST": ["America/Los_Angeles (US Pacific)", "Asia/Manila (Philippines)"],
        "PDT": ["America/Los_Angeles (US Pacific)"],
        "AKST": ["America/Anchorage"], "AKDT": ["America/Anchorage"], "HST": ["Pacific/Honolulu"],
        "AST": ["America/Halifax (Atlantic)", "Asia/Riyadh (Arabia)", "America/Puerto_Rico"],
        "ADT": ["America/Halifax (Atlantic)"], "NST": ["America/St_Johns"], "NDT": ["America/St_Johns"],
        "IST": ["Asia/Kolkata (India)", "Europe/Dublin (Ireland)", "Asia/Jerusalem (Israel)"],
        "IDT": ["Asia/Jerusalem"],
        "BST": ["Europe/London (British summer time)", "Asia/Dhaka (Bangladesh)"],
        "WET": ["Europe/Lisbon"], "WEST": ["Europe/Lisbon"],
        "CET": ["Europe/Paris", "Europe/Berlin", "Europe/Madrid"], "CEST": ["Europe/Paris", "Europe/Berlin", "Europe/Madrid"],
        "EET": ["Europe/Athens", "Europe/Helsinki", "Africa/Cairo"], "EEST": ["Europe/Athens", "Europe/Helsinki"],
        "MSK": ["Europe/Moscow"], "TRT": ["Europe/Istanbul"], "GST": ["Asia/Dubai (Gulf)"], "IRST": ["Asia/Tehran"],
        "PKT": ["Asia/Karachi"], "NPT": ["Asia/Kathmandu"], "ICT": ["Asia/Bangkok", "Asia/Ho_Chi_Minh"],
        "WIB": ["Asia/Jakarta"], "WITA": ["Asia/Makassar"], "WIT": ["Asia/Jayapura"], "MYT": ["Asia/Kuala_Lumpur"],
        "SGT": ["Asia/Singapore"], "HKT": ["Asia/Hong_Kong"], "PHT": ["Asia/Manila"], "PHST": ["Asia/Manila"],
        "JST": ["Asia/Tokyo"], "KST": ["Asia/Seoul"],
        "AWST": ["Australia/Perth"], "ACST": ["Australia/Adelaide", "Australia/Darwin"], "ACDT": ["Australia/Adelaide"],
        "AEST": ["Australia/Sydney", "Australia/Brisbane (no daylight saving)"], "AEDT": ["Australia/Sydney"],
        "NZST": ["Pacific/Auckland"], "NZDT": ["Pacific/Auckland"],
        "SAST": ["Africa/Johannesburg"], "WAT": ["Africa/Lagos"], "CAT": ["Africa/Maputo"], "EAT": ["Africa/Nairobi"],
        "BRT": ["America/Sao_Paulo"], "ART": ["America/Argentina/Buenos_Aires"], "CLT": ["America/Santiago"],
        "COT": ["America/Bogota"], "PET": ["America/Lima"],
    ]

    static func refusal(_ text: String) -> VerdictError {
        let shown = "'" + text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : String($0) }.joined() + "'"
        let example = "an IANA name such as Asia/Shanghai, or an offset such as +08:00"
        // A legacy name the tz database links to a zone of today (W-SU, PRC), or one of the
        // old US names that carry their rules (EST5EDT): the zone it stands for.
        if let target = database.links[text] ?? ruleZones[text], isAccepted(target) {
            return VerdictError(.usage, "time zone \(shown) is a legacy name", hint: "give its IANA name: \(target)")
        }
        if isPOSIXStyle(text) {
            // The user's own number, both ways: which one is meant cannot be told.
            let number = text.drop { !$0.isNumber }.prefix { $0.isNumber || $0 == ":" }
            let parts = number.split(separator: ":").map(String.init)
            let (h, m) = parts.count >= 2 ? (parts[0], parts[1]) : number.count > 2 ? (String(number.dropLast(2)), String(number.suffix(2))) : (String(number), "0")
            let hours = (Int(h).map { Timestamp.pad($0, 2) } ?? "05") + ":" + (Int(m).map { Timestamp.pad($0, 2) } ?? "00")
            return VerdictError(.usage, "time zone \(shown) is POSIX-style, where a + means west of UTC (UTC+5 is 5 hours behind UTC), so it is not accepted",
                                hint: "give an explicit offset, + meaning east of UTC: +\(hours) or -\(hours); or an IANA name such as Asia/Shanghai")
        }
        let upper = text.uppercased()
        if let candidates = abbreviations[upper] {
            let known = candidates.filter { knownNames.contains(String($0.prefix { $0 != " " })) }
            return VerdictError(.usage, "time zone \(shown) is an abbreviation, which does not say which zone is meant",
                                hint: "give an IANA name: " + (known.isEmpty ? candidates : known).joined(separator: ", ") + "; or an offset such as +08:00")
        }
        if let target = database.links[text], isAccepted(target) {
            return VerdictError(.usage, "time zone \(shown) is a legacy name", hint: "give its IANA name: \(target)")
        }
        if let match = knownNames.first(where: { $0.caseInsensitiveCompare(text) == .orderedSame && isAccepted($0) }) {
            return VerdictError(.usage, "unknown time zone \(shown)", hint: "names are case-sensitive: did you mean \(match)?")
        }
        let city = text.replacingOccurrences(of: " ", with: "_").lowercased()
        let cities = knownNames.filter { isAccepted($0) && $0.split(separator: "/").last?.lowercased() == city }.sorted()
        if !cities.isEmpty {
            return VerdictError(.usage, "unknown time zone \(shown)", hint: "give the full IANA name: " + cities.joined(separator: ", "))
        }
        if !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isLetter }) {
            return VerdictError(.usage, "time zone \(shown) looks like an abbreviation, which does not say which zone is meant", hint: "give " + example)
        }
        return VerdictError(.usage, "unknown time zone \(shown)", hint: "give " + example)
    }
}
