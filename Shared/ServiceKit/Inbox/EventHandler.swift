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
    /// Called once at the start of a transaction that applies several events, before any of
    /// them is handled, with those of this handler's types. A handler whose events lock rows
    /// that other partitions' batches lock too (a variant's stock) takes those locks here in
    /// one fixed order, so that two batches cannot deadlock by meeting the same rows in
    /// opposite orders. Does nothing unless a handler implements it.
    func prepare(batch envelopes: [EventEnvelope], on connection: PostgresConnection, logger: Logger) async throws
}

extension EventHandler {
    public func prepare(batch envelopes: [EventEnvelope], on connection: PostgresConnection, logger: Logger) async throws {}
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
