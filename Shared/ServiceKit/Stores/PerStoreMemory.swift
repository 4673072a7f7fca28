import EventContracts
import Synchronization

/// What a service keeps in memory for each store it serves (a store's settings, its payment
/// accounts), each for at most `keptFor`; past `capacity` stores the memory starts over.
public final class PerStoreMemory<Value: Sendable>: Sendable {
    let keptFor: Duration
    let capacity: Int
    private let kept = Mutex([StoreID: (value: Value, readAt: ContinuousClock.Instant)]())

    public init(keptFor: Duration = .seconds(30), capacity: Int = 10_000) {
        self.keptFor = keptFor
        self.capacity = capacity
    }

    /// `store`'s value if kept and not older than `keptFor`.
    public func value(of store: StoreID) -> Value? {
        guard let known = kept.withLock({ $0[store] }), ContinuousClock.now - known.readAt < keptFor else { return nil }
        return known.value
    }

    /// Keeps `value` for `store`, read at `readAt` (when the read began).
    public func keep(_ value: Value, for store: StoreID, readAt: ContinuousClock.Instant) {
        kept.withLock { kept in
            if kept.count >= capacity { kept.removeAll(keepingCapacity: true) }
            kept[store] = (value, readAt)
        }
    }

    /// Forgets `store`'s value (after a change made here).
    public func forget(_ store: StoreID) {
        kept.withLock { _ = $0.removeValue(forKey: store) }
    }
}
