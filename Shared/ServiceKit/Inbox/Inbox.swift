import PostgresNIO
import Logging

/// Records which events a consumer has applied, in the same transaction as their effect.
///
/// ``claim(eventID:consumer:eventType:topic:on:logger:)`` inserts the event id; if the row
/// already exists the event was applied before and the caller skips it. Two concurrent
/// deliveries of one event serialise on the primary key: the second waits for the first
/// transaction and then finds the row, so the effect happens once.
public enum Inbox {
    public static func claim(
        eventID: String, consumer: String, eventType: String, topic: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query("""
            INSERT INTO inbox (event_id, consumer, event_type, topic) VALUES (\(eventID), \(consumer), \(eventType), \(topic))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
