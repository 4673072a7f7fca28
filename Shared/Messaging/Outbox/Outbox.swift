import EventContracts
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import Persistence
import PostgresNIO
import Synchronization

/// Writes a service's events into its `outbox` table, inside the caller's transaction, so an
/// event exists if and only if the state change that caused it committed. The
/// ``OutboxRelay`` publishes them to the service's topic afterwards.
public struct Outbox: Sendable {
    /// The full name of the topic this service publishes to.
    public let topic: String
    /// The full name of ``EventContracts/Topic/platform``, where every service publishes its
    /// receipts for new stores (``Destination/platform``).
    public let platformTopic: String
    /// CloudEvents `source` of this service's events.
    public let source: String
    /// The LISTEN/NOTIFY channel that wakes the relay.
    public let notifyChannel: String

    /// Number of key buckets; all events of one key fall in one bucket, and a bucket is
    /// published by one relay at a time, which keeps per-key order across replicas.
    static let bucketCount = 16

    /// The service's own handlers of its own events, run by every `enqueue` in the
    /// transaction that records the event (shared by every copy of this outbox).
    let ownReactions = OwnReactions()

    /// Where an event is published: the service's own topic, or the platform's.
    public enum Destination: Sendable {
        case own
        case platform
    }

    public init(topic: String, serviceName: String, schema: String, platformTopic: String = Topic.platform) {
        self.topic = topic
        self.platformTopic = platformTopic
        self.source = "/services/\(serviceName)"
        self.notifyChannel = "outbox_\(schema)"
    }

    /// Makes `handlers` react to this service's own events as they are recorded, in the same
    /// transaction, instead of through the broker: no relay round, fetch or inbox transaction
    /// for a service talking to itself, and exactly once because the event and its effect
    /// commit together. The kit registers the service's handlers here and does not subscribe
    /// the service to its own topic.
    public func reactLocally(with handlers: [any EventHandler]) {
        ownReactions.dispatch.withLock { $0 = EventDispatch(handlers) }
    }

