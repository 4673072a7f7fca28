import Hummingbird
import ServiceKit

/// A store's sales rules, for its admins: shipping fees by currency, tax by destination and the
/// payment window. A change applies to checkouts priced from then on; placed ones keep theirs.
struct SalesRulesController: Controller {
    static let access = Access.admin
    let rules: SalesRulesStore

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/admin/sales-rules") { _, context -> SalesRules.Document in
            try await rules.rules(logger: context.logger).document
        }
        routes.put("/admin/sales-rules") { request, context -> SalesRules.Document in
            let document = try await request.decodeBody(SalesRules.Document.self, context: context)
            return try await rules.save(try SalesRules(document), by: context.staffId, logger: context.logger)
        }
        return routes
    }
}

extension SalesRules.Document: ResponseEncodable {}
