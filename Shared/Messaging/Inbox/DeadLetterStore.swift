import EventContracts
import Foundation
import Kafka
import Logging
import Persistence
import PostgresNIO

/// A message a consumer could not apply, kept in the service's `dead_letters` table: the
/// message as it came (topic, partition, offset, key, headers, payload), why it failed, and
/// what staff did about it.
public struct DeadLetter: Sendable {
    /// `open` until staff replay it successfully (`replayed`) or give it up (`discarded`).
    public enum Status: String, Sendable, CaseIterable {
        case open, replayed, discarded
    }

    public var id: Int64
    public var consumerGroup: String
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: String?
    public var eventID: String?
    public var eventType: String?
    public var payload: [UInt8]
    public var headers: [String: String]
    public var error: String
    public var attempts: Int
    public var replayAttempts: Int
    public var status: Status
    public var deadLetteredAt: Date
    public var resolvedAt: Date?
    public var resolvedBy: UUID?
    public var note: String?
}

/// The service's dead letters: the consumer keeps each one here (once, however often the
/// broker delivers the message again), and staff list, inspect, replay and discard them.
public struct DeadLetterStore: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        id, consumer_group, topic, partition, "offset", message_key, event_id, event_type, payload, headers::text, error,
        attempts, replay_attempts, status, dead_lettered_at, resolved_at, resolved_by, note
        """

    /// Keeps `message` as dead; a message kept before (the same event, or the same bytes) is
    /// not kept twice. The identity is the event id, or the payload's SHA-256 for a message
    /// that is not an event.
    func keep(_ message: KafkaMessage, group: String, eventID: String?, eventType: String?, error: String, attempts: Int,
              logger: Logger) async throws {
        var headers: [String: String] = [:]
        for header in message.headers { headers[header.name] = header.value.map { String(decoding: $0, as: UTF8.self) } ?? "" }
        let headersJSON = String(decoding: try JSONSerialization.data(withJSONObject: headers, options: [.sortedKeys]), as: UTF8.self)
        let payload = ByteBuffer(bytes: message.value)
        try await database.client.query("""
            INSERT INTO dead_letters (consumer_group, message_identity, topic, partition, "offset", message_key, event_id,
                                      event_type, payload, headers, error, attempts)
            VALUES (\(group), COALESCE(\(eventID), 'sha256:' || encode(sha256(\(payload)), 'hex')), \(message.topic),
                    \(Int(message.partition)), \(message.offset), \(message.keyString), \(eventID), \(eventType), \(payload),
                    \(headersJSON)::jsonb, \(String(error.prefix(4000))), \(attempts))
            ON CONFLICT (consumer_group, message_identity) DO NOTHING
            """, logger: logger)
    }

    /// One page of dead letters, newest first, optionally only those in `status`.
    public func list(status: DeadLetter.Status?, limit: Int, offset: Int, logger: Logger) async throws -> (items: [DeadLetter], total: Int) {
        let rows = try await database.client.query("""
            SELECT \(unescaped: Self.columns) FROM dead_letters
            WHERE \(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)
            ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)
            """, logger: logger)
        let items = try await Self.decode(rows)
        let total = try await database.count(
            "SELECT count(*)::int8 FROM dead_letters WHERE \(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)",
            logger: logger)
        return (items, total)
    }

    /// The dead letter `id`, if there is one.
    public func find(_ id: Int64, logger: Logger) async throws -> DeadLetter? {
        try await Self.decode(database.client.query(
            "SELECT \(unescaped: Self.columns) FROM dead_letters WHERE id = \(id)", logger: logger)).first
    }

    /// The ids of every open dead letter, oldest first (the order they failed in).
    public func openIDs(logger: Logger) async throws -> [Int64] {
        var ids: [Int64] = []
        for try await id in try await database.client.query(
            "SELECT id FROM dead_letters WHERE status = 'open' ORDER BY id", logger: logger).decode(Int64.self) {
            ids.append(id)
        }
        return ids
    }

    /// Marks the open dead letter `id` replayed, inside the transaction that applied it.
    static func markReplayed(_ id: Int64, by staff: UUID?, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("""
            UPDATE dead_letters SET status = 'replayed', resolved_at = now(), resolved_by = \(staff),
                   replay_attempts = replay_attempts + 1
            WHERE id = \(id) AND status = 'open' RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Records a replay that failed again, with its new error (audited); the letter stays open.
    func recordFailedReplay(_ id: Int64, error: String, by staff: UUID?, logger: Logger) async throws {
        try await database.transaction(logger: logger) { connection in
            try await connection.query("""
                UPDATE dead_letters SET replay_attempts = replay_attempts + 1, error = \(String(error.prefix(4000)))
                WHERE id = \(id) AND status = 'open'
                """, logger: logger)
            try await OperatorLog.record("dead_letter.replay_failed", subject: "dead-letter:\(id)", by: staff,
                                         detail: ["error": String(error.prefix(500))], on: connection, logger: logger)
        }
    }

    /// Gives up the open dead letter `id`, saying why (audited); false when it is not open.
    public func discard(_ id: Int64, by staff: UUID?, reason: String, logger: Logger) async throws -> Bool {
        try await database.transaction(logger: logger) { connection in
            let rows = try await connection.query("""
                UPDATE dead_letters SET status = 'discarded', resolved_at = now(), resolved_by = \(staff), note = \(reason)
                WHERE id = \(id) AND status = 'open' RETURNING 1
                """, logger: logger)
            var discarded = false
            for try await _ in rows { discarded = true }
            if discarded {
                try await OperatorLog.record("dead_letter.discarded", subject: "dead-letter:\(id)", by: staff,
                                             detail: ["reason": reason], on: connection, logger: logger)
            }
            return discarded
        }
    }

    /// How many dead letters are open (a gauge operators alert on).
    public func openCount(logger: Logger) async throws -> Int {
        try await database.count("SELECT count(*)::int8 FROM dead_letters WHERE status = 'open'", logger: logger)
    }

    private static func decode<Rows: AsyncSequence & Sendable>(_ rows: Rows) async throws -> [DeadLetter] where Rows.Element == PostgresRow {
        var letters: [DeadLetter] = []
        for try await row in rows {
            let columns = row.makeRandomAccess()
            let id = try columns[0].decode(Int64.self)
            let group = try columns[1].decode(String.self)
            let topic = try columns[2].decode(String.self)
            let partition = try columns[3].decode(Int.self)
            let offset = try columns[4].decode(Int64.self)
            let key = try columns[5].decode(String?.self)
            let eventID = try columns[6].decode(String?.self)
            let eventType = try columns[7].decode(String?.self)
            let payload = try columns[8].decode(ByteBuffer.self)
            let headersText = try columns[9].decode(String.self)
            let error = try columns[10].decode(String.self)
            let attempts = try columns[11].decode(Int.self)
            let replayAttempts = try columns[12].decode(Int.self)
            let status = try columns[13].decode(String.self)
            let deadLetteredAt = try columns[14].decode(Date.self)
            let resolvedAt = try columns[15].decode(Date?.self)
            let resolvedBy = try columns[16].decode(UUID?.self)
            let note = try columns[17].decode(String?.self)
            let headers = (try? JSONSerialization.jsonObject(with: Data(headersText.utf8)) as? [String: String]) ?? [:]
            letters.append(DeadLetter(
                id: id, consumerGroup: group, topic: topic, partition: Int32(partition), offset: offset, key: key,
                eventID: eventID, eventType: eventType, payload: Array(buffer: payload), headers: headers, error: error,
                attempts: attempts, replayAttempts: replayAttempts, status: DeadLetter.Status(rawValue: status) ?? .open,
                deadLetteredAt: deadLetteredAt, resolvedAt: resolvedAt, resolvedBy: resolvedBy, note: note))
        }
        return letters
    }
}
