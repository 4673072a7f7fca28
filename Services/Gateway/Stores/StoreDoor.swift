import EventContracts
import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// Which store a request is for, decided at the gateway's door:
/// - a storefront names its store with the publishable key, `X-Store-Key: pk_…`; a store that
///   is not open (being provisioned, or suspended) refuses its storefront with 403;
/// - staff name the store they work in with `X-Store-Id` (its id) and must be a member of it,
///   unless they are platform operators; a store they may not see is 404, as if it did not
///   exist. Their role is their membership's there (`owner` and `admin` are admins), read on
///   every request, so a change takes effect at once; platform operators are admins anywhere;
/// - a customer's token works only in the store the account belongs to (401 elsewhere);
/// - the checkout pages' public widget names its store in the path (``WidgetPaths``: its
///   slug, or its id), whatever the headers say;
/// - a request naming neither goes to the deployment's default store (`DEFAULT_STORE`, a
///   slug), so a one-shop deployment's storefront needs no key; without one it is 400.
/// Platform routes and staff sign-in are about people and the platform, not one store, and
/// are not resolved.
struct StoreDoor: Sendable {
    static let keyHeader = HTTPField.Name("X-Store-Key")!
    static let idHeader = HTTPField.Name("X-Store-Id")!
    /// Paths whose requests name no store.
    static let storelessPrefixes = ["/api/platform/", "/api/admin/auth/"]

    let directory: StoreDirectory
    /// The slug of the store a request that names none goes to; nil: every request must name one.
    let defaultStore: String?

