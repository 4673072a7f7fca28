import EventContracts
import Logging
import PostgresNIO

/// Reacts to events of some types. The kit calls ``handle(_:)`` inside the transaction that
/// recorded the event in the inbox: write the effect (and any follow-up events through
/// ``EventContext/outbox``) on ``EventContext/connection`` and it commits together with the
/// inbox row, or not at all. Throwing rolls everything back and the kit retries.
public protocol EventHandler: Sendable {
    /// The CloudEvents types this handler reacts to; other events are skipped.
    var eventTypes: Set<String> { get }
    func handle(_ context: EventContext) async throws
}

/// What a handler gets for one event.
public struct EventContext: Sendable {
    public let envelope: EventEnvelope
    /// The connection of the inbox transaction.
    public let connection: PostgresConnection
    /// Carries the event's correlation id.
    public let logger: Logger
    /// This service's outbox, for events caused by this one (same transaction).
    public let outbox: Outbox
}
