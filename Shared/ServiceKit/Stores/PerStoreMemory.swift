import EventContracts
import Synchronization

/// What a service keeps in memory for each store it serves (a store's settings, its payment
/// accounts), each for at most `keptFor`; past `capacity` stores the memory starts over.
public final class PerStoreMemory<Value: Sendable>: Sendable {
    let keptFor: Duration
    let capacity: Int
    private let kept = Mutex([StoreID: (value: Value, readAt: ContinuousClock.Instant)]())
    /// Stores whose values are not kept until the instant named: changed in a transaction that
    /// may not have committed yet, so a read now could still see the old value.
    private let heldOff = Mutex([StoreID: ContinuousClock.Instant]())

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
        if let until = heldOff.withLock({ $0[store] }) {
            guard ContinuousClock.now >= until else { return }
            heldOff.withLock { _ = $0.removeValue(forKey: store) }
        }
        kept.withLock { kept in
            if kept.count >= capacity { kept.removeAll(keepingCapacity: true) }
            kept[store] = (value, readAt)
        }
    }

    /// Forgets `store`'s value (after a change made here). A change not yet committed names
    /// `holdOff`: for that long nothing read of the store is kept, so a read that raced the
    /// commit is not remembered as current.
    public func forget(_ store: StoreID, holdOff: Duration = .zero) {
        kept.withLock { _ = $0.removeValue(forKey: store) }
        if holdOff > .zero { heldOff.withLock { $0[store] = ContinuousClock.now + holdOff } }
    }
}