    /// The store `request` is for, and the caller as they stand in it (staff get their role
    /// there); nil for a route that names no store.
    func store(of request: Request, path: String, caller verified: CallerIdentity?, context: ServiceRequestContext) async throws
        -> (store: StoreID, caller: CallerIdentity?)? {
        guard path.hasPrefix("/api/"), !Self.storelessPrefixes.contains(where: path.hasPrefix) else { return nil }
        var caller = verified ?? .guest
        let isStaff = caller.role == .staff || caller.role == .admin
        let store: Store
        if let named = WidgetPaths.store(in: path) {
            var found: Store?
            if let id = StoreID(named) { found = try await directory.store(id: id, logger: context.logger) }
            if found == nil { found = try await directory.store(slug: named, logger: context.logger) }
            guard let found else { throw Problem.notFound("That store") }
            store = found
        } else if let key = request.headers[Self.keyHeader] {
            guard let found = try await directory.store(publishableKey: key, logger: context.logger) else {
                throw Self.notFound(header: Self.keyHeader, "No store has this publishable key.")
            }
            store = found
        } else if let text = request.headers[Self.idHeader] {
            guard isStaff else {
                throw Problem(status: .badRequest, type: "store-id-for-staff", title: "X-Store-Id is for staff.",
                              detail: "A storefront names its store with X-Store-Key.",
                              errors: [.init(field: Self.idHeader.rawName, message: "is for signed-in staff; send X-Store-Key")])
            }
            guard let id = StoreID(text), let found = try await directory.store(id: id, logger: context.logger) else {
                throw Self.notFound(header: Self.idHeader, "No store you work in has this id.")
            }
            store = found
        } else if let defaultStore, let found = try await directory.store(slug: defaultStore, logger: context.logger) {
            store = found
        } else {
            throw Problem(status: .badRequest, type: "store-required", title: "Name the store.",
                          detail: "Send the store's publishable key as X-Store-Key (staff: its id as X-Store-Id).",
                          errors: [.init(field: Self.keyHeader.rawName, message: "is required")])
        }
        if isStaff, let staff = caller.staffId, !caller.platformAdmin {
            guard let role = try await directory.registry.membershipRole(staff, in: store.id, logger: context.logger) else {
                throw Self.notFound(header: request.headers[Self.idHeader] != nil ? Self.idHeader : Self.keyHeader,
                                    "No store you work in has this id.")
            }
            caller.role = role == "staff" ? .staff : .admin
        }
        if caller.role == .customer, caller.customerStore != store.id {
            throw Problem(status: .unauthorized, type: "token-for-another-store", title: "This sign-in is for another store.",
                          detail: "A customer account belongs to one store; sign in to this one.",
                          headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
        }
        // A store that is not open takes no orders, whoever places them.
        let placesOrder = request.method == .post && path == DoorMiddleware.placementPath
            || WidgetPaths.placesOrder(method: request.method.rawValue, path: path)
        if !isStaff || placesOrder, store.status != .active {
            throw Problem(status: .forbidden, type: "store-unavailable", title: "This store is not open.",
                          detail: store.status == .suspended ? "The store is suspended." : "The store is being set up.")
        }
        return (store.id, verified == nil ? nil : caller)
    }

    /// `document` with the store scheme described: `X-Store-Key` and `X-Store-Id` as API-key
    /// schemes in `components.securitySchemes`, and the rule in `info.x-store-naming`.
    static func documented(_ document: JSONValue) -> JSONValue {
        let rule = """
            Every /api call is for one store. A storefront sends the store's publishable key as X-Store-Key (public, safe in a web \
            page); staff send the id of the store they work in as X-Store-Id and must be its members (platform operators need no \
            membership). A call naming neither goes to the deployment's default store, where it has one. Platform routes \
            (/api/platform/...) and staff sign-in name no store. Unknown keys and stores the caller may not see are 404 \
            store-not-found; a store being set up or suspended refuses its storefront with 403 store-unavailable.
            """
        let info = (document["info"] ?? [:]).setting("x-store-naming", to: .string(rule))
        let components = document["components"] ?? [:]
        let schemes = (components["securitySchemes"] ?? [:])
            .setting("storeKey", to: ["type": "apiKey", "in": "header", "name": .string(keyHeader.rawName),
                                      "description": "The store's publishable key (storefront calls)."])
            .setting("storeId", to: ["type": "apiKey", "in": "header", "name": .string(idHeader.rawName),
                                     "description": "The id of the store a staff member works in (admin calls)."])
        return document.setting("info", to: info).setting("components", to: components.setting("securitySchemes", to: schemes))
    }

    /// `paths` (the merged document's) with the door's answers documented on every operation
    /// whose requests name a store: 403 `store-unavailable` and 404 `store-not-found`, added
    /// to what the operation already answers with those statuses.
    static func documentingAnswers(in paths: [(String, JSONValue)]) -> [(String, JSONValue)] {
        let answers = [("403", "The store is not open (store-unavailable)."),
                       ("404", "No store has the key or id sent, or the caller may not see it (store-not-found).")]
        return paths.map { path, item in
            guard path.hasPrefix("/api/"), !storelessPrefixes.contains(where: path.hasPrefix) else { return (path, item) }
            let operations = item.members.map { method, operation -> (String, JSONValue) in
                var responses = operation["responses"] ?? [:]
                for (status, description) in answers {
                    if let existing = responses[status] {
                        let text = (existing["description"]?.text ?? "") + " Or: " + description
                        responses = responses.setting(status, to: existing.setting("description", to: .string(text)))
                    } else {
                        responses = responses.setting(status, to: [
                            "description": .string(description),
                            "content": ["application/problem+json": ["schema": Schema.ref("Problem")]],
                        ])
                    }
                }
                let sorted = JSONValue.object(responses.members.sorted { $0.0 < $1.0 })
                return (method, operation.setting("responses", to: sorted))
            }
            return (path, .object(operations))
        }
    }

    private static func notFound(header: HTTPField.Name, _ detail: String) -> Problem {
        Problem(status: .notFound, type: "store-not-found", title: "No such store.", detail: detail,
                errors: [.init(field: header.rawName, message: "names no store")])
    }
}
