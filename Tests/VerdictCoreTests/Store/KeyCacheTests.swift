import Testing
@testable import VerdictCore

@Suite("Dimension key cache")
struct KeyCacheTests {
    @Test("every key set is found again, in the list and past it, until the limit empties the cache")
    func listThenDictionary() {
        var cache = KeyCache<String>()
        let keys = (0..<100).map { "CODE_\($0)_" + String(repeating: "x", count: $0 % 20) }
        for (i, k) in keys.enumerated() {
            #expect(cache[k] == nil)
            cache.set(k, Int64(i + 1), limit: 1000)
        }
        #expect(cache.count == 100)
        for (i, k) in keys.enumerated() { #expect(cache[k] == Int64(i + 1), "\(k)") }
        #expect(cache["CODE_1"] == nil)

        // Reaching the limit forgets everything before the new key is remembered.
        var small = KeyCache<String>()
        for i in 0..<5 { small.set("k\(i)", Int64(i), limit: 5) }
        small.set("k5", 5, limit: 5)
        #expect(small.count == 1)
        #expect(small["k0"] == nil && small["k5"] == 5)
    }

    @Test("array keys compare by value, whether or not they share storage")
    func arrayKeys() {
        var cache = KeyCache<[RetryRecord]>()
        let a = [RetryRecord(status: "SUCCESS", attemptNumber: 1)]
        cache.set(a, 7, limit: 100)
        let separate = [RetryRecord(status: "SUCCESS", attemptNumber: 1)]
        #expect(cache[separate] == 7)
        #expect(cache[[RetryRecord(status: "SUCCESS", attemptNumber: 2)]] == nil)
        #expect(cache[[]] == nil)
    }
}
