import EventContracts
import Messaging
import ServiceKit

/// Queues every event merchants may subscribe to for the endpoints that did, in the inbox
/// transaction that consumed it (so each endpoint gets each event once).
struct WebhookFanout: EventHandler {
    let webhooks: WebhookStore

    var reactions: EventReactions {
        WebhookEndpoint.subscribable.reduce(EventReactions()) { reactions, type in queueing(type, in: reactions) }
    }

    private func queueing<Payload: EventPayload>(_: Payload.Type, in reactions: EventReactions) -> EventReactions {
        reactions.on(Payload.self) { _, context in try await webhooks.queue(context.envelope, on: context.connection, logger: context.logger) }
    }
}
