import Logging
import Messaging
import PostgresNIO
import Synchronization

/// The event types some active merchant endpoint subscribes to, kept in memory so that an
/// event nobody subscribes to costs no statement (most shops have no endpoint, and four events
/// of every purchase are of subscribable types).
///
/// Emptied whenever an endpoint changes: on every replica by the `webhook_endpoints` trigger's
/// notification (migration 107) through the change feed, and at once on the replica that made
/// the change. Nothing is kept while the feed is not listening, and a read that began before
/// a change is not kept after it. An endpoint registered on another replica gets the events
/// consumed after its notification arrives (milliseconds); before, as with any statement,
/// those consumed before its registration committed.
final class WebhookSubscriptions: Sendable {
    static let changeKey = "webhook_endpoints"

    private struct State {
        var generation = 0
        var types: Set<String>?
    }
    private let state = Mutex(State())
    private let changes: ChangeFeed

    init(changes: ChangeFeed) {
        self.changes = changes
        changes.observe(Self.changeKey) { [weak self] in self?.forget() }
    }

    /// Whether an active endpoint subscribes to `type`, read on `connection` when not known.
    func anySubscribes(to type: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let (known, generation) = state.withLock { ($0.types, $0.generation) }
        if let known, changes.isListening { return known.contains(type) }
        var types: Set<String> = []
        let rows = try await connection.query(
            "SELECT DISTINCT unnest(event_types) FROM webhook_endpoints WHERE active", logger: logger)
        for try await subscribed in rows.decode(String.self) { types.insert(subscribed) }
        if changes.isListening {
            state.withLock { if $0.generation == generation { $0.types = types } }
        }
        return types.contains(type)
    }

    /// Drops what is known; the next event reads the endpoints again.
    func forget() {
        state.withLock {
            $0.generation += 1
            $0.types = nil
        }
    }
}
