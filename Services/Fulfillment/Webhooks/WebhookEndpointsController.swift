import Foundation
import Hummingbird
import ServiceKit

/// The admin API for merchant webhooks (admins only: an endpoint receives the shop's order
/// data): register endpoints, list and disable them, read each one's delivery log, replay one
/// delivery.
struct WebhookEndpointsController: Controller {
    static let access = Access.admin
    let webhooks: WebhookStore
    let destinations: DestinationGuard

    static let deliveryStatuses = ["pending", "succeeded", "failed"]

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/admin/webhooks/endpoints") { request, context -> EditedResponse<WebhookEndpoint> in
            let registration = try await request.decodeBody(EndpointRegistration.self, context: context)
            let (url, types, secret, description) = try await registration.validated(by: destinations)
            let endpoint = try await webhooks.register(url: url, types: types, secret: secret, description: description,
                                                   by: context.staffActor, logger: context.logger)
            return EditedResponse(status: .created, response: endpoint)
        }
        routes.get("/admin/webhooks/endpoints") { request, context -> Page<WebhookEndpoint> in
            return try await webhooks.endpoints(page: try PageRequest(request), logger: context.logger)
        }
        routes.get("/admin/webhooks/endpoints/{id}") { request, context -> WebhookEndpoint in
            guard let endpoint = try await webhooks.endpoint(try context.uuid(what: "That endpoint"), logger: context.logger) else {
                throw Problem.notFound("That endpoint")
            }
            return endpoint
        }
        routes.post("/admin/webhooks/endpoints/{id}/disable") { request, context -> WebhookEndpoint in
            guard let endpoint = try await webhooks.setActive(try context.uuid(what: "That endpoint"), false, logger: context.logger) else {
                throw Problem.notFound("That endpoint")
            }
            return endpoint
        }
        routes.post("/admin/webhooks/endpoints/{id}/enable") { request, context -> WebhookEndpoint in
            guard let endpoint = try await webhooks.setActive(try context.uuid(what: "That endpoint"), true, logger: context.logger) else {
                throw Problem.notFound("That endpoint")
            }
            return endpoint
        }
        routes.get("/admin/webhooks/endpoints/{id}/deliveries") { request, context -> Page<WebhookDelivery> in
            let id = try context.uuid(what: "That endpoint")
            let status = try request.queryChoice("status", Self.deliveryStatuses)
            let page = try PageRequest(request)
            guard try await webhooks.endpoint(id, logger: context.logger) != nil else { throw Problem.notFound("That endpoint") }
            return try await webhooks.deliveries(endpoint: id, status: status, page: page, logger: context.logger)
        }
        routes.post("/admin/webhooks/deliveries/{id}/replay") { request, context -> EditedResponse<WebhookDelivery> in
            let id = try context.uuid(what: "That delivery")
            guard try await webhooks.replay(id, logger: context.logger), let delivery = try await webhooks.delivery(id, logger: context.logger) else {
                throw Problem.notFound("That delivery")
            }
            return EditedResponse(status: .accepted, response: delivery)
        }
        return routes
    }
}
