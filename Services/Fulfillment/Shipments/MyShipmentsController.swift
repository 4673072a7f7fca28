import Foundation
import Hummingbird
import ServiceKit

/// A customer's view of their own order's shipments (anyone else's order is 404).
struct MyShipmentsController: Controller {
    static let access = Access.customer
    let shipments: ShipmentStore

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self).get("/orders/{id}/shipments") { _, context -> OrderShipments in
            guard let found = try await shipments.forOrder(try context.uuid(what: "That order"), customer: try context.customerId,
                                                           logger: context.logger) else {
                throw Problem.notFound("That order")
            }
            return found
        }
    }
}
