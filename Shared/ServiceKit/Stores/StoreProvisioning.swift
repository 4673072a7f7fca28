import EventContracts
import Messaging

/// A service's part in opening a store: on ``StoreCreated`` it keeps its copy of the store's
/// settings, sets up what the service gives a new store (`defaults`, in the same
/// transaction), and answers ``StoreProvisioned`` on the platform topic; the registry opens
/// the store when every service has answered. It also follows the store's settings and status. Every
/// service but the registry lists it among its handlers.
public struct StoreProvisioning: EventHandler {
    /// What the service sets up for a new store, in the transaction that records it.
    public typealias Defaults = @Sendable (StoreCreated, EventContext) async throws -> Void

    let service: String
    let defaults: Defaults

    public init(service: String, defaults: @escaping Defaults = { _, _ in }) {
        self.service = service
        self.defaults = defaults
    }

    public var reactions: EventReactions {
        EventReactions()
            .on(StoreCreated.self) { [service, defaults] created, context in
                try await StoreCopies.record(created, on: context.connection, logger: context.logger)
                try await defaults(created, context)
                try await context.outbox.enqueue(StoreProvisioned(storeId: created.storeId, service: service), subject: created.storeId,
                                                 correlationId: context.correlationId, to: .platform,
                                                 on: context.connection, logger: context.logger)
            }
            .on(StoreSettingsChanged.self) { changed, context in
                try await StoreCopies.replaceSettings(changed, on: context.connection, logger: context.logger)
            }
            .on(StoreStatusChanged.self) { changed, context in
                try await StoreCopies.setStatus(changed, on: context.connection, logger: context.logger)
            }
    }
}
