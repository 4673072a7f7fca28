import EventContracts
import Foundation
import Hummingbird
import Money
import ServiceKit

/// The platform's stores, for platform operators: create one (it opens when every service
/// has set it up), list and read them with their provisioning checklist, suspend and resume,
/// and give one a new publishable key.
struct StoresController: Controller {
    static let access = Access.platform
    let registry: StoreRegistry
    let directory: StoreDirectory

    struct NewStore: Decodable {
        var name: String
        var slug: String
        var country: String
        var currency: String
        var language: String
        var timeZone: String
        var orderPrefix: String
        var ownerEmail: String
        var supportEmail: String?
        var lowStockThreshold: Int?
    }

    struct Suspension: Decodable {
        var reason: String
    }

    struct StoreList: ResponseEncodable {
        var items: [Store]
    }

    var endpoints: RouteCollection<ServiceRequestContext> {
        let routes = RouteCollection(context: ServiceRequestContext.self)
        routes.post("/api/platform/stores") { request, context -> EditedResponse<Store> in
            let body = try await request.decodeBody(NewStore.self, context: context)
            let (settings, owner) = try Self.validated(body)
            let store = try await registry.create(settings, ownerEmail: owner, correlationId: context.correlationId, logger: context.logger)
            return EditedResponse(status: .created, headers: [.location: "/api/platform/stores/\(store.id)"], response: store)
        }
        routes.get("/api/platform/stores") { _, context -> StoreList in
            StoreList(items: try await registry.list(logger: context.logger))
        }
        routes.get("/api/platform/stores/{id}") { _, context -> Store in
            guard let store = try await registry.find(id: try Self.storeID(context), logger: context.logger) else { throw Self.noSuchStore }
            return store
        }
        routes.post("/api/platform/stores/{id}/suspend") { request, context -> Store in
            let id = try Self.storeID(context)
            let body = try await request.decodeBody(Suspension.self, context: context)
            let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...500).contains(reason.count) else {
                throw Problem.validation([.init(field: "reason", message: "must be 1 to 500 characters")])
            }
            return try await changed(registry.setStatus(id, to: .suspended, reason: reason, correlationId: context.correlationId,
                                                         logger: context.logger))
        }
        routes.post("/api/platform/stores/{id}/resume") { _, context -> Store in
            try await changed(registry.setStatus(try Self.storeID(context), to: .active, reason: nil,
                                                 correlationId: context.correlationId, logger: context.logger))
        }
        routes.post("/api/platform/stores/{id}/publishable-key") { _, context -> Store in
            try await changed(registry.rotateKey(try Self.storeID(context), logger: context.logger))
        }
        return routes
    }

    /// The store after a change this instance made: forgotten by the directory, so the door
    /// sees the change at once.
    private func changed(_ store: Store?) throws -> Store {
        guard let store else { throw Self.noSuchStore }
        directory.forget(store)
        return store
    }

    private static let noSuchStore = Problem.notFound("The store")

    private static func storeID(_ context: ServiceRequestContext) throws -> StoreID {
        StoreID(try context.uuid(what: "The store"))
    }

    /// The new store's settings and owner, or a 422 naming every field that is wrong.
    static func validated(_ body: NewStore) throws -> (StoreSettings, String) {
        var errors: [Problem.FieldError] = []
        let edit = StoreSettingsController.Edit(name: body.name, language: body.language, timeZone: body.timeZone,
                                                supportEmail: body.supportEmail, lowStockThreshold: body.lowStockThreshold)
        let edited = edit.validated(into: &errors)
        if body.slug.range(of: "^[a-z0-9][a-z0-9-]{1,62}$", options: .regularExpression) == nil {
            errors.append(.init(field: "slug", message: "must be 2 to 63 lower-case letters, digits or hyphens, not starting with a hyphen"))
        }
        if body.country.range(of: "^[A-Z]{2}$", options: .regularExpression) == nil {
            errors.append(.init(field: "country", message: "must be an ISO 3166-1 alpha-2 code such as VN"))
        }
        if Currency(code: body.currency) == nil || !Locale.commonISOCurrencyCodes.contains(body.currency) {
            errors.append(.init(field: "currency", message: "must be an ISO 4217 code such as VND"))
        }
        if body.orderPrefix.range(of: "^[A-Z0-9]{1,10}$", options: .regularExpression) == nil {
            errors.append(.init(field: "order_prefix", message: "must be 1 to 10 upper-case letters or digits"))
        }
        let owner = body.ownerEmail.trimmingCharacters(in: .whitespaces).lowercased()
        if !IdentityRules.isEmail(owner) { errors.append(.init(field: "owner_email", message: "must be an email address")) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return (StoreSettings(name: edited.name, slug: body.slug, country: body.country, currency: body.currency, language: body.language,
                              timeZone: body.timeZone, orderPrefix: body.orderPrefix, supportEmail: edited.supportEmail,
                              lowStockThreshold: body.lowStockThreshold), owner)
    }
}
