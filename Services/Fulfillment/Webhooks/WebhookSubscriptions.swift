import EventContracts
import Logging
import Messaging
import Persistence
import PostgresNIO
import Synchronization

/// The event types some active merchant endpoint of a store subscribes to, kept in memory per store so that an
/// event nobody subscribes to costs no statement (most shops have no endpoint, and four events
/// of every purchase are of subscribable types).
///
/// Emptied whenever an endpoint changes: on every replica by the `webhook_endpoints` trigger's
/// notification (migration 107) through the change feed, and at once on the replica that made
/// the change. Nothing is kept while the feed is not listening, nor for longer than
/// ``maximumAge``, and a read that began before a change is not kept after it. An endpoint
/// registered on another replica gets the events consumed after its notification arrives
/// (milliseconds; at worst ``maximumAge`` if the notification was lost with a connection not
/// yet known broken).
final class WebhookSubscriptions: Sendable {
    static let changeKey = "webhook_endpoints"

    /// The longest anything is kept, whatever the feed hears: a bound on a notification lost
    /// on a connection not yet known broken.
    static let maximumAge: Duration = .seconds(30)

    /// Stores whose subscriptions are kept at most; past it the memory starts over.
    static let capacity = 10_000

    private struct State {
        var generation = 0
        /// Each store's subscribed types, and when they were read.
        var stores: [StoreID: (types: Set<String>, readAt: ContinuousClock.Instant)] = [:]
    }
    private let state = Mutex(State())
    private let changes: ChangeFeed

    init(changes: ChangeFeed) {
        self.changes = changes
        changes.observe(Self.changeKey) { [weak self] in self?.forget() }
    }

    /// Whether an active endpoint of the task's store subscribes to `type`, read on
    /// `connection` (set to that store) when not known.
    func anySubscribes(to type: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let store = StoreScope.current ?? .original
        let (known, generation) = state.withLock { state -> (Set<String>?, Int) in
            guard let kept = state.stores[store], ContinuousClock.now - kept.readAt <= Self.maximumAge else { return (nil, state.generation) }
            return (kept.types, state.generation)
        }
        if let known, changes.isListening { return known.contains(type) }
        let readAt = ContinuousClock.now
        var types: Set<String> = []
        let rows = try await connection.query(
            "SELECT DISTINCT unnest(event_types) FROM webhook_endpoints WHERE active", logger: logger)
        for try await subscribed in rows.decode(String.self) { types.insert(subscribed) }
        if changes.isListening {
            state.withLock { state in
                guard state.generation == generation else { return }
                if state.stores.count >= Self.capacity { state.stores.removeAll(keepingCapacity: true) }
                state.stores[store] = (types, readAt)
            }
        }
        return types.contains(type)
    }

    /// Drops what is known; the next event reads the endpoints again.
    func forget() {
        state.withLock {
            $0.generation += 1
            $0.stores.removeAll(keepingCapacity: true)
        }
    }
}
