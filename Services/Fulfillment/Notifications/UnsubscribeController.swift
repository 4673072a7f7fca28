import EventContracts
import Foundation
import Hummingbird
import Persistence
import ServiceKit

/// One-click unsubscribe from the signed link in a reminder (no sign-in; RFC 8058 clients
/// post `List-Unsubscribe=One-Click`). A signed-in customer reads and sets the choice with
/// ``EmailPreferencesController``.
struct UnsubscribeController: Controller {
    static let access = Access.everyone
    let optOuts: OptOutStore

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/email-preferences/unsubscribe") { request, context -> Response in
            var errors: [Problem.FieldError] = []
            let customerText = try request.queryText("customer", maxLength: 40)
            let signature = try request.queryText("signature", maxLength: 128)
            let storeText = try request.queryText("store", maxLength: 40)
            let customer = customerText.flatMap(UUID.init(uuidString:))
            let store = storeText.map(StoreID.init) ?? .original
            if customer == nil { errors.append(.init(field: "customer", message: customerText == nil ? "is required" : "must be a UUID")) }
            if store == nil { errors.append(.init(field: "store", message: "must be a store id")) }
            if signature == nil { errors.append(.init(field: "signature", message: "is required")) }
            guard errors.isEmpty, let customer, let store, let signature else { throw Problem.validation(errors) }
            guard optOuts.isValid(signature: signature, customer: customer, store: store) else {
                throw Problem(status: .forbidden, type: "link-invalid", title: "This unsubscribe link is not valid.",
                              errors: [.init(field: "signature", message: "does not match")])
            }
            // The signed link names the customer's store, whichever store the request reached.
            try await StoreScope.run(for: store) { try await optOuts.set(customer, wantsReminders: false, logger: context.logger) }
            return Response(status: .noContent)
        }
        return routes
    }
}
