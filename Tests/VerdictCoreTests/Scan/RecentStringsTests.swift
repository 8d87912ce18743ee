import Testing
@testable import VerdictCore

@Suite("Recently seen strings")
struct RecentStringsTests {
    private func string(_ table: RecentStrings, _ text: String) -> String {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { table.string($0.baseAddress!, $0.count) }
    }

    private func storage(_ s: String) -> UnsafeRawPointer? {
        s.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    @Test("the same bytes give one shared String while it stays in its slot")
    func shared() {
        let table = RecentStrings()
        let id = "G000000005FID202608011000000245"
        let a = string(table, id), b = string(table, id)
        #expect(a == id && b == id)
        #expect(storage(a) != nil && storage(a) == storage(b))
    }

    @Test("values that share a slot replace each other and are never confused")
    func oneSlot() {
        let table = RecentStrings(slots: 1)
        let values = ["G000000005FID202608011000000245", "G000000005FID202608011000000246", "tx-ü-日本", "x"]
        for round in 0..<3 {
            for v in values + values.reversed() {
                #expect(string(table, v) == v, "round \(round)")
            }
        }
        #expect(string(table, "") == "")
    }

    @Test("a value longer than the limit is returned but not kept")
    func longValues() {
        let table = RecentStrings()
        let long = String(repeating: "G0123456789", count: 20)
        let a = string(table, long), b = string(table, long)
        #expect(a == long && b == long)
        #expect(storage(a) != storage(b))
    }
}
