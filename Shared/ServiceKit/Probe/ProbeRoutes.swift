import EventContracts
import Foundation
import Hummingbird
import Messaging
import PostgresNIO

/// Pipeline probes, on every service: `POST /probes` records a probe and publishes
/// ``EventContracts/ProbeSent`` through this service's outbox (one transaction);
/// `GET /probes/{id}` answers whether this service has received a probe with that id from
/// a topic it consumes. Operators use it to check the whole event path of a deployment; the
/// end-to-end tests use it as the walking skeleton. Staff only.
struct ProbeRoutes: Sendable {
    let environment: ServiceEnvironment

    struct CreateProbe: Decodable {
        var note: String?
    }

    struct ProbeAccepted: ResponseEncodable {
        var probeId: String
        var eventId: String
        var topic: String
    }

    struct ProbeReceipt: ResponseEncodable {
        var probeId: String
        var sentBy: String
        var note: String
        var receivedBy: String
        var correlationId: String?
        var receivedAt: Date
    }

    func register(on router: Router<ServiceRequestContext>) {
        router.post("/probes") { request, context -> EditedResponse<ProbeAccepted> in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            let body = try await request.decodeBody(CreateProbe.self, context: context)
            let note = body.note ?? ""
            guard note.count <= 200 else {
                throw Problem.validation([.init(field: "note", message: "must be at most 200 characters")])
            }
            let probeID = UUID()
            let envelope = try await environment.database.transaction(logger: context.logger) { connection in
                try await connection.query("INSERT INTO probes (probe_id, note) VALUES (\(probeID), \(note))", logger: context.logger)
                return try await environment.outbox.enqueue(
                    ProbeSent(probeId: probeID.uuidString.lowercased(), note: note, sentBy: environment.configuration.serviceName),
                    subject: probeID.uuidString.lowercased(), correlationId: context.correlationId,
                    on: connection, logger: context.logger)
            }
            return EditedResponse(status: .accepted, response: ProbeAccepted(
                probeId: probeID.uuidString.lowercased(), eventId: envelope.id, topic: environment.outbox.topic))
        }
        router.get("/probes/{id}") { request, context -> ProbeReceipt in
            _ = try context.caller(of: request).requiring([.staff, .admin])
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
                throw Problem.validation([.init(field: "id", message: "must be a UUID")])
            }
            let rows = try await environment.database.client.query(
                "SELECT sent_by, note, correlation_id, received_at FROM probe_receipts WHERE probe_id = \(id)",
                logger: context.logger)
            for try await (sentBy, note, correlationId, receivedAt) in rows.decode((String, String, String?, Date).self) {
                return ProbeReceipt(probeId: id.uuidString.lowercased(), sentBy: sentBy, note: note,
                                    receivedBy: environment.configuration.serviceName, correlationId: correlationId, receivedAt: receivedAt)
            }
            throw Problem.notFound("A probe receipt with id \(id.uuidString.lowercased())")
        }
    }
}

/// Records every probe this service receives.
struct ProbeHandler: EventHandler {
    var reactions: EventReactions {
        EventReactions().on(ProbeSent.self) { probe, context in try await record(probe, context) }
    }

    private func record(_ probe: ProbeSent, _ context: EventContext) async throws {
        guard let probeID = UUID(uuidString: probe.probeId) else { return }
        try await context.connection.query("""
            INSERT INTO probe_receipts (probe_id, sent_by, note, event_id, correlation_id)
            VALUES (\(probeID), \(probe.sentBy), \(probe.note), \(context.envelope.id), \(context.envelope.correlationId))
            """, logger: context.logger)
    }
}
