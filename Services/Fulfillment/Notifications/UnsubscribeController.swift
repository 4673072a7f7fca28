import Foundation
import Hummingbird
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
            let customer = customerText.flatMap(UUID.init(uuidString:))
            if customer == nil { errors.append(.init(field: "customer", message: customerText == nil ? "is required" : "must be a UUID")) }
            if signature == nil { errors.append(.init(field: "signature", message: "is required")) }
            guard errors.isEmpty, let customer, let signature else { throw Problem.validation(errors) }
            guard optOuts.isValid(signature: signature, customer: customer) else {
                throw Problem(status: .forbidden, type: "link-invalid", title: "This unsubscribe link is not valid.",
                              errors: [.init(field: "signature", message: "does not match")])
            }
            try await optOuts.set(customer, wantsReminders: false, logger: context.logger)
            return Response(status: .noContent)
        }
        return routes
    }
}
