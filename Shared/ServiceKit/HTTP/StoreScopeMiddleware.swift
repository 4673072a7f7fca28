import EventContracts
import HTTPTypes
import Hummingbird
import Persistence

/// Puts the request's store in the context (``ServiceRequestContext/storeId``) and runs the
/// rest of the request for it (``StoreScope``), so the events it records are that store's.
///
/// The store is the one a middleware before this one resolved (the gateway's door, from the
/// caller's store key), else the one the gateway asserted in `X-Commerce-Store-Id` (services
/// are reachable only through the gateway, which removes any client-sent `X-Commerce-*`
/// header), else the original store. The kit mounts it after the service's own middleware.
public struct StoreScopeMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext
    public static let header = HTTPField.Name("X-Commerce-Store-Id")!

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let store: StoreID
        if let resolved = context.storeId {
            store = resolved
        } else if let asserted = request.headers[Self.header] {
            guard let id = StoreID(asserted) else {
                throw Problem(status: .badRequest, type: "invalid-store", title: "The store is not a store id.",
                              detail: "X-Commerce-Store-Id must be a store's UUID.")
            }
            store = id
        } else {
            store = .original
        }
        context.storeId = store
        return try await StoreScope.run(for: store) { try await next(request, context) }
    }
}

extension ServiceRequestContext {
    /// The request's store; a 400 problem on a route that names none (a platform route).
    public var store: StoreID {
        get throws {
            guard let storeId else {
                throw Problem(status: .badRequest, type: "store-required", title: "Name the store.",
                              detail: "This route acts within one store.")
            }
            return storeId
        }
    }
}
