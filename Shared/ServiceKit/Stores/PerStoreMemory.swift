import EventContracts
import Synchronization

/// What a service keeps in memory for each store it serves (a store's settings, its payment
/// accounts), each for at most `keptFor`; past `capacity` stores the memory starts over.
///
/// A change forgets the store's value. A read that began before the change was forgotten
/// (and may have seen the old value) is not kept; nor, for a hold-off the change names, is
/// any read: a change made in a transaction that has not committed yet (a consumer's
/// batch) can still be read as it was.
public final class PerStoreMemory<Value: Sendable>: Sendable {
    let keptFor: Duration
    let capacity: Int

    private struct Kept {
        var values: [StoreID: (value: Value, readAt: ContinuousClock.Instant)] = [:]
        /// When each store was last forgotten, and until when nothing read of it is kept.
        var forgotten: [StoreID: (at: ContinuousClock.Instant, holdOffUntil: ContinuousClock.Instant)] = [:]
    }

    private let kept = Mutex(Kept())

    public init(keptFor: Duration = .seconds(30), capacity: Int = 10_000) {
        self.keptFor = keptFor
        self.capacity = capacity
    }

    /// `store`'s value if kept and not older than `keptFor`.
    public func value(of store: StoreID) -> Value? {
        guard let known = kept.withLock({ $0.values[store] }), ContinuousClock.now - known.readAt < keptFor else { return nil }
        return known.value
    }

    /// `store`'s value from memory, or else from `read` (kept for next time, as read when
    /// `read` began).
    public func value(of store: StoreID, orRead read: () async throws -> Value) async throws -> Value {
        if let known = value(of: store) { return known }
        let readAt = ContinuousClock.now
        let value = try await read()
        keep(value, for: store, readAt: readAt)
        return value
    }

    /// Keeps `value` for `store`, read at `readAt` (when the read began), unless the store was
    /// forgotten after that or is held off.
    public func keep(_ value: Value, for store: StoreID, readAt: ContinuousClock.Instant) {
        let now = ContinuousClock.now
        kept.withLock { kept in
            if let forgotten = kept.forgotten[store] {
                guard readAt > forgotten.at, now >= forgotten.holdOffUntil else { return }
            }
            if kept.values.count >= capacity { kept.values.removeAll(keepingCapacity: true) }
            kept.values[store] = (value, readAt)
        }
    }

    /// Forgets `store`'s value (after a change made here). A change not yet committed names
    /// `holdOff`: for that long nothing read of the store is kept.
    public func forget(_ store: StoreID, holdOff: Duration = .zero) {
        let now = ContinuousClock.now
        kept.withLock { kept in
            kept.values.removeValue(forKey: store)
            if kept.forgotten.count >= capacity { kept.forgotten.removeAll(keepingCapacity: true) }
            kept.forgotten[store] = (now, now + holdOff)
        }
    }
}
