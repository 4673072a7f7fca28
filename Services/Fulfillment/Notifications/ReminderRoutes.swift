import Foundation
import Hummingbird
import ServiceKit

/// A customer's choice about reminders: one-click unsubscribe from the signed link in a
/// reminder (no sign-in; RFC 8058 clients post `List-Unsubscribe=One-Click`), and reading or
/// setting it when signed in.
struct ReminderRoutes: Sendable {
    let optOuts: OptOutStore

    struct Preferences: ResponseCodable, Sendable {
        var reminders: Bool
    }

    func register(on router: Router<ServiceRequestContext>) {
        router.post("/email-preferences/unsubscribe") { request, context -> Response in
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
        router.get("/email-preferences") { request, context -> Preferences in
            guard let customer = try context.caller(of: request).requiring([.customer]).customerId else { throw Problem.unauthenticated }
            return Preferences(reminders: !(try await optOuts.isOptedOut(customer, logger: context.logger)))
        }
        router.put("/email-preferences") { request, context -> Preferences in
            guard let customer = try context.caller(of: request).requiring([.customer]).customerId else { throw Problem.unauthenticated }
            let body = try await request.decodeBody(Preferences.self, context: context)
            try await optOuts.set(customer, wantsReminders: body.reminders, logger: context.logger)
            return body
        }
    }
}
