import Foundation

/// A blocking queue of bounded size between two threads: an ingest's reading and writing
/// threads (both ways), the raw blocks for the hashing thread, the checkpoint requests.
/// A full queue makes the producer wait, so no thread runs far ahead of the other.
final class BoundedQueue<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [T] = []
    private let capacity: Int
    private var closed = false

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks while full. Returns false when the consumer has gone away.
    func put(_ item: T) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        if closed { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Blocks while empty.
    func take() -> T {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// Adds without waiting; false (and nothing added) when full or closed.
    func offer(_ item: T) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, items.count < capacity else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The first item queued, without waiting; nil when empty.
    func drainOne() -> T? {
        condition.lock()
        defer { condition.unlock() }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// Everything queued now, without waiting.
    func drain() -> [T] {
        condition.lock()
        defer { condition.unlock() }
        let all = items
        items.removeAll()
        return all
    }

    /// Tells the producer to stop.
    func close() {
        condition.lock()
        closed = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
