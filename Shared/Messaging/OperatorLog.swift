import Foundation
import Logging
import Persistence
import PostgresNIO

/// The audit trail of what operators did to a service's messaging (replays, discards,
/// republishing): who, when, what, to which subject, with details. Kept in the kit's
/// `operator_actions` table, written in the transaction of the action itself.
public struct OperatorLog: Sendable {
    /// One recorded action.
    public struct Entry: Sendable {
        public var id: Int64
        public var at: Date
        public var staffId: UUID?
        public var action: String
        public var subject: String
        public var detail: String
    }

    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Records `action` on `subject` by `staff`, on the action's own connection.
    public static func record(_ action: String, subject: String, by staff: UUID?, detail: [String: String] = [:],
                              on connection: PostgresConnection, logger: Logger) async throws {
        let detailJSON = String(decoding: try JSONSerialization.data(withJSONObject: detail, options: [.sortedKeys]), as: UTF8.self)
        try await connection.query("""
            INSERT INTO operator_actions (staff_id, action, subject, detail) VALUES (\(staff), \(action), \(subject), \(detailJSON)::jsonb)
            """, logger: logger)
        logger.notice("operator action", metadata: ["action": "\(action)", "subject": "\(subject)",
                                                    "staff_id": "\(staff?.uuidString.lowercased() ?? "unknown")"])
    }

    /// One page of the trail, newest first.
    public func list(limit: Int, offset: Int, logger: Logger) async throws -> (items: [Entry], total: Int) {
        var items: [Entry] = []
        let rows = try await database.client.query("""
            SELECT id, at, staff_id, action, subject, detail::text FROM operator_actions ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)
            """, logger: logger)
        for try await (id, at, staff, action, subject, detail) in rows.decode((Int64, Date, UUID?, String, String, String).self) {
            items.append(Entry(id: id, at: at, staffId: staff, action: action, subject: subject, detail: detail))
        }
        return (items, try await database.count("SELECT count(*)::int8 FROM operator_actions", logger: logger))
    }
}
