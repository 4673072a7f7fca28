import Hummingbird
import ServiceKit

/// A store's POS account, for its admins: connect the store's shop at the deployment's POS
/// provider (its API key, shop id and webhook secret). The secrets are written, never read back.
struct PosAccountController: Controller {
    static let access = Access.admin
    let accounts: PosAccountStore
    /// Whether the deployment integrates a POS provider at all (`POS_BASE_URL`).
    let providerConfigured: Bool

    struct Connection: Decodable {
        var apiKey: String
        var shopId: String
        var webhookSecret: String
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.get("/admin/pos/account") { _, context -> PosAccountStore.View in
            try await accounts.view(logger: context.logger)
        }
        routes.put("/admin/pos/account") { request, context -> PosAccountStore.View in
            let body = try await request.decodeBody(Connection.self, context: context)
            var errors: [Problem.FieldError] = []
            for (field, value) in [("api_key", body.apiKey), ("webhook_secret", body.webhookSecret)] {
                if let problem = SecretSeal.credentialProblem(value) { errors.append(.init(field: field, message: problem)) }
            }
            if body.shopId.range(of: "^[A-Za-z0-9_-]{1,64}$", options: .regularExpression) == nil {
                errors.append(.init(field: "shop_id", message: "must be 1 to 64 letters, digits, '-' or '_'"))
            }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            guard providerConfigured else {
                throw Problem(status: .conflict, type: "pos-not-offered", title: "This deployment has no POS provider.",
                              detail: "POS sync needs POS_BASE_URL on the fulfilment service.")
            }
            return try await accounts.save(PosAccount(apiKey: body.apiKey, shopId: body.shopId, webhookSecret: body.webhookSecret),
                                           by: context.staffId, logger: context.logger)
        }
        return routes
    }
}
