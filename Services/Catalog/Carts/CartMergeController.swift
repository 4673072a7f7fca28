import Foundation
import Hummingbird
import ServiceKit

/// After signing in, the storefront merges the guest cart (proved by its token) into the
/// customer's cart.
struct CartMergeController: Controller {
    static let access = Access.customer
    let carts: CartStore

    struct Merge: Decodable {
        var guestCartId: String
        var guestCartToken: String
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        RouteCollection(context: ServiceRequestContext.self).post("/carts/{id}/merge") { request, context -> Cart in
            let id = try CartController.cartID(context)
            let customer = try context.customerId
            let body = try await request.decodeBody(Merge.self, context: context)
            guard let guest = UUID(uuidString: body.guestCartId) else {
                throw Problem.validation([.init(field: "guest_cart_id", message: "must be a UUID")])
            }
            guard guest != id, let cart = try await carts.merge(guest: guest, token: body.guestCartToken, into: id, customer: customer,
                                                                correlationId: context.correlationId, logger: context.logger)
            else { throw CartController.notFound }
            return cart
        }
    }
}
