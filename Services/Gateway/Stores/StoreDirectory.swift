import EventContracts
import Logging
import Synchronization

/// The stores the door looks up on every request, remembered for ``freshness`` per gateway
/// instance (by publishable key, id and slug; at most ``capacity`` of each): a storefront's
/// requests cost a dictionary lookup, not a query. This instance forgets a store it changes
/// at once; other instances see the change within ``freshness``.
final class StoreDirectory: Sendable {
    let registry: StoreRegistry
    let freshness: Duration
    static let capacity = 10_000

    private struct Entry { var store: Store?; var at: ContinuousClock.Instant }
    private struct Memory {
        var byKey: [String: Entry] = [:]
        var byID: [StoreID: Entry] = [:]
        var bySlug: [String: Entry] = [:]
        /// Bumped by ``forget(_:)``: a read that began before a change must not store what it read.
        var generation: UInt64 = 0
    }
    private let memory = Mutex(Memory())

    init(registry: StoreRegistry, freshness: Duration) {
        self.registry = registry
        self.freshness = freshness
    }

    func store(publishableKey key: String, logger: Logger) async throws -> Store? {
        try await remembered(\.byKey, key) { try await registry.find(publishableKey: key, logger: logger) }
    }

    func store(id: StoreID, logger: Logger) async throws -> Store? {
        try await remembered(\.byID, id) { try await registry.find(id: id, logger: logger) }
    }

    func store(slug: String, logger: Logger) async throws -> Store? {
        try await remembered(\.bySlug, slug) { try await registry.find(slug: slug, logger: logger) }
    }

    /// Forgets everything remembered of `store` (after this instance changed it).
    func forget(_ store: Store) {
        memory.withLock { memory in
            memory.byID.removeValue(forKey: store.id)
            memory.bySlug.removeValue(forKey: store.settings.slug)
            memory.byKey = memory.byKey.filter { $0.value.store?.id != store.id }
            memory.generation &+= 1
        }
    }

    private func remembered<Key: Hashable>(_ table: WritableKeyPath<Memory, [Key: Entry]>, _ key: Key,
                                           read: () async throws -> Store?) async throws -> Store? {
        let now = ContinuousClock.now
        let (known, generation) = memory.withLock { ($0[keyPath: table][key], $0.generation) }
        if let known, now - known.at < freshness { return known.store }
        let fresh = try await read()
        memory.withLock { memory in
            guard memory.generation == generation else { return }
            if memory[keyPath: table].count >= Self.capacity {
                memory[keyPath: table] = memory[keyPath: table].filter { now - $0.value.at < freshness }
                if memory[keyPath: table].count >= Self.capacity { memory[keyPath: table].removeAll(keepingCapacity: true) }
            }
            memory[keyPath: table][key] = Entry(store: fresh, at: now)
        }
        return fresh
    }
}
