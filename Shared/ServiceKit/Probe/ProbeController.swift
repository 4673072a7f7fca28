import EventContracts
import Foundation
import Hummingbird
import Messaging

/// Pipeline probes, on every service: `POST /probes` records a probe and publishes
/// ``EventContracts/ProbeSent`` through this service's outbox (one transaction);
/// `GET /probes/{id}` answers whether this service has received a probe with that id from
/// a topic it consumes. Operators use it to check the whole event path of a deployment; the
/// end-to-end tests use it as the walking skeleton.
struct ProbeController: Controller {
    static let access = Access.platform
    let probes: ProbeStore

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

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/probes") { request, context -> EditedResponse<ProbeAccepted> in
            let note = try await request.decodeBody(CreateProbe.self, context: context).note ?? ""
            guard note.count <= 200 else {
                throw Problem.validation([.init(field: "note", message: "must be at most 200 characters")])
            }
            let id = UUID()
            let envelope = try await probes.send(id, note: note, correlationId: context.correlationId, logger: context.logger)
            return EditedResponse(status: .accepted, response: ProbeAccepted(
                probeId: id.uuidString.lowercased(), eventId: envelope.id, topic: probes.environment.outbox.topic))
        }
        routes.get("/probes/{id}") { _, context -> ProbeReceipt in
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
                throw Problem.validation([.init(field: "id", message: "must be a UUID")])
            }
            guard let receipt = try await probes.receipt(id, logger: context.logger) else {
                throw Problem.notFound("A probe receipt with id \(id.uuidString.lowercased())")
            }
            return ProbeReceipt(probeId: id.uuidString.lowercased(), sentBy: receipt.sentBy, note: receipt.note,
                                receivedBy: probes.environment.configuration.serviceName, correlationId: receipt.correlationId,
                                receivedAt: receipt.receivedAt)
        }
        return routes
    }
}

/// `GET /whoami`: the identity and the store this service sees for the request, to check the
/// gateway's assertion end to end.
struct WhoAmIController: Controller {
    static let access = Access.everyone

    /// The caller's identity and the request's store.
    struct Seen: ResponseEncodable {
        var role: CallerIdentity.Role
        var customerId: String?
        var staffId: String?
        var platformAdmin: Bool?
        var storeId: String?
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self).get("/whoami") { request, context in
            let caller = context.caller(of: request)
            return Seen(role: caller.role, customerId: caller.customerId?.uuidString.lowercased(),
                        staffId: caller.staffId?.uuidString.lowercased(), platformAdmin: caller.platformAdmin ? true : nil,
                        storeId: context.storeId?.description)
        }
    }
}

/// Records every probe this service receives.
struct ProbeHandler: EventHandler {
    var reactions: EventReactions {
        EventReactions().on(ProbeSent.self) { probe, context in try await ProbeStore.record(probe, context) }
    }
}
