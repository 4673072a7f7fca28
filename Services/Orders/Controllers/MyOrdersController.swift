import Foundation
import Hummingbird
import ServiceKit

/// A signed-in customer's orders: their history and figures, one order with its timeline
/// (someone else's order is 404), and cancelling before fulfilment starts.
struct MyOrdersController: Controller {
    static let access = Access.customer
    let orders: OrderStore

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/orders") { request, context -> Page<Order> in
            try await orders.list(OrderStore.Filter(customer: try context.customerId), page: try PageRequest(request), logger: context.logger)
        }
        routes.get("/orders/stats") { _, context -> CustomerStats in
            let customer = try context.customerId
            return try await orders.stats(customer: customer, logger: context.logger)
                ?? CustomerStats(customerId: customer.uuidString.lowercased(), orderCount: 0, lifetimeSpend: [], lastOrderAt: nil)
        }
        routes.get("/orders/{id}") { _, context -> Order in
            let order = try await orders.existing(try context.uuid(what: "That order"), logger: context.logger)
            guard order.customerId?.uuid == (try context.customerId) else { throw Problem.notFound("That order") }
            return order
        }
        routes.post("/orders/{id}/cancel") { _, context -> Order in
            try await orders.cancel(try context.uuid(what: "That order"), forCustomer: try context.customerId,
                                    correlationId: context.correlationId, logger: context.logger)
        }
        return routes
    }
}
