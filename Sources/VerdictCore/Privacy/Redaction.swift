/// Shrinks what a refused line keeps: runs of base64 longer than 1 KiB (images, video)
/// are replaced by a note of their length, the rest is kept byte for byte.
public enum Redaction {
    public static let longestKeptRun = 1024

    public static func replacingLongBase64Runs(_ line: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(min(line.count, 1 << 16))
        var i = 0
        let n = line.count
        while i < n {
            var j = i
            while j < n, isBase64(line[j]) { j += 1 }
            let run = j - i
            if run > longestKeptRun {
                out.append(contentsOf: Array("[base64 removed: \(run) bytes]".utf8))
            } else if run > 0 {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: line[i..<j]))
            }
            if j < n { out.append(line[j]) }
            i = j + 1
        }
        return out
    }

    /// The base64 alphabet, padding, and the backslash of JSON's escaped slash (`\/`).
    @inline(__always) static func isBase64(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"),
            UInt8(ascii: "="), UInt8(ascii: "\\"):
            return true
        default:
            return false
        }
    }
}
