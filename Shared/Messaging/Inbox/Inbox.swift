import Logging
import Persistence
import PostgresNIO

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
        let rows = try await connection.execute(
            ClaimStatement(eventID: eventID, consumer: consumer, eventType: eventType, topic: topic), logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// The claim, prepared once per connection: every delivery runs it, and parsing and
    /// planning it each time cost more than inserting the row.
    struct ClaimStatement: PreparedStatement {
        typealias Row = Int
        static let sql = "INSERT INTO inbox (event_id, consumer, event_type, topic) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1"
        static var bindingDataTypes: [PostgresDataType] { [.text, .text, .text, .text] }

        var eventID: String
        var consumer: String
        var eventType: String
        var topic: String

        var values: [(any PostgresEncodable & Sendable)?] { [eventID, consumer, eventType, topic] }

        func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
    }
}
