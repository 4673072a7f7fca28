import EventContracts
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO

/// The probes a service sent and received (kit tables `probes` and `probe_receipts`).
struct ProbeStore: Sendable {
    let environment: ServiceEnvironment

    /// A probe a service received from a topic it consumes.
    struct Receipt: Sendable {
        var sentBy: String
        var note: String
        var correlationId: String?
        var receivedAt: Date
    }

    /// Records a probe and publishes ``EventContracts/ProbeSent`` in one transaction.
    func send(_ id: UUID, note: String, correlationId: String, logger: Logger) async throws -> EventEnvelope {
        try await environment.database.transaction(logger: logger) { connection in
            try await connection.query("INSERT INTO probes (probe_id, note) VALUES (\(id), \(note))", logger: logger)
            return try await environment.outbox.enqueue(
                ProbeSent(probeId: id.uuidString.lowercased(), note: note, sentBy: environment.configuration.serviceName),
                subject: id.uuidString.lowercased(), correlationId: correlationId, on: connection, logger: logger)
        }
    }

    func receipt(_ id: UUID, logger: Logger) async throws -> Receipt? {
        let rows = try await environment.database.client.query(
            "SELECT sent_by, note, correlation_id, received_at FROM probe_receipts WHERE probe_id = \(id)", logger: logger)
        for try await (sentBy, note, correlationId, receivedAt) in rows.decode((String, String, String?, Date).self) {
            return Receipt(sentBy: sentBy, note: note, correlationId: correlationId, receivedAt: receivedAt)
        }
        return nil
    }

    /// Keeps a received probe (in the transaction that applies the event).
    static func record(_ probe: ProbeSent, _ context: EventContext) async throws {
        guard let probeID = UUID(uuidString: probe.probeId) else { return }
        try await context.connection.query("""
            INSERT INTO probe_receipts (probe_id, sent_by, note, event_id, correlation_id)
            VALUES (\(probeID), \(probe.sentBy), \(probe.note), \(context.envelope.id), \(context.envelope.correlationId))
            """, logger: context.logger)
    }
}
