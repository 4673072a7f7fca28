import EventContracts
import Hummingbird
import ServiceKit

/// A store's sales rules, for its admins: shipping fees by currency, tax by destination and the
/// payment window. A change applies to checkouts priced from then on; placed ones keep theirs.
struct SalesRulesController: Controller {
    static let access = Access.admin
    let rules: SalesRulesStore
    var stores = ServedStores()

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/admin/sales-rules") { _, context -> SalesRules.Document in
            try await rules.rules(logger: context.logger).document
        }
        routes.put("/admin/sales-rules") { request, context -> SalesRules.Document in
            let document = try await request.decodeBody(SalesRules.Document.self, context: context)
            let changed = try SalesRules(document)
            // A store must be able to ship what it sells, priced in its own currency.
            if let currency = try await stores.settings(of: try context.store, database: rules.database, logger: context.logger)?.currency,
               changed.shipping.tiers[currency] == nil {
                throw Problem.validation([.init(field: "shipping", message: "must price the store's own currency, \(currency)")])
            }
            return try await rules.save(changed, by: context.staffId, logger: context.logger)
        }
        return routes
    }
}

extension SalesRules.Document: ResponseEncodable {}