    /// Records an event about `subject` (the aggregate id, which becomes the message key), for
    /// the store the task works for (``StoreScope``; the original store where none is set).
    @discardableResult
    public func enqueue<Payload: EventPayload>(
        _ payload: Payload, subject: String, correlationId: String?, to destination: Destination = .own,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> EventEnvelope {
        // Work across stores records each event within its store (``StoreScope/run(for:_:)``);
        // stamping such an event with the original store would hand it to the wrong shop.
        guard !StoreScope.isAcrossStores else { throw StoreNotNamed(eventType: Payload.eventType) }
        let envelope = try EventEnvelope(payload, subject: subject, source: source, correlationId: correlationId,
                                         storeId: StoreScope.current ?? .original)
        try await record(envelope, to: destination == .own ? topic : platformTopic, on: connection, logger: logger)
        try await reactLocally(to: envelope, payload: payload, on: connection, logger: logger)
        return envelope
    }

    /// Records an event about the thing `subject` identifies (its id is the message key).
    @discardableResult
    public func enqueue<Payload: EventPayload>(
        _ payload: Payload, subject: some EntityID, correlationId: String?, to destination: Destination = .own,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> EventEnvelope {
        try await enqueue(payload, subject: subject.description, correlationId: correlationId, to: destination,
                          on: connection, logger: logger)
    }

    /// Records a prepared envelope.
    public func enqueue(_ envelope: EventEnvelope, on connection: PostgresConnection, logger: Logger) async throws {
        try await record(envelope, to: topic, on: connection, logger: logger)
        let dispatch = ownReactions.dispatch.withLock { $0 }
        if let event = try dispatch.decode(envelope) {
            try await reactLocally(to: envelope, payload: event.payload, on: connection, logger: logger)
        }
    }

    private func record(_ envelope: EventEnvelope, to topic: String, on connection: PostgresConnection, logger: Logger) async throws {
        let payload = ByteBuffer(data: try envelope.encoded())
        var headers: [String: String] = ["ce-type": envelope.type, "content-type": EventEnvelope.contentType]
        if let correlationId = envelope.correlationId { headers[MessageHeader.correlationId] = correlationId }
        if let storeId = envelope.storeId { headers[MessageHeader.storeId] = storeId.description }
        let headersJSON = String(decoding: try JSONSerialization.data(withJSONObject: headers, options: [.sortedKeys]), as: UTF8.self)
        let bucket = Self.bucket(for: envelope.subject)
        guard let eventID = UUID(uuidString: envelope.id) else {
            throw EventContractError.notAnEnvelope("event id must be a UUID")
        }
        // One round trip: the row, and the relay's wake-up call, delivered at commit (several
        // in one transaction collapse into one notification).
        let recorded = try await connection.execute(
            RecordStatement(eventID: eventID, topic: topic, key: envelope.subject, type: envelope.type, payload: payload,
                            headers: headersJSON, bucket: Int16(bucket), channel: notifyChannel),
            logger: logger)
        for try await _ in recorded {}
    }

    /// Runs the service's own reactions to an event it has just recorded, in its transaction.
    private func reactLocally(to envelope: EventEnvelope, payload: any EventPayload, on connection: PostgresConnection,
                              logger: Logger) async throws {
        let dispatch = ownReactions.dispatch.withLock { $0 }
        try await dispatch.react(to: payload, in: EventContext(envelope: envelope, connection: connection, logger: logger, outbox: self))
    }

    /// A stable hash of the key (FNV-1a), so every replica computes the same bucket.
    static func bucket(for key: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in key.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return Int(hash % UInt32(bucketCount))
    }
}

/// An outbox row and the relay's bell, prepared once per connection: every event runs it.
struct RecordStatement: PreparedStatement {
    typealias Row = Int
    static let sql = """
        WITH recorded AS (
            INSERT INTO outbox (event_id, topic, message_key, event_type, payload, headers, bucket)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) RETURNING 1),
        rung AS (SELECT pg_notify($8, '') FROM recorded)
        SELECT count(*)::int8 FROM rung
        """
    static var bindingDataTypes: [PostgresDataType] { [.uuid, .text, .text, .text, .bytea, .text, .int2, .text] }

    var eventID: UUID
    var topic: String
    var key: String
    var type: String
    var payload: ByteBuffer
    var headers: String
    var bucket: Int16
    var channel: String

    var values: [(any PostgresEncodable & Sendable)?] { [eventID, topic, key, type, payload, headers, bucket, channel] }

    func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
}

/// The handlers an ``Outbox`` runs for its service's own events.
final class OwnReactions: Sendable {
    let dispatch = Mutex(EventDispatch([]))
}

/// Kafka header names the suite uses.
public enum MessageHeader {
    public static let correlationId = "correlation-id"
    /// The store the event belongs to, as in its envelope's `storeid`.
    public static let storeId = "store-id"
    public static let deadLetterTopic = "dead-letter.original-topic"
    public static let deadLetterPartition = "dead-letter.original-partition"
    public static let deadLetterOffset = "dead-letter.original-offset"
    public static let deadLetterError = "dead-letter.error"
    public static let deadLetterAttempts = "dead-letter.attempts"
    public static let deadLetterGroup = "dead-letter.consumer-group"
}

extension Outbox {
    /// What republishing queued: how many events, and since when the outbox still holds
    /// published events (older ones were pruned after the retention period).
    public struct Republished: Sendable {
        public var count: Int
        public var keptSince: Date?
    }

    /// Queues every event this service published from `since` (until `until`, if given) to be
    /// published again, in their original order per key, and wakes the relay. For after the
    /// broker lost messages (a restart of an in-memory broker, a restore): consumers' inboxes
    /// drop the events they had applied already.
    public func republish(since: Date, until: Date?, on connection: PostgresConnection, logger: Logger) async throws -> Republished {
        var kept: Date?
        for try await oldest in try await connection.query(
            "SELECT min(published_at) FROM outbox WHERE published_at IS NOT NULL", logger: logger).decode(Date?.self) {
            kept = oldest
        }
        var count = 0
        for try await queued in try await connection.query("""
            WITH again AS (
                UPDATE outbox SET published_at = NULL
                WHERE published_at >= \(since) AND (\(until)::timestamptz IS NULL OR published_at < \(until)) RETURNING 1)
            SELECT count(*)::int8 FROM again
            """, logger: logger).decode(Int.self) {
            count = queued
        }
        if count > 0 {
            try await connection.query("SELECT 1 FROM pg_notify(\(notifyChannel), '')", logger: logger)
        }
        return Republished(count: count, keptSince: kept)
    }
}

/// An event recorded by work across stores that did not say whose event it is.
public struct StoreNotNamed: Error, CustomStringConvertible {
    public let eventType: String
    public var description: String { "\(eventType) recorded across stores without naming its store" }
}
