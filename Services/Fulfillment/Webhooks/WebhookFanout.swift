import EventContracts
import ServiceKit

/// Queues every event merchants may subscribe to for the endpoints that did, in the inbox
/// transaction that consumed it (so each endpoint gets each event once).
struct WebhookFanout: EventHandler {
    let book: WebhookBook

    var eventTypes: Set<String> { Set(WebhookEndpoint.subscribable) }

    func handle(_ context: EventContext) async throws {
        try await book.queue(context.envelope, on: context.connection, logger: context.logger)
    }
}
