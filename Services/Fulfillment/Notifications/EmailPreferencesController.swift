import Foundation
import Hummingbird
import ServiceKit

/// A signed-in customer reads and sets whether they want reminder emails.
struct EmailPreferencesController: Controller {
    static let access = Access.customer
    let optOuts: OptOutStore

    struct Preferences: ResponseCodable, Sendable {
        var reminders: Bool
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/email-preferences") { _, context -> Preferences in
            Preferences(reminders: !(try await optOuts.isOptedOut(try context.customerId, logger: context.logger)))
        }
        routes.put("/email-preferences") { request, context -> Preferences in
            let body = try await request.decodeBody(Preferences.self, context: context)
            try await optOuts.set(try context.customerId, wantsReminders: body.reminders, logger: context.logger)
            return body
        }
        return routes
    }
}
