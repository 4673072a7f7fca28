import Foundation
import Persistence

extension ReconciliationCheck {
    /// Every service's own check: outbox rows still unpublished `threshold` after they were
    /// written (the broker is out of reach, or the relay is stuck).
    static func outboxBacklog(database: Database, threshold: Duration) -> ReconciliationCheck {
        ReconciliationCheck("outbox-backlog", summary: "Events written to the outbox and still unpublished after \(threshold.components.seconds) s.") { logger in
            var found: [Mismatch] = []
            for try await (id, type, age) in try await database.client.query("""
                SELECT id, event_type, extract(epoch FROM now() - created_at)::int8 FROM outbox
                WHERE published_at IS NULL AND created_at < now() - make_interval(secs => \(Double(threshold.components.seconds)))
                ORDER BY id LIMIT 200
                """, logger: logger).decode((Int64, String, Int64).self) {
                found.append(Mismatch(subject: "outbox:\(id)", detail: "\(type) unpublished for \(age) s"))
            }
            return found
        }
    }
}
