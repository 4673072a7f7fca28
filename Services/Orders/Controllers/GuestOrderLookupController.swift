import Foundation
import Hummingbird
import ServiceKit

/// A guest finds their order by its number and the email it was placed with.
struct GuestOrderLookupController: Controller {
    static let access = Access.everyone
    let orders: OrderStore

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self).get("/orders/lookup") { request, context -> Order in
            let number = try request.queryText("number", maxLength: 40)
            let email = try request.queryText("email", maxLength: 254)
            guard let number, let email else {
                throw Problem.validation((number == nil ? [.init(field: "number", message: "is required")] : [])
                    + (email == nil ? [.init(field: "email", message: "is required")] : []))
            }
            guard let order = try await orders.lookup(number: number, email: email, logger: context.logger) else {
                throw Problem.notFound("An order with that number and email")
            }
            return order
        }
    }
}
