import EventContracts
import Foundation
import Hummingbird
import ServiceKit

/// The store an admin works in, and the settings its admins change themselves: its name,
/// language, time zone, where customers' replies go, its low-stock threshold, and whether its
/// order numbers are sequential or random. The slug,
/// country, currency and order-number prefix are set when the store is created (open bank
/// transfers name their order by its number, and prices are in the store's currency). The
/// original store runs on the deployment's configuration and is changed there.
struct StoreSettingsController: Controller {
    static let access = Access.admin
    let registry: StoreRegistry
    let directory: StoreDirectory

    /// The settings a store's admins set, all at once (an absent optional clears it).
    struct Edit: Decodable {
        var name: String
        var language: String
        var timeZone: String
        var supportEmail: String?
        var lowStockThreshold: Int?
        /// `sequential` or `random`; absent: as it was.
        var orderNumbers: String?

        /// The edit with its text trimmed, every wrong field added to `errors`.
        func validated(into errors: inout [Problem.FieldError]) -> Edit {
            var edit = self
            edit.name = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if !(1...100).contains(edit.name.count) { errors.append(.init(field: "name", message: "must be 1 to 100 characters")) }
            if !["vi", "en"].contains(language) { errors.append(.init(field: "language", message: "must be vi or en")) }
            if TimeZone(identifier: timeZone) == nil {
                errors.append(.init(field: "time_zone", message: "must be an IANA time zone such as Asia/Ho_Chi_Minh"))
            }
            edit.supportEmail = supportEmail?.trimmingCharacters(in: .whitespaces).lowercased()
            if let email = edit.supportEmail, !IdentityRules.isEmail(email) {
                errors.append(.init(field: "support_email", message: "must be an email address"))
            }
            if let threshold = lowStockThreshold, !(0...1_000_000).contains(threshold) {
                errors.append(.init(field: "low_stock_threshold", message: "must be 0 to 1000000 units"))
            }
            if let style = orderNumbers, OrderNumberStyle(rawValue: style) == nil {
                errors.append(.init(field: "order_numbers", message: "must be sequential or random"))
            }
            return edit
        }
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/api/admin/store") { _, context -> Store in
            guard let store = try await registry.find(id: try context.store, logger: context.logger) else { throw Problem.notFound("The store") }
            return store
        }
        routes.put("/api/admin/store/settings") { request, context -> Store in
            let id = try context.store
            var errors: [Problem.FieldError] = []
            let edit = try await request.decodeBody(Edit.self, context: context).validated(into: &errors)
            guard errors.isEmpty else { throw Problem.validation(errors) }
            guard id != .original else {
                throw Problem(status: .conflict, type: "original-store-settings", title: "The original store runs on the deployment's configuration.",
                              detail: "Change SHOP_NAME, SHOP_LANGUAGE, SHOP_TIME_ZONE, EMAIL_FROM and LOW_STOCK_THRESHOLD where the services are deployed.")
            }
            guard var settings = try await registry.find(id: id, logger: context.logger)?.settings else { throw Problem.notFound("The store") }
            settings.name = edit.name
            settings.language = edit.language
            settings.timeZone = edit.timeZone
            settings.supportEmail = edit.supportEmail
            settings.lowStockThreshold = edit.lowStockThreshold
            if let style = edit.orderNumbers.flatMap(OrderNumberStyle.init(rawValue:)) { settings.orderNumbers = style }
            guard let store = try await registry.updateSettings(id, to: settings, correlationId: context.correlationId, logger: context.logger)
            else { throw Problem.notFound("The store") }
            directory.forget(store)
            return store
        }
        return routes
    }
}
