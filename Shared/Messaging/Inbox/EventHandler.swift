import EventContracts
import Logging
import PostgresNIO

/// Reacts to events, by payload type. The kit decodes each event's payload once and calls the
/// handler's reaction to that type inside the transaction that recorded the event in the
/// inbox: write the effect (and any follow-up events through ``EventContext/outbox``) on
/// ``EventContext/connection`` and it commits together with the inbox row, or not at all.
/// Throwing rolls everything back and the kit retries; a payload that does not decode as its
/// type says goes to the dead-letter topic at once.
///
/// ```swift
/// var reactions: EventReactions {
///     EventReactions()
///         .on(CheckoutPlaced.self) { placed, context in try await place(placed, context) }
///         .on(CheckoutClosed.self) { closed, context in try await cancel(closed, context) }
/// }
/// ```
public protocol EventHandler: Sendable {
    /// What this handler does for each payload type it reacts to; events of other types
    /// are not its business.
    var reactions: EventReactions { get }
    /// Called once at the start of a transaction that applies several events, before any of
    /// them is handled, with the payloads of those of this handler's types. A handler whose
    /// events lock rows that other partitions' batches lock too (a variant's stock) takes
    /// those locks here in one fixed order, so that two batches cannot deadlock by meeting
    /// the same rows in opposite orders. Does nothing unless a handler implements it.
    func prepare(batch events: [any EventPayload], on connection: PostgresConnection, logger: Logger) async throws
}

extension EventHandler {
    public func prepare(batch events: [any EventPayload], on connection: PostgresConnection, logger: Logger) async throws {}

    /// Decodes `context`'s event and runs this handler's reaction to it, if it has one (what
    /// the kit does for every handler of a service; tests call it to apply one event).
    public func handle(_ context: EventContext) async throws {
        try await EventDispatch([self]).apply(context)
    }
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

    public init(envelope: EventEnvelope, connection: PostgresConnection, logger: Logger, outbox: Outbox) {
        self.envelope = envelope
        self.connection = connection
        self.logger = logger
        self.outbox = outbox
    }

    /// The correlation id the event carries, for the events it causes.
    public var correlationId: String? { envelope.correlationId }
    /// The store the event belongs to; the handler acts within it.
    public var storeId: StoreID { envelope.store }
}
