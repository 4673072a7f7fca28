import Foundation
import Hummingbird
import ServiceKit

/// The admin API for merchant webhooks (admins only: an endpoint receives the shop's order
/// data): register endpoints, list and disable them, read each one's delivery log, replay one
/// delivery.
struct WebhookRoutes: Sendable {
    let book: WebhookStore
    let destinations: DestinationGuard

    static let deliveryStatuses = ["pending", "succeeded", "failed"]

    func register(on router: Router<ServiceRequestContext>) {
        router.post("/admin/webhooks/endpoints") { request, context -> EditedResponse<WebhookEndpoint> in
            let admin = try context.caller(of: request).requiring([.admin])
            let registration = try await request.decodeBody(EndpointRegistration.self, context: context)
            let (url, types, secret, description) = try await registration.validated(by: destinations)
            let endpoint = try await book.register(url: url, types: types, secret: secret, description: description,
                                                   by: "staff:\(admin.staffId?.uuidString.lowercased() ?? "unknown")", logger: context.logger)
            return EditedResponse(status: .created, response: endpoint)
        }
        router.get("/admin/webhooks/endpoints") { request, context -> Page<WebhookEndpoint> in
            _ = try context.caller(of: request).requiring([.admin])
            return try await book.endpoints(page: try PageRequest(request), logger: context.logger)
        }
        router.get("/admin/webhooks/endpoints/{id}") { request, context -> WebhookEndpoint in
            _ = try context.caller(of: request).requiring([.admin])
            guard let endpoint = try await book.endpoint(try context.uuid(what: "That endpoint"), logger: context.logger) else {
                throw Problem.notFound("That endpoint")
            }
            return endpoint
        }
        router.post("/admin/webhooks/endpoints/{id}/disable") { request, context -> WebhookEndpoint in
            _ = try context.caller(of: request).requiring([.admin])
            guard let endpoint = try await book.setActive(try context.uuid(what: "That endpoint"), false, logger: context.logger) else {
                throw Problem.notFound("That endpoint")
            }
            return endpoint
        }
        router.post("/admin/webhooks/endpoints/{id}/enable") { request, context -> WebhookEndpoint in
            _ = try context.caller(of: request).requiring([.admin])
            guard let endpoint = try await book.setActive(try context.uuid(what: "That endpoint"), true, logger: context.logger) else {
                throw Problem.notFound("That endpoint")
            }
            return endpoint
        }
        router.get("/admin/webhooks/endpoints/{id}/deliveries") { request, context -> Page<WebhookDelivery> in
            _ = try context.caller(of: request).requiring([.admin])
            let id = try context.uuid(what: "That endpoint")
            let status = try request.queryChoice("status", Self.deliveryStatuses)
            let page = try PageRequest(request)
            guard try await book.endpoint(id, logger: context.logger) != nil else { throw Problem.notFound("That endpoint") }
            return try await book.deliveries(endpoint: id, status: status, page: page, logger: context.logger)
        }
        router.post("/admin/webhooks/deliveries/{id}/replay") { request, context -> EditedResponse<WebhookDelivery> in
            _ = try context.caller(of: request).requiring([.admin])
            let id = try context.uuid(what: "That delivery")
            guard try await book.replay(id, logger: context.logger), let delivery = try await book.delivery(id, logger: context.logger) else {
                throw Problem.notFound("That delivery")
            }
            return EditedResponse(status: .accepted, response: delivery)
        }
    }
}
