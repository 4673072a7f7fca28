import EventContracts
import Logging
import Persistence
import PostgresNIO

/// Every reaction of a service's handlers by event type, built once: finds what reacts to an
/// event, decodes its payload once for all of them and runs them in the handlers' order.
struct EventDispatch: Sendable {
    /// What one event type gets: its decoder and the reactions in handler order, each with
    /// the condition a payload must meet for it to run.
    struct Route: Sendable {
        let decode: @Sendable (EventEnvelope) throws -> any EventPayload
        let reactions: [(wants: EventReactions.Condition, react: EventReactions.Reaction)]
    }

    /// An event with its decoded payload.
    struct Decoded: Sendable {
        let envelope: EventEnvelope
        let payload: any EventPayload
    }

    private let routes: [String: Route]
    private let preparers: [(handler: any EventHandler, types: Set<String>)]

    init(_ handlers: [any EventHandler]) {
        var routes: [String: Route] = [:]
        var preparers: [(handler: any EventHandler, types: Set<String>)] = []
        for handler in handlers {
            let reactions = handler.reactions
            preparers.append((handler, reactions.eventTypes))
            for (type, entry) in reactions.entries {
                let existing = routes[type]
                routes[type] = Route(decode: existing?.decode ?? entry.decode,
                                     reactions: (existing?.reactions ?? []) + [(entry.wants, entry.react)])
            }
        }
        self.routes = routes
        self.preparers = preparers
    }

    /// Whether anything here reacts to events of `type`.
    func reacts(to type: String) -> Bool { routes[type] != nil }

    /// The event with its payload decoded, or nil when nothing here reacts to its type or
    /// wants this payload of it. Throws when the payload does not decode as its type says (a
    /// message to dead-letter).
    func decode(_ envelope: EventEnvelope) throws -> Decoded? {
        guard let route = routes[envelope.type] else { return nil }
        let payload = try route.decode(envelope)
        guard route.reactions.contains(where: { $0.wants(payload) }) else { return nil }
        return Decoded(envelope: envelope, payload: payload)
    }

    /// Runs every reaction that wants `payload` in `context`'s transaction, for the event's
    /// store (``StoreScope``): what the reactions record belongs to it too.
    func react(to payload: any EventPayload, in context: EventContext) async throws {
        guard let route = routes[context.envelope.type] else { return }
        try await StoreScope.run(for: context.storeId) {
            for reaction in route.reactions where reaction.wants(payload) { try await reaction.react(payload, context) }
        }
    }

    /// Decodes `context`'s event and runs every reaction to it.
    func apply(_ context: EventContext) async throws {
        guard let event = try decode(context.envelope) else { return }
        try await react(to: event.payload, in: context)
    }

    /// Lets each handler lock what the batch's events of its types will need, before any runs.
    func prepare(_ batch: [Decoded], on connection: PostgresConnection, logger: Logger) async throws {
        for (handler, types) in preparers {
            let theirs = batch.filter { types.contains($0.envelope.type) }.map(\.payload)
            if !theirs.isEmpty { try await handler.prepare(batch: theirs, on: connection, logger: logger) }
        }
    }
}
